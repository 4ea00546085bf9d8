//! Typed errors. Everything that can come from outside the state machine (peers' messages, the
//! host's calls, the host's storage, configuration) is reported through these types; none of it
//! can make the library panic. Where etcd panics, we return the variant that names the reason.

use crate::pb::DecodeError;

/// Errors a [`crate::Storage`] implementation reports. The first four are the conditions the
/// protocol understands and reacts to (etcd's `ErrCompacted`, …); `Other` is anything else and
/// makes the operation that hit it fail without changing the node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The requested index is older than the first available entry.
    #[error("requested index is unavailable due to compaction")]
    Compacted,
    /// The requested entry is not in storage (yet).
    #[error("requested entry at index is unavailable")]
    Unavailable,
    /// A snapshot older than the one already held was offered.
    #[error("requested index is older than the existing snapshot")]
    SnapshotOutOfDate,
    /// The storage cannot produce a snapshot right now; the leader will retry later.
    #[error("snapshot is temporarily unavailable")]
    SnapshotTemporarilyUnavailable,
    /// A request that does not fit the log, such as appending with a gap or compacting past the
    /// last index. The text says what was asked and what the log holds.
    #[error("invalid storage request: {0}")]
    InvalidRequest(String),
    /// Any other failure of the host's storage.
    #[error("storage failure: {0}")]
    Other(String),
}

/// A configuration that cannot run, one variant per rule of etcd's `Config.validate`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Node id 0 means "none" and cannot name a node.
    #[error("cannot use none as id")]
    ZeroId,
    /// The two highest ids are reserved for the local storage threads.
    #[error("cannot use local target as id")]
    LocalTargetId,
    /// `heartbeat_tick` must be at least 1.
    #[error("heartbeat tick must be greater than 0")]
    HeartbeatTick,
    /// `election_tick` must exceed `heartbeat_tick`.
    #[error("election tick ({election}) must be greater than heartbeat tick ({heartbeat})")]
    ElectionTick {
        /// The configured election tick.
        election: usize,
        /// The configured heartbeat tick.
        heartbeat: usize,
    },
    /// `max_inflight_msgs` must be at least 1.
    #[error("max inflight messages must be greater than 0")]
    MaxInflightMsgs,
    /// `max_inflight_bytes` must be 0 (unlimited) or at least `max_size_per_msg`.
    #[error("max inflight bytes must be >= max message size")]
    MaxInflightBytes,
    /// Lease-based reads are only safe with CheckQuorum.
    #[error("CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased")]
    LeaseReadWithoutCheckQuorum,
    /// With both size limits at 0, no committed entry could ever be handed to the host (etcd
    /// panics on the first apply in this configuration).
    #[error("max committed size per ready must be greater than 0 (set it or max size per msg)")]
    ZeroCommittedSizePerReady,
}

/// The main error type of the crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The proposal was not accepted: no leader known, forwarding disabled, leader transfer under
    /// way, the leader was removed, or the uncommitted-size limit was reached.
    #[error("raft proposal dropped")]
    ProposalDropped,
    /// A local-only message type arrived from the network.
    #[error("raft: cannot step raft local message")]
    StepLocalMsg,
    /// A response arrived from a node this node has no progress for.
    #[error("raft: cannot step as peer not found")]
    StepPeerNotFound,
    /// The configuration is invalid.
    #[error("invalid config: {0}")]
    Config(#[from] ConfigError),
    /// The host's storage failed.
    #[error("storage error: {0}")]
    Storage(#[from] StorageError),
    /// Bytes that are not a valid encoding.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message that is well-formed protobuf but cannot be valid Raft (unknown type, commit
    /// beyond the log, entries that contradict committed ones, …). The node ignored it.
    #[error("invalid message {msg_type} from {from}: {reason}")]
    InvalidMessage {
        /// The message type, as its wire name or number.
        msg_type: String,
        /// The sender.
        from: u64,
        /// Why it was refused.
        reason: String,
    },
    /// A membership change that cannot be applied; the configuration is unchanged.
    #[error("invalid configuration change: {0}")]
    ConfChange(#[from] crate::confchange::ConfChangeError),
    /// The host called the API out of order (advance without ready, two readies without
    /// advance, an applied index beyond the committed one, …). Nothing changed.
    #[error("API misuse: {0}")]
    Misuse(String),
    /// The storage holds state that contradicts itself (a hard state committing beyond the last
    /// entry, a conf state that cannot be restored, …). The node was not created.
    #[error("corrupt storage state: {0}")]
    CorruptState(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
