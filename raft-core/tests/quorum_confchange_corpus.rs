//! Runs every file of etcd's quorum and confchange datadriven corpus through our handlers and
//! checks the outputs against etcd's.
//!
//! The corpus is found in `$ETCD_CONFORMANCE_DIR`, else `<workspace>/conformance/etcd-raft`, else
//! the team's shared copy; the test fails if none exists (silently passing without data would
//! prove nothing). Comparison: exact line by line, except that blank lines are ignored and an
//! output of just `ok` equals an empty one.

#[path = "etcd_conformance/confchange_cmds.rs"]
mod confchange_cmds;
#[path = "etcd_conformance/datadriven.rs"]
mod datadriven;
#[path = "etcd_conformance/quorum_cmds.rs"]
mod quorum_cmds;

use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    let candidates = [
        std::env::var_os("ETCD_CONFORMANCE_DIR").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/etcd-raft")),
        Some(PathBuf::from("/work/shared/conformance/etcd-raft")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("quorum").is_dir())
        .expect("etcd conformance corpus not found; set ETCD_CONFORMANCE_DIR")
}

fn normalize(s: &str) -> Vec<&str> {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines == ["ok"] {
        Vec::new()
    } else {
        lines
    }
}

/// Runs every `.txt` file in `sub`, creating fresh per-file state with `new_env`, and returns
/// the number of directives checked. Panics with every mismatch listed.
fn run_dir<E>(
    sub: &str,
    new_env: impl Fn() -> E,
    run: impl Fn(&mut E, &datadriven::Directive) -> Result<String, String>,
) -> usize {
    let dir = corpus_dir().join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .txt files in {}", dir.display());

    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable corpus file");
        let name = file.display().to_string();
        let directives = datadriven::parse(&name, &text).expect("well-formed corpus file");
        let mut env = new_env();
        for d in &directives {
            checked += 1;
            match run(&mut env, d) {
                Err(e) => failures.push(format!("{d}: harness error: {e}")),
                Ok(got) if normalize(&got) != normalize(&d.expected) => failures.push(format!(
                    "{d}\n--- expected\n{}\n--- got\n{}",
                    d.expected, got
                )),
                Ok(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    checked
}

#[test]
fn quorum_corpus_matches_etcd() {
    let n = run_dir("quorum", || (), |_, d| quorum_cmds::run(d));
    assert!(n > 0);
}

#[test]
fn confchange_corpus_matches_etcd() {
    let n = run_dir(
        "confchange",
        confchange_cmds::ConfChangeEnv::new,
        |env, d| env.run(d),
    );
    assert!(n > 0);
}
