//! Runs etcd raft's own datadriven test corpus against this crate.
//!
//! The corpus (see `shared/conformance/README.md`) has three folders, each with its own harness:
//! `interaction/` (a group of nodes driven command by command), `quorum/` (commit and vote
//! arithmetic) and `confchange/` (membership changes on a progress tracker). Every `*.txt` file
//! is run; one line per file is printed, and the last line is exactly `N passed, M failed`. The
//! process fails iff M > 0.
//!
//! Environment:
//! * `ETCD_RAFT_TESTDATA`: the corpus folder (default `shared/conformance/etcd-raft` next to the
//!   workspace);
//! * `CI=true`: a missing folder is a failure instead of a skip;
//! * `CONFORMANCE_VERBOSE=1`: also show the first difference of pending files.
//!
//! Arguments that do not start with `-` filter files by substring (`cargo test --test
//! etcd_conformance -- campaign`).

mod compare;
mod confchange_cmds;
mod datadriven;
mod interaction;
mod quorum_cmds;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use datadriven::Directive;

/// Files that wait for a feature of a later milestone, with that feature. They still run: a
/// failure is reported as pending and not counted, but a pass is counted as a failure so that
/// this list can only shrink (remove the entry once its feature lands).
const PENDING: &[(&str, &str)] = &[];

/// The corpus folders and the harness each needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Suite {
    Interaction,
    Quorum,
    ConfChange,
}

impl Suite {
    const ALL: [Suite; 3] = [Suite::Interaction, Suite::Quorum, Suite::ConfChange];

    fn folder(self) -> &'static str {
        match self {
            Suite::Interaction => "interaction",
            Suite::Quorum => "quorum",
            Suite::ConfChange => "confchange",
        }
    }

    /// Runs one file's directives on a fresh harness; stops at the first mismatch.
    fn run(self, directives: &[Directive]) -> Result<(), String> {
        match self {
            Suite::Interaction => {
                let mut env = interaction::InteractionEnv::new();
                run_directives(directives, |d| env.handle(d))
            }
            Suite::Quorum => run_directives(directives, quorum_cmds::run),
            Suite::ConfChange => {
                let mut env = confchange_cmds::ConfChangeEnv::new();
                run_directives(directives, |d| env.run(d))
            }
        }
    }
}

/// Runs directives in order. `Err` carries the report of the first block whose output differs
/// (or whose directive the harness could not run).
fn run_directives(
    directives: &[Directive],
    mut run: impl FnMut(&Directive) -> Result<String, String>,
) -> Result<(), String> {
    for d in directives {
        let actual = run(d).map_err(|e| format!("  {d}\n    harness error: {e}\n"))?;
        if !compare::equivalent(&d.expected, &actual) {
            return Err(format!(
                "  {d}\n{}",
                compare::describe_mismatch(&d.expected, &actual)
            ));
        }
    }
    Ok(())
}

/// What happened to one file.
enum Outcome {
    Pass,
    Fail(String),
}

/// Parses and runs one file, turning a panic into a failure so one bad file cannot hide the
/// results of the others.
fn run_file(suite: Suite, path: &Path, name: &str) -> Outcome {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(format!("  cannot read {}: {e}\n", path.display())),
    };
    let directives = match datadriven::parse(name, &text) {
        Ok(d) => d,
        Err(e) => return Outcome::Fail(format!("  cannot parse: {e}\n")),
    };
    match panic::catch_unwind(AssertUnwindSafe(|| suite.run(&directives))) {
        Ok(Ok(())) => Outcome::Pass,
        Ok(Err(report)) => Outcome::Fail(report),
        Err(_) => {
            let msg = LAST_PANIC.with(|p| p.take());
            Outcome::Fail(format!("  {}\n", msg.replace('\n', "\n  ")))
        }
    }
}

thread_local! {
    /// The message and location of the last panic, recorded by the hook [`main`] installs so
    /// that a panicking file is reported in its place in the listing instead of on stderr.
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The corpus folder.
fn testdata_root() -> PathBuf {
    match std::env::var_os("ETCD_RAFT_TESTDATA") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/etcd-raft"),
    }
}

/// The `*.txt` files of a folder, sorted, or `None` when the folder is missing.
fn txt_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    Some(files)
}

/// Tallies and prints per-file results.
#[derive(Default)]
struct Report {
    passed: usize,
    failed: usize,
    pending: usize,
    verbose: bool,
}

impl Report {
    fn record(&mut self, name: &str, outcome: Outcome) {
        let pending = PENDING
            .iter()
            .find(|(f, _)| *f == name)
            .map(|&(_, why)| why);
        match (outcome, pending) {
            (Outcome::Pass, None) => {
                self.passed += 1;
                println!("pass  {name}");
            }
            (Outcome::Fail(report), None) => {
                self.failed += 1;
                println!("FAIL  {name}");
                print!("{report}");
            }
            (Outcome::Fail(report), Some(feature)) => {
                self.pending += 1;
                println!("pending ({feature})  {name}");
                if self.verbose {
                    print!("{report}");
                }
            }
            (Outcome::Pass, Some(feature)) => {
                self.failed += 1;
                println!(
                    "FAIL  {name}  *** now passes: remove from PENDING (was waiting for {feature}) ***"
                );
            }
        }
    }

    fn fail(&mut self, line: &str) {
        self.failed += 1;
        println!("FAIL  {line}");
    }
}

fn main() -> ExitCode {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let root = testdata_root();
    let mut report = Report {
        verbose: std::env::var("CONFORMANCE_VERBOSE").is_ok_and(|v| v == "1"),
        ..Report::default()
    };

    panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string())
    }));
    if let Err(e) = compare::self_check() {
        report.fail(&e);
    }
    for suite in Suite::ALL {
        let dir = root.join(suite.folder());
        let Some(files) = txt_files(&dir) else {
            if ci {
                report.fail(&format!("{}/ missing at {}", suite.folder(), dir.display()));
            } else {
                println!("skip  {}/ (no folder at {})", suite.folder(), dir.display());
            }
            continue;
        };
        for path in files {
            let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned());
            let name = format!("{}/{}", suite.folder(), file_name.unwrap_or_default());
            if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
                continue;
            }
            let outcome = run_file(suite, &path, &name);
            report.record(&name, outcome);
        }
        // A PENDING entry naming a file that no longer exists is stale.
        if filters.is_empty() {
            for (name, _) in PENDING {
                let in_suite = name.split('/').next() == Some(suite.folder());
                let file = name.split_once('/').map(|(_, f)| f).unwrap_or(name);
                if in_suite && !dir.join(file).is_file() {
                    report.fail(&format!("{name}  PENDING names a file that does not exist"));
                }
            }
        }
    }
    if report.pending > 0 {
        println!("{} pending", report.pending);
    }
    println!("{} passed, {} failed", report.passed, report.failed);
    if report.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
