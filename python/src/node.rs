//! `raft_core.Node` over `raft_core::RawNode`, and the objects it hands out (`Ready`,
//! `SoftState`, `ReadState`, `Status`, `Progress`).
//!
//! Every call locks the node, releases the GIL, and runs the core call under `catch_unwind`.
//! Arguments are converted to owned Rust values before the GIL is released and results are
//! converted to Python objects after it is re-acquired, so no Python object is touched while
//! detached.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use raft_core::pb;
use raft_core::tracker::ProgressState;
use raft_core::{Config, Error, RawNode, ReadOnlyOption, SnapshotStatus, StateRole};

use crate::convert::{BytesIn, Ids};
use crate::enums::{PROGRESS_STATE, ROLE};
use crate::errors::{CoreError, InternalError, MisuseError, CONFIG_ERROR};
use crate::storage::{PyMemoryStorage, SharedStorage};
use crate::wire::{
    PyConfChange, PyConfChangeV2, PyConfState, PyEntry, PyHardState, PyMessage, PySnapshot,
};

static NEXT_NODE_SERIAL: AtomicU64 = AtomicU64::new(1);

/// Why a guarded core call did not return a value.
enum Failure {
    Core(Error),
    /// The core panicked (a bug). The node refuses further calls: its state may be half-updated.
    Panicked(String),
    /// An earlier call panicked.
    Broken(String),
}

impl Failure {
    fn into_py(self) -> PyErr {
        match self {
            Failure::Core(e) => CoreError(e).into(),
            Failure::Panicked(what) => InternalError::new_err(format!(
                "internal error (a bug in raft_core, please report it): {what}; \
                 this node refuses further calls"
            )),
            Failure::Broken(what) => InternalError::new_err(format!(
                "this node hit an internal error earlier and refuses further calls: {what}"
            )),
        }
    }
}

/// The message of a caught panic.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

struct NodeState {
    raw: RawNode<SharedStorage>,
    /// `(node serial, ready sequence)` of the Ready handed out and not yet advanced.
    outstanding: Option<(u64, u64)>,
    /// How many Readys this node handed out.
    ready_seq: u64,
    /// Set when a core call panicked; every later call is refused with this text.
    broken: Option<String>,
}

/// One Raft node: a state machine you drive with ticks, messages and proposals.
///
/// ``Node(id, voters)`` creates a fresh member of a cluster whose voters are known up front;
/// ``Node(id, storage=storage)`` restarts a node from what ``storage`` holds. The node does no
/// I/O: after feeding it, check :meth:`has_ready`, take :meth:`ready`, persist, send, apply, and
/// :meth:`advance`. See the README section "Using raft_core from Python" for the full loop.
///
/// Defaults follow etcd's ``raft.Config`` except that ``pre_vote`` and ``check_quorum`` are on,
/// as etcd recommends for production: a partitioned node cannot disrupt the cluster when it
/// returns, and a leader cut off from its quorum steps down. ``seed`` (default: the id) seeds the
/// randomized election timeout, so the same inputs give the same behaviour.
///
/// A node may be shared between threads: calls wait for each other. Calls release the GIL.
#[pyclass(frozen, module = "raft_core", name = "Node")]
pub(crate) struct PyNode {
    state: Mutex<NodeState>,
    /// Distinguishes nodes in this process, so a Ready cannot be advanced on another node.
    serial: u64,
    storage: Py<PyMemoryStorage>,
    id: u64,
}

impl PyNode {
    /// Runs `f` on the core node with the GIL released, the node locked and panics caught.
    fn call<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut RawNode<SharedStorage>) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        self.call_state(py, move |st| f(&mut st.raw))
    }

    /// [`PyNode::call`] with access to the binding's own per-node state.
    fn call_state<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut NodeState) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        let state = &self.state;
        let outcome = py.detach(move || -> Result<T, Failure> {
            let mut guard = state
                .lock()
                .map_err(|_| Failure::Broken("node lock poisoned".into()))?;
            if let Some(why) = &guard.broken {
                return Err(Failure::Broken(why.clone()));
            }
            let st = &mut *guard;
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *st))) {
                Ok(r) => r.map_err(Failure::Core),
                Err(payload) => {
                    let what = panic_text(payload.as_ref());
                    st.broken = Some(what.clone());
                    Err(Failure::Panicked(what))
                }
            }
        });
        outcome.map_err(Failure::into_py)
    }
}

