//! Immutable Python value types over the wire types in `raft_core::pb`.
//!
//! Each class holds the Rust message itself, so `bytes(x)` is one prost encode and handing a
//! value to the node is a clone of `Bytes` handles, not a copy of payloads. The classes are
//! frozen: a value never changes after construction, which makes them hashable, safe to share
//! between threads, and impossible to corrupt while the node holds a reference.
//!
//! Equality is by meaning, not by presence bits: a snapshot whose wire form omits the empty
//! metadata equals one that spells it out, because the Python attributes are identical.

use std::hash::{Hash, Hasher};

use bytes::Bytes;
use prost::Message as _;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple, PyType};
use raft_core::pb;

use crate::convert::{collect, BytesIn, Ids};
use crate::enums::{CONF_CHANGE_TRANSITION, CONF_CHANGE_TYPE, ENTRY_TYPE, MESSAGE_TYPE};
use crate::errors::CoreError;

/// Wire types with a meaning-preserving normal form for equality and hashing.
pub(crate) trait Canonical: prost::Message + Clone + PartialEq + Default + Sized {
    /// The same value with every "absent means empty" sub-message spelled out.
    fn canonical(&self) -> Self {
        self.clone()
    }
    /// Decodes untrusted bytes, naming this type in the error.
    fn decode_untrusted(bytes: &[u8]) -> Result<Self, pb::DecodeError>;
}

macro_rules! plain_canonical {
    ($($ty:ident),*) => {$(
        impl Canonical for pb::$ty {
            fn decode_untrusted(bytes: &[u8]) -> Result<Self, pb::DecodeError> {
                pb::$ty::decode_from(bytes)
            }
        }
    )*};
}
plain_canonical!(
    Entry,
    HardState,
    ConfState,
    ConfChange,
    ConfChangeSingle,
    ConfChangeV2
);

impl Canonical for pb::Snapshot {
    fn canonical(&self) -> Self {
        let mut meta = self.metadata.clone().unwrap_or_default();
        meta.conf_state.get_or_insert_with(pb::ConfState::default);
        pb::Snapshot {
            data: self.data.clone(),
            metadata: Some(meta),
        }
    }
    fn decode_untrusted(bytes: &[u8]) -> Result<Self, pb::DecodeError> {
        pb::Snapshot::decode_from(bytes)
    }
}

impl Canonical for pb::Message {
    fn canonical(&self) -> Self {
        let mut m = self.clone();
        m.snapshot = m.snapshot.as_ref().map(Canonical::canonical);
        m.responses = m.responses.iter().map(Canonical::canonical).collect();
        m
    }
    fn decode_untrusted(bytes: &[u8]) -> Result<Self, pb::DecodeError> {
        pb::decode_message(bytes)
    }
}

fn hash_of<T: Canonical>(v: &T) -> u64 {
    // Deterministic on purpose (SipHash with fixed keys): equal values hash equal across runs.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.canonical().encode_to_vec().hash(&mut h);
    h.finish()
}

fn py_bytes_repr(py: Python<'_>, b: &[u8]) -> PyResult<String> {
    Ok(PyBytes::new(py, b).repr()?.to_string())
}

fn ids_repr(ids: &[u64]) -> String {
    match ids {
        [one] => format!("({one},)"),
        _ => {
            let parts: Vec<String> = ids.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

fn tuple_repr(items: Vec<String>) -> String {
    match items.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", items.join(", ")),
    }
}

/// Generates the methods every value type shares: `bytes(x)`, `X.from_bytes(b)`, `==`, `hash`,
/// pickling and (trivial) copying. The per-type methods are passed in and land in the same
/// `#[pymethods]` block.
macro_rules! value_type {
    ($py_ty:ident, $pb_ty:ty, { $($body:tt)* }) => {
        #[pymethods]
        impl $py_ty {
            $($body)*

            /// The protobuf encoding (etcd's raftpb wire format).
            fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
                PyBytes::new(py, &self.inner.encode_to_vec())
            }

            /// Decodes the protobuf encoding; raises ``DecodeError`` for anything else.
            #[classmethod]
            fn from_bytes(_cls: &Bound<'_, PyType>, data: BytesIn) -> PyResult<Self> {
                let inner = <$pb_ty as Canonical>::decode_untrusted(&data.0).map_err(CoreError::from)?;
                Ok($py_ty { inner })
            }

            fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
                self.inner.canonical() == other.inner.canonical()
            }

            fn __hash__(&self) -> u64 {
                hash_of(&self.inner)
            }

            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
                let py = slf.py();
                let ctor = slf.get_type().getattr("from_bytes")?;
                let data = PyBytes::new(py, &slf.get().inner.encode_to_vec());
                Ok((ctor, (data,)))
            }

            fn __copy__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
                slf
            }

            #[pyo3(signature = (memo, /))]
            fn __deepcopy__<'py>(
                slf: PyRef<'py, Self>,
                memo: &Bound<'py, PyAny>,
            ) -> PyRef<'py, Self> {
                let _ = memo;
                slf
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Entry

