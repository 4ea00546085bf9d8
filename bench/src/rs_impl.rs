//! tikv's raft-rs (crate `raft` 0.7.0), driven the way its own examples drive it: messages that
//! need no persistence go out first, persisted messages after the append, then `advance` and the
//! `LightReady` it returns.

use raft::eraftpb::{EntryType, Message, MessageType};
use raft::storage::MemStorage;
use raft::{Config, RawNode, StateRole};

use crate::workload::{BenchNode, Checker, Limits};

/// A raft-rs node with its in-memory storage.
pub struct RsNode(RawNode<MemStorage>);

fn err(e: raft::Error) -> String {
    e.to_string()
}

impl RsNode {
    /// Node `id` of a fresh cluster of `voters`; `batch_append` is raft-rs's own option to merge
    /// appends to the same follower within one Ready.
    pub fn new(id: u64, voters: &[u64], l: &Limits, batch_append: bool) -> Result<Self, String> {
        let cfg = Config {
            id,
            election_tick: l.election_tick,
            heartbeat_tick: l.heartbeat_tick,
            max_size_per_msg: l.max_msg_bytes,
            // etcd and raft-core default this to the message limit; give raft-rs the same.
            max_committed_size_per_ready: l.max_msg_bytes,
            max_inflight_msgs: l.max_inflight_msgs,
            batch_append,
            ..Config::default()
        };
        let store = MemStorage::new_with_conf_state((voters.to_vec(), Vec::<u64>::new()));
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        RawNode::new(&cfg, store, &logger).map(RsNode).map_err(err)
    }

    fn apply(entries: &[raft::eraftpb::Entry], check: &mut Checker) {
        for e in entries {
            if e.get_entry_type() == EntryType::EntryNormal && !e.data.is_empty() {
                check.apply(&e.data);
            }
        }
    }
}

impl BenchNode for RsNode {
    type Msg = Message;

    #[inline]
    fn to(m: &Message) -> u64 {
        m.to
    }

    fn campaign(&mut self) -> Result<(), String> {
        self.0.campaign().map_err(err)
    }

    fn is_leader(&self) -> bool {
        self.0.raft.state == StateRole::Leader
    }

    fn is_follower_of(&self, lead: u64) -> bool {
        self.0.raft.state == StateRole::Follower && self.0.raft.leader_id == lead
    }

    #[inline]
    fn propose(&mut self, data: Vec<u8>) -> Result<(), String> {
        self.0.propose(Vec::new(), data).map_err(err)
    }

    #[inline]
    fn has_ready(&self) -> bool {
        self.0.has_ready()
    }

    fn handle_ready(&mut self, out: &mut Vec<Message>, check: &mut Checker) -> Result<(), String> {
        let node = &mut self.0;
        let mut rd = node.ready();
        // Messages that do not wait for persistence (a leader's appends).
        if !rd.messages().is_empty() {
            out.append(&mut rd.take_messages());
        }
        // Persist.
        if !rd.snapshot().is_empty() {
            let s = rd.snapshot().clone();
            node.mut_store().wl().apply_snapshot(s).map_err(err)?;
        }
        Self::apply(rd.committed_entries(), check);
        if !rd.entries().is_empty() {
            node.mut_store().wl().append(rd.entries()).map_err(err)?;
        }
        if let Some(hs) = rd.hs() {
            node.mut_store().wl().set_hardstate(hs.clone());
        }
        // Messages that must follow persistence (votes, append responses).
        if !rd.persisted_messages().is_empty() {
            out.append(&mut rd.take_persisted_messages());
        }
        let mut light = node.advance(rd);
        if let Some(commit) = light.commit_index() {
            node.mut_store().wl().mut_hard_state().set_commit(commit);
        }
        out.append(&mut light.take_messages());
        Self::apply(light.committed_entries(), check);
        node.advance_apply();
        Ok(())
    }

    #[inline]
    fn step(&mut self, m: Message) -> Result<(), String> {
        self.0.step(m).map_err(err)
    }

    #[inline]
    fn tick(&mut self) {
        self.0.tick();
    }

    fn w3_heartbeat() -> Message {
        let mut m = Message::default();
        m.set_msg_type(MessageType::MsgHeartbeat);
        m.from = 1;
        m.to = 2;
        m.term = 1;
        m
    }
}
