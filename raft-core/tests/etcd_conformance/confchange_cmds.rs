//! Handlers for etcd's confchange datadriven files (`confchange/testdata/*.txt`).
//!
//! Commands: `simple`, `enter-joint [autoleave=true|false]` and `leave-joint`, each applied with
//! a [`Changer`] to one tracker per file (inflight limit 10). Input is a change list such as
//! `v1 l2 r3 u4` (voter, learner, remove, update). The changer's last index starts at 0 and
//! grows by one per command, so a progress's `next=` tells in which command it was created.
//! Output: the configuration and progress map after the change, or the error text.

use raft_core::confchange::Changer;
use raft_core::pb::{ConfChangeSingle, ConfChangeType};
use raft_core::tracker::{describe_progress_map, ProgressTracker};

use crate::datadriven::Directive;

/// The state shared by the directives of one file.
#[derive(Debug)]
pub struct ConfChangeEnv {
    tracker: ProgressTracker,
    last_index: u64,
}

impl Default for ConfChangeEnv {
    fn default() -> Self {
        Self::new()
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Parses the change list the way etcd's harness does (tokens separated by single spaces).
/// `Err` carries the text the harness prints instead of running the command.
fn parse_changes(input: &str) -> Result<Vec<ConfChangeSingle>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(Vec::new());
    }
    input
        .split(' ')
        .map(|tok| {
            if tok.len() < 2 {
                return Err(format!("unknown token {tok}"));
            }
            let kind = match tok.as_bytes().first() {
                Some(b'v') => ConfChangeType::ConfChangeAddNode,
                Some(b'l') => ConfChangeType::ConfChangeAddLearnerNode,
                Some(b'r') => ConfChangeType::ConfChangeRemoveNode,
                Some(b'u') => ConfChangeType::ConfChangeUpdateNode,
                _ => return Err(format!("unknown input: {tok}")),
            };
            // The first byte is ASCII, so slicing after it is on a char boundary.
            let num = &tok[1..];
            let id = num.parse::<u64>().map_err(|e| {
                let why = match e.kind() {
                    std::num::IntErrorKind::PosOverflow => "value out of range",
                    _ => "invalid syntax",
                };
                format!("strconv.ParseUint: parsing {num:?}: {why}")
            })?;
            Ok(ConfChangeSingle::new(kind, id))
        })
        .collect()
}

impl ConfChangeEnv {
    /// An empty tracker (inflight limit 10, no byte limit) at last index 0.
    pub fn new() -> Self {
        ConfChangeEnv {
            tracker: ProgressTracker::new(10, 0),
            last_index: 0,
        }
    }

    /// Runs one directive and returns its output. `Err` is reserved for malformed directives.
    pub fn run(&mut self, d: &Directive) -> Result<String, String> {
        let last_index = self.last_index;
        // Every directive counts, whatever its outcome.
        self.last_index += 1;

        let ccs = match parse_changes(&d.input) {
            Ok(ccs) => ccs,
            Err(text) => return Ok(text),
        };
        let changer = Changer::new(&self.tracker, last_index);
        let result = match d.cmd.as_str() {
            "simple" => changer.simple(&ccs),
            "enter-joint" => {
                let mut auto_leave = false;
                if !d.args.is_empty() {
                    let val = d
                        .val("autoleave")
                        .ok_or_else(|| format!("{d}: missing argument autoleave"))?;
                    auto_leave = parse_go_bool(val)
                        .ok_or_else(|| format!("{d}: autoleave: not a bool: {val}"))?;
                }
                changer.enter_joint(auto_leave, &ccs)
            }
            "leave-joint" => {
                if !ccs.is_empty() {
                    return Ok("this command takes no input\n".to_owned());
                }
                changer.leave_joint()
            }
            _ => return Ok("unknown command".to_owned()),
        };
        match result {
            Err(e) => Ok(format!("{e}\n")),
            Ok((config, progress)) => {
                self.tracker.config = config;
                self.tracker.progress = progress;
                Ok(format!(
                    "{}\n{}",
                    self.tracker.config,
                    describe_progress_map(&self.tracker.progress)
                ))
            }
        }
    }
}