/// One entry of the replicated log.
///
/// ``data`` is the application's payload for ``EntryType.NORMAL`` entries, or an encoded
/// ``ConfChange`` / ``ConfChangeV2`` (see :meth:`conf_change`). A new leader appends an entry
/// with empty data to commit entries of earlier terms; applications skip it.
#[pyclass(frozen, module = "raft_core", name = "Entry")]
pub(crate) struct PyEntry {
    pub(crate) inner: pb::Entry,
}

value_type!(PyEntry, pb::Entry, {
    #[new]
    #[pyo3(signature = (*, index = 0, term = 0, data = BytesIn(Bytes::new()), r#type = 0),
           text_signature = "(*, index=0, term=0, data=b'', type=0)")]
    fn new(index: u64, term: u64, data: BytesIn, r#type: i32) -> Self {
        PyEntry {
            inner: pb::Entry {
                term,
                index,
                entry_type: r#type,
                data: data.0,
            },
        }
    }

    /// The position in the log, starting at 1.
    #[getter]
    fn index(&self) -> u64 {
        self.inner.index
    }

    /// The term of the leader that created the entry.
    #[getter]
    fn term(&self) -> u64 {
        self.inner.term
    }

    /// The entry's ``EntryType``.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ENTRY_TYPE.member(py, self.inner.entry_type.into())
    }

    /// The payload.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.data)
    }

    /// The membership change this entry carries: a ``ConfChange`` or ``ConfChangeV2`` for
    /// conf change entries, ``None`` for normal entries. Raises ``DecodeError`` if the payload
    /// of a conf change entry is not a valid encoding.
    fn conf_change(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match pb::EntryType::try_from(self.inner.entry_type) {
            Ok(pb::EntryType::EntryConfChange) => {
                let inner =
                    pb::ConfChange::decode_from(&self.inner.data).map_err(CoreError::from)?;
                Ok(Some(Py::new(py, PyConfChange { inner })?.into_any()))
            }
            Ok(pb::EntryType::EntryConfChangeV2) => {
                let inner =
                    pb::ConfChangeV2::decode_from(&self.inner.data).map_err(CoreError::from)?;
                Ok(Some(Py::new(py, PyConfChangeV2 { inner })?.into_any()))
            }
            _ => Ok(None),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut s = format!("Entry(index={}, term={}", self.inner.index, self.inner.term);
        if self.inner.entry_type != pb::EntryType::EntryNormal as i32 {
            s.push_str(", type=");
            s.push_str(&ENTRY_TYPE.repr(py, self.inner.entry_type.into())?);
        }
        s.push_str(", data=");
        s.push_str(&py_bytes_repr(py, &self.inner.data)?);
        s.push(')');
        Ok(s)
    }
});

// ---------------------------------------------------------------------------------------------
// HardState

/// What a node must persist before it sends messages: its term, its vote and its commit index.
#[pyclass(frozen, module = "raft_core", name = "HardState")]
pub(crate) struct PyHardState {
    pub(crate) inner: pb::HardState,
}

value_type!(PyHardState, pb::HardState, {
    #[new]
    #[pyo3(signature = (*, term = 0, vote = 0, commit = 0))]
    fn new(term: u64, vote: u64, commit: u64) -> Self {
        PyHardState {
            inner: pb::HardState { term, vote, commit },
        }
    }

    /// The current term.
    #[getter]
    fn term(&self) -> u64 {
        self.inner.term
    }

    /// The node voted for in ``term`` (0 for none).
    #[getter]
    fn vote(&self) -> u64 {
        self.inner.vote
    }

    /// The highest log index known to be committed.
    #[getter]
    fn commit(&self) -> u64 {
        self.inner.commit
    }

    fn __repr__(&self) -> String {
        format!(
            "HardState(term={}, vote={}, commit={})",
            self.inner.term, self.inner.vote, self.inner.commit
        )
    }
});

