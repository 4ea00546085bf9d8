//! Plain C structs and enums that cross the ABI by value or through out-parameters.
//!
//! Everything else is an opaque handle. These structs are small and stable: growing one is an
//! ABI break (new soname), so new data goes behind accessor functions instead.

#![allow(non_camel_case_types)] // C naming: these names appear as-is in raft.h

use std::ptr;

use raft_core::pb::{ConfState, Entry, HardState};
use raft_core::StateRole;

/// The kind of a log entry (`raft_entry.entry_type`). Unknown values from a newer peer are
/// passed through unchanged, so compare against these constants rather than switching
/// exhaustively.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum raft_entry_type {
    /// An application payload (or the empty entry a new leader appends).
    Normal = 0,
    /// An encoded `raftpb.ConfChange`: pass it to `raft_node_apply_conf_change`.
    ConfChange = 1,
    /// An encoded `raftpb.ConfChangeV2`: pass it to `raft_node_apply_conf_change`.
    ConfChangeV2 = 2,
}

/// A node's role (`raft_soft_state.role`, `raft_basic_status.role`).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum raft_role {
    /// Follows a leader (or waits for one).
    Follower = 0,
    /// Campaigning for votes.
    Candidate = 1,
    /// The leader of its term.
    Leader = 2,
    /// Asking for pre-votes before campaigning (only with pre-vote enabled).
    PreCandidate = 3,
}

impl From<StateRole> for raft_role {
    fn from(r: StateRole) -> Self {
        match r {
            StateRole::Follower => raft_role::Follower,
            StateRole::Candidate => raft_role::Candidate,
            StateRole::Leader => raft_role::Leader,
            StateRole::PreCandidate => raft_role::PreCandidate,
        }
    }
}

/// The outcome of sending a snapshot, for `raft_node_report_snapshot`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum raft_snapshot_status {
    /// The follower received and applied the snapshot.
    Finish = 0,
    /// Sending failed; the leader will probe the follower again.
    Failure = 1,
}

/// How read-only requests are served (`raft_config_set_read_only_option`).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum raft_read_only_option {
    /// Confirm leadership with a heartbeat round (safe).
    Safe = 0,
    /// Rely on the leader lease; needs check_quorum and bounded clock drift.
    LeaseBased = 1,
}

/// Term, vote and commit index: what a node must persist before sending its messages.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct raft_hard_state {
    /// The current term.
    pub term: u64,
    /// The node voted for in `term` (0 = none).
    pub vote: u64,
    /// The highest index known to be committed.
    pub commit: u64,
}

impl From<HardState> for raft_hard_state {
    fn from(h: HardState) -> Self {
        raft_hard_state {
            term: h.term,
            vote: h.vote,
            commit: h.commit,
        }
    }
}

impl From<raft_hard_state> for HardState {
    fn from(h: raft_hard_state) -> Self {
        HardState {
            term: h.term,
            vote: h.vote,
            commit: h.commit,
        }
    }
}

/// Volatile state worth reporting but not persisting: the known leader and this node's role.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct raft_soft_state {
    /// The leader's id (0 = unknown).
    pub lead: u64,
    /// A `raft_role` value.
    pub role: i32,
}

/// A node's current state at a glance (`raft_node_basic_status`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct raft_basic_status {
    /// This node's id.
    pub id: u64,
    /// Current term.
    pub term: u64,
    /// Vote in the current term (0 = none).
    pub vote: u64,
    /// Known leader (0 = none).
    pub lead: u64,
    /// Highest committed index.
    pub commit: u64,
    /// Highest index the host reported applied.
    pub applied: u64,
    /// A `raft_role` value.
    pub role: i32,
}

/// One log entry, as a view.
///
/// As an output (`raft_ready_entry`, `raft_storage_entry`, ...), `data` points into memory owned
/// by the handle it came from and stays valid as long as the function's documentation says
/// (typically until the handle is freed or next mutated); `data` is NULL when `data_len` is 0.
/// As an input (`raft_storage_append_entry`) it is borrowed for the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct raft_entry {
    /// Log position, starting at 1.
    pub index: u64,
    /// Term of the leader that created the entry.
    pub term: u64,
    /// A `raft_entry_type` value.
    pub entry_type: i32,
    /// Payload bytes (the encoded change for conf change entries).
    pub data: *const u8,
    /// Payload length in bytes.
    pub data_len: usize,
}

impl raft_entry {
    pub(crate) fn view(e: &Entry) -> Self {
        raft_entry {
            index: e.index,
            term: e.term,
            entry_type: e.entry_type,
            data: if e.data.is_empty() {
                ptr::null()
            } else {
                e.data.as_ptr()
            },
            data_len: e.data.len(),
        }
    }
}

/// A membership configuration, as a view: arrays of node ids with their lengths.
///
/// Joint consensus uses all four lists; a simple configuration only `voters` and `learners`.
/// As an output, the arrays are owned by the handle the view came from. As an input they are
/// borrowed for the call; `(NULL, 0)` is an empty list.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct raft_conf_state {
    /// Voters of the incoming (or only) majority.
    pub voters: *const u64,
    /// Number of `voters`.
    pub voters_len: usize,
    /// Non-voting members.
    pub learners: *const u64,
    /// Number of `learners`.
    pub learners_len: usize,
    /// Voters of the outgoing majority while joint.
    pub voters_outgoing: *const u64,
    /// Number of `voters_outgoing`.
    pub voters_outgoing_len: usize,
    /// Voters that become learners when the joint configuration is left.
    pub learners_next: *const u64,
    /// Number of `learners_next`.
    pub learners_next_len: usize,
    /// Whether the joint configuration is left automatically.
    pub auto_leave: bool,
}

