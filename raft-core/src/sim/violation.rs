//! Safety violations and the simulator's error type.

use std::fmt;

use super::trace::TraceEvent;

/// The property a [`SafetyViolation`] broke. The names follow the reliability anchors (§1 of
/// `shared/reference/reliability-anchors.md`): S1–S5 are the Raft paper's properties, E1–E6
/// etcd's invariants, L1 the learner rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Invariant {
    /// S1: two different leaders observed in one term.
    ElectionSafety,
    /// S1 on the wire: one voter granted its vote to two candidates in one term.
    SingleVotePerTerm,
    /// S2: a leader's log lost or rewrote an entry while it led.
    LeaderAppendOnly,
    /// S3: two entries with the same index and term differ (in content or in what precedes
    /// them).
    LogMatching,
    /// S4: a newly elected leader lacks an entry committed before its term.
    LeaderCompleteness,
    /// S5: two nodes committed or applied different entries (or state) at one index.
    StateMachineSafety,
    /// E1: a commit index went down.
    CommitMonotone,
    /// E2: a persisted term went down, or a vote changed within a term.
    TermAndVoteMonotone,
    /// E3: applied beyond commit, commit beyond the log, or a gap in what was applied.
    IndexOrder,
    /// E4: an entry at or below the commit index changed or disappeared.
    CommittedEntryChanged,
    /// E5: a snapshot index went down.
    SnapshotMonotone,
    /// E6: a message promised durable state (a vote, an append ack) that was not persisted when
    /// it was sent.
    PersistBeforeSend,
    /// TLA+ QuorumLogInv: the leader's committed entry is missing from every node of some
    /// quorum of its configuration.
    QuorumLog,
    /// TLA+ MoreUpToDateCorrectInv: a log at least as up to date as another (last term, then
    /// length) contains the other's committed prefix; otherwise it could win an election and
    /// overwrite committed entries.
    MoreUpToDate,
    /// S4, checked ahead of time: a voter lacking the leader's committed entry has a log at
    /// least as up to date as a quorum of voters, so it could be elected and overwrite the
    /// entry (what happens in Figure 8 of the Raft paper).
    ElectableWithoutCommitted,
    /// L1: a learner (or a node outside the configuration) campaigned.
    LearnerCampaign,
    /// The library refused a message from a correct peer in a way etcd would panic on, or
    /// refused a host call made by the contract.
    LibraryRefusal,
    /// After faults healed, no leader was elected or a proposal was not applied in time.
    Liveness,
}

impl Invariant {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        use Invariant::*;
        match self {
            ElectionSafety => "election_safety",
            SingleVotePerTerm => "single_vote_per_term",
            LeaderAppendOnly => "leader_append_only",
            LogMatching => "log_matching",
            LeaderCompleteness => "leader_completeness",
            StateMachineSafety => "state_machine_safety",
            CommitMonotone => "commit_monotone",
            TermAndVoteMonotone => "term_and_vote_monotone",
            IndexOrder => "index_order",
            CommittedEntryChanged => "committed_entry_changed",
            SnapshotMonotone => "snapshot_monotone",
            PersistBeforeSend => "persist_before_send",
            QuorumLog => "quorum_log",
            MoreUpToDate => "more_up_to_date",
            ElectableWithoutCommitted => "electable_without_committed",
            LearnerCampaign => "learner_campaign",
            LibraryRefusal => "library_refusal",
            Liveness => "liveness",
        }
    }

    /// Every invariant, for reports that list what was checked.
    pub fn all() -> &'static [Invariant] {
        use Invariant::*;
        &[
            ElectionSafety,
            SingleVotePerTerm,
            LeaderAppendOnly,
            LogMatching,
            LeaderCompleteness,
            StateMachineSafety,
            CommitMonotone,
            TermAndVoteMonotone,
            IndexOrder,
            CommittedEntryChanged,
            SnapshotMonotone,
            PersistBeforeSend,
            QuorumLog,
            MoreUpToDate,
            ElectableWithoutCommitted,
            LearnerCampaign,
            LibraryRefusal,
            Liveness,
        ]
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A broken invariant, found by the checker. Rerunning the same seed with the same parameters
/// reproduces it exactly; [`SafetyViolation::reproduce`] says how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafetyViolation {
    /// The simulation seed.
    pub seed: u64,
    /// The step after which the checker found it.
    pub step: u64,
    /// Virtual time in ticks.
    pub tick: u64,
    /// The property broken.
    pub invariant: Invariant,
    /// The node where it showed (0 when it concerns the cluster).
    pub node: u64,
    /// What exactly was wrong.
    pub description: String,
    /// The newest trace events before the violation, oldest first.
    pub last_events: Vec<TraceEvent>,
    /// How to replay it: a call with the seed and parameters (filled in by the caller that
    /// knows the parameters, e.g. [`crate::sim::run_seed`]).
    pub reproduce: String,
}

impl fmt::Display for SafetyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "safety violation ({}) at seed {} step {} tick {} node {}: {}",
            self.invariant, self.seed, self.step, self.tick, self.node, self.description
        )?;
        if !self.reproduce.is_empty() {
            write!(f, "\n  reproduce: {}", self.reproduce)?;
        }
        if !self.last_events.is_empty() {
            write!(f, "\n  last events:")?;
            for e in &self.last_events {
                write!(f, "\n    {e}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SafetyViolation {}

/// Errors of the simulator's API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The checker found a violation. The cluster stays stopped at that point: every later
    /// call returns the same violation.
    #[error("{0}")]
    Violation(Box<SafetyViolation>),
    /// No node with this id exists in the simulation.
    #[error("no node {0} in the simulation")]
    UnknownNode(u64),
    /// The node is crashed (or was removed and shut down).
    #[error("node {0} is down")]
    NodeDown(u64),
    /// The node is already running.
    #[error("node {0} is already running")]
    NodeUp(u64),
    /// The node was removed from the cluster and shut down for good.
    #[error("node {0} was removed and shut down")]
    Decommissioned(u64),
    /// No leader is known.
    #[error("no leader")]
    NoLeader,
    /// The leader refused the proposal.
    #[error("proposal dropped")]
    ProposalDropped,
    /// `run_until_leader` gave up.
    #[error("no leader elected within {0} ticks")]
    Timeout(u64),
    /// Invalid parameters (cluster size, probabilities, ticks, ...).
    #[error("invalid simulation config: {0}")]
    InvalidConfig(String),
}

impl From<SafetyViolation> for SimError {
    fn from(v: SafetyViolation) -> Self {
        SimError::Violation(Box::new(v))
    }
}
