//! `raft_node`: one Raft group member (raft-core's `RawNode` over the library's memory storage).

#![allow(non_camel_case_types)] // C naming: the type appears in raft.h as raft_node

use std::ffi::c_char;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use raft_core::pb::{self, ConfChange, ConfChangeType, ConfChangeV2, ConfState, EntryType};
use raft_core::{MemoryStorage, RawNode, SnapshotStatus};

use crate::config::{raft_config, snapshot_config};
use crate::handle::{
    free_raw, into_raw, slice, with_mut, with_ref, write_out, Handle, HandleState,
};
use crate::ready::raft_ready;
use crate::status::{raft_status, Failure};
use crate::storage::raft_storage;
use crate::types::{raft_basic_status, raft_conf_state, raft_entry_type, raft_snapshot_status};

/// Distinguishes nodes, so a Ready can be matched to the node that produced it even if a freed
/// node's address is reused.
static NEXT_NODE_SERIAL: AtomicU64 = AtomicU64::new(1);

/// A Raft node: the state machine of one member of one Raft group. Opaque.
///
/// The node does no I/O. The host drives it (etcd's Ready loop):
///
/// 1. call `raft_node_tick` at a fixed interval, `raft_node_step` for every message received,
///    `raft_node_propose*` / `raft_node_campaign` as the application wants;
/// 2. when `raft_node_has_ready` says so, take a `raft_node_ready`;
/// 3. persist its snapshot, entries and hard state (`raft_storage_persist_ready` on
///    `raft_node_storage`, plus the host's own disk if it has one);
/// 4. send its messages (`raft_ready_message`: destination id and encoded bytes);
/// 5. apply its committed entries in order; pass conf change entries to
///    `raft_node_apply_conf_change`;
/// 6. `raft_node_advance` with that Ready, then `raft_ready_free`.
///
/// Every failing call leaves the node unchanged and keeps a message for
/// `raft_node_last_error`. A caught internal panic (`RAFT_STATUS_PANIC`) poisons the node: later
/// calls return `RAFT_STATUS_POISONED`; only `raft_node_free` still works.
///
/// Thread safety: a node is not thread-safe. Calls taking `raft_node *` need exclusive access;
/// calls taking `const raft_node *` may run concurrently with each other but not with a
/// mutating call. Different nodes are independent and may be used from different threads.
///
/// Methods: `raft_node_new`, `raft_node_new_from_storage`, `raft_node_free`,
/// `raft_node_last_error`, `raft_node_tick`, `raft_node_campaign`, `raft_node_propose`,
/// `raft_node_propose_conf_change`, `raft_node_propose_conf_change_v2`,
/// `raft_node_propose_add_voter`, `raft_node_propose_add_learner`,
/// `raft_node_propose_remove_node`, `raft_node_step`, `raft_node_has_ready`, `raft_node_ready`,
/// `raft_node_advance`, `raft_node_apply_conf_change`, `raft_node_conf_state`,
/// `raft_node_report_unreachable`, `raft_node_report_snapshot`, `raft_node_transfer_leader`,
/// `raft_node_forget_leader`, `raft_node_read_index`, `raft_node_basic_status`,
/// `raft_node_storage`.
pub struct raft_node {
    state: HandleState,
    pub(crate) raw: RawNode<MemoryStorage>,
    pub(crate) serial: u64,
    /// Sequence number of the last Ready handed out; only that one may be advanced.
    pub(crate) ready_seq: u64,
    /// The storage view handed out by `raft_node_storage` (NULL until asked for). Owned here
    /// as a raw pointer rather than a `Box`, because C holds an alias to it.
    storage_view: *mut raft_storage,
    /// Backing arrays for the last `raft_node_conf_state` view.
    conf_cache: ConfState,
}

impl Handle for raft_node {
    unsafe fn state_ptr(this: *const Self) -> *const HandleState {
        // SAFETY: caller guarantees `this` is live; no reference to the handle is created.
        unsafe { std::ptr::addr_of!((*this).state) }
    }
}

impl std::fmt::Debug for raft_node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("raft_node")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl Drop for raft_node {
    fn drop(&mut self) {
        // SAFETY: `storage_view` is NULL or came from `into_raw` in `raft_node_storage`, and
        // only the node frees it (raft_storage_free ignores views).
        unsafe { free_raw(self.storage_view) };
    }
}

