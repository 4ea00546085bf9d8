//! raft-core driven through its public API, as its host-loop docs prescribe.

use raft_core::pb::{EntryType, Message, MessageType};
use raft_core::{Config, MemoryStorage, RawNode, StateRole};

use crate::workload::{BenchNode, Checker, Limits};

/// A raft-core node with its in-memory storage.
pub struct CoreNode(RawNode<MemoryStorage>);

impl CoreNode {
    /// Node `id` of a fresh cluster of `voters`; `batch_append` is raft-core's opt-in merging of
    /// appends to one follower within a Ready.
    pub fn new(id: u64, voters: &[u64], l: &Limits, batch_append: bool) -> Result<Self, String> {
        let mut cfg = Config::new(id);
        cfg.batch_append = batch_append;
        cfg.election_tick = l.election_tick;
        cfg.heartbeat_tick = l.heartbeat_tick;
        cfg.max_size_per_msg = l.max_msg_bytes;
        cfg.max_inflight_msgs = l.max_inflight_msgs;
        RawNode::new_fresh(&cfg, voters, &[])
            .map(CoreNode)
            .map_err(|e| e.to_string())
    }
}

impl BenchNode for CoreNode {
    type Msg = Message;

    #[inline]
    fn to(m: &Message) -> u64 {
        m.to
    }

    fn campaign(&mut self) -> Result<(), String> {
        self.0.campaign().map_err(|e| e.to_string())
    }

    fn is_leader(&self) -> bool {
        self.0.state() == StateRole::Leader
    }

    fn is_follower_of(&self, lead: u64) -> bool {
        self.0.state() == StateRole::Follower && self.0.lead() == lead
    }

    #[inline]
    fn propose(&mut self, data: Vec<u8>) -> Result<(), String> {
        self.0.propose(data).map_err(|e| e.to_string())
    }

    #[inline]
    fn has_ready(&self) -> bool {
        self.0.has_ready()
    }

    fn handle_ready(&mut self, out: &mut Vec<Message>, check: &mut Checker) -> Result<(), String> {
        let node = &mut self.0;
        let mut rd = node.ready().map_err(|e| e.to_string())?;
        // 1. Persist.
        if let Some(snap) = rd.snapshot.take() {
            node.store_mut()
                .apply_snapshot(snap)
                .map_err(|e| e.to_string())?;
        }
        if !rd.entries.is_empty() {
            node.store_mut()
                .append(&rd.entries)
                .map_err(|e| e.to_string())?;
        }
        if let Some(hs) = rd.hard_state {
            node.store_mut().set_hard_state(hs);
        }
        // 2. Send.
        out.append(&mut rd.messages);
        // 3. Apply.
        for e in &rd.committed_entries {
            if e.entry_type == EntryType::EntryNormal as i32 && !e.data.is_empty() {
                check.apply(&e.data);
            }
        }
        // 4. Advance.
        node.advance(rd).map_err(|e| e.to_string())
    }

    #[inline]
    fn step(&mut self, m: Message) -> Result<(), String> {
        self.0.step(m).map_err(|e| e.to_string())
    }

    #[inline]
    fn tick(&mut self) {
        self.0.tick();
    }

    fn w3_heartbeat() -> Message {
        let mut m = Message::of_type(MessageType::MsgHeartbeat);
        m.from = 1;
        m.to = 2;
        m.term = 1;
        m
    }
}
