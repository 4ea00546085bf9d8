//! The exception hierarchy users catch, and the one place core errors become Python exceptions.
//!
//! Every exception is rooted at `raft_core.RaftError` so `except raft_core.RaftError` catches
//! everything this package raises on purpose. Kinds that are "you passed a bad value" also derive
//! from `ValueError`, so generic code that validates input keeps working. A Rust panic never
//! reaches Python as `pyo3_runtime.PanicException` (a `BaseException`, which `except Exception`
//! would miss): the node wrapper catches panics and raises `InternalError`.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use raft_core::{ConfigError as CoreConfigError, Error, StorageError as CoreStorageError};

create_exception!(
    raft_core,
    RaftError,
    PyException,
    "Base class of every error raft_core raises on purpose."
);
create_exception!(
    raft_core,
    ProposalDropped,
    RaftError,
    "The proposal was not accepted: no leader is known, forwarding is disabled, a leadership \
     transfer is under way, or the uncommitted-size limit was reached. Retry later."
);
create_exception!(
    raft_core,
    StorageError,
    RaftError,
    "The storage could not serve a request. Subclasses name the conditions Raft reacts to."
);
create_exception!(
    raft_core,
    CompactedError,
    StorageError,
    "The requested index is older than the first entry still held (it was compacted)."
);
create_exception!(
    raft_core,
    UnavailableError,
    StorageError,
    "The requested entry is not in storage (yet)."
);
create_exception!(
    raft_core,
    SnapshotOutOfDateError,
    StorageError,
    "The offered snapshot is older than the one storage already holds."
);
create_exception!(
    raft_core,
    SnapshotTemporarilyUnavailableError,
    StorageError,
    "The storage cannot produce a snapshot right now; the leader retries later."
);
create_exception!(
    raft_core,
    StepError,
    RaftError,
    "A message was refused by Node.step; the node is unchanged. Subclasses say why."
);
create_exception!(
    raft_core,
    LocalMessageError,
    StepError,
    "A local-only message type (such as MessageType.HUP) arrived through Node.step."
);
create_exception!(
    raft_core,
    PeerNotFoundError,
    StepError,
    "A response arrived from a node this node does not track (for example a removed peer)."
);
create_exception!(
    raft_core,
    InvalidMessageError,
    StepError,
    "A well-formed message that cannot be valid Raft (unknown type, commit beyond the log, ...)."
);
create_exception!(
    raft_core,
    MisuseError,
    RaftError,
    "The API was called out of order (advance without ready, a Ready from another node, ...). \
     Nothing changed."
);
create_exception!(
    raft_core,
    CorruptStateError,
    RaftError,
    "The storage holds state that contradicts itself; the node was not created."
);
create_exception!(
    raft_core,
    InternalError,
    RaftError,
    "A bug inside raft_core was caught before it could crash the interpreter. The node that \
     hit it refuses further calls; please report it."
);

