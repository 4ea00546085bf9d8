//! Introspection: what a node knows about itself and, on a leader, about its followers.

use std::fmt;

use crate::pb::HardState;
use crate::raw_node::SoftState;
use crate::tracker::{ProgressMap, TrackerConfig};

/// The cheap part of a node's status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BasicStatus {
    /// The node's id.
    pub id: u64,
    /// Term, vote and commit index.
    pub hard_state: HardState,
    /// Leader and role.
    pub soft_state: SoftState,
    /// The applied index.
    pub applied: u64,
    /// The target of a leadership transfer in progress, or 0.
    pub lead_transferee: u64,
}

/// A node's full status.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// The basic status.
    pub basic: BasicStatus,
    /// The membership configuration.
    pub config: TrackerConfig,
    /// Every member's replication progress; empty unless this node is the leader.
    pub progress: ProgressMap,
}

impl fmt::Display for Status {
    /// The JSON form etcd's `Status.MarshalJSON` produces (ids in hex).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.basic;
        write!(
            f,
            r#"{{"id":"{:x}","term":{},"vote":"{:x}","commit":{},"lead":"{:x}","raftState":"{}","applied":{},"progress":{{"#,
            b.id,
            b.hard_state.term,
            b.hard_state.vote,
            b.hard_state.commit,
            b.soft_state.lead,
            b.soft_state.raft_state,
            b.applied
        )?;
        for (i, (id, pr)) in self.progress.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(
                f,
                r#""{:x}":{{"match":{},"next":{},"state":"{}"}}"#,
                id, pr.matched, pr.next, pr.state
            )?;
        }
        write!(f, r#"}},"leadtransferee":"{:x}"}}"#, b.lead_transferee)
    }
}