/// A membership change argument: either format.
enum AnyConfChange {
    V1(pb::ConfChange),
    V2(pb::ConfChangeV2),
}

impl AnyConfChange {
    fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(cc) = obj.cast::<PyConfChange>() {
            return Ok(AnyConfChange::V1(cc.get().inner.clone()));
        }
        if let Ok(cc) = obj.cast::<PyConfChangeV2>() {
            return Ok(AnyConfChange::V2(cc.get().inner.clone()));
        }
        Err(PyTypeError::new_err(format!(
            "expected ConfChange or ConfChangeV2, not {}",
            crate::convert::type_name(&obj.as_borrowed())
        )))
    }
}

fn role_value(r: StateRole) -> i64 {
    match r {
        StateRole::Follower => 0,
        StateRole::Candidate => 1,
        StateRole::Leader => 2,
        StateRole::PreCandidate => 3,
    }
}

fn progress_state_value(s: ProgressState) -> i64 {
    match s {
        ProgressState::Probe => 0,
        ProgressState::Replicate => 1,
        ProgressState::Snapshot => 2,
    }
}

fn leader_or_none(id: u64) -> Option<u64> {
    (id != raft_core::NONE).then_some(id)
}

fn same_members(a: &pb::ConfState, voters: &[u64], learners: &[u64]) -> bool {
    let set = |v: &[u64]| v.iter().copied().collect::<BTreeSet<u64>>();
    set(&a.voters) == set(voters) && set(&a.learners) == set(learners)
}

fn is_empty_conf(cs: &pb::ConfState) -> bool {
    cs.voters.is_empty()
        && cs.learners.is_empty()
        && cs.voters_outgoing.is_empty()
        && cs.learners_next.is_empty()
}

