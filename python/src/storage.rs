//! `raft_core.MemoryStorage`: the core's in-memory log, shared between the user and a `Node`.
//!
//! The host persists each Ready into the storage and the node reads it back (entries for slow
//! followers, terms, snapshots). Both must see the same object, so the Python class holds an
//! `Arc<Mutex<MemoryStorage>>` and the node's `Storage` is a small adapter over the same `Arc`.
//! Lock order is always node, then storage; the storage lock is never held while waiting for the
//! node or for the GIL, so the two cannot deadlock.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use pyo3::prelude::*;
use raft_core::pb::{ConfState, Entry, HardState, Snapshot};
use raft_core::{MemoryStorage, RaftState, Storage, StorageError};

use crate::convert::{collect, BytesIn};
use crate::errors::{CoreError, InternalError};
use crate::wire::{PyConfState, PyEntry, PyHardState, PySnapshot};

/// The core's `MemoryStorage` behind a lock that the Python object and the node share.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedStorage(Arc<Mutex<MemoryStorage>>);

impl SharedStorage {
    pub(crate) fn new(inner: MemoryStorage) -> Self {
        SharedStorage(Arc::new(Mutex::new(inner)))
    }

    /// The storage, locked. A poisoned lock (a panic while it was held, which the binding
    /// prevents) is reported as a storage failure rather than a crash.
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, MemoryStorage>, StorageError> {
        self.0
            .lock()
            .map_err(|_| StorageError::Other("storage lock poisoned by an earlier failure".into()))
    }
}

impl Storage for SharedStorage {
    fn initial_state(&self) -> Result<RaftState, StorageError> {
        self.lock()?.initial_state()
    }
    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>, StorageError> {
        self.lock()?.entries(lo, hi, max_size)
    }
    fn term(&self, idx: u64) -> Result<u64, StorageError> {
        self.lock()?.term(idx)
    }
    fn first_index(&self) -> Result<u64, StorageError> {
        self.lock()?.first_index()
    }
    fn last_index(&self) -> Result<u64, StorageError> {
        self.lock()?.last_index()
    }
    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        self.lock()?.snapshot()
    }
}

/// The log, hard state and snapshot of one node, kept in memory.
///
/// Pass it to ``Node(..., storage=...)`` to restart a node from it, or read it back from
/// ``node.storage``. After each ``Ready``, persist into it: ``apply_snapshot(ready.snapshot)``
/// when there is one, ``append(ready.entries)``, ``set_hard_state(ready.hard_state)`` when it
/// changed. Rejected requests (a gap in the log, compacting past the end, an older snapshot)
/// raise and leave the storage unchanged.
#[pyclass(frozen, module = "raft_core", name = "MemoryStorage")]
pub(crate) struct PyMemoryStorage {
    pub(crate) shared: SharedStorage,
}

/// Why a storage call failed: the storage refused it, or the core's storage code panicked.
enum StorageFailure {
    Refused(StorageError),
    Panicked(String),
}

impl From<StorageFailure> for PyErr {
    fn from(f: StorageFailure) -> PyErr {
        match f {
            StorageFailure::Refused(e) => CoreError::from(e).into(),
            StorageFailure::Panicked(what) => InternalError::new_err(format!(
                "internal error in MemoryStorage (a bug in raft_core, please report it): {what}"
            )),
        }
    }
}

impl PyMemoryStorage {
    /// Runs `f` on the locked storage. A panic inside the core's storage code (a bug) is caught;
    /// the lock is then poisoned and later calls report a storage failure. Touches no Python
    /// object, so it may run with the GIL released.
    fn with_raw<T>(
        &self,
        f: impl FnOnce(&mut MemoryStorage) -> Result<T, StorageError>,
    ) -> Result<T, StorageFailure> {
        let shared = &self.shared;
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || -> Result<T, StorageError> {
                let mut guard = shared.lock()?;
                f(&mut guard)
            },
        ));
        match caught {
            Ok(r) => r.map_err(StorageFailure::Refused),
            Err(payload) => Err(StorageFailure::Panicked(crate::node::panic_text(
                payload.as_ref(),
            ))),
        }
    }

    /// [`PyMemoryStorage::with_raw`], with failures as Python exceptions.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut MemoryStorage) -> Result<T, StorageError>,
    ) -> PyResult<T> {
        Ok(self.with_raw(f)?)
    }
}

#[pymethods]
impl PyMemoryStorage {
    #[new]
    #[pyo3(signature = (conf_state = None))]
    fn new(conf_state: Option<PyRef<'_, PyConfState>>) -> Self {
        let inner = match conf_state {
            Some(cs) => MemoryStorage::new_with_conf_state(cs.inner.clone()),
            None => MemoryStorage::new(),
        };
        PyMemoryStorage {
            shared: SharedStorage::new(inner),
        }
    }

