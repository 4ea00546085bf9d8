//! `raft_storage`: the library's in-memory log storage, owned by the host or viewed in a node.

#![allow(non_camel_case_types)] // C naming: the type appears in raft.h as raft_storage

use std::ffi::c_char;

use bytes::Bytes;
use raft_core::pb::{ConfState, Entry, Snapshot, SnapshotMetadata};
use raft_core::{MemoryStorage, Storage};

use crate::handle::{
    free_raw, into_raw, slice, with_mut, with_ref, write_out, Handle, HandleState,
};
use crate::node::raft_node;
use crate::ready::raft_ready;
use crate::status::{raft_status, Failure};
use crate::types::{raft_conf_state, raft_entry, raft_hard_state, raft_snapshot_view};

/// The library's in-memory Raft log storage (etcd's MemoryStorage). Opaque.
///
/// Two kinds of handle exist:
///
/// * an **owned** storage from `raft_storage_new`: the host fills it (for example with state it
///   persisted itself) and then either frees it or moves it into a node with
///   `raft_node_new_from_storage`, which sets the caller's pointer to NULL;
/// * the **view** of a node's own storage from `raft_node_storage`: valid until that node is
///   freed; `raft_storage_free` on it does nothing.
///
/// Every `raft_storage_*` call works on both kinds. Storage calls never change the node's Raft
/// state; they change what the node reads back from its log (the host's job in the Ready loop:
/// `raft_storage_persist_ready` before sending the Ready's messages).
///
/// Thread safety: a storage handle is not thread-safe; a view belongs to its node, and the node
/// and its view must not be used concurrently.
///
/// Methods: `raft_storage_new`, `raft_storage_free`, `raft_storage_last_error`,
/// `raft_storage_append_entry`, `raft_storage_persist_ready`, `raft_storage_set_hard_state`,
/// `raft_storage_set_conf_state`, `raft_storage_apply_snapshot`,
/// `raft_storage_apply_snapshot_encoded`, `raft_storage_create_snapshot`, `raft_storage_compact`,
/// `raft_storage_first_index`, `raft_storage_last_index`, `raft_storage_term`,
/// `raft_storage_hard_state`, `raft_storage_entry`, `raft_storage_snapshot`.
pub struct raft_storage {
    state: HandleState,
    kind: StorageKind,
    /// Keeps the entry or snapshot last read back, so the pointers in the view handed to C
    /// stay valid until the next call on this handle.
    scratch_entry: Option<Entry>,
    scratch_snapshot: Option<(Snapshot, ConfState)>,
}

pub(crate) enum StorageKind {
    Owned(MemoryStorage),
    /// The storage inside a node; the node owns this handle and outlives every use of it.
    View(*mut raft_node),
}

impl Handle for raft_storage {
    unsafe fn state_ptr(this: *const Self) -> *const HandleState {
        // SAFETY: caller guarantees `this` is live; no reference to the handle is created.
        unsafe { std::ptr::addr_of!((*this).state) }
    }
}

impl std::fmt::Debug for raft_storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            StorageKind::Owned(_) => "owned",
            StorageKind::View(_) => "view",
        };
        f.debug_struct("raft_storage")
            .field("kind", &kind)
            .finish_non_exhaustive()
    }
}

impl raft_storage {
    pub(crate) fn view_of(node: *mut raft_node) -> Self {
        raft_storage {
            state: HandleState::default(),
            kind: StorageKind::View(node),
            scratch_entry: None,
            scratch_snapshot: None,
        }
    }

    /// Takes the memory storage out of an owned handle (for `raft_node_new_from_storage`).
    pub(crate) fn take_owned(&mut self) -> Result<MemoryStorage, Failure> {
        match &mut self.kind {
            StorageKind::Owned(ms) => Ok(std::mem::take(ms)),
            StorageKind::View(_) => Err(Failure::new(
                raft_status::InvalidArgument,
                "a node's storage view cannot be moved into another node",
            )),
        }
    }

    pub(crate) fn owned(&self) -> Option<&MemoryStorage> {
        match &self.kind {
            StorageKind::Owned(ms) => Some(ms),
            StorageKind::View(_) => None,
        }
    }