#[pymethods]
impl PyNode {
    #[new]
    #[pyo3(signature = (
        id, voters = Ids(Vec::new()), learners = Ids(Vec::new()), *, storage = None,
        election_tick = 10, heartbeat_tick = 1, pre_vote = true, check_quorum = true,
        seed = None, applied = 0, max_size_per_msg = None, max_committed_size_per_ready = 0,
        max_uncommitted_entries_size = 0, max_inflight_msgs = 256, max_inflight_bytes = 0,
        read_only_option = 0, disable_proposal_forwarding = false,
        disable_conf_change_validation = false, step_down_on_removal = false
    ), text_signature = "(id, voters=(), learners=(), *, storage=None, election_tick=10, \
        heartbeat_tick=1, pre_vote=True, check_quorum=True, seed=None, applied=0, \
        max_size_per_msg=None, max_committed_size_per_ready=0, max_uncommitted_entries_size=0, \
        max_inflight_msgs=256, max_inflight_bytes=0, read_only_option=0, \
        disable_proposal_forwarding=False, disable_conf_change_validation=False, \
        step_down_on_removal=False)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "one keyword argument per Config field"
    )]
    fn new(
        py: Python<'_>,
        id: u64,
        voters: Ids,
        learners: Ids,
        storage: Option<Py<PyMemoryStorage>>,
        election_tick: usize,
        heartbeat_tick: usize,
        pre_vote: bool,
        check_quorum: bool,
        seed: Option<u64>,
        applied: u64,
        max_size_per_msg: Option<u64>,
        max_committed_size_per_ready: u64,
        max_uncommitted_entries_size: u64,
        max_inflight_msgs: usize,
        max_inflight_bytes: u64,
        read_only_option: i64,
        disable_proposal_forwarding: bool,
        disable_conf_change_validation: bool,
        step_down_on_removal: bool,
    ) -> PyResult<Self> {
        let mut config = Config::new(id);
        config.election_tick = election_tick;
        config.heartbeat_tick = heartbeat_tick;
        config.pre_vote = pre_vote;
        config.check_quorum = check_quorum;
        config.seed = seed.unwrap_or(id);
        config.applied = applied;
        config.max_size_per_msg = max_size_per_msg.unwrap_or(u64::MAX);
        config.max_committed_size_per_ready = max_committed_size_per_ready;
        config.max_uncommitted_entries_size = max_uncommitted_entries_size;
        config.max_inflight_msgs = max_inflight_msgs;
        config.max_inflight_bytes = max_inflight_bytes;
        config.read_only_option = match read_only_option {
            0 => ReadOnlyOption::Safe,
            1 => ReadOnlyOption::LeaseBased,
            other => {
                return Err(CONFIG_ERROR.err(
                    py,
                    format!("read_only_option must be a ReadOnlyOption, not {other}"),
                ))
            }
        };
        config.disable_proposal_forwarding = disable_proposal_forwarding;
        config.disable_conf_change_validation = disable_conf_change_validation;
        config.step_down_on_removal = step_down_on_removal;
        // Validate before touching the caller's storage.
        config.validate().map_err(CoreError::from)?;

        let storage = match storage {
            Some(s) => s,
            None => Py::new(
                py,
                PyMemoryStorage {
                    shared: SharedStorage::new(raft_core::MemoryStorage::new()),
                },
            )?,
        };
        let shared = storage.get().shared.clone();
        let (voters, learners) = (voters.0, learners.0);
        let raw = py
            .detach(
                || -> Result<Result<RawNode<SharedStorage>, String>, Error> {
                    let mut guard = shared.lock()?;
                    let before = guard.clone();
                    let stored = raft_core::Storage::initial_state(&*guard)?.conf_state;
                    if is_empty_conf(&stored) {
                        if !voters.is_empty() || !learners.is_empty() {
                            guard.set_conf_state(pb::ConfState {
                                voters: voters.clone(),
                                learners: learners.clone(),
                                ..Default::default()
                            });
                        }
                    } else if (!voters.is_empty() || !learners.is_empty())
                        && !same_members(&stored, &voters, &learners)
                    {
                        return Ok(Err(format!(
                            "storage already holds a configuration (voters {:?}, learners {:?}) \
                         that differs from voters {voters:?}, learners {learners:?}; \
                         pass no voters to restart from storage",
                            stored.voters, stored.learners
                        )));
                    }
                    drop(guard);
                    match RawNode::new(&config, shared.clone()) {
                        Ok(raw) => Ok(Ok(raw)),
                        Err(e) => {
                            // Leave the caller's storage exactly as it was.
                            if let Ok(mut g) = shared.lock() {
                                *g = before;
                            }
                            Err(e)
                        }
                    }
                },
            )
            .map_err(CoreError::from)?
            .map_err(|msg| CONFIG_ERROR.err(py, msg))?;
        Ok(PyNode {
            state: Mutex::new(NodeState {
                raw,
                outstanding: None,
                ready_seq: 0,
                broken: None,
            }),
            serial: NEXT_NODE_SERIAL.fetch_add(1, Ordering::Relaxed),
            storage,
            id,
        })
    }

    /// Advances the logical clock by one tick (elections and heartbeats are counted in ticks).
    fn tick(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |n| {
            n.tick();
            Ok(())
        })
    }

    /// Starts an election now (after a pre-vote round when ``pre_vote`` is on).
    fn campaign(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |n| n.campaign())
    }

    /// Proposes ``data`` for the log; a follower forwards it to the leader. Raises
    /// ``ProposalDropped`` when no leader can take it. Success does not promise the entry
    /// commits: watch for it among ``Ready.committed_entries``.
    fn propose(&self, py: Python<'_>, data: BytesIn) -> PyResult<()> {
        let data: Bytes = data.0;
        self.call(py, move |n| n.propose(data))
    }

    /// Proposes a membership change (``ConfChange`` or ``ConfChangeV2``).
    fn propose_conf_change(&self, py: Python<'_>, change: &Bound<'_, PyAny>) -> PyResult<()> {
        match AnyConfChange::extract(change)? {
            AnyConfChange::V1(cc) => self.call(py, move |n| n.propose_conf_change(&cc)),
            AnyConfChange::V2(cc) => self.call(py, move |n| n.propose_conf_change(&cc)),
        }
    }

    /// Applies a committed membership change (from ``Entry.conf_change()``) and returns the new
    /// configuration. Raises ``ConfChangeError`` and changes nothing if it cannot be applied.
    fn apply_conf_change(
        &self,
        py: Python<'_>,
        change: &Bound<'_, PyAny>,
    ) -> PyResult<PyConfState> {
        let inner = match AnyConfChange::extract(change)? {
            AnyConfChange::V1(cc) => self.call(py, move |n| n.apply_conf_change(&cc))?,
            AnyConfChange::V2(cc) => self.call(py, move |n| n.apply_conf_change(&cc))?,
        };
        Ok(PyConfState { inner })
    }

    /// Steps a message from a peer: a ``Message`` or its encoded bytes. Raises
    /// ``DecodeError`` for bytes that do not decode and a ``StepError`` subclass for messages
    /// the node refuses; the node is unchanged in both cases.
    fn step(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<()> {
        let m = if let Ok(m) = message.cast::<PyMessage>() {
            m.get().inner.clone()
        } else {
            let raw: BytesIn = message.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "expected a Message or its encoded bytes, not {}",
                    crate::convert::type_name(&message.as_borrowed())
                ))
            })?;
            pb::decode_message(&raw.0).map_err(CoreError::from)?
        };
        self.call(py, move |n| n.step(m))
    }

    /// Whether there is anything to persist, send or apply. Cheap.
    fn has_ready(&self, py: Python<'_>) -> PyResult<bool> {
        self.call(py, |n| Ok(n.has_ready()))
    }

    /// Takes what to persist, send and apply. Handle it (see the README), then pass it to
    /// :meth:`advance` before taking the next one; a second ``ready()`` before that raises
    /// ``MisuseError``.
    fn ready(&self, py: Python<'_>) -> PyResult<PyReady> {
        let serial = self.serial;
        let (rd, origin) = self.call_state(py, move |st| {
            let rd = st.raw.ready()?;
            st.ready_seq += 1;
            let origin = (serial, st.ready_seq);
            st.outstanding = Some(origin);
            Ok((rd, origin))
        })?;
        Ok(PyReady::new(rd, origin))
    }

    /// Reports that ``ready`` was handled: persisted, sent and applied. Raises ``MisuseError``
    /// (and changes nothing) for a Ready that is not this node's latest, or one already advanced.
    fn advance(&self, py: Python<'_>, ready: PyRef<'_, PyReady>) -> PyResult<()> {
        // Take the core Ready out and release the Ready's lock at once: no lock may be held
        // while the GIL is released below.
        let taken = ready
            .core
            .lock()
            .map_err(|_| MisuseError::new_err("this Ready is unusable"))?
            .take();
        let Some(rd) = taken else {
            return Err(MisuseError::new_err("this Ready was already advanced"));
        };
        let state = &self.state;
        let (origin, serial) = (ready.origin, self.serial);
        let (result, refused) =
            py.detach(move || -> (Result<(), Failure>, Option<raft_core::Ready>) {
                let Ok(mut guard) = state.lock() else {
                    return (Err(Failure::Broken("node lock poisoned".into())), Some(rd));
                };
                if let Some(why) = &guard.broken {
                    return (Err(Failure::Broken(why.clone())), Some(rd));
                }
                let st = &mut *guard;
                // Checked here, not only in the core, because the core consumes a Ready it refuses,
                // and the Ready's own node could then never advance again.
                if st.outstanding != Some(origin) {
                    let e = Error::Misuse(if origin.0 != serial {
                        "advance() called with a Ready from another node".into()
                    } else {
                        "advance() called with a Ready that this node did not hand out last".into()
                    });
                    return (Err(Failure::Core(e)), Some(rd));
                }
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| st.raw.advance(rd)))
                {
                    Ok(r) => {
                        st.outstanding = None;
                        (r.map_err(Failure::Core), None)
                    }
                    Err(payload) => {
                        let what = panic_text(payload.as_ref());
                        st.broken = Some(what.clone());
                        (Err(Failure::Panicked(what)), None)
                    }
                }
            });
        if let Some(rd) = refused {
            // A refused Ready stays usable, e.g. for the node it belongs to.
            if let Ok(mut slot) = ready.core.lock() {
                *slot = Some(rd);
            }
        }
        result.map_err(Failure::into_py)
    }

    /// Tells the leader that messages to ``id`` could not be delivered.
    fn report_unreachable(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.call(py, move |n| {
            n.report_unreachable(id);
            Ok(())
        })
    }

    /// Tells the leader how sending a snapshot to ``id`` ended (call it for every SNAP message).
    fn report_snapshot(&self, py: Python<'_>, id: u64, success: bool) -> PyResult<()> {
        let status = if success {
            SnapshotStatus::Finish
        } else {
            SnapshotStatus::Failure
        };
        self.call(py, move |n| {
            n.report_snapshot(id, status);
            Ok(())
        })
    }

    /// Asks the leader to hand leadership to ``transferee``.
    fn transfer_leader(&self, py: Python<'_>, transferee: u64) -> PyResult<()> {
        self.call(py, move |n| {
            n.transfer_leader(transferee);
            Ok(())
        })
    }

    /// Makes a follower forget its leader (when the host knows the leader is gone).
    fn forget_leader(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, |n| n.forget_leader())
    }

    /// Requests a linearizable read; a ``ReadState`` with ``context`` appears in a later Ready.
    fn read_index(&self, py: Python<'_>, context: BytesIn) -> PyResult<()> {
        let ctx = context.0;
        self.call(py, move |n| {
            n.read_index(ctx);
            Ok(())
        })
    }

    /// This node's id.
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }

    /// The current term.
    #[getter]
    fn term(&self, py: Python<'_>) -> PyResult<u64> {
        self.call(py, |n| Ok(n.term()))
    }

    /// The node voted for in the current term, or ``None``.
    #[getter]
    fn vote(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        self.call(py, |n| Ok(leader_or_none(n.vote())))
    }

    /// This node's ``Role``.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = self.call(py, |n| Ok(n.state()))?;
        ROLE.member(py, role_value(r))
    }

    /// The leader of the current term, or ``None`` when unknown.
    #[getter]
    fn leader_id(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        self.call(py, |n| Ok(leader_or_none(n.lead())))
    }

    /// The highest log index known to be committed.
    #[getter]
    fn commit_index(&self, py: Python<'_>) -> PyResult<u64> {
        self.call(py, |n| Ok(n.committed()))
    }

    /// The highest log index handed out for applying and advanced.
    #[getter]
    fn applied_index(&self, py: Python<'_>) -> PyResult<u64> {
        self.call(py, |n| Ok(n.applied()))
    }

    /// The index of the last entry in the node's log.
    #[getter]
    fn last_index(&self, py: Python<'_>) -> PyResult<u64> {
        self.call(py, |n| Ok(n.last_index()))
    }

    /// The ``MemoryStorage`` this node reads its log from (the one you persist into).
    #[getter]
    fn storage(&self, py: Python<'_>) -> Py<PyMemoryStorage> {
        self.storage.clone_ref(py)
    }

    /// A snapshot of the node's state: term, vote, commit, role, configuration and, on a
    /// leader, every member's replication progress.
    #[getter]
    fn status(&self, py: Python<'_>) -> PyResult<PyStatus> {
        let (st, cs) = self.call(py, |n| Ok((n.status(), n.tracker().conf_state())))?;
        let b = &st.basic;
        let progress = st
            .progress
            .iter()
            .map(|(id, pr)| {
                (
                    *id,
                    PyProgress {
                        matched: pr.matched,
                        next: pr.next,
                        state: progress_state_value(pr.state),
                        is_learner: pr.is_learner,
                        recent_active: pr.recent_active,
                    },
                )
            })
            .collect();
        Ok(PyStatus {
            id: b.id,
            hard_state: b.hard_state,
            leader_id: leader_or_none(b.soft_state.lead),
            role: role_value(b.soft_state.raft_state),
            applied: b.applied,
            lead_transferee: leader_or_none(b.lead_transferee),
            conf_state: cs,
            progress,
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (role, term, commit) = self.call(py, |n| Ok((n.state(), n.term(), n.committed())))?;
        Ok(format!(
            "Node(id={}, role={}, term={term}, commit={commit})",
            self.id,
            ROLE.repr(py, role_value(role))?
        ))
    }
}

// ---------------------------------------------------------------------------------------------

/// Leader and role, reported in a ``Ready`` when either changed.
#[pyclass(frozen, module = "raft_core", name = "SoftState")]
pub(crate) struct PySoftState {
    leader: u64,
    role: i64,
}

#[pymethods]
impl PySoftState {
    /// The leader of the current term, or ``None``.
    #[getter]
    fn leader_id(&self) -> Option<u64> {
        leader_or_none(self.leader)
    }

    /// The node's ``Role``.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ROLE.member(py, self.role)
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.leader == other.leader && self.role == other.role
    }

    fn __hash__(&self) -> u64 {
        self.leader.wrapping_mul(31).wrapping_add(self.role as u64)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SoftState(leader_id={}, role={})",
            self.leader_id()
                .map_or("None".to_owned(), |l| l.to_string()),
            ROLE.repr(py, self.role)?
        ))
    }
}

