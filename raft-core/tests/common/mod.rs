//! A small synchronous network of RawNodes for integration tests: every node follows the host
//! contract (persist, send, apply, advance), and `send` delivers messages until the cluster is
//! quiet, like etcd's test `network`. Links can be cut and message types ignored.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use raft_core::pb::{
    ConfChange, ConfChangeV2, ConfState, Entry, EntryType, HardState, Message, MessageType,
};
use raft_core::{Config, MemoryStorage, RawNode};

pub type Node = RawNode<MemoryStorage>;

/// A config with etcd's test defaults: election 10, heartbeat 1, unlimited message size, 256
/// inflight messages.
pub fn config(id: u64) -> Config {
    let mut c = Config::new(id);
    c.election_tick = 10;
    c.heartbeat_tick = 1;
    c
}

/// A fresh node with the given voters.
pub fn fresh(id: u64, voters: &[u64]) -> Node {
    RawNode::new_fresh(&config(id), voters, &[]).expect("valid node")
}

/// A node restarted from a storage holding `entries` (terms given; indices 1..), term and vote.
pub fn with_log(id: u64, voters: &[u64], terms: &[u64], term: u64, cfg: Option<Config>) -> Node {
    let mut s = MemoryStorage::new_with_conf_state(ConfState {
        voters: voters.to_vec(),
        ..Default::default()
    });
    let ents: Vec<Entry> = terms
        .iter()
        .enumerate()
        .map(|(i, &t)| Entry {
            term: t,
            index: i as u64 + 1,
            ..Default::default()
        })
        .collect();
    s.append(&ents).expect("append");
    s.set_hard_state(HardState {
        term,
        vote: 0,
        commit: 0,
    });
    RawNode::new(&cfg.unwrap_or_else(|| config(id)), s).expect("valid node")
}

/// Handles one Ready the way a careful host does; returns the messages to send and the
/// committed entries applied.
pub fn handle_ready(node: &mut Node) -> (Vec<Message>, Vec<Entry>) {
    let mut msgs = Vec::new();
    let mut applied = Vec::new();
    while node.has_ready() {
        let mut rd = node.ready().expect("ready");
        if let Some(snap) = rd.snapshot.take() {
            node.store_mut()
                .apply_snapshot(snap)
                .expect("apply snapshot");
        }
        node.store_mut().append(&rd.entries).expect("append");
        if let Some(hs) = rd.hard_state {
            node.store_mut().set_hard_state(hs);
        }
        msgs.append(&mut rd.messages);
        for e in rd.committed_entries.drain(..) {
            match e.kind() {
                Some(EntryType::EntryConfChange) => {
                    let cc = ConfChange::decode_from(&e.data).expect("conf change");
                    node.apply_conf_change(&cc).expect("apply conf change");
                }
                Some(EntryType::EntryConfChangeV2) => {
                    let cc = ConfChangeV2::decode_from(&e.data).expect("conf change v2");
                    node.apply_conf_change(&cc).expect("apply conf change");
                }
                _ => {}
            }
            applied.push(e);
        }
        node.advance(rd).expect("advance");
    }
    (msgs, applied)
}

/// A synchronous in-process network.
pub struct Network {
    pub nodes: BTreeMap<u64, Node>,
    /// Links (from, to) that drop everything.
    cut: BTreeSet<(u64, u64)>,
    /// Message types dropped everywhere.
    ignored: BTreeSet<i32>,
    /// Payloads each node has applied, in order (empty entries skipped).
    pub applied: BTreeMap<u64, Vec<Vec<u8>>>,
}

impl Network {
    pub fn new(nodes: Vec<Node>) -> Self {
        let applied = nodes.iter().map(|n| (n.id(), Vec::new())).collect();
        Network {
            nodes: nodes.into_iter().map(|n| (n.id(), n)).collect(),
            cut: BTreeSet::new(),
            ignored: BTreeSet::new(),
            applied,
        }
    }