// ---------------------------------------------------------------------------------------------
// ConfState

/// A membership configuration: who votes, who learns, and any joint-consensus state.
#[pyclass(frozen, module = "raft_core", name = "ConfState")]
pub(crate) struct PyConfState {
    pub(crate) inner: pb::ConfState,
}

value_type!(PyConfState, pb::ConfState, {
    #[new]
    #[pyo3(signature = (voters = Ids(Vec::new()), learners = Ids(Vec::new()), *,
                        voters_outgoing = Ids(Vec::new()), learners_next = Ids(Vec::new()),
                        auto_leave = false),
           text_signature = "(voters=(), learners=(), *, voters_outgoing=(), learners_next=(), \
                             auto_leave=False)")]
    fn new(
        voters: Ids,
        learners: Ids,
        voters_outgoing: Ids,
        learners_next: Ids,
        auto_leave: bool,
    ) -> Self {
        PyConfState {
            inner: pb::ConfState {
                voters: voters.0,
                learners: learners.0,
                voters_outgoing: voters_outgoing.0,
                learners_next: learners_next.0,
                auto_leave,
            },
        }
    }

    /// Voters of the incoming (or only) majority.
    #[getter]
    fn voters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.voters)
    }

    /// Non-voting members.
    #[getter]
    fn learners<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.learners)
    }

    /// Voters of the outgoing majority while the configuration is joint (else empty).
    #[getter]
    fn voters_outgoing<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.voters_outgoing)
    }

    /// Voters that become learners when the joint configuration is left.
    #[getter]
    fn learners_next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.learners_next)
    }

    /// Whether the joint configuration is left automatically.
    #[getter]
    fn auto_leave(&self) -> bool {
        self.inner.auto_leave
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        let mut s = format!(
            "ConfState(voters={}, learners={}",
            ids_repr(&c.voters),
            ids_repr(&c.learners)
        );
        if !c.voters_outgoing.is_empty() {
            s.push_str(&format!(
                ", voters_outgoing={}",
                ids_repr(&c.voters_outgoing)
            ));
        }
        if !c.learners_next.is_empty() {
            s.push_str(&format!(", learners_next={}", ids_repr(&c.learners_next)));
        }
        if c.auto_leave {
            s.push_str(", auto_leave=True");
        }
        s.push(')');
        s
    }
});

// ---------------------------------------------------------------------------------------------
// Snapshot

/// A snapshot of the application's state up to ``index`` (whose entry had ``term``), with the
/// membership configuration at that point.
#[pyclass(frozen, module = "raft_core", name = "Snapshot")]
pub(crate) struct PySnapshot {
    pub(crate) inner: pb::Snapshot,
}

value_type!(PySnapshot, pb::Snapshot, {
    #[new]
    #[pyo3(signature = (*, data = BytesIn(Bytes::new()), index = 0, term = 0, conf_state = None),
           text_signature = "(*, data=b'', index=0, term=0, conf_state=None)")]
    fn new(
        data: BytesIn,
        index: u64,
        term: u64,
        conf_state: Option<PyRef<'_, PyConfState>>,
    ) -> Self {
        PySnapshot {
            inner: pb::Snapshot {
                data: data.0,
                metadata: Some(pb::SnapshotMetadata {
                    conf_state: Some(conf_state.map(|c| c.inner.clone()).unwrap_or_default()),
                    index,
                    term,
                }),
            },
        }
    }

    /// The application's serialized state.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.data)
    }

    /// The last log index the snapshot includes (0 means "no snapshot").
    #[getter]
    fn index(&self) -> u64 {
        self.inner.index()
    }

    /// The term of the entry at ``index``.
    #[getter]
    fn term(&self) -> u64 {
        self.inner.term()
    }

    /// The membership configuration as of ``index``.
    #[getter]
    fn conf_state(&self) -> PyConfState {
        let cs = self
            .inner
            .metadata
            .as_ref()
            .and_then(|m| m.conf_state.clone())
            .unwrap_or_default();
        PyConfState { inner: cs }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Snapshot(index={}, term={}, conf_state={}, data={})",
            self.inner.index(),
            self.inner.term(),
            self.conf_state().__repr__(),
            py_bytes_repr(py, &self.inner.data)?
        ))
    }
});

// ---------------------------------------------------------------------------------------------
// Message

