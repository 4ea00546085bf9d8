//! `make demo`: a three-node cluster in one process elects a leader and replicates a few
//! entries, and says what happened in plain words.
//!
//! Every node runs the host loop from the crate documentation: persist, send, apply, advance.
//! The "network" is a queue of messages; ticks are driven by the loop below.

use std::collections::VecDeque;

use raft_core::pb::{EntryType, Message, MessageType};
use raft_core::{Config, MemoryStorage, RawNode, StateRole};

struct Cluster {
    nodes: Vec<RawNode<MemoryStorage>>,
    network: VecDeque<Message>,
    applied: Vec<Vec<String>>,
    messages_sent: usize,
}

impl Cluster {
    fn new(size: u64) -> raft_core::Result<Self> {
        let voters: Vec<u64> = (1..=size).collect();
        let mut nodes = Vec::new();
        for id in 1..=size {
            let mut cfg = Config::new(id);
            cfg.pre_vote = true;
            cfg.seed = 0xC0FFEE + id;
            nodes.push(RawNode::new_fresh(&cfg, &voters, &[])?);
        }
        Ok(Cluster {
            nodes,
            network: VecDeque::new(),
            applied: vec![Vec::new(); size as usize],
            messages_sent: 0,
        })
    }

    /// Handles every node's Ready (persist, send, apply, advance) and delivers the messages,
    /// until the cluster is quiet.
    fn process(&mut self) -> raft_core::Result<()> {
        loop {
            self.handle_readies()?;
            if self.network.is_empty() {
                return Ok(());
            }
            self.deliver()?;
        }
    }

    fn handle_readies(&mut self) -> raft_core::Result<()> {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            while node.has_ready() {
                let mut rd = node.ready()?;
                if let Some(ss) = rd.soft_state {
                    if ss.raft_state == StateRole::Leader {
                        println!("  node {} became leader of term {}", node.id(), node.term());
                    }
                }
                if let Some(snap) = rd.snapshot.take() {
                    node.store_mut().apply_snapshot(snap)?;
                }
                node.store_mut().append(&rd.entries)?;
                if let Some(hs) = rd.hard_state {
                    node.store_mut().set_hard_state(hs);
                }
                self.messages_sent += rd.messages.len();
                self.network.extend(rd.messages.drain(..));
                for e in rd.committed_entries.drain(..) {
                    if e.kind() == Some(EntryType::EntryNormal) && !e.data.is_empty() {
                        self.applied[i].push(String::from_utf8_lossy(&e.data).into_owned());
                    }
                }
                node.advance(rd)?;
            }
        }
        Ok(())
    }

    fn deliver(&mut self) -> raft_core::Result<()> {
        while let Some(m) = self.network.pop_front() {
            let to = m.to as usize - 1;
            if m.kind() == Some(MessageType::MsgVote) || m.kind() == Some(MessageType::MsgPreVote) {
                println!(
                    "  node {} asks node {} for a {} in term {}",
                    m.from,
                    m.to,
                    if m.kind() == Some(MessageType::MsgPreVote) {
                        "pre-vote"
                    } else {
                        "vote"
                    },
                    m.term
                );
            }
            self.nodes[to].step(m)?;
        }
        Ok(())
    }

    fn leader(&self) -> Option<u64> {
        self.nodes
            .iter()
            .find(|n| n.state() == StateRole::Leader)
            .map(|n| n.id())
    }
}

fn main() -> raft_core::Result<()> {
    println!("Three nodes start as followers, with randomized election timeouts (seeded).");
    let mut c = Cluster::new(3)?;
    let mut ticks = 0;
    while c.leader().is_none() {
        for n in c.nodes.iter_mut() {
            n.tick();
        }
        ticks += 1;
        c.process()?;
    }
    let leader = c.leader().unwrap_or_default();
    println!("After {ticks} ticks node {leader} leads.");

    let proposals = ["set x = 1", "set y = 2", "delete x"];
    println!("The leader proposes {} entries:", proposals.len());
    let li = leader as usize - 1;
    for p in proposals {
        println!("  propose {p:?}");
        c.nodes[li].propose(p.as_bytes().to_vec())?;
    }
    c.process()?;
    println!("Every node applied, in the same order:");
    for (i, log) in c.applied.iter().enumerate() {
        let n = &c.nodes[i];
        println!(
            "  node {} ({:?}, term {}, commit {}): {:?}",
            n.id(),
            n.state(),
            n.term(),
            n.committed(),
            log
        );
    }
    let agree = c.applied.iter().all(|l| *l == c.applied[0]) && c.applied[0].len() == 3;
    println!(
        "{} messages were exchanged. Logs agree: {}.",
        c.messages_sent,
        if agree { "yes" } else { "NO" }
    );
    if !agree {
        std::process::exit(1);
    }
    Ok(())
}