    pub(crate) fn is_owned(&self) -> bool {
        matches!(self.kind, StorageKind::Owned(_))
    }
}

/// Runs `f` on the memory storage behind a handle, mutably.
///
/// # Safety
/// `p` must be a live storage handle used by no other call in progress.
unsafe fn storage_mut<T>(
    p: *mut raft_storage,
    f: impl FnOnce(&mut MemoryStorage) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { with_mut(p, |s| on_storage_mut(s, f)) }
}

fn on_storage_mut<T>(
    s: &mut raft_storage,
    f: impl FnOnce(&mut MemoryStorage) -> Result<T, Failure>,
) -> Result<T, Failure> {
    match &mut s.kind {
        StorageKind::Owned(ms) => f(ms),
        StorageKind::View(node) => {
            // SAFETY: a view lives inside its node and is freed with it, so the node is live;
            // C's thread-safety rules forbid using the node and its view at the same time.
            unsafe { crate::node::with_node_storage_mut(*node, f) }
        }
    }
}

/// Runs `f` on the memory storage behind a handle, read-only.
///
/// # Safety
/// `p` must be a live storage handle.
unsafe fn storage_ref<T>(
    p: *const raft_storage,
    f: impl FnOnce(&MemoryStorage) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        with_ref(p, |s| match &s.kind {
            StorageKind::Owned(ms) => f(ms),
            StorageKind::View(node) => crate::node::with_node_storage_ref(*node, f),
        })
    }
}

/// Persists what a Ready asks for, in the order Raft requires: snapshot, entries, hard state.
pub(crate) fn persist_ready(ms: &mut MemoryStorage, rd: &raft_core::Ready) -> Result<(), Failure> {
    if let Some(snap) = rd.snapshot.as_ref().filter(|s| !s.is_empty()) {
        ms.apply_snapshot(snap.clone())?;
    }
    ms.append(&rd.entries)?;
    if let Some(hs) = rd.hard_state {
        ms.set_hard_state(hs);
    }
    Ok(())
}

ffi_fn! {
    /// Creates an empty owned storage (no entries, zero hard state, empty configuration).
    /// Free it with `raft_storage_free` or move it into a node with
    /// `raft_node_new_from_storage`.
    fn raft_storage_new(out: *mut *mut raft_storage) -> raft_status {
        let s = raft_storage {
            state: HandleState::default(),
            kind: StorageKind::Owned(MemoryStorage::new()),
            scratch_entry: None,
            scratch_snapshot: None,
        };
        // SAFETY: `out` is non-NULL (macro) and C promises it is writable.
        unsafe { write_out(out, into_raw(s)) };
        Ok(())
    }
}

ffi_fn! {
    /// Frees an owned storage. NULL is a no-op, and so is a node's storage view (the node
    /// frees it).
    fn raft_storage_free(storage: *mut raft_storage) -> () {
        // SAFETY: C promises a live handle from this library, freed at most once.
        unsafe {
            if (*storage).is_owned() {
                free_raw(storage);
            }
        }
    } ?= ();
}

ffi_fn! {
    /// Why the last mutating call on this storage failed, or "" if it succeeded. Owned by the
    /// storage, valid until its next mutating call or free. A NULL storage gives "".
    fn raft_storage_last_error(storage: *const raft_storage) -> *const c_char {
        // SAFETY: C promises a live handle.
        unsafe { (*storage).state.last_error().as_ptr() }
    } ?= c"".as_ptr();
}

ffi_fn! {
    /// Appends one entry (copied). Entries at or after `entry->index` that are already stored
    /// are replaced (a conflicting suffix is truncated), as Raft requires. An entry that
    /// leaves a gap after the last index returns `RAFT_STATUS_STORAGE_INVALID_REQUEST`.
    fn raft_storage_append_entry(storage: *mut raft_storage, entry: *const raft_entry) -> raft_status {
        // SAFETY: macro checked non-NULL; C promises `entry` and its data are readable.
        let e = unsafe { &*entry };
        // SAFETY: as above.
        let data = unsafe { slice(e.data, e.data_len)? };
        let owned = Entry {
            index: e.index,
            term: e.term,
            entry_type: e.entry_type,
            data: Bytes::copy_from_slice(data),
        };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { storage_mut(storage, |ms| Ok(ms.append(std::slice::from_ref(&owned))?)) }
    }
}

