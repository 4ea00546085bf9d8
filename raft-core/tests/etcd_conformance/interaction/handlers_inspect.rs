//! Commands that print state: `raft-log`, `raft-state`, `status`, `log-level`, and `compact`,
//! which changes the log and then prints it.

use std::fmt::Write as _;

use raft_core::describe::describe_entries;
use raft_core::tracker::describe_progress_map;
use raft_core::{StateRole, Storage};

use super::args::first_as_node_idx;
use super::env::{CmdError, CmdResult, InteractionEnv, Level};
use crate::datadriven::Directive;

impl InteractionEnv {
    /// `raft-log ID`
    pub(super) fn handle_raft_log(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        self.print_raft_log(idx)
    }

    /// Prints a node's stored log (not its unstable part), like etcd's harness.
    fn print_raft_log(&mut self, idx: usize) -> CmdResult {
        let mem = &self.node(idx)?.rn.store().mem;
        let fi = mem.first_index().map_err(CmdError::node)?;
        let li = mem.last_index().map_err(CmdError::node)?;
        if li < fi {
            // What MemoryStorage reports for an empty log.
            let text = format!("log is empty: first index={fi}, last index={li}");
            self.out.write(&text);
            return Ok(());
        }
        let entries = mem.entries(fi, li + 1, u64::MAX).map_err(CmdError::node)?;
        self.out.write(&describe_entries(&entries, None));
        Ok(())
    }

    /// `compact ID INDEX`: compacts the node's storage up to INDEX, then prints its log.
    pub(super) fn handle_compact(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let arg = d
            .args
            .get(1)
            .ok_or_else(|| CmdError::Harness("compact: missing index".into()))?;
        let index = arg.key.parse::<u64>().map_err(|_| {
            CmdError::Node(format!(
                "strconv.ParseUint: parsing {:?}: invalid syntax",
                arg.key
            ))
        })?;
        self.node(idx)?
            .rn
            .store_mut()
            .mem
            .compact(index)
            .map_err(CmdError::node)?;
        self.print_raft_log(idx)
    }

    /// `raft-state`: each node's own view of its role, membership, term and leader.
    pub(super) fn handle_raft_state(&mut self) -> CmdResult {
        let mut text = String::new();
        for node in &self.nodes {
            let rn = &node.rn;
            let voter = if rn.tracker().config.voters.ids().contains(&rn.id()) {
                "(Voter)"
            } else {
                "(Non-Voter)"
            };
            let _ = writeln!(
                text,
                "{}: {} {voter} Term:{} Lead:{}",
                rn.id(),
                rn.state(),
                rn.term(),
                rn.lead()
            );
        }
        self.out.write(&text);
        Ok(())
    }

    /// `status ID`: the progress a leader tracks for each peer (nothing on a non-leader, whose
    /// status carries no progress).
    pub(super) fn handle_status(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let rn = &self.node(idx)?.rn;
        if rn.state() != StateRole::Leader {
            return Ok(());
        }
        let text = describe_progress_map(&rn.tracker().progress);
        self.out.write(&text);
        Ok(())
    }

    /// `log-level LEVEL`
    pub(super) fn handle_log_level(&mut self, d: &Directive) -> CmdResult {
        let name = d
            .args
            .first()
            .map(|a| a.key.as_str())
            .ok_or_else(|| CmdError::Harness("log-level: missing level".into()))?;
        self.out.level = Level::parse(name)?;
        Ok(())
    }
}