impl raft_node {
    fn new(raw: RawNode<MemoryStorage>) -> Self {
        raft_node {
            state: HandleState::default(),
            raw,
            serial: NEXT_NODE_SERIAL.fetch_add(1, Ordering::Relaxed),
            ready_seq: 0,
            storage_view: std::ptr::null_mut(),
            conf_cache: ConfState::default(),
        }
    }
}

/// Runs `f` on a node's memory storage, mutably (for storage views).
///
/// # Safety
/// `node` must be a live node used by no other call in progress.
pub(crate) unsafe fn with_node_storage_mut<T>(
    node: *mut raft_node,
    f: impl FnOnce(&mut MemoryStorage) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { with_mut(node, |n| f(n.raw.store_mut())) }
}

/// Runs `f` on a node's memory storage, read-only (for storage views).
///
/// # Safety
/// `node` must be a live node.
pub(crate) unsafe fn with_node_storage_ref<T>(
    node: *const raft_node,
    f: impl FnOnce(&MemoryStorage) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { with_ref(node, |n| f(n.raw.store())) }
}

/// # Safety
/// `node` must be a live node used by no other call in progress.
unsafe fn node_mut<T>(
    node: *mut raft_node,
    f: impl FnOnce(&mut raft_node) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { with_mut(node, f) }
}

fn conf_change_v1(change_type: ConfChangeType, node_id: u64) -> ConfChange {
    ConfChange {
        change_type: change_type as i32,
        node_id,
        context: Bytes::new(),
        id: 0,
    }
}

ffi_fn! {
    /// Creates a node that starts a new cluster whose voters are `voters[0..voters_len]` (this
    /// node's id among them), or, with no voters, a node that waits to be added and to receive
    /// a snapshot. The node owns a fresh memory storage (see `raft_node_storage`). The config
    /// is copied. Invalid configuration: `RAFT_STATUS_INVALID_CONFIG` (see
    /// `raft_config_validate` for the reason). On success writes the node to `*out`; free it
    /// with `raft_node_free`.
    fn raft_node_new(
        config: *const raft_config,
        voters: *const u64,
        voters_len: usize,
        out: *mut *mut raft_node,
    ) -> raft_status {
        // SAFETY: C promises a live config and `voters` readable for `voters_len` ids.
        let cfg = unsafe { snapshot_config(config)? };
        // SAFETY: as above.
        let ids = unsafe { slice(voters, voters_len)? };
        let storage = MemoryStorage::new_with_conf_state(ConfState {
            voters: ids.to_vec(),
            ..Default::default()
        });
        let raw = RawNode::new(&cfg, storage)?;
        // SAFETY: macro checked `out` non-NULL.
        unsafe { write_out(out, into_raw(raft_node::new(raw))) };
        Ok(())
    }
}

ffi_fn! {
    /// Restarts a node from a storage holding its persisted state (hard state, configuration,
    /// snapshot, entries). On success the storage is moved into the node and `*storage` is set
    /// to NULL (do not free it; reach it again through `raft_node_storage`). On failure the
    /// storage is untouched and still the caller's. A storage view is refused with
    /// `RAFT_STATUS_INVALID_ARGUMENT`.
    fn raft_node_new_from_storage(
        config: *const raft_config,
        storage: *mut *mut raft_storage,
        out: *mut *mut raft_node,
    ) -> raft_status {
        // SAFETY: C promises a live config.
        let cfg = unsafe { snapshot_config(config)? };
        // SAFETY: macro checked `storage` non-NULL; C promises it is readable.
        let handle = unsafe { *storage };
        if handle.is_null() {
            return Err(Failure::new(raft_status::NullArgument, "*storage is NULL"));
        }
        // SAFETY: C promises `*storage` is a live storage handle.
        let raw = unsafe {
            with_mut(handle, |s| {
                // Build from a copy so that a failure leaves the caller's storage as it was.
                let ms = match s.owned() {
                    Some(ms) => ms.clone(),
                    None => {
                        return Err(Failure::new(
                            raft_status::InvalidArgument,
                            "a node's storage view cannot be moved into another node",
                        ))
                    }
                };
                let raw = RawNode::new(&cfg, ms)?;
                drop(s.take_owned()?);
                Ok(raw)
            })?
        };
        // SAFETY: the handle is owned (checked) and its storage has moved into the node.
        unsafe {
            free_raw(handle);
            write_out(storage, std::ptr::null_mut());
            write_out(out, into_raw(raft_node::new(raw)));
        }
        Ok(())
    }
}

ffi_fn! {
    /// Frees a node and its storage (and the storage view, if one was handed out). NULL is a
    /// no-op. Readies from this node must still be freed with `raft_ready_free`.
    fn raft_node_free(node: *mut raft_node) -> () {
        // SAFETY: C promises a handle from this library, freed at most once.
        unsafe { free_raw(node) }
    } ?= ();
}