    /// Appends entries (consecutive indices), replacing any stored entries at the same or later
    /// indices. Raises ``StorageRequestError`` if they would leave a gap.
    fn append(&self, py: Python<'_>, entries: &Bound<'_, PyAny>) -> PyResult<()> {
        let entries = collect::<PyEntry, _>(entries, |e| e.inner.clone())?;
        // Many entries can take a while to copy in: let other threads run meanwhile.
        Ok(py.detach(|| self.with_raw(|s| s.append(&entries)))?)
    }

    /// Persists the hard state handed out in ``Ready.hard_state``.
    fn set_hard_state(&self, hard_state: PyRef<'_, PyHardState>) -> PyResult<()> {
        let hs: HardState = hard_state.inner;
        self.with(|s| {
            s.set_hard_state(hs);
            Ok(())
        })
    }

    /// Records the membership configuration reported on restart.
    fn set_conf_state(&self, conf_state: PyRef<'_, PyConfState>) -> PyResult<()> {
        let cs: ConfState = conf_state.inner.clone();
        self.with(|s| {
            s.set_conf_state(cs);
            Ok(())
        })
    }

    /// Replaces the whole contents with ``snapshot``. Raises ``SnapshotOutOfDateError`` unless
    /// it is newer than the snapshot held.
    fn apply_snapshot(&self, snapshot: PyRef<'_, PySnapshot>) -> PyResult<()> {
        let snap = snapshot.inner.clone();
        self.with(|s| s.apply_snapshot(snap))
    }

    /// Records a snapshot of the application state at ``index`` (already stored, newer than the
    /// current snapshot) and returns it. Pass the configuration as of ``index`` if it changed
    /// since the last snapshot. The log is not compacted; call :meth:`compact` for that.
    #[pyo3(signature = (index, conf_state = None, data = BytesIn(Bytes::new())),
           text_signature = "(self, index, conf_state=None, data=b'')")]
    fn create_snapshot(
        &self,
        index: u64,
        conf_state: Option<PyRef<'_, PyConfState>>,
        data: BytesIn,
    ) -> PyResult<PySnapshot> {
        let cs = conf_state.map(|c| c.inner.clone());
        let inner = self.with(|s| s.create_snapshot(index, cs, data.0))?;
        Ok(PySnapshot { inner })
    }

    /// Discards the entries before ``index`` (the application must have applied them).
    /// Raises ``CompactedError`` if already compacted, ``StorageRequestError`` if beyond the
    /// last index.
    fn compact(&self, index: u64) -> PyResult<()> {
        self.with(|s| s.compact(index))
    }

    /// The persisted hard state.
    #[getter]
    fn hard_state(&self) -> PyResult<PyHardState> {
        let inner = self.with(|s| Ok(s.hard_state()))?;
        Ok(PyHardState { inner })
    }

    /// The membership configuration recorded with the latest snapshot.
    #[getter]
    fn conf_state(&self) -> PyResult<PyConfState> {
        let inner = self.with(|s| Ok(s.initial_state()?.conf_state))?;
        Ok(PyConfState { inner })
    }

    /// The index of the first entry still held (``last_index + 1`` when the log is empty).
    #[getter]
    fn first_index(&self) -> PyResult<u64> {
        self.with(|s| s.first_index())
    }

    /// The index of the last entry held (the snapshot's index when the log is empty).
    #[getter]
    fn last_index(&self) -> PyResult<u64> {
        self.with(|s| s.last_index())
    }

    /// The term of the entry at ``index`` (valid from ``first_index - 1`` to ``last_index``).
    /// Raises ``CompactedError`` or ``UnavailableError`` outside that range.
    fn term(&self, index: u64) -> PyResult<u64> {
        self.with(|s| s.term(index))
    }

    /// The entries in ``[lo, hi)``, at most ``max_size`` bytes of them (but at least one).
    #[pyo3(signature = (lo, hi, max_size = None))]
    fn entries(&self, lo: u64, hi: u64, max_size: Option<u64>) -> PyResult<Vec<PyEntry>> {
        let es = self.with(|s| s.entries(lo, hi, max_size.unwrap_or(u64::MAX)))?;
        Ok(es.into_iter().map(|inner| PyEntry { inner }).collect())
    }

    /// The latest snapshot.
    fn snapshot(&self) -> PyResult<PySnapshot> {
        let inner = self.with(|s| s.snapshot())?;
        Ok(PySnapshot { inner })
    }

    fn __repr__(&self) -> PyResult<String> {
        let (first, last, hs) =
            self.with(|s| Ok((s.first_index()?, s.last_index()?, s.hard_state())))?;
        Ok(format!(
            "MemoryStorage(first_index={first}, last_index={last}, hard_state=HardState(term={}, vote={}, commit={}))",
            hs.term, hs.vote, hs.commit
        ))
    }
}
