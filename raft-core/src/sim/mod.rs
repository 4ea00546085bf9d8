//! A deterministic in-process cluster simulator with a safety checker.
//!
//! [`Cluster`] runs N nodes (voters and learners), each driven by a host that follows the
//! crate's Ready contract exactly: persist the Ready's snapshot, entries and hard state into
//! its [`MemoryStorage`](crate::MemoryStorage), then send, then apply, then advance. Between
//! the hosts sits a simulated network with loss, duplication and random delays (which reorder
//! messages), partitions into groups and one-way cuts. Time is virtual, in ticks. Faults include
//! crashes (between steps, or in the middle of a Ready after persisting it) and restarts,
//! membership changes (simple and joint, learners), leadership transfers, and host snapshots
//! with log compaction so that lagging followers catch up through snapshots.
//!
//! # Determinism
//!
//! Every random choice comes from one generator seeded by [`SimConfig::seed`] (the nodes' own
//! election-timeout seeds included), all maps are ordered, and nothing reads a clock. The same
//! seed and the same calls produce the same trace, bit for bit ([`Cluster::trace_digest`]).
//!
//! # What a crash loses, and restarts
//!
//! A crash keeps exactly what the host persisted: the storage (log, hard state, snapshot). It
//! loses the node's volatile Raft state, everything its state machine applied after the last
//! snapshot, and every message in flight from or to it. On restart the host reloads the state
//! machine from the storage's snapshot and creates the node with `Config::applied` set to the
//! snapshot index; Raft then hands out the committed entries after it again and the state
//! machine replays them. (etcd servers persist their applied index separately; restarting from
//! the snapshot is the simplest choice that is correct for any state machine.)
//!
//! # Membership
//!
//! Clusters bootstrap the way etcd's `StartNode` does: one configuration entry per initial
//! member, committed at term 1, so that a node added later starts with empty storage and learns
//! the configuration from the log (or from a snapshot). A node the leader's applied
//! configuration no longer contains is shut down for good ([`NodeRole::Removed`]), as an etcd
//! server stops once removed; its storage is kept for the checker.
//!
//! # The checker
//!
//! After every step (a delivery, a node's tick, a proposal, a fault) the checker verifies the
//! safety properties listed in [`Invariant`], from the host's side of the contract: what each
//! host persisted, sent and applied, plus each node's role, term and commit index. A violation
//! stops the cluster and is returned as [`SimError::Violation`] with the seed, the step and the
//! last trace events; [`run_seed`] reports the exact call that replays it.
//! [`Cluster::check_liveness`] heals all faults and requires a leader and an applied proposal
//! within a bound.
//!
//! # Example
//!
//! ```
//! use raft_core::sim::{Cluster, NetworkConfig, SimConfig};
//!
//! let mut c = Cluster::new(SimConfig { voters: 5, seed: 7, ..SimConfig::default() })?;
//! let leader = c.run_until_leader(500)?;
//! c.propose(b"x=1")?;
//! c.run(5)?; // committed and applied everywhere on a perfect network
//! c.set_network(NetworkConfig { loss: 0.1, duplicate: 0.05, max_delay: 3 })?;
//! c.partition(&[vec![leader]]);
//! c.run(200)?;
//! assert_ne!(c.leader(), Some(leader)); // the majority side elected someone else
//! c.heal();
//! c.check_liveness(300)?;
//! // Committed entries survive the leader change; every node applied x=1.
//! assert!(c.nodes().iter().all(|n| c.applied(n.id).unwrap().contains(&b"x=1".to_vec())));
//! # Ok::<(), raft_core::sim::SimError>(())
//! ```

mod app;
#[cfg(feature = "bug-injection")]
pub mod bugs;
mod checker;
mod cluster;
mod net;
mod rng;
mod sweep;
mod trace;
mod violation;

pub use cluster::{Cluster, ClusterStats, NodeRole, NodeView, SimConfig};
pub use net::NetworkConfig;
pub use sweep::{
    replay, run_seed, run_seed_with, seed_config, simulate, SeedOutcome, SimParams, SimReport,
    TickStats,
};
pub use trace::{EventKind, TraceEvent};
pub use violation::{Invariant, SafetyViolation, SimError};