/// A Raft message between nodes. Which fields carry meaning depends on ``type``.
///
/// Send ``bytes(msg)`` to node ``msg.to`` over any transport; on arrival, pass the bytes (or a
/// decoded ``Message``) to that node's :meth:`Node.step`.
#[pyclass(frozen, module = "raft_core", name = "Message")]
pub(crate) struct PyMessage {
    pub(crate) inner: pb::Message,
}

/// How many levels of nested messages `m`'s encoding has below `m` itself. The decoder (like
/// every protobuf decoder) refuses more than [`pb::MAX_MESSAGE_DEPTH`], so the constructor refuses
/// to build a message that could not be read back. Children were checked when they were built,
/// so the recursion is bounded by that limit too.
fn nesting(m: &pb::Message) -> usize {
    let entries = usize::from(!m.entries.is_empty());
    let snapshot = m.snapshot.as_ref().map_or(0, |s| match &s.metadata {
        None => 1,
        Some(meta) => 2 + usize::from(meta.conf_state.is_some()),
    });
    let responses = m
        .responses
        .iter()
        .map(|r| 1 + nesting(r))
        .max()
        .unwrap_or(0);
    entries.max(snapshot).max(responses)
}

fn message_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<pb::Message>> {
    collect::<PyMessage, _>(obj, |m| m.inner.clone())
}

value_type!(PyMessage, pb::Message, {
    #[new]
    #[pyo3(signature = (r#type, *, to = 0, from_ = 0, term = 0, log_term = 0, index = 0,
                        entries = None, commit = 0, vote = 0, snapshot = None, reject = false,
                        reject_hint = 0, context = BytesIn(Bytes::new()), responses = None),
           text_signature = "(type, *, to=0, from_=0, term=0, log_term=0, index=0, entries=None, \
                             commit=0, vote=0, snapshot=None, reject=False, reject_hint=0, \
                             context=b'', responses=None)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the protobuf message's fields"
    )]
    fn new(
        r#type: i32,
        to: u64,
        from_: u64,
        term: u64,
        log_term: u64,
        index: u64,
        entries: Option<&Bound<'_, PyAny>>,
        commit: u64,
        vote: u64,
        snapshot: Option<PyRef<'_, PySnapshot>>,
        reject: bool,
        reject_hint: u64,
        context: BytesIn,
        responses: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let entries = match entries {
            Some(e) => collect::<PyEntry, _>(e, |e| e.inner.clone())?,
            None => Vec::new(),
        };
        let responses = match responses {
            Some(r) => message_from_py(r)?,
            None => Vec::new(),
        };
        let inner = pb::Message {
            msg_type: r#type,
            to,
            from: from_,
            term,
            log_term,
            index,
            entries,
            commit,
            vote,
            snapshot: snapshot.map(|s| s.inner.clone()),
            reject,
            reject_hint,
            context: context.0,
            responses,
        };
        if nesting(&inner) > pb::MAX_MESSAGE_DEPTH {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "responses nest deeper than the wire format allows ({} levels)",
                pb::MAX_MESSAGE_DEPTH
            )));
        }
        Ok(PyMessage { inner })
    }

    /// The ``MessageType``.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        MESSAGE_TYPE.member(py, self.inner.msg_type.into())
    }

    /// The recipient's node id.
    #[getter]
    fn to(&self) -> u64 {
        self.inner.to
    }

    /// The sender's node id (``from`` is a Python keyword).
    #[getter]
    fn from_(&self) -> u64 {
        self.inner.from
    }

    /// The sender's term (0 for local messages and proposals).
    #[getter]
    fn term(&self) -> u64 {
        self.inner.term
    }

    /// The term of the entry at ``index``.
    #[getter]
    fn log_term(&self) -> u64 {
        self.inner.log_term
    }

    /// A log index; its meaning depends on ``type``.
    #[getter]
    fn index(&self) -> u64 {
        self.inner.index
    }

    /// The entries carried by the message.
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .inner
            .entries
            .iter()
            .map(|e| Py::new(py, PyEntry { inner: e.clone() }))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }

    /// The sender's commit index.
    #[getter]
    fn commit(&self) -> u64 {
        self.inner.commit
    }

    /// The vote (only meaningful for local storage messages).
    #[getter]
    fn vote(&self) -> u64 {
        self.inner.vote
    }

    /// The snapshot carried by ``MessageType.SNAP`` (else ``None``).
    #[getter]
    fn snapshot(&self) -> Option<PySnapshot> {
        self.inner
            .snapshot
            .as_ref()
            .map(|s| PySnapshot { inner: s.clone() })
    }

    /// Whether a response rejects the request.
    #[getter]
    fn reject(&self) -> bool {
        self.inner.reject
    }

    /// For a rejected append response: the index the follower suggests probing from.
    #[getter]
    fn reject_hint(&self) -> u64 {
        self.inner.reject_hint
    }

    /// Opaque context (campaign kind, read-index request context).
    #[getter]
    fn context<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.context)
    }

    /// Responses attached to a local storage message.
    #[getter]
    fn responses<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .inner
            .responses
            .iter()
            .map(|m| Py::new(py, PyMessage { inner: m.clone() }))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let m = &self.inner;
        let mut s = format!(
            "Message({}, to={}, from_={}, term={}",
            MESSAGE_TYPE.repr(py, m.msg_type.into())?,
            m.to,
            m.from,
            m.term
        );
        let mut num = |name: &str, v: u64| {
            if v != 0 {
                s.push_str(&format!(", {name}={v}"));
            }
        };
        num("log_term", m.log_term);
        num("index", m.index);
        num("commit", m.commit);
        num("vote", m.vote);
        num("reject_hint", m.reject_hint);
        if m.reject {
            s.push_str(", reject=True");
        }
        if !m.entries.is_empty() {
            let items = m
                .entries
                .iter()
                .map(|e| PyEntry { inner: e.clone() }.__repr__(py))
                .collect::<PyResult<Vec<_>>>()?;
            s.push_str(&format!(", entries={}", tuple_repr(items)));
        }
        if let Some(snap) = &m.snapshot {
            let r = PySnapshot {
                inner: snap.clone(),
            }
            .__repr__(py)?;
            s.push_str(&format!(", snapshot={r}"));
        }
        if !m.context.is_empty() {
            s.push_str(&format!(", context={}", py_bytes_repr(py, &m.context)?));
        }
        if !m.responses.is_empty() {
            let items = m
                .responses
                .iter()
                .map(|r| PyMessage { inner: r.clone() }.__repr__(py))
                .collect::<PyResult<Vec<_>>>()?;
            s.push_str(&format!(", responses={}", tuple_repr(items)));
        }
        s.push(')');
        Ok(s)
    }
});