ffi_fn! {
    /// Persists a Ready into this storage: its snapshot (if any), then its entries, then its
    /// hard state (if any). This is step 1 of the Ready loop when the node's own storage is
    /// the durable store; a host with its own disk format persists there and may call this
    /// too. `ready` must not have been advanced yet (`RAFT_STATUS_READY_CONSUMED`).
    fn raft_storage_persist_ready(storage: *mut raft_storage, ready: *const raft_ready) -> raft_status {
        // SAFETY: C promises live handles; the ready is only read.
        unsafe {
            with_ref(ready, |r| {
                let rd = r.inner()?;
                storage_mut(storage, |ms| persist_ready(ms, rd))
            })
        }
    }
}

ffi_fn! {
    /// Sets the hard state (copied).
    fn raft_storage_set_hard_state(storage: *mut raft_storage, hard_state: *const raft_hard_state) -> raft_status {
        // SAFETY: macro checked non-NULL; C promises it is readable.
        let hs = unsafe { *hard_state };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            storage_mut(storage, |ms| {
                ms.set_hard_state(hs.into());
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// Sets the membership configuration a node created from this storage starts with
    /// (arrays copied). Typical for bootstrapping: voters = the initial cluster.
    fn raft_storage_set_conf_state(storage: *mut raft_storage, conf_state: *const raft_conf_state) -> raft_status {
        if conf_state.is_null() {
            return Err(Failure::new(raft_status::NullArgument, "conf_state is NULL"));
        }
        // SAFETY: checked non-NULL; C promises the view and its arrays are readable.
        let cs = unsafe { (*conf_state).copy_to_conf_state()? };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            storage_mut(storage, |ms| {
                ms.set_conf_state(cs);
                Ok(())
            })
        }
    }
}

ffi_fn! {
    /// Replaces the log with a snapshot (everything copied): entries up to `snapshot->index`
    /// are dropped. A snapshot not newer than the current one returns
    /// `RAFT_STATUS_STORAGE_SNAPSHOT_OUT_OF_DATE` and changes nothing.
    fn raft_storage_apply_snapshot(storage: *mut raft_storage, snapshot: *const raft_snapshot_view) -> raft_status {
        // SAFETY: macro checked non-NULL; C promises the view and its arrays are readable.
        let v = unsafe { &*snapshot };
        // SAFETY: as above.
        let cs = unsafe { v.conf_state.copy_to_conf_state()? };
        // SAFETY: as above.
        let data = unsafe { slice(v.data, v.data_len)? };
        let snap = Snapshot {
            data: Bytes::copy_from_slice(data),
            metadata: Some(SnapshotMetadata { conf_state: Some(cs), index: v.index, term: v.term }),
        };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { storage_mut(storage, |ms| Ok(ms.apply_snapshot(snap)?)) }
    }
}

ffi_fn! {
    /// Like `raft_storage_apply_snapshot`, with the snapshot as an encoded `raftpb.Snapshot`
    /// (borrowed for the call). Garbage bytes return `RAFT_STATUS_DECODE`.
    fn raft_storage_apply_snapshot_encoded(storage: *mut raft_storage, data: *const u8, len: usize) -> raft_status {
        // SAFETY: C promises `data` is readable for `len` bytes.
        let bytes = unsafe { slice(data, len)? };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            storage_mut(storage, |ms| {
                let snap = Snapshot::decode_from(bytes)?;
                Ok(ms.apply_snapshot(snap)?)
            })
        }
    }
}

ffi_fn! {
    /// Records a snapshot of the application state as of `index` (which must be stored and
    /// newer than the current snapshot), with `data` copied. `conf_state` is the configuration
    /// as of `index`; NULL keeps the one the storage has (for a node's view, pass
    /// `raft_node_conf_state` taken when `index` was applied). Entries are not removed: call
    /// `raft_storage_compact` for that.
    fn raft_storage_create_snapshot(
        storage: *mut raft_storage,
        index: u64,
        conf_state: *const raft_conf_state,
        data: *const u8,
        data_len: usize,
    ) -> raft_status {
        let cs = if conf_state.is_null() {
            None
        } else {
            // SAFETY: non-NULL; C promises the view and its arrays are readable.
            Some(unsafe { (*conf_state).copy_to_conf_state()? })
        };
        // SAFETY: C promises `data` is readable for `data_len` bytes.
        let bytes = Bytes::copy_from_slice(unsafe { slice(data, data_len)? });
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { storage_mut(storage, |ms| ms.create_snapshot(index, cs, bytes).map(|_| ()).map_err(Failure::from)) }
    }
}

ffi_fn! {
    /// Discards entries before `index` (the entry at `index` is kept as the new log start's
    /// predecessor). Compacting past the last index returns
    /// `RAFT_STATUS_STORAGE_INVALID_REQUEST`; at or before the first index,
    /// `RAFT_STATUS_STORAGE_COMPACTED`. Either way nothing changes.
    fn raft_storage_compact(storage: *mut raft_storage, index: u64) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { storage_mut(storage, |ms| Ok(ms.compact(index)?)) }
    }
}