ffi_fn! {
    /// Why the last mutating call on this node failed, or "" if it succeeded. Owned by the
    /// node, valid until its next mutating call or free. A NULL node gives "".
    fn raft_node_last_error(node: *const raft_node) -> *const c_char {
        // SAFETY: C promises a live handle.
        unsafe { (*node).state.last_error().as_ptr() }
    } ?= c"".as_ptr();
}

ffi_fn! {
    /// Advances the node's logical clock by one tick (elections and heartbeats are counted in
    /// ticks).
    fn raft_node_tick(node: *mut raft_node) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                n.raw.tick();
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// Starts an election now (becomes candidate or pre-candidate).
    fn raft_node_campaign(node: *mut raft_node) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.campaign()?)) }
    }
}

ffi_fn! {
    /// Proposes `data` (copied) to be appended to the log. Success means the proposal was
    /// accepted for replication, not that it is committed: watch the committed entries.
    /// `RAFT_STATUS_PROPOSAL_DROPPED` when there is no leader to take it.
    fn raft_node_propose(node: *mut raft_node, data: *const u8, len: usize) -> raft_status {
        // SAFETY: C promises `data` readable for `len` bytes.
        let bytes = Bytes::copy_from_slice(unsafe { slice(data, len)? });
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.propose(bytes)?)) }
    }
}

ffi_fn! {
    /// Proposes a membership change given as an encoded `raftpb.ConfChange` (borrowed for the
    /// call). Garbage bytes: `RAFT_STATUS_DECODE`.
    fn raft_node_propose_conf_change(node: *mut raft_node, data: *const u8, len: usize) -> raft_status {
        // SAFETY: C promises `data` readable for `len` bytes.
        let bytes = unsafe { slice(data, len)? };
        let cc = ConfChange::decode_from(bytes)?;
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.propose_conf_change(&cc)?)) }
    }
}

ffi_fn! {
    /// Proposes a membership change given as an encoded `raftpb.ConfChangeV2` (borrowed for
    /// the call), which may change several members at once through joint consensus.
    fn raft_node_propose_conf_change_v2(node: *mut raft_node, data: *const u8, len: usize) -> raft_status {
        // SAFETY: C promises `data` readable for `len` bytes.
        let bytes = unsafe { slice(data, len)? };
        let cc = ConfChangeV2::decode_from(bytes)?;
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.propose_conf_change(&cc)?)) }
    }
}

ffi_fn! {
    /// Proposes adding `id` as a voter (or promoting the learner `id`).
    fn raft_node_propose_add_voter(node: *mut raft_node, id: u64) -> raft_status {
        let cc = conf_change_v1(ConfChangeType::ConfChangeAddNode, id);
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.propose_conf_change(&cc)?)) }
    }
}

ffi_fn! {
    /// Proposes adding `id` as a learner (a non-voting member that receives the log).
    fn raft_node_propose_add_learner(node: *mut raft_node, id: u64) -> raft_status {
        let cc = conf_change_v1(ConfChangeType::ConfChangeAddLearnerNode, id);
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.propose_conf_change(&cc)?)) }
    }
}

ffi_fn! {
    /// Proposes removing member `id`.
    fn raft_node_propose_remove_node(node: *mut raft_node, id: u64) -> raft_status {
        let cc = conf_change_v1(ConfChangeType::ConfChangeRemoveNode, id);
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.propose_conf_change(&cc)?)) }
    }
}

ffi_fn! {
    /// Feeds the node one message received from a peer: an encoded `raftpb.Message` (borrowed
    /// for the call). Refused, with the node unchanged: bytes that do not decode
    /// (`RAFT_STATUS_DECODE`), an unknown message type (`RAFT_STATUS_INVALID_MESSAGE`), a
    /// message addressed to another node (`RAFT_STATUS_WRONG_RECIPIENT`), a local-only type
    /// (`RAFT_STATUS_STEP_LOCAL_MESSAGE`), and whatever the state machine rejects.
    fn raft_node_step(node: *mut raft_node, data: *const u8, len: usize) -> raft_status {
        // SAFETY: C promises `data` readable for `len` bytes.
        let bytes = unsafe { slice(data, len)? };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                // One copy into an owned buffer; payloads are then slices of it, not copies.
                let m = pb::decode_message_owned(bytes::Bytes::copy_from_slice(bytes))?;
                if m.kind().is_none() {
                    return Err(Failure::new(
                        raft_status::InvalidMessage,
                        format!("unknown message type {} from {}", m.msg_type, m.from),
                    ));
                }
                if m.to != n.raw.id() {
                    return Err(Failure::new(
                        raft_status::WrongRecipient,
                        format!("message for node {} delivered to node {}", m.to, n.raw.id()),
                    ));
                }
                Ok(n.raw.step(m)?)
            })
        }
    }
}