// ---------------------------------------------------------------------------------------------
// Membership changes

/// A single membership change in etcd's original (v1) format.
#[pyclass(frozen, module = "raft_core", name = "ConfChange")]
pub(crate) struct PyConfChange {
    pub(crate) inner: pb::ConfChange,
}

value_type!(PyConfChange, pb::ConfChange, {
    #[new]
    #[pyo3(signature = (r#type, node_id, *, context = BytesIn(Bytes::new()), id = 0),
           text_signature = "(type, node_id, *, context=b'', id=0)")]
    fn new(r#type: i32, node_id: u64, context: BytesIn, id: u64) -> Self {
        PyConfChange {
            inner: pb::ConfChange {
                change_type: r#type,
                node_id,
                context: context.0,
                id,
            },
        }
    }

    /// The ``ConfChangeType``.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        CONF_CHANGE_TYPE.member(py, self.inner.change_type.into())
    }

    /// The node the change is about.
    #[getter]
    fn node_id(&self) -> u64 {
        self.inner.node_id
    }

    /// Opaque application context, carried through the log unchanged.
    #[getter]
    fn context<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.context)
    }

    /// An id for the application's own bookkeeping; Raft ignores it.
    #[getter]
    fn id(&self) -> u64 {
        self.inner.id
    }

    /// The same change in the v2 format.
    fn as_v2(&self) -> PyConfChangeV2 {
        use raft_core::pb::ConfChangeI as _;
        PyConfChangeV2 {
            inner: self.inner.as_v2(),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut s = format!(
            "ConfChange({}, {}",
            CONF_CHANGE_TYPE.repr(py, self.inner.change_type.into())?,
            self.inner.node_id
        );
        if !self.inner.context.is_empty() {
            s.push_str(&format!(
                ", context={}",
                py_bytes_repr(py, &self.inner.context)?
            ));
        }
        if self.inner.id != 0 {
            s.push_str(&format!(", id={}", self.inner.id));
        }
        s.push(')');
        Ok(s)
    }
});

/// One change inside a :class:`ConfChangeV2`.
#[pyclass(frozen, module = "raft_core", name = "ConfChangeSingle")]
pub(crate) struct PyConfChangeSingle {
    pub(crate) inner: pb::ConfChangeSingle,
}