/// A linearizable read that can now be served, once ``index`` is applied.
#[pyclass(frozen, module = "raft_core", name = "ReadState")]
pub(crate) struct PyReadState {
    index: u64,
    context: Bytes,
}

#[pymethods]
impl PyReadState {
    /// Serve the read once the application has applied this index.
    #[getter]
    fn index(&self) -> u64 {
        self.index
    }

    /// The context passed to ``Node.read_index``.
    #[getter]
    fn context<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.context)
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.index == other.index && self.context == other.context
    }

    fn __hash__(&self) -> u64 {
        self.index
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ReadState(index={}, context={})",
            self.index,
            PyBytes::new(py, &self.context).repr()?
        ))
    }
}

/// What the node needs done, handed out by :meth:`Node.ready`.
///
/// In this order: persist ``snapshot``, ``entries`` and ``hard_state`` (sync to disk if
/// ``must_sync``); then send ``messages``; then apply ``committed_entries``; then pass this
/// object to :meth:`Node.advance`.
#[pyclass(frozen, module = "raft_core", name = "Ready")]
pub(crate) struct PyReady {
    /// The core's Ready, moved back into the core by `advance`.
    core: Mutex<Option<raft_core::Ready>>,
    /// `(node serial, ready sequence)`: which node handed it out, and when.
    origin: (u64, u64),
    soft_state: Option<raft_core::SoftState>,
    hard_state: Option<pb::HardState>,
    read_states: Vec<raft_core::ReadState>,
    entries: Vec<pb::Entry>,
    snapshot: Option<pb::Snapshot>,
    committed_entries: Vec<pb::Entry>,
    messages: Vec<pb::Message>,
    must_sync: bool,
}

