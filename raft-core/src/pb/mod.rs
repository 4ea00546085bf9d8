//! Wire types: etcd's `raftpb` messages, field for field.
//!
//! The schema is `include/raft.proto` (proto2, etcd's field numbers). The structs here are written
//! by hand with `prost` derives so that they read naturally from Rust (plain `u64` fields rather
//! than `Option<u64>` for every proto2 scalar) while staying byte-compatible:
//!
//! * Decoding accepts both presence styles etcd has used (gogo's "always emit" and protobuf-go's
//!   "emit when set"): an absent scalar decodes as zero.
//! * Encoding omits fields equal to zero, which every proto2 decoder reads back as zero. For
//!   entries this gives the same encoded size etcd v3.7 computes for `MaxSizePerMsg` accounting.
//! * Fields are declared, and therefore encoded, in field-number order, as both of etcd's protobuf
//!   runtimes do, so our bytes for a message equal etcd's when the same fields are present.
//! * Repeated scalars are unpacked, as proto2 requires (`packed = "false"`); packed input is still
//!   accepted when decoding, as protobuf decoders must.
//! * Enum fields are stored as `i32` so that an unknown value survives decoding; the state machine
//!   rejects unknown message types with a typed error instead of guessing.
//!
//! `raft-core/tests/wire_schema.rs` proves these structs equal the schema by round-tripping
//! through a reflection-based codec compiled from `include/raft.proto`.

mod conf_change;
mod decode;

pub use conf_change::{ConfChangeI, ConfChangeParseError};
pub use decode::{decode_message, decode_message_owned, DecodeError, MAX_MESSAGE_DEPTH};

use bytes::Bytes;

/// The kind of an [`Entry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum EntryType {
    /// An application payload (or the empty entry a new leader appends).
    EntryNormal = 0,
    /// An encoded [`ConfChange`].
    EntryConfChange = 1,
    /// An encoded [`ConfChangeV2`].
    EntryConfChangeV2 = 2,
}

/// One entry of the replicated log.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Entry {
    /// An [`EntryType`] value.
    #[prost(enumeration = "EntryType", tag = "1")]
    pub entry_type: i32,
    /// The term of the leader that created the entry.
    #[prost(uint64, tag = "2")]
    pub term: u64,
    /// The position of the entry in the log, starting at 1.
    #[prost(uint64, tag = "3")]
    pub index: u64,
    /// The payload; for conf change entries, the encoded change.
    #[prost(bytes = "bytes", tag = "4")]
    pub data: Bytes,
}

/// What a snapshot covers: the last index and term it includes and the configuration at that point.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SnapshotMetadata {
    /// The membership configuration as of `index`.
    #[prost(message, optional, tag = "1")]
    pub conf_state: Option<ConfState>,
    /// The last log index the snapshot includes.
    #[prost(uint64, tag = "2")]
    pub index: u64,
    /// The term of the entry at `index`.
    #[prost(uint64, tag = "3")]
    pub term: u64,
}

/// A snapshot of the application state plus its metadata.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Snapshot {
    /// The application's serialized state.
    #[prost(bytes = "bytes", tag = "1")]
    pub data: Bytes,
    /// Index, term and configuration the snapshot covers.
    #[prost(message, optional, tag = "2")]
    pub metadata: Option<SnapshotMetadata>,
}

