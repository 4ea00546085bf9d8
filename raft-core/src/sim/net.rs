//! The simulated network: messages in flight with delivery times, loss, duplication, delays
//! (which reorder), partitions into groups and one-way cuts.

use std::collections::{BTreeMap, BTreeSet};

use crate::pb::{Message, MessageType};

use super::rng::SimRng;

/// The network's fault settings. Probabilities are per message; delays are in ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a delivered message is delivered twice (each copy has its own delay).
    pub duplicate: f64,
    /// Messages are delivered after a delay drawn uniformly from `[0, max_delay]` ticks. A delay
    /// of 0 delivers within the current tick. Different delays reorder messages.
    pub max_delay: u64,
}

impl Default for NetworkConfig {
    /// A perfect network: no loss, no duplicates, delivery within the tick.
    fn default() -> Self {
        NetworkConfig {
            loss: 0.0,
            duplicate: 0.0,
            max_delay: 0,
        }
    }
}

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DropReason {
    Lost,
    Partitioned,
    NodeDown,
}

impl DropReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DropReason::Lost => "lost",
            DropReason::Partitioned => "partitioned",
            DropReason::NodeDown => "node down",
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Network {
    pub(crate) config: NetworkConfig,
    /// In flight, keyed by (delivery tick, send sequence): iteration order is delivery order.
    queue: BTreeMap<(u64, u64), Message>,
    seq: u64,
    /// Partition group of each node; nodes without an entry are in group 0.
    groups: BTreeMap<u64, u32>,
    /// One-way cuts (from, to).
    cuts: BTreeSet<(u64, u64)>,
}

impl Network {
    pub(crate) fn new(config: NetworkConfig) -> Self {
        Network {
            config,
            ..Default::default()
        }
    }

    /// Queues `m` sent at tick `now`. Returns false when the message is lost; may queue a
    /// duplicate.
    pub(crate) fn send(&mut self, m: Message, now: u64, rng: &mut SimRng) -> bool {
        let lost = rng.chance(self.config.loss);
        if lost {
            return false;
        }
        let dup = rng.chance(self.config.duplicate);
        // A snapshot takes at least a tick to transfer. Without this, a follower that ignores a
        // snapshot (one whose configuration predates the follower's addition) and a leader
        // that resends on the answer could exchange snapshots forever within one tick.
        let min = u64::from(m.msg_type == MessageType::MsgSnap as i32);
        let max = self.config.max_delay.max(min);
        let delay = rng.range(min, max);
        if dup {
            let delay2 = rng.range(min, max);
            self.push(m.clone(), now + delay2);
        }
        self.push(m, now + delay);
        true
    }

    fn push(&mut self, m: Message, at: u64) {
        self.seq += 1;
        self.queue.insert((at, self.seq), m);
    }

    /// The next message due at or before `now`, in delivery order.
    pub(crate) fn pop_due(&mut self, now: u64) -> Option<Message> {
        let (&key, _) = self.queue.iter().next()?;
        if key.0 > now {
            return None;
        }
        self.queue.remove(&key)
    }

    pub(crate) fn blocked(&self, from: u64, to: u64) -> bool {
        if self.cuts.contains(&(from, to)) {
            return true;
        }
        let g = |id: u64| self.groups.get(&id).copied().unwrap_or(0);
        g(from) != g(to)
    }

    /// Drops every message from or to `id` (a crashed node's connections are gone) and returns
    /// them.
    pub(crate) fn purge(&mut self, id: u64) -> Vec<Message> {
        let (gone, kept): (BTreeMap<_, _>, BTreeMap<_, _>) = std::mem::take(&mut self.queue)
            .into_iter()
            .partition(|(_, m)| m.from == id || m.to == id);
        self.queue = kept;
        gone.into_values().collect()
    }

    /// Puts each listed group in its own partition; unlisted nodes share group 0.
    pub(crate) fn partition(&mut self, groups: &[Vec<u64>]) {
        self.groups.clear();
        for (i, g) in groups.iter().enumerate() {
            for &id in g {
                self.groups.insert(id, i as u32 + 1);
            }
        }
    }

    pub(crate) fn cut(&mut self, from: u64, to: u64) {
        self.cuts.insert((from, to));
    }

    pub(crate) fn heal(&mut self) {
        self.groups.clear();
        self.cuts.clear();
    }

    pub(crate) fn is_healed(&self) -> bool {
        self.groups.is_empty() && self.cuts.is_empty()
    }
}