impl PyReady {
    fn new(rd: raft_core::Ready, origin: (u64, u64)) -> Self {
        // Copies share payloads (`Bytes`), so this costs a few reference counts per entry.
        PyReady {
            soft_state: rd.soft_state,
            hard_state: rd.hard_state,
            read_states: rd.read_states.clone(),
            entries: rd.entries.clone(),
            snapshot: rd.snapshot.clone(),
            committed_entries: rd.committed_entries.clone(),
            messages: rd.messages.clone(),
            must_sync: rd.must_sync,
            core: Mutex::new(Some(rd)),
            origin,
        }
    }
}

fn entry_list<'py>(py: Python<'py>, es: &[pb::Entry]) -> PyResult<Bound<'py, PyList>> {
    let items = es
        .iter()
        .map(|e| Py::new(py, PyEntry { inner: e.clone() }))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

#[pymethods]
impl PyReady {
    /// Entries to persist before sending messages (``MemoryStorage.append``).
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        entry_list(py, &self.entries)
    }

    /// The new hard state to persist, or ``None`` when it did not change.
    #[getter]
    fn hard_state(&self) -> Option<PyHardState> {
        self.hard_state.map(|inner| PyHardState { inner })
    }

    /// A snapshot to persist and apply, or ``None``.
    #[getter]
    fn snapshot(&self) -> Option<PySnapshot> {
        self.snapshot
            .as_ref()
            .map(|s| PySnapshot { inner: s.clone() })
    }

    /// Committed entries to apply, in order.
    #[getter]
    fn committed_entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        entry_list(py, &self.committed_entries)
    }

    /// Messages to send (after persisting): deliver each to the node ``message.to``.
    #[getter]
    fn messages<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .messages
            .iter()
            .map(|m| Py::new(py, PyMessage { inner: m.clone() }))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// The new leader and role, or ``None`` when neither changed.
    #[getter]
    fn soft_state(&self) -> Option<PySoftState> {
        self.soft_state.map(|s| PySoftState {
            leader: s.lead,
            role: role_value(s.raft_state),
        })
    }

    /// Reads that can now be served (see ``Node.read_index``).
    #[getter]
    fn read_states(&self) -> Vec<PyReadState> {
        self.read_states
            .iter()
            .map(|r| PyReadState {
                index: r.index,
                context: r.request_ctx.clone(),
            })
            .collect()
    }

    /// Whether ``entries`` and ``hard_state`` must reach the disk (fsync) before messages go
    /// out. False when only the commit index changed.
    #[getter]
    fn must_sync(&self) -> bool {
        self.must_sync
    }

    fn __repr__(&self) -> String {
        let mut s = format!(
            "Ready(entries={}, committed_entries={}, messages={}",
            self.entries.len(),
            self.committed_entries.len(),
            self.messages.len()
        );
        if let Some(hs) = &self.hard_state {
            s.push_str(&format!(
                ", hard_state=HardState(term={}, vote={}, commit={})",
                hs.term, hs.vote, hs.commit
            ));
        }
        if let Some(snap) = &self.snapshot {
            s.push_str(&format!(", snapshot_index={}", snap.index()));
        }
        s.push_str(&format!(
            ", must_sync={})",
            if self.must_sync { "True" } else { "False" }
        ));
        s
    }
}

