//! `raft_ready`: one batch of work for the host, with accessors and a protobuf encoding.

#![allow(non_camel_case_types)] // C naming: the type appears in raft.h as raft_ready

use prost::Message as _;
use raft_core::pb::{self, ConfState};
use raft_core::Ready;

use crate::handle::{free_raw, with_ref, write_out, Handle, HandleState};
use crate::status::{raft_status, Failure};
use crate::types::{
    raft_bytes, raft_entry, raft_hard_state, raft_message, raft_read_state, raft_role,
    raft_snapshot_view, raft_soft_state,
};

/// A batch of work the node hands to the host (etcd's `Ready`). Opaque.
///
/// Obtained from `raft_node_ready`. Handle it in this order: persist the snapshot, entries and
/// hard state; send the messages; apply the committed entries; then `raft_node_advance`; then
/// `raft_ready_free`. Every pointer an accessor returns is owned by the Ready and valid until
/// `raft_node_advance` or `raft_ready_free` on it, whichever comes first. After
/// `raft_node_advance` the accessors return `RAFT_STATUS_READY_CONSUMED`.
///
/// For hosts that prefer protobuf, `raft_ready_encode` gives the whole Ready as one
/// `raftffi.Ready` message (schema: `raft-ffi/proto/raft_ready.proto`).
///
/// Thread safety: accessors (`const raft_ready *`) may run concurrently with each other, for
/// example to send messages from several threads; advancing or freeing needs exclusive access.
///
/// Methods: `raft_ready_free`, `raft_ready_hard_state`, `raft_ready_soft_state`,
/// `raft_ready_must_sync`, `raft_ready_entries_len`, `raft_ready_entry`,
/// `raft_ready_committed_entries_len`, `raft_ready_committed_entry`,
/// `raft_ready_messages_len`, `raft_ready_message`, `raft_ready_snapshot`,
/// `raft_ready_read_states_len`, `raft_ready_read_state`, `raft_ready_encode`.
pub struct raft_ready {
    state: HandleState,
    /// The node that produced this Ready, and which of its Readies it is.
    pub(crate) node_serial: u64,
    pub(crate) seq: u64,
    /// `None` once advanced: the contents went back into the node.
    inner: Option<Ready>,
    /// Every message encoded once, back to back in one buffer (one allocation per Ready rather
    /// than per message), so C gets stable pointers.
    encoded: Vec<u8>,
    /// Where message `i` lies in `encoded`: `(start, len)`.
    encoded_at: Vec<(usize, usize)>,
    /// The snapshot's configuration, backing the arrays of `raft_ready_snapshot`'s view.
    snapshot_conf_state: ConfState,
}

impl Handle for raft_ready {
    unsafe fn state_ptr(this: *const Self) -> *const HandleState {
        // SAFETY: caller guarantees `this` is live; no reference to the handle is created.
        unsafe { std::ptr::addr_of!((*this).state) }
    }
}