ffi_fn! {
    /// The first index whose entry is available (snapshot index + 1).
    fn raft_storage_first_index(storage: *const raft_storage, out: *mut u64) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { storage_ref(storage, |ms| Ok(ms.first_index()?))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// The index of the last stored entry (the snapshot index if there are none after it).
    fn raft_storage_last_index(storage: *const raft_storage, out: *mut u64) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { storage_ref(storage, |ms| Ok(ms.last_index()?))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// The term of the entry at `index`, for `index` in `[first_index - 1, last_index]`;
    /// otherwise `RAFT_STATUS_STORAGE_COMPACTED` or `RAFT_STATUS_STORAGE_UNAVAILABLE`.
    fn raft_storage_term(storage: *const raft_storage, index: u64, out: *mut u64) -> raft_status {
        // SAFETY: C promises a live handle.
        let v = unsafe { storage_ref(storage, |ms| Ok(ms.term(index)?))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, v) };
        Ok(())
    }
}

ffi_fn! {
    /// The stored hard state.
    fn raft_storage_hard_state(storage: *const raft_storage, out: *mut raft_hard_state) -> raft_status {
        // SAFETY: C promises a live handle.
        let hs = unsafe { storage_ref(storage, |ms| Ok(ms.initial_state()?.hard_state))? };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, hs.into()) };
        Ok(())
    }
}

ffi_fn! {
    /// Reads back the entry at `index`. `out->data` points into this storage handle and stays
    /// valid until the next call on the handle (or, for a view, on its node) or its free.
    fn raft_storage_entry(storage: *mut raft_storage, index: u64, out: *mut raft_entry) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        let view = unsafe {
            with_mut(storage, |s| {
                let e = on_storage_mut(s, |ms| {
                    let mut es = ms.entries(index, index.saturating_add(1), u64::MAX)?;
                    es.pop().ok_or_else(|| Failure::new(raft_status::StorageUnavailable, "no entry"))
                })?;
                Ok(raft_entry::view(s.scratch_entry.insert(e)))
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, view) };
        Ok(())
    }
}

ffi_fn! {
    /// Reads back the current snapshot (index 0 if there is none). The pointers in `*out` point
    /// into this storage handle and stay valid until the next call on the handle (or, for a
    /// view, on its node) or its free.
    fn raft_storage_snapshot(storage: *mut raft_storage, out: *mut raft_snapshot_view) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        let view = unsafe {
            with_mut(storage, |s| {
                let snap = on_storage_mut(s, |ms| Ok(ms.snapshot()?))?;
                let cs = snap
                    .metadata
                    .as_ref()
                    .and_then(|m| m.conf_state.clone())
                    .unwrap_or_default();
                let kept = s.scratch_snapshot.insert((snap, cs));
                Ok(raft_snapshot_view::view(&kept.0, &kept.1))
            })?
        };
        // SAFETY: macro checked non-NULL.
        unsafe { write_out(out, view) };
        Ok(())
    }
}
