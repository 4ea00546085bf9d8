//! etcd's interaction scenarios (`interaction/*.txt`): a group of [`raft_core::RawNode`]s driven
//! command by command, printing what etcd's `rafttest` harness prints.
//!
//! * `env`: the group, its storage and the output buffer;
//! * `args`: reading command arguments the way etcd's harness does;
//! * `handlers_nodes`: commands that call into one node (create, campaign, propose, tick, ...);
//! * `handlers_ready`: Ready handling, the local storage threads and `stabilize`;
//! * `handlers_msgs`: message delivery and hand-made messages;
//! * `handlers_inspect`: commands that only print state (and `compact`, which prints the log).

mod args;
mod env;
mod handlers_inspect;
mod handlers_msgs;
mod handlers_nodes;
mod handlers_ready;

pub use env::InteractionEnv;

use crate::datadriven::Directive;
use env::{CmdError, CmdResult};

impl InteractionEnv {
    /// Routes a directive to its handler.
    fn dispatch(&mut self, d: &Directive) -> CmdResult {
        match d.cmd.as_str() {
            "_breakpoint" => Ok(()),
            "add-nodes" => self.handle_add_nodes(d),
            "campaign" => self.handle_campaign(d),
            "compact" => self.handle_compact(d),
            "deliver-msgs" => self.handle_deliver_msgs(d),
            "forget-leader" => self.handle_forget_leader(d),
            "log-level" => self.handle_log_level(d),
            "process-append-thread" => self.handle_process_append_thread(d),
            "process-apply-thread" => self.handle_process_apply_thread(d),
            "process-ready" => self.handle_process_ready(d),
            "propose" => self.handle_propose(d),
            "propose-conf-change" => self.handle_propose_conf_change(d),
            "raft-log" => self.handle_raft_log(d),
            "raft-state" => self.handle_raft_state(),
            "report-unreachable" => self.handle_report_unreachable(d),
            "send-snapshot" => self.handle_send_snapshot(d),
            "set-randomized-election-timeout" => self.handle_set_randomized_election_timeout(d),
            "stabilize" => self.handle_stabilize(d),
            "status" => self.handle_status(d),
            "tick-election" => self.handle_tick(d, true),
            "tick-heartbeat" => self.handle_tick(d, false),
            "transfer-leadership" => self.handle_transfer_leadership(d),
            _ => Err(CmdError::Node("unknown command".into())),
        }
    }
}
