//! The simulation's event trace: plain records a wrapper can turn into rows of a table.

use std::collections::VecDeque;
use std::fmt;

use super::rng::Fnv;

/// What happened in a [`TraceEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A node's role changed (`detail` names the new role).
    RoleChange,
    /// A node became leader of `term`.
    LeaderElected,
    /// A node's commit index advanced (`detail`: `commit=<index>`).
    Commit,
    /// A node applied committed entries (`detail`: `applied=<index>`).
    Apply,
    /// A payload was proposed (`node` is the node it was handed to).
    Propose,
    /// A proposal was refused (no leader, transfer in progress, ...).
    ProposalDropped,
    /// A membership change was proposed (`detail` describes it).
    ConfChangeProposed,
    /// A node applied a membership change (`detail`: the new configuration).
    ConfChangeApplied,
    /// A node took a snapshot of its state machine and compacted its log.
    SnapshotCreated,
    /// A node installed a snapshot received from the leader.
    SnapshotInstalled,
    /// A node crashed, losing everything it had not persisted.
    Crash,
    /// A crashed node restarted from its storage.
    Restart,
    /// A removed node was shut down for good (as an etcd server does once removed).
    Decommission,
    /// A new node was created (it joins once a membership change adds it).
    NodeAdded,
    /// The network was split (`detail` lists the groups or the cut link).
    Partition,
    /// All partitions and cuts were removed.
    Heal,
    /// Loss, duplication or delay changed.
    Network,
    /// A leadership transfer was requested.
    TransferLeader,
    /// A message was sent (only with `SimConfig::trace_messages`).
    Send,
    /// A message was delivered (only with `SimConfig::trace_messages`).
    Deliver,
    /// A message was lost, blocked by a partition or addressed to a node that is down (only with
    /// `SimConfig::trace_messages`).
    Drop,
    /// The liveness phase started or finished.
    Liveness,
    /// A safety invariant was violated.
    Violation,
}

impl EventKind {
    /// A stable snake_case name (for data frames and logs).
    pub fn as_str(self) -> &'static str {
        use EventKind::*;
        match self {
            RoleChange => "role_change",
            LeaderElected => "leader_elected",
            Commit => "commit",
            Apply => "apply",
            Propose => "propose",
            ProposalDropped => "proposal_dropped",
            ConfChangeProposed => "conf_change_proposed",
            ConfChangeApplied => "conf_change_applied",
            SnapshotCreated => "snapshot_created",
            SnapshotInstalled => "snapshot_installed",
            Crash => "crash",
            Restart => "restart",
            Decommission => "decommission",
            NodeAdded => "node_added",
            Partition => "partition",
            Heal => "heal",
            Network => "network",
            TransferLeader => "transfer_leader",
            Send => "send",
            Deliver => "deliver",
            Drop => "drop",
            Liveness => "liveness",
            Violation => "violation",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of a simulation. Every field is a plain value so that a wrapper can turn an event
/// into a dict or a data-frame row without knowing Rust types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TraceEvent {
    /// The simulator step at which it happened (steps count every delivery, tick, proposal and
    /// fault; the checker runs after each).
    pub step: u64,
    /// Virtual time in ticks.
    pub tick: u64,
    /// The node concerned; 0 for cluster-wide events (partitions, network changes).
    pub node: u64,
    /// What happened.
    pub kind: EventKind,
    /// The node's term at the time (0 for cluster-wide events).
    pub term: u64,
    /// Human-readable specifics (`commit=12`, `groups=[1,2] [3]`, ...).
    pub detail: String,
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step {} tick {} node {} term {} {}",
            self.step, self.tick, self.node, self.term, self.kind
        )?;
        if !self.detail.is_empty() {
            write!(f, " {}", self.detail)?;
        }
        Ok(())
    }
}

/// The trace buffer: keeps the newest `limit` events (all when `limit` is 0) and a digest of
/// every event ever recorded, so that two runs can be compared bit for bit without keeping
/// their whole traces.
#[derive(Clone, Debug)]
pub(crate) struct Trace {
    events: VecDeque<TraceEvent>,
    limit: usize,
    digest: Fnv,
}

impl Trace {
    pub(crate) fn new(limit: usize) -> Self {
        Trace {
            events: VecDeque::new(),
            limit,
            digest: Fnv::new(),
        }
    }

    pub(crate) fn push(&mut self, ev: TraceEvent) {
        self.digest = self
            .digest
            .u64(ev.step)
            .u64(ev.tick)
            .u64(ev.node)
            .bytes(ev.kind.as_str().as_bytes())
            .u64(ev.term)
            .bytes(ev.detail.as_bytes());
        if self.limit > 0 && self.events.len() == self.limit {
            self.events.pop_front();
        }
        self.events.push_back(ev);
    }

    pub(crate) fn events(&self) -> impl Iterator<Item = &TraceEvent> {
        self.events.iter()
    }

    pub(crate) fn last(&self, n: usize) -> Vec<TraceEvent> {
        let skip = self.events.len().saturating_sub(n);
        self.events.iter().skip(skip).cloned().collect()
    }

    pub(crate) fn digest(&self) -> u64 {
        self.digest.finish()
    }
}