fn ids_ptr(v: &[u64]) -> *const u64 {
    if v.is_empty() {
        ptr::null()
    } else {
        v.as_ptr()
    }
}

impl raft_conf_state {
    /// A view over `cs`; valid while `cs` is neither moved nor changed.
    pub(crate) fn view(cs: &ConfState) -> Self {
        raft_conf_state {
            voters: ids_ptr(&cs.voters),
            voters_len: cs.voters.len(),
            learners: ids_ptr(&cs.learners),
            learners_len: cs.learners.len(),
            voters_outgoing: ids_ptr(&cs.voters_outgoing),
            voters_outgoing_len: cs.voters_outgoing.len(),
            learners_next: ids_ptr(&cs.learners_next),
            learners_next_len: cs.learners_next.len(),
            auto_leave: cs.auto_leave,
        }
    }

    /// Copies a C view into an owned conf state.
    ///
    /// # Safety
    /// Every non-NULL array must be valid for its length.
    pub(crate) unsafe fn copy_to_conf_state(self) -> Result<ConfState, crate::status::Failure> {
        use crate::handle::slice;
        // SAFETY: forwarded from the caller.
        unsafe {
            Ok(ConfState {
                voters: slice(self.voters, self.voters_len)?.to_vec(),
                learners: slice(self.learners, self.learners_len)?.to_vec(),
                voters_outgoing: slice(self.voters_outgoing, self.voters_outgoing_len)?.to_vec(),
                learners_next: slice(self.learners_next, self.learners_next_len)?.to_vec(),
                auto_leave: self.auto_leave,
            })
        }
    }
}

/// A snapshot, as a view: what it covers and the application data.
///
/// As an output (`raft_ready_snapshot`, `raft_storage_snapshot`) every pointer is owned by the
/// handle it came from. As an input (`raft_storage_apply_snapshot`) everything is borrowed for
/// the call and copied.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct raft_snapshot_view {
    /// The last log index the snapshot includes.
    pub index: u64,
    /// The term of the entry at `index`.
    pub term: u64,
    /// The membership configuration as of `index`.
    pub conf_state: raft_conf_state,
    /// The application's serialized state.
    pub data: *const u8,
    /// Length of `data`.
    pub data_len: usize,
}

impl raft_snapshot_view {
    pub(crate) fn view(s: &raft_core::pb::Snapshot, cs: &ConfState) -> Self {
        raft_snapshot_view {
            index: s.index(),
            term: s.term(),
            conf_state: raft_conf_state::view(cs),
            data: if s.data.is_empty() {
                ptr::null()
            } else {
                s.data.as_ptr()
            },
            data_len: s.data.len(),
        }
    }
}

/// One outgoing message: the destination and the encoded `raftpb.Message`.
///
/// `data` is owned by the Ready it came from and valid until `raft_ready_free` or
/// `raft_node_advance` on that Ready. Copy it if the send is asynchronous.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct raft_message {
    /// The node id to deliver the message to.
    pub to: u64,
    /// The `raftpb.MessageType` number, for logging and routing decisions.
    pub msg_type: i32,
    /// The encoded message; hand it to `raft_node_step` on node `to`.
    pub data: *const u8,
    /// Length of `data`.
    pub data_len: usize,
}

/// A linearizable read that is now answered (`raft_ready_read_state`): once the host has
/// applied up to `index`, it may serve the read identified by `request_ctx`.
///
/// `request_ctx` is owned by the Ready it came from, valid until `raft_node_advance` or
/// `raft_ready_free` on it; NULL when `request_ctx_len` is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct raft_read_state {
    /// The commit index at which the read may be served once applied.
    pub index: u64,
    /// The context passed to `raft_node_read_index`.
    pub request_ctx: *const u8,
    /// Length of `request_ctx`.
    pub request_ctx_len: usize,
}

/// A byte buffer the library allocated and the caller owns until it calls `raft_bytes_free`.
/// Never pass `data` to `free()`. An empty buffer is `{NULL, 0}`.
#[repr(C)]
#[derive(Debug)]
pub struct raft_bytes {
    /// The bytes (NULL when `len` is 0).
    pub data: *mut u8,
    /// Number of bytes.
    pub len: usize,
}

impl raft_bytes {
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        if v.is_empty() {
            return raft_bytes {
                data: ptr::null_mut(),
                len: 0,
            };
        }
        let boxed: Box<[u8]> = v.into_boxed_slice();
        let len = boxed.len();
        raft_bytes {
            data: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }
}

ffi_fn! {
    /// Releases a buffer the library returned and sets it to `{NULL, 0}`, so a second call is
    /// harmless. `raft_bytes_free(NULL)` and freeing `{NULL, 0}` do nothing.
    fn raft_bytes_free(bytes: *mut raft_bytes) -> () {
        // SAFETY: the macro checked `bytes` is not NULL; C promises it points to a raft_bytes.
        let b = unsafe { &mut *bytes };
        if !b.data.is_null() {
            let raw = ptr::slice_from_raw_parts_mut(b.data, b.len);
            // SAFETY: `data`/`len` came from `raft_bytes::from_vec` (a boxed slice).
            drop(unsafe { Box::from_raw(raw) });
        }
        b.data = ptr::null_mut();
        b.len = 0;
    } ?= ();
}