// ---------------------------------------------------------------------------------------------

/// How far one member's log is known to match the leader's (leaders only).
#[pyclass(frozen, module = "raft_core", name = "Progress")]
pub(crate) struct PyProgress {
    matched: u64,
    next: u64,
    state: i64,
    is_learner: bool,
    recent_active: bool,
}

#[pymethods]
impl PyProgress {
    /// The highest index known to match the leader's log.
    #[getter]
    fn r#match(&self) -> u64 {
        self.matched
    }

    /// The next index the leader will send.
    #[getter]
    fn next(&self) -> u64 {
        self.next
    }

    /// The ``ProgressState`` (probing, replicating, or waiting for a snapshot).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PROGRESS_STATE.member(py, self.state)
    }

    /// Whether the member is a learner.
    #[getter]
    fn is_learner(&self) -> bool {
        self.is_learner
    }

    /// Whether the member was heard from recently (used by check_quorum).
    #[getter]
    fn recent_active(&self) -> bool {
        self.recent_active
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Progress(match={}, next={}, state={})",
            self.matched,
            self.next,
            PROGRESS_STATE.repr(py, self.state)?
        ))
    }
}

/// A node's state at one moment (``Node.status``).
#[pyclass(frozen, module = "raft_core", name = "Status")]
pub(crate) struct PyStatus {
    id: u64,
    hard_state: pb::HardState,
    leader_id: Option<u64>,
    role: i64,
    applied: u64,
    lead_transferee: Option<u64>,
    conf_state: pb::ConfState,
    progress: Vec<(u64, PyProgress)>,
}