/// Every message kind Raft exchanges, including the local-only ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MessageType {
    /// Local: start an election.
    MsgHup = 0,
    /// Local: tell a leader to send heartbeats.
    MsgBeat = 1,
    /// A proposal of new entries.
    MsgProp = 2,
    /// Append entries (leader to follower).
    MsgApp = 3,
    /// Response to `MsgApp`.
    MsgAppResp = 4,
    /// Request a vote.
    MsgVote = 5,
    /// Response to `MsgVote`.
    MsgVoteResp = 6,
    /// Install a snapshot.
    MsgSnap = 7,
    /// Leader heartbeat.
    MsgHeartbeat = 8,
    /// Response to `MsgHeartbeat`.
    MsgHeartbeatResp = 9,
    /// Local: a peer could not be reached.
    MsgUnreachable = 10,
    /// Local: the outcome of sending a snapshot.
    MsgSnapStatus = 11,
    /// Local: make the leader check it still has a quorum.
    MsgCheckQuorum = 12,
    /// Ask the leader to hand leadership to `from`.
    MsgTransferLeader = 13,
    /// Tell the transferee to campaign now.
    MsgTimeoutNow = 14,
    /// A linearizable read request.
    MsgReadIndex = 15,
    /// Response to `MsgReadIndex`.
    MsgReadIndexResp = 16,
    /// Request a pre-vote.
    MsgPreVote = 17,
    /// Response to `MsgPreVote`.
    MsgPreVoteResp = 18,
    /// Local: asynchronous storage append request.
    MsgStorageAppend = 19,
    /// Local: asynchronous storage append response.
    MsgStorageAppendResp = 20,
    /// Local: asynchronous apply request.
    MsgStorageApply = 21,
    /// Local: asynchronous apply response.
    MsgStorageApplyResp = 22,
    /// Make a follower forget its leader.
    MsgForgetLeader = 23,
}

/// A Raft message. Which fields carry meaning depends on `msg_type` (etcd-raft-facts §3.1).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Message {
    /// A [`MessageType`] value.
    #[prost(enumeration = "MessageType", tag = "1")]
    pub msg_type: i32,
    /// The recipient's node id.
    #[prost(uint64, tag = "2")]
    pub to: u64,
    /// The sender's node id.
    #[prost(uint64, tag = "3")]
    pub from: u64,
    /// The sender's term (0 for local messages and proposals).
    #[prost(uint64, tag = "4")]
    pub term: u64,
    /// The term of the entry at `index` (for `MsgApp`, the entry preceding `entries`).
    #[prost(uint64, tag = "5")]
    pub log_term: u64,
    /// A log index; meaning depends on the message type.
    #[prost(uint64, tag = "6")]
    pub index: u64,
    /// Entries carried by the message.
    #[prost(message, repeated, tag = "7")]
    pub entries: Vec<Entry>,
    /// The sender's commit index.
    #[prost(uint64, tag = "8")]
    pub commit: u64,
    /// The snapshot carried by `MsgSnap`. Boxed: it is rare, and inline it would more than
    /// double the size of every message moved through the state machine.
    #[prost(message, optional, boxed, tag = "9")]
    pub snapshot: Option<Box<Snapshot>>,
    /// Whether a response rejects the request.
    #[prost(bool, tag = "10")]
    pub reject: bool,
    /// For a rejected `MsgAppResp`: the index the follower suggests probing from.
    #[prost(uint64, tag = "11")]
    pub reject_hint: u64,
    /// Opaque context (campaign type, read-index context).
    #[prost(bytes = "bytes", tag = "12")]
    pub context: Bytes,
    /// The vote, for `MsgStorageAppend` carrying a hard state.
    #[prost(uint64, tag = "13")]
    pub vote: u64,
    /// Responses to deliver once a local storage message is processed.
    #[prost(message, repeated, tag = "14")]
    pub responses: Vec<Message>,
}

/// The state a node must persist before it sends messages: term, vote and commit index.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct HardState {
    /// The current term.
    #[prost(uint64, tag = "1")]
    pub term: u64,
    /// The candidate voted for in `term` (0 for none).
    #[prost(uint64, tag = "2")]
    pub vote: u64,
    /// The highest index known committed.
    #[prost(uint64, tag = "3")]
    pub commit: u64,
}

/// How a [`ConfChangeV2`] is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ConfChangeTransition {
    /// Simple change if possible, else joint consensus left automatically.
    ConfChangeTransitionAuto = 0,
    /// Joint consensus, left automatically.
    ConfChangeTransitionJointImplicit = 1,
    /// Joint consensus, left when the application proposes an empty `ConfChangeV2`.
    ConfChangeTransitionJointExplicit = 2,
}