value_type!(PyConfChangeSingle, pb::ConfChangeSingle, {
    #[new]
    fn new(r#type: i32, node_id: u64) -> Self {
        PyConfChangeSingle {
            inner: pb::ConfChangeSingle {
                change_type: r#type,
                node_id,
            },
        }
    }

    /// The ``ConfChangeType``.
    #[getter]
    fn r#type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        CONF_CHANGE_TYPE.member(py, self.inner.change_type.into())
    }

    /// The node the change is about.
    #[getter]
    fn node_id(&self) -> u64 {
        self.inner.node_id
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ConfChangeSingle({}, {})",
            CONF_CHANGE_TYPE.repr(py, self.inner.change_type.into())?,
            self.inner.node_id
        ))
    }
});

/// A membership change of any size, applied directly or through joint consensus.
///
/// An empty ``ConfChangeV2()`` is the request to leave a joint configuration.
#[pyclass(frozen, module = "raft_core", name = "ConfChangeV2")]
pub(crate) struct PyConfChangeV2 {
    pub(crate) inner: pb::ConfChangeV2,
}

value_type!(PyConfChangeV2, pb::ConfChangeV2, {
    #[new]
    #[pyo3(signature = (changes = None, *, transition = 0, context = BytesIn(Bytes::new())),
           text_signature = "(changes=None, *, transition=0, context=b'')")]
    fn new(
        changes: Option<&Bound<'_, PyAny>>,
        transition: i32,
        context: BytesIn,
    ) -> PyResult<Self> {
        let changes = match changes {
            Some(c) => collect::<PyConfChangeSingle, _>(c, |c| c.inner)?,
            None => Vec::new(),
        };
        Ok(PyConfChangeV2 {
            inner: pb::ConfChangeV2 {
                transition,
                changes,
                context: context.0,
            },
        })
    }

    /// Parses etcd's compact notation: ``"v1 v2 l3 r4 u5"`` adds voters 1 and 2, learner 3,
    /// removes 4 and updates 5. Raises ``ValueError`` for a malformed token.
    #[classmethod]
    #[pyo3(signature = (text, *, transition = 0, context = BytesIn(Bytes::new())),
           text_signature = "(text, *, transition=0, context=b'')")]
    fn parse(
        _cls: &Bound<'_, PyType>,
        text: &str,
        transition: i32,
        context: BytesIn,
    ) -> PyResult<Self> {
        let changes = pb::ConfChangeSingle::parse_list(text)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(PyConfChangeV2 {
            inner: pb::ConfChangeV2 {
                transition,
                changes,
                context: context.0,
            },
        })
    }

    /// The ``ConfChangeTransition``.
    #[getter]
    fn transition<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        CONF_CHANGE_TRANSITION.member(py, self.inner.transition.into())
    }

    /// The changes, applied in order.
    #[getter]
    fn changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .inner
            .changes
            .iter()
            .map(|c| Py::new(py, PyConfChangeSingle { inner: *c }))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }

    /// Opaque application context, carried through the log unchanged.
    #[getter]
    fn context<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.context)
    }

    /// Whether this change enters a joint configuration.
    #[getter]
    fn enters_joint(&self) -> bool {
        self.inner.enter_joint().is_some()
    }

    /// Whether this is the empty change that leaves a joint configuration.
    #[getter]
    fn leaves_joint(&self) -> bool {
        self.inner.leave_joint()
    }

    fn __str__(&self) -> String {
        pb::ConfChangeSingle::list_to_string(&self.inner.changes)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let items = self
            .inner
            .changes
            .iter()
            .map(|c| PyConfChangeSingle { inner: *c }.__repr__(py))
            .collect::<PyResult<Vec<_>>>()?;
        let mut s = format!("ConfChangeV2({}", tuple_repr(items));
        if self.inner.transition != 0 {
            s.push_str(&format!(
                ", transition={}",
                CONF_CHANGE_TRANSITION.repr(py, self.inner.transition.into())?
            ));
        }
        if !self.inner.context.is_empty() {
            s.push_str(&format!(
                ", context={}",
                py_bytes_repr(py, &self.inner.context)?
            ));
        }
        s.push(')');
        Ok(s)
    }
});

/// Registers the value classes in the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEntry>()?;
    m.add_class::<PyHardState>()?;
    m.add_class::<PyConfState>()?;
    m.add_class::<PySnapshot>()?;
    m.add_class::<PyMessage>()?;
    m.add_class::<PyConfChange>()?;
    m.add_class::<PyConfChangeSingle>()?;
    m.add_class::<PyConfChangeV2>()?;
    Ok(())
}