#[pymethods]
impl PyStatus {
    /// The node's id.
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }
    /// The current term.
    #[getter]
    fn term(&self) -> u64 {
        self.hard_state.term
    }
    /// The vote in the current term, or ``None``.
    #[getter]
    fn vote(&self) -> Option<u64> {
        leader_or_none(self.hard_state.vote)
    }
    /// The commit index.
    #[getter]
    fn commit(&self) -> u64 {
        self.hard_state.commit
    }
    /// The applied index.
    #[getter]
    fn applied(&self) -> u64 {
        self.applied
    }
    /// The leader, or ``None``.
    #[getter]
    fn leader_id(&self) -> Option<u64> {
        self.leader_id
    }
    /// The node's ``Role``.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ROLE.member(py, self.role)
    }
    /// The target of a leadership transfer in progress, or ``None``.
    #[getter]
    fn lead_transferee(&self) -> Option<u64> {
        self.lead_transferee
    }
    /// The current membership configuration.
    #[getter]
    fn conf_state(&self) -> PyConfState {
        PyConfState {
            inner: self.conf_state.clone(),
        }
    }
    /// Every member's replication progress by id (empty unless the node leads).
    #[getter]
    fn progress<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (id, p) in &self.progress {
            let copy = PyProgress {
                matched: p.matched,
                next: p.next,
                state: p.state,
                is_learner: p.is_learner,
                recent_active: p.recent_active,
            };
            d.set_item(id, Py::new(py, copy)?)?;
        }
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Status(id={}, role={}, term={}, commit={}, applied={}, leader_id={})",
            self.id,
            ROLE.repr(py, self.role)?,
            self.hard_state.term,
            self.hard_state.commit,
            self.applied,
            self.leader_id.map_or("None".to_owned(), |l| l.to_string())
        ))
    }
}

/// Registers the node classes in the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMemoryStorage>()?;
    m.add_class::<PyNode>()?;
    m.add_class::<PyReady>()?;
    m.add_class::<PySoftState>()?;
    m.add_class::<PyReadState>()?;
    m.add_class::<PyStatus>()?;
    m.add_class::<PyProgress>()?;
    Ok(())
}