impl std::fmt::Debug for raft_ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("raft_ready")
            .field("node_serial", &self.node_serial)
            .field("seq", &self.seq)
            .field("consumed", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

impl raft_ready {
    pub(crate) fn new(node_serial: u64, seq: u64, rd: Ready) -> Self {
        let total: usize = rd.messages.iter().map(|m| m.encoded_len()).sum();
        let mut encoded = Vec::with_capacity(total);
        let mut encoded_at = Vec::with_capacity(rd.messages.len());
        for m in &rd.messages {
            let start = encoded.len();
            m.encode_raw(&mut encoded);
            encoded_at.push((start, encoded.len() - start));
        }
        let snapshot_conf_state = rd
            .snapshot
            .as_ref()
            .and_then(|s| s.metadata.as_ref())
            .and_then(|m| m.conf_state.clone())
            .unwrap_or_default();
        raft_ready {
            state: HandleState::default(),
            node_serial,
            seq,
            inner: Some(rd),
            encoded,
            encoded_at,
            snapshot_conf_state,
        }
    }

    pub(crate) fn inner(&self) -> Result<&Ready, Failure> {
        self.inner.as_ref().ok_or_else(consumed)
    }

    pub(crate) fn take(&mut self) -> Result<Ready, Failure> {
        self.inner.take().ok_or_else(consumed)
    }
}

fn consumed() -> Failure {
    Failure::new(
        raft_status::ReadyConsumed,
        "the ready was already passed to raft_node_advance",
    )
}

fn out_of_range(what: &str, i: usize, len: usize) -> Failure {
    Failure::new(
        raft_status::OutOfRange,
        format!("{what} index {i} out of range (length {len})"),
    )
}

/// # Safety
/// `p` must be a live Ready handle.
unsafe fn ready_ref<T>(
    p: *const raft_ready,
    f: impl FnOnce(&raft_ready, &Ready) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { with_ref(p, |r| f(r, r.inner()?)) }
}

ffi_fn! {
    /// Frees a Ready, advanced or not. NULL is a no-op. Freeing a Ready without advancing it
    /// drops its work: the node will not offer it again.
    fn raft_ready_free(ready: *mut raft_ready) -> () {
        // SAFETY: C promises a handle from this library, freed at most once.
        unsafe { free_raw(ready) }
    } ?= ();
}

ffi_fn! {
    /// The hard state to persist. `*present` says whether the Ready carries one (it does only
    /// when term, vote or commit changed); `*out` is zero when it does not.
    fn raft_ready_hard_state(ready: *const raft_ready, out: *mut raft_hard_state, present: *mut bool) -> raft_status {
        // SAFETY: C promises a live handle.
        let hs = unsafe { ready_ref(ready, |_, rd| Ok(rd.hard_state))? };
        // SAFETY: macro checked both non-NULL.
        unsafe {
            write_out(out, hs.map(raft_hard_state::from).unwrap_or_default());
            write_out(present, hs.is_some());
        }
        Ok(())
    }
}

ffi_fn! {
    /// The new leader and role, if either changed. `*present` says whether there is one;
    /// `*out` is `{0, RAFT_ROLE_FOLLOWER}` when there is not.
    fn raft_ready_soft_state(ready: *const raft_ready, out: *mut raft_soft_state, present: *mut bool) -> raft_status {
        // SAFETY: C promises a live handle.
        let ss = unsafe { ready_ref(ready, |_, rd| Ok(rd.soft_state))? };
        let view = ss.map_or(
            raft_soft_state { lead: 0, role: raft_role::Follower as i32 },
            |s| raft_soft_state { lead: s.lead, role: raft_role::from(s.raft_state) as i32 },
        );
        // SAFETY: macro checked both non-NULL.
        unsafe {
            write_out(out, view);
            write_out(present, ss.is_some());
        }
        Ok(())
    }
}

ffi_fn! {
    /// Whether the entries and hard state must be synced to disk (fsync) before the messages
    /// are sent.
    fn raft_ready_must_sync(ready: *const raft_ready, out: *mut bool) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { ready_ref(ready, |_, rd| Ok(rd.must_sync))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Number of entries to persist (append to the log) before sending the messages.
    fn raft_ready_entries_len(ready: *const raft_ready, out: *mut usize) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { ready_ref(ready, |_, rd| Ok(rd.entries.len()))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Entry `i` (0-based, `< raft_ready_entries_len`) to persist. `out->data` is owned by the
    /// Ready.
    fn raft_ready_entry(ready: *const raft_ready, i: usize, out: *mut raft_entry) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe {
            ready_ref(ready, |_, rd| {
                rd.entries.get(i).map(raft_entry::view).ok_or_else(|| out_of_range("entry", i, rd.entries.len()))
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Number of committed entries to apply, in order, after persisting.
    fn raft_ready_committed_entries_len(ready: *const raft_ready, out: *mut usize) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { ready_ref(ready, |_, rd| Ok(rd.committed_entries.len()))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Committed entry `i` (0-based). Entries of type `RAFT_ENTRY_TYPE_CONF_CHANGE(_V2)` go to
    /// `raft_node_apply_conf_change`; the rest to the application. `out->data` is owned by the
    /// Ready.
    fn raft_ready_committed_entry(ready: *const raft_ready, i: usize, out: *mut raft_entry) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe {
            ready_ref(ready, |_, rd| {
                rd.committed_entries
                    .get(i)
                    .map(raft_entry::view)
                    .ok_or_else(|| out_of_range("committed entry", i, rd.committed_entries.len()))
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Number of messages to send once the Ready is persisted.
    fn raft_ready_messages_len(ready: *const raft_ready, out: *mut usize) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { ready_ref(ready, |r, _| Ok(r.encoded_at.len()))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Message `i` (0-based): its destination and encoded bytes, owned by the Ready. Deliver
    /// the bytes to node `out->to` with `raft_node_step`; if that fails to arrive, report it
    /// with `raft_node_report_unreachable`.
    fn raft_ready_message(ready: *const raft_ready, i: usize, out: *mut raft_message) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe {
            ready_ref(ready, |r, rd| {
                let (m, &(start, len)) = rd
                    .messages
                    .get(i)
                    .zip(r.encoded_at.get(i))
                    .ok_or_else(|| out_of_range("message", i, r.encoded_at.len()))?;
                let bytes = r.encoded.get(start..start + len).unwrap_or_default();
                Ok(raft_message { to: m.to, msg_type: m.msg_type, data: bytes.as_ptr(), data_len: bytes.len() })
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// The snapshot to install, if any (`*present`); persist it before the entries. The
    /// pointers in `*out` are owned by the Ready. When absent, `*out` has index 0 and empty
    /// arrays.
    fn raft_ready_snapshot(ready: *const raft_ready, out: *mut raft_snapshot_view, present: *mut bool) -> raft_status {
        // SAFETY: C promises a live handle.
        let (view, has) = unsafe {
            ready_ref(ready, |r, rd| {
                Ok(match rd.snapshot.as_ref().filter(|s| !s.is_empty()) {
                    Some(s) => (raft_snapshot_view::view(s, &r.snapshot_conf_state), true),
                    None => (raft_snapshot_view::view(&pb::Snapshot::default(), &r.snapshot_conf_state), false),
                })
            })?
        };
        // SAFETY: macro checked both non-NULL.
        unsafe {
            write_out(out, view);
            write_out(present, has);
        }
        Ok(())
    }
}

ffi_fn! {
    /// Number of reads answered in this Ready (see `raft_node_read_index`).
    fn raft_ready_read_states_len(ready: *const raft_ready, out: *mut usize) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { ready_ref(ready, |_, rd| Ok(rd.read_states.len()))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Answered read `i` (0-based): serve it once the application has applied `out->index`.
    /// `out->request_ctx` is owned by the Ready.
    fn raft_ready_read_state(ready: *const raft_ready, i: usize, out: *mut raft_read_state) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe {
            ready_ref(ready, |_, rd| {
                let rs = rd
                    .read_states
                    .get(i)
                    .ok_or_else(|| out_of_range("read state", i, rd.read_states.len()))?;
                Ok(raft_read_state {
                    index: rs.index,
                    request_ctx: if rs.request_ctx.is_empty() {
                        std::ptr::null()
                    } else {
                        rs.request_ctx.as_ptr()
                    },
                    request_ctx_len: rs.request_ctx.len(),
                })
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// The whole Ready as one encoded `raftffi.Ready` message (schema in
    /// `raft-ffi/proto/raft_ready.proto`), in a library-owned buffer the caller releases with
    /// `raft_bytes_free`.
    fn raft_ready_encode(ready: *const raft_ready, out: *mut raft_bytes) -> raft_status {
        // SAFETY: C promises a live handle.
        let bytes = unsafe { ready_ref(ready, |_, rd| Ok(crate::ready_pb::encode(rd)))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, raft_bytes::from_vec(bytes)) };
        Ok(())
    }
}