/// The exceptions that are also `ValueError`s. `create_exception!` takes one base, so these
/// are built with `type(name, bases, ns)`, once per interpreter, under the same public module.
pub(crate) struct MultiBase {
    name: &'static str,
    doc: &'static str,
    base: fn(Python<'_>) -> Bound<'_, PyType>,
    cell: PyOnceLock<Py<PyType>>,
}

impl MultiBase {
    const fn new(
        name: &'static str,
        doc: &'static str,
        base: fn(Python<'_>) -> Bound<'_, PyType>,
    ) -> Self {
        MultiBase {
            name,
            doc,
            base,
            cell: PyOnceLock::new(),
        }
    }

    /// The exception class, created on first use.
    pub(crate) fn type_object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyType>> {
        let ty = self.cell.get_or_try_init(py, || -> PyResult<Py<PyType>> {
            let bases = PyTuple::new(py, [(self.base)(py), py.get_type::<PyValueError>()])?;
            let ns = PyDict::new(py);
            ns.set_item("__module__", "raft_core")?;
            ns.set_item("__doc__", self.doc)?;
            ns.set_item("__qualname__", self.name)?;
            let made = py
                .get_type::<PyType>()
                .call1((self.name, bases, ns))?
                .cast_into::<PyType>()?;
            Ok(made.unbind())
        })?;
        Ok(ty.bind(py).clone())
    }

    /// A `PyErr` of this class carrying `msg`.
    pub(crate) fn err(&self, py: Python<'_>, msg: String) -> PyErr {
        match self.type_object(py) {
            Ok(ty) => PyErr::from_type(ty, msg),
            Err(e) => e,
        }
    }
}

fn raft_error_type(py: Python<'_>) -> Bound<'_, PyType> {
    py.get_type::<RaftError>()
}

fn storage_error_type(py: Python<'_>) -> Bound<'_, PyType> {
    py.get_type::<StorageError>()
}

/// Bytes that are not a valid encoding of the expected type (also a `ValueError`).
pub(crate) static DECODE_ERROR: MultiBase = MultiBase::new(
    "DecodeError",
    "Bytes that are not a valid encoding of the expected raftpb type. Also a ValueError.",
    raft_error_type,
);
/// An invalid node configuration (also a `ValueError`).
pub(crate) static CONFIG_ERROR: MultiBase = MultiBase::new(
    "ConfigError",
    "A node configuration that cannot run (for example election_tick <= heartbeat_tick). \
     Also a ValueError.",
    raft_error_type,
);
/// A membership change that cannot be applied (also a `ValueError`).
pub(crate) static CONF_CHANGE_ERROR: MultiBase = MultiBase::new(
    "ConfChangeError",
    "A membership change that cannot be applied; the configuration is unchanged. \
     Also a ValueError.",
    raft_error_type,
);
/// A storage request that does not fit the log (also a `ValueError`).
pub(crate) static STORAGE_REQUEST_ERROR: MultiBase = MultiBase::new(
    "StorageRequestError",
    "A storage request that does not fit the log, such as appending with a gap or compacting \
     past the last index. Storage is unchanged. Also a ValueError.",
    storage_error_type,
);

/// The single conversion from core errors to Python exceptions. A newtype because of the orphan
/// rule; `From` lets `?` do the mapping everywhere.
#[derive(Debug)]
pub(crate) struct CoreError(pub(crate) Error);

impl From<Error> for CoreError {
    fn from(e: Error) -> Self {
        CoreError(e)
    }
}

impl From<CoreStorageError> for CoreError {
    fn from(e: CoreStorageError) -> Self {
        CoreError(Error::Storage(e))
    }
}

impl From<CoreConfigError> for CoreError {
    fn from(e: CoreConfigError) -> Self {
        CoreError(Error::Config(e))
    }
}

impl From<raft_core::pb::DecodeError> for CoreError {
    fn from(e: raft_core::pb::DecodeError) -> Self {
        CoreError(Error::Decode(e))
    }
}

impl From<CoreError> for PyErr {
    fn from(CoreError(e): CoreError) -> PyErr {
        Python::attach(|py| to_py_err(py, e))
    }
}

fn storage_to_py_err(py: Python<'_>, e: CoreStorageError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreStorageError::Compacted => CompactedError::new_err(msg),
        CoreStorageError::Unavailable => UnavailableError::new_err(msg),
        CoreStorageError::SnapshotOutOfDate => SnapshotOutOfDateError::new_err(msg),
        CoreStorageError::SnapshotTemporarilyUnavailable => {
            SnapshotTemporarilyUnavailableError::new_err(msg)
        }
        CoreStorageError::InvalidRequest(_) => STORAGE_REQUEST_ERROR.err(py, msg),
        // `Other` and any kind added to the non-exhaustive enum later.
        _ => StorageError::new_err(msg),
    }
}

fn to_py_err(py: Python<'_>, e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::ProposalDropped => ProposalDropped::new_err(msg),
        Error::StepLocalMsg => LocalMessageError::new_err(msg),
        Error::StepPeerNotFound => PeerNotFoundError::new_err(msg),
        Error::Config(_) => CONFIG_ERROR.err(py, msg),
        // The storage kinds carry their own, more specific text.
        Error::Storage(se) => storage_to_py_err(py, se),
        Error::Decode(_) => DECODE_ERROR.err(py, msg),
        Error::InvalidMessage { .. } => InvalidMessageError::new_err(msg),
        Error::ConfChange(_) => CONF_CHANGE_ERROR.err(py, msg),
        Error::Misuse(_) => MisuseError::new_err(msg),
        Error::CorruptState(_) => CorruptStateError::new_err(msg),
        // A kind added to the non-exhaustive enum after this binding was written.
        _ => RaftError::new_err(msg),
    }
}

/// Adds every exception class to the module, so `raft_core._native.X` and `raft_core.X` exist.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("RaftError", py.get_type::<RaftError>())?;
    m.add("ProposalDropped", py.get_type::<ProposalDropped>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    m.add("CompactedError", py.get_type::<CompactedError>())?;
    m.add("UnavailableError", py.get_type::<UnavailableError>())?;
    m.add(
        "SnapshotOutOfDateError",
        py.get_type::<SnapshotOutOfDateError>(),
    )?;
    m.add(
        "SnapshotTemporarilyUnavailableError",
        py.get_type::<SnapshotTemporarilyUnavailableError>(),
    )?;
    m.add("StepError", py.get_type::<StepError>())?;
    m.add("LocalMessageError", py.get_type::<LocalMessageError>())?;
    m.add("PeerNotFoundError", py.get_type::<PeerNotFoundError>())?;
    m.add("InvalidMessageError", py.get_type::<InvalidMessageError>())?;
    m.add("MisuseError", py.get_type::<MisuseError>())?;
    m.add("CorruptStateError", py.get_type::<CorruptStateError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("DecodeError", DECODE_ERROR.type_object(py)?)?;
    m.add("ConfigError", CONFIG_ERROR.type_object(py)?)?;
    m.add("ConfChangeError", CONF_CHANGE_ERROR.type_object(py)?)?;
    m.add(
        "StorageRequestError",
        STORAGE_REQUEST_ERROR.type_object(py)?,
    )?;
    Ok(())
}
