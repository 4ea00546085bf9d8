//! The replication state of one follower, as the leader sees it.

use std::fmt;

/// How the leader currently sends log entries to a follower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProgressState {
    /// The follower's log position is unknown: send one append per heartbeat interval and wait
    /// for the answer (usually one round with a rejection hint finds the position).
    #[default]
    Probe,
    /// Steady state: stream appends optimistically, bounded by the inflight window.
    Replicate,
    /// The follower needs entries the leader no longer has; a snapshot is on its way and
    /// appends are paused until it is applied or reported failed.
    Snapshot,
}

impl fmt::Display for ProgressState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProgressState::Probe => "StateProbe",
            ProgressState::Replicate => "StateReplicate",
            ProgressState::Snapshot => "StateSnapshot",
        })
    }
}