    /// `n` fresh voters with ids 1..=n.
    pub fn fresh(n: u64) -> Self {
        let ids: Vec<u64> = (1..=n).collect();
        Network::new(ids.iter().map(|&id| fresh(id, &ids)).collect())
    }

    pub fn node(&self, id: u64) -> &Node {
        &self.nodes[&id]
    }

    pub fn node_mut(&mut self, id: u64) -> &mut Node {
        self.nodes.get_mut(&id).expect("node exists")
    }

    pub fn cut(&mut self, a: u64, b: u64) {
        self.cut.insert((a, b));
        self.cut.insert((b, a));
    }

    pub fn isolate(&mut self, id: u64) {
        let ids: Vec<u64> = self.nodes.keys().copied().collect();
        for other in ids {
            if other != id {
                self.cut(id, other);
            }
        }
    }

    pub fn ignore(&mut self, t: MessageType) {
        self.ignored.insert(t as i32);
    }

    pub fn recover(&mut self) {
        self.cut.clear();
        self.ignored.clear();
    }

    /// Collects every node's pending work, then delivers messages until nothing moves.
    pub fn settle(&mut self) {
        self.send(Vec::new());
    }

    /// Steps `msgs` (and everything they cause) until the network is quiet.
    pub fn send(&mut self, msgs: Vec<Message>) {
        let mut queue: VecDeque<Message> = msgs.into();
        loop {
            let ids: Vec<u64> = self.nodes.keys().copied().collect();
            for id in ids {
                let node = self.nodes.get_mut(&id).expect("node");
                let (out, applied) = handle_ready(node);
                let log = self.applied.entry(id).or_default();
                log.extend(
                    applied
                        .into_iter()
                        .filter(|e| e.kind() == Some(EntryType::EntryNormal) && !e.data.is_empty())
                        .map(|e| e.data.to_vec()),
                );
                queue.extend(out);
            }
            let Some(m) = queue.pop_front() else {
                return;
            };
            if self.cut.contains(&(m.from, m.to)) || self.ignored.contains(&m.msg_type) {
                continue;
            }
            if let Some(node) = self.nodes.get_mut(&m.to) {
                // Messages a node refuses are part of some tests; the network just drops them.
                let _ = node.step(m);
            }
        }
    }

    /// Makes `id` campaign and lets the election run to completion.
    pub fn campaign(&mut self, id: u64) {
        self.node_mut(id).campaign().expect("campaign");
        self.settle();
    }

    pub fn propose(&mut self, id: u64, data: &[u8]) {
        self.node_mut(id).propose(data.to_vec()).expect("propose");
        self.settle();
    }

    /// Ticks every node once and settles.
    pub fn tick_all(&mut self) {
        for n in self.nodes.values_mut() {
            n.tick();
        }
        self.settle();
    }
}

/// A message of type `t` from `from` to `to` at `term`.
pub fn msg(t: MessageType, from: u64, to: u64, term: u64) -> Message {
    let mut m = Message::of_type(t);
    m.from = from;
    m.to = to;
    m.term = term;
    m
}

/// Everything observable about a node (status, progress, configuration, log end, pending work
/// and persisted state), to compare before and after a refused input.
pub fn fingerprint(n: &Node) -> String {
    use raft_core::Storage;
    let st = n.status();
    format!(
        "{:?}|{:?}|{}|{}|{:?}|{:?}",
        st.basic,
        st.progress,
        st.config,
        n.last_index(),
        n.has_ready(),
        n.store().initial_state()
    )
}

/// The messages of one Ready (handling it as a host would).
pub fn take_msgs(node: &mut Node) -> Vec<Message> {
    handle_ready(node).0
}

/// The log of `node` as (term, index) pairs from its storage.
pub fn log_terms(node: &Node) -> Vec<u64> {
    use raft_core::Storage;
    let s = node.store();
    let (first, last) = (s.first_index().unwrap(), s.last_index().unwrap());
    if last < first {
        return Vec::new();
    }
    s.entries(first, last + 1, u64::MAX)
        .unwrap()
        .iter()
        .map(|e| e.term)
        .collect()
}
