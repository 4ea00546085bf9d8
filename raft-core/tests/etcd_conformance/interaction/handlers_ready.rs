//! Ready handling and the local storage threads: `process-ready`, `process-append-thread`,
//! `process-apply-thread` and `stabilize`, which repeats all of them plus delivery until nothing
//! changes.

use raft_core::describe::{describe_message, describe_ready};
use raft_core::pb::{HardState, MessageType};

use super::args::node_idxs;
use super::env::{is_local_target, CmdError, CmdResult, InteractionEnv, Level};
use super::handlers_msgs::Recipient;
use crate::datadriven::Directive;

/// A `stabilize` that has not settled after this many rounds is looping (a bug in the node or
/// the harness); we stop it rather than hang the runner.
const MAX_STABILIZE_ROUNDS: usize = 10_000;

impl InteractionEnv {
    /// `process-ready ID...`
    pub(super) fn handle_process_ready(&mut self, d: &Directive) -> CmdResult {
        let idxs = node_idxs(d)?;
        self.for_each_with_header(&idxs, "handling Ready", Self::process_ready)
    }

    /// `process-append-thread ID...`
    pub(super) fn handle_process_append_thread(&mut self, d: &Directive) -> CmdResult {
        let idxs = node_idxs(d)?;
        self.for_each_with_header(
            &idxs,
            "processing append thread",
            Self::process_append_thread,
        )
    }

    /// `process-apply-thread ID...`
    pub(super) fn handle_process_apply_thread(&mut self, d: &Directive) -> CmdResult {
        let idxs = node_idxs(d)?;
        self.for_each_with_header(&idxs, "processing apply thread", Self::process_apply_thread)
    }

    /// Runs `f` for each node; with more than one node each run gets a `> N <what>` header and
    /// an indented section, as in etcd. Stops at the first error.
    fn for_each_with_header(
        &mut self,
        idxs: &[usize],
        what: &str,
        f: fn(&mut Self, usize) -> CmdResult,
    ) -> CmdResult {
        for &idx in idxs {
            if idxs.len() > 1 {
                self.out.line(&format!("> {} {what}", idx + 1));
                self.indented(|env| f(env, idx))?;
            } else {
                f(self, idx)?;
            }
        }
        Ok(())
    }

    /// One round of Ready handling: print the Ready; with synchronous storage, persist, apply and
    /// advance right away; with async storage writes, queue the local work the Ready carries.
    fn process_ready(&mut self, idx: usize) -> CmdResult {
        let rd = self.node(idx)?.rn.ready().map_err(CmdError::node)?;
        self.out.write(&describe_ready(&rd, None));
        let node = self.node(idx)?;
        let is_async = node.cfg.async_storage_writes;
        if !is_async {
            node.persist(rd.hard_state, &rd.entries, rd.snapshot.clone())?;
            node.apply(&rd.committed_entries)?;
        }
        let mut outgoing = Vec::new();
        for m in &rd.messages {
            if !is_local_target(m.to) {
                outgoing.push(m.clone());
                continue;
            }
            if !is_async {
                return Err(CmdError::Harness("unexpected local msg target".into()));
            }
            match m.kind() {
                Some(MessageType::MsgStorageAppend) => node.append_work.push_back(m.clone()),
                Some(MessageType::MsgStorageApply) => node.apply_work.push_back(m.clone()),
                _ => {
                    return Err(CmdError::Harness(format!(
                        "unexpected message type {}",
                        m.msg_type
                    )))
                }
            }
        }
        let advanced = if is_async {
            Ok(())
        } else {
            node.rn.advance(rd).map_err(CmdError::node)
        };
        self.messages.extend(outgoing);
        advanced
    }

    /// Runs the oldest queued `MsgStorageAppend` of a node: persist, then release its responses.
    fn process_append_thread(&mut self, idx: usize) -> CmdResult {
        let node = self.node(idx)?;
        let Some(mut m) = node.append_work.pop_front() else {
            self.out.write("no append work to perform");
            return Ok(());
        };
        let responses = std::mem::take(&mut m.responses);
        let hs = HardState {
            term: m.term,
            vote: m.vote,
            commit: m.commit,
        };
        let result = node.persist(Some(hs), &m.entries, m.snapshot.clone());
        self.out.line("Processing:");
        self.out.line(&describe_message(&m, None));
        result?;
        self.release_responses(responses);
        Ok(())
    }

    /// Runs the oldest queued `MsgStorageApply` of a node: apply, then release its responses.
    fn process_apply_thread(&mut self, idx: usize) -> CmdResult {
        let node = self.node(idx)?;
        let Some(mut m) = node.apply_work.pop_front() else {
            self.out.write("no apply work to perform");
            return Ok(());
        };
        let responses = std::mem::take(&mut m.responses);
        let result = node.apply(&m.entries);
        self.out.line("Processing:");
        self.out.line(&describe_message(&m, None));
        result?;
        self.release_responses(responses);
        Ok(())
    }

    /// Prints the responses a storage thread produced and puts them in flight.
    fn release_responses(&mut self, responses: Vec<raft_core::pb::Message>) {
        self.out.line("Responses:");
        for r in &responses {
            self.out.line(&describe_message(r, None));
        }
        self.messages.extend(responses);
    }

    /// `stabilize [ID...] [log-level=L]`
    pub(super) fn handle_stabilize(&mut self, d: &Directive) -> CmdResult {
        let mut idxs = node_idxs(d)?;
        if idxs.is_empty() {
            idxs = (0..self.nodes.len()).collect();
        }
        let saved = self.out.level;
        if let Some(level) = d.val("log-level") {
            self.out.level = Level::parse(level)?;
        }
        let result = self.stabilize(&idxs);
        self.out.level = saved;
        result
    }

    /// Handles Readies, delivers messages and runs the storage threads of the given nodes until
    /// a whole round finds nothing to do.
    fn stabilize(&mut self, idxs: &[usize]) -> CmdResult {
        for _ in 0..MAX_STABILIZE_ROUNDS {
            let mut done = true;
            for &idx in idxs {
                if self.node(idx)?.rn.has_ready() {
                    done = false;
                    self.out.line(&format!("> {} handling Ready", idx + 1));
                    self.indented(|env| env.process_ready(idx))?;
                }
            }
            for &idx in idxs {
                let id = idx as u64 + 1;
                if self.messages.iter().any(|m| m.to == id) {
                    done = false;
                    self.out.line(&format!("> {id} receiving messages"));
                    self.indented(|env| env.deliver_msgs(None, &[Recipient { id, drop: false }]))?;
                }
            }
            for &idx in idxs {
                if !self.node(idx)?.append_work.is_empty() {
                    done = false;
                    self.out
                        .line(&format!("> {} processing append thread", idx + 1));
                    while !self.node(idx)?.append_work.is_empty() {
                        self.indented(|env| env.process_append_thread(idx))?;
                    }
                }
            }
            for &idx in idxs {
                if !self.node(idx)?.apply_work.is_empty() {
                    done = false;
                    self.out
                        .line(&format!("> {} processing apply thread", idx + 1));
                    while !self.node(idx)?.apply_work.is_empty() {
                        // etcd's harness does not report apply-thread errors here either.
                        let _ignored = self.indented(|env| env.process_apply_thread(idx));
                    }
                }
            }
            if done {
                return Ok(());
            }
        }
        Err(CmdError::Harness(format!(
            "stabilize did not settle within {MAX_STABILIZE_ROUNDS} rounds"
        )))
    }
}