/// A membership configuration: who votes, who learns, and any joint-consensus state.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct ConfState {
    /// Voters of the incoming (or only) majority.
    #[prost(uint64, repeated, packed = "false", tag = "1")]
    pub voters: Vec<u64>,
    /// Non-voting members.
    #[prost(uint64, repeated, packed = "false", tag = "2")]
    pub learners: Vec<u64>,
    /// Voters of the outgoing majority while in a joint configuration.
    #[prost(uint64, repeated, packed = "false", tag = "3")]
    pub voters_outgoing: Vec<u64>,
    /// Voters that become learners when the joint configuration is left.
    #[prost(uint64, repeated, packed = "false", tag = "4")]
    pub learners_next: Vec<u64>,
    /// Whether the joint configuration is left automatically.
    #[prost(bool, tag = "5")]
    pub auto_leave: bool,
}

/// The kind of a single membership change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ConfChangeType {
    /// Add a voter (or promote a learner).
    ConfChangeAddNode = 0,
    /// Remove a node.
    ConfChangeRemoveNode = 1,
    /// No-op for Raft; carried for the application.
    ConfChangeUpdateNode = 2,
    /// Add a learner (or demote a voter).
    ConfChangeAddLearnerNode = 3,
}

/// A single membership change in etcd's original (v1) format.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ConfChange {
    /// Used only by etcd itself; carried through unchanged.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// A [`ConfChangeType`] value.
    #[prost(enumeration = "ConfChangeType", tag = "2")]
    pub change_type: i32,
    /// The node the change is about.
    #[prost(uint64, tag = "3")]
    pub node_id: u64,
    /// Opaque application context.
    #[prost(bytes = "bytes", tag = "4")]
    pub context: Bytes,
}

/// One change inside a [`ConfChangeV2`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct ConfChangeSingle {
    /// A [`ConfChangeType`] value.
    #[prost(enumeration = "ConfChangeType", tag = "1")]
    pub change_type: i32,
    /// The node the change is about.
    #[prost(uint64, tag = "2")]
    pub node_id: u64,
}

/// A membership change of any size, applied simply or through joint consensus.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ConfChangeV2 {
    /// A [`ConfChangeTransition`] value.
    #[prost(enumeration = "ConfChangeTransition", tag = "1")]
    pub transition: i32,
    /// The changes, applied in order.
    #[prost(message, repeated, tag = "2")]
    pub changes: Vec<ConfChangeSingle>,
    /// Opaque application context.
    #[prost(bytes = "bytes", tag = "3")]
    pub context: Bytes,
}

impl Entry {
    /// The entry's type, or `None` when the wire carried a value this library does not know.
    pub fn kind(&self) -> Option<EntryType> {
        EntryType::try_from(self.entry_type).ok()
    }
}

impl Message {
    /// The message's type, or `None` when the wire carried a value this library does not know.
    pub fn kind(&self) -> Option<MessageType> {
        MessageType::try_from(self.msg_type).ok()
    }

    /// A message of the given type with every other field zero.
    pub fn of_type(msg_type: MessageType) -> Self {
        Message {
            msg_type: msg_type as i32,
            ..Default::default()
        }
    }
}

impl Snapshot {
    /// The snapshot's last included index (0 when there is no metadata).
    pub fn index(&self) -> u64 {
        self.metadata.as_ref().map_or(0, |m| m.index)
    }

    /// The term of the snapshot's last included entry (0 when there is no metadata).
    pub fn term(&self) -> u64 {
        self.metadata.as_ref().map_or(0, |m| m.term)
    }

    /// Whether this is the empty snapshot (index 0), which means "no snapshot".
    pub fn is_empty(&self) -> bool {
        self.index() == 0
    }
}

impl HardState {
    /// Whether this is the zero hard state, which means "nothing persisted yet".
    pub fn is_empty(&self) -> bool {
        *self == HardState::default()
    }
}

impl ConfChangeSingle {
    /// A change of the given type for `node_id`.
    pub fn new(change_type: ConfChangeType, node_id: u64) -> Self {
        ConfChangeSingle {
            change_type: change_type as i32,
            node_id,
        }
    }
}