ffi_fn! {
    /// Whether there is work for the host (a Ready with something in it).
    fn raft_node_has_ready(node: *const raft_node, out: *mut bool) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { with_ref(node, |n| Ok(n.raw.has_ready()))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// Takes the pending work as a new Ready handle in `*out` (see the steps on `raft_node`).
    /// Handle it, pass it to `raft_node_advance`, then free it with `raft_ready_free`. Only the
    /// most recent Ready of a node can be advanced.
    fn raft_node_ready(node: *mut raft_node, out: *mut *mut raft_ready) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        let rd = unsafe {
            node_mut(node, |n| {
                let rd = n.raw.ready()?;
                n.ready_seq += 1;
                Ok(raft_ready::new(n.serial, n.ready_seq, rd))
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, into_raw(rd)) };
        Ok(())
    }
}

ffi_fn! {
    /// Tells the node the Ready was fully handled (persisted, sent, applied). The Ready's
    /// contents move back into the node: afterwards its accessors return
    /// `RAFT_STATUS_READY_CONSUMED`; it must still be freed. A Ready from another node or an
    /// older Ready returns `RAFT_STATUS_READY_MISMATCH`, one already advanced
    /// `RAFT_STATUS_READY_CONSUMED`; the node and the Ready are unchanged in both cases, and
    /// so they are when the node refuses the Ready as out of order (`RAFT_STATUS_MISUSE`).
    fn raft_node_advance(node: *mut raft_node, ready: *mut raft_ready) -> raft_status {
        // SAFETY: C promises live, exclusively used handles.
        unsafe {
            node_mut(node, |n| {
                with_mut(ready, |r| {
                    if r.node_serial != n.serial {
                        return Err(Failure::new(
                            raft_status::ReadyMismatch,
                            "the ready was produced by another node",
                        ));
                    }
                    r.inner()?;
                    if r.seq != n.ready_seq {
                        return Err(Failure::new(
                            raft_status::ReadyMismatch,
                            "the ready is older than the node's latest ready",
                        ));
                    }
                    match n.raw.advance(r.inner()?) {
                        Ok(()) => {
                            drop(r.take()?);
                            Ok(())
                        }
                        // Refused before the node accepted it: the Ready stays usable.
                        Err(e @ raft_core::Error::Misuse(_)) => Err(e.into()),
                        // Accepted, but one of the node's own follow-up steps failed.
                        Err(e) => {
                            drop(r.take()?);
                            Err(e.into())
                        }
                    }
                })
            })
        }
    }
}

ffi_fn! {
    /// Applies a committed membership change: `entry_type` and `data` are those of a committed
    /// entry of type `RAFT_ENTRY_TYPE_CONF_CHANGE` or `RAFT_ENTRY_TYPE_CONF_CHANGE_V2` (data
    /// borrowed for the call). Call it when the entry is applied, in log order. Another entry
    /// type: `RAFT_STATUS_INVALID_ARGUMENT`. Read the new configuration with
    /// `raft_node_conf_state`.
    fn raft_node_apply_conf_change(node: *mut raft_node, entry_type: i32, data: *const u8, len: usize) -> raft_status {
        // SAFETY: C promises `data` readable for `len` bytes.
        let bytes = unsafe { slice(data, len)? };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                match EntryType::try_from(entry_type) {
                    Ok(EntryType::EntryConfChange) => {
                        let cc = ConfChange::decode_from(bytes)?;
                        n.raw.apply_conf_change(&cc)?;
                    }
                    Ok(EntryType::EntryConfChangeV2) => {
                        let cc = ConfChangeV2::decode_from(bytes)?;
                        n.raw.apply_conf_change(&cc)?;
                    }
                    _ => {
                        return Err(Failure::new(
                            raft_status::InvalidArgument,
                            format!("entry type {entry_type} is not a conf change"),
                        ))
                    }
                }
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// The node's current membership configuration. The arrays in `*out` are owned by the node
    /// and valid until its next mutating call or free. Pass it to `raft_storage_create_snapshot`
    /// when snapshotting at the applied index.
    fn raft_node_conf_state(node: *mut raft_node, out: *mut raft_conf_state) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        let view = unsafe {
            node_mut(node, |n| {
                n.conf_cache = n.raw.tracker().conf_state();
                Ok(raft_conf_state::view(&n.conf_cache))
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, view) };
        Ok(())
    }
}

ffi_fn! {
    /// Reports that the last message to `id` could not be delivered (the leader then probes
    /// that follower instead of streaming to it).
    fn raft_node_report_unreachable(node: *mut raft_node, id: u64) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                n.raw.report_unreachable(id);
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// Reports the outcome of sending a snapshot to `id`: a `raft_snapshot_status` value.
    /// Another value: `RAFT_STATUS_INVALID_ARGUMENT`.
    fn raft_node_report_snapshot(node: *mut raft_node, id: u64, status: i32) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                let s = match status {
                    x if x == raft_snapshot_status::Finish as i32 => SnapshotStatus::Finish,
                    x if x == raft_snapshot_status::Failure as i32 => SnapshotStatus::Failure,
                    other => {
                        return Err(Failure::new(
                            raft_status::InvalidArgument,
                            format!("unknown snapshot status {other}"),
                        ))
                    }
                };
                n.raw.report_snapshot(id, s);
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// Asks the leader to hand leadership to `id` (ignored by followers and for unknown ids).
    fn raft_node_transfer_leader(node: *mut raft_node, id: u64) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                n.raw.transfer_leader(id);
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// Makes a follower forget its leader (etcd's ForgetLeader), for example when the host
    /// knows the leader is gone; it will accept the next leader without waiting out the lease.
    fn raft_node_forget_leader(node: *mut raft_node) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { node_mut(node, |n| Ok(n.raw.forget_leader()?)) }
    }
}

ffi_fn! {
    /// Requests a linearizable read identified by `ctx` (copied; make it unique, for example a
    /// request id). When the read's index is known it appears in a later Ready as a
    /// `raft_read_state` with the same context (`raft_ready_read_state`); a request that cannot
    /// be served (no leader yet) is dropped silently, as in etcd, so retry after a timeout.
    fn raft_node_read_index(node: *mut raft_node, ctx: *const u8, ctx_len: usize) -> raft_status {
        // SAFETY: C promises `ctx` readable for `ctx_len` bytes.
        let bytes = Bytes::copy_from_slice(unsafe { slice(ctx, ctx_len)? });
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            node_mut(node, |n| {
                n.raw.read_index(bytes);
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// The node's id, term, vote, leader, role, commit index and applied index.
    fn raft_node_basic_status(node: *const raft_node, out: *mut raft_basic_status) -> raft_status {
        // SAFETY: C promises a live handle.
        let st = unsafe {
            with_ref(node, |n| {
                let r = &n.raw;
                Ok(raft_basic_status {
                    id: r.id(),
                    term: r.term(),
                    vote: r.vote(),
                    lead: r.lead(),
                    commit: r.committed(),
                    applied: r.applied(),
                    role: crate::types::raft_role::from(r.state()) as i32,
                })
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, st) };
        Ok(())
    }
}

ffi_fn! {
    /// A view of the node's own storage, for the `raft_storage_*` calls (persist a Ready,
    /// create snapshots, compact, read back). The view is owned by the node: it stays valid
    /// until `raft_node_free`, the same pointer is returned every time, and
    /// `raft_storage_free` on it does nothing.
    fn raft_node_storage(node: *mut raft_node, out: *mut *mut raft_storage) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        let view = unsafe {
            node_mut(node, |n| {
                if n.storage_view.is_null() {
                    n.storage_view = into_raw(raft_storage::view_of(node));
                }
                Ok(n.storage_view)
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, view) };
        Ok(())
    }
}

/// The entry type numbers C sees must stay equal to the wire enum.
const _: () = {
    assert!(raft_entry_type::Normal as i32 == EntryType::EntryNormal as i32);
    assert!(raft_entry_type::ConfChange as i32 == EntryType::EntryConfChange as i32);
    assert!(raft_entry_type::ConfChangeV2 as i32 == EntryType::EntryConfChangeV2 as i32);
};

/// raft.h promises that `const raft_node *` / `const raft_ready *` / `const raft_storage *`
/// calls may run concurrently on one handle and that handles may move between threads: that
/// holds only while the wrapped Rust types are `Send + Sync`.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<RawNode<MemoryStorage>>();
    send_sync::<raft_core::Ready>();
    send_sync::<MemoryStorage>();
    send_sync::<raft_core::Config>();
};
