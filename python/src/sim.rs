//! `raft_core.Cluster`, `raft_core.simulate` and `raft_core.replay` over `raft_core::sim`, and
//! the objects they hand out (`NodeView`, `TraceEvent`, `SimReport`, `TickStats`) plus the
//! `SafetyViolation` exception.
//!
//! Same rules as `node.rs`: the cluster is a frozen class with a `Mutex` inside, every call
//! releases the GIL and runs under `catch_unwind` (a panic becomes `InternalError` and the
//! cluster refuses further calls), and Python objects are built only after the GIL is back.
//! `trace_frame`, `plot` and `_repr_html_` are written in Python (`raft_core/_cluster_view.py`)
//! because they drive pandas and matplotlib; the native methods only forward to it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use raft_core::sim::{
    self, NetworkConfig, NodeRole, SafetyViolation as CoreViolation, SimConfig, SimError,
    SimParams, TraceEvent,
};

use crate::convert::{BytesIn, Ids};
use crate::enums::ROLE;
use crate::errors::{InternalError, MisuseError, ProposalDropped, RaftError, CONFIG_ERROR};
use crate::node::panic_text;

create_exception!(
    raft_core,
    SafetyViolation,
    RaftError,
    "The simulator's checker found a broken safety invariant. Carries ``seed``, ``step``, \
     ``tick``, ``invariant`` (a snake_case name), ``node``, ``description``, ``last_events`` \
     (the newest TraceEvents before it) and ``reproduce`` (the call that replays it)."
);
create_exception!(
    raft_core,
    NoLeaderError,
    RaftError,
    "Cluster.run_until_leader gave up: no leader was elected within the ticks allowed."
);

/// Why a guarded simulator call did not return a value.
enum Failure {
    Sim(SimError),
    /// The simulator panicked (a bug). The cluster refuses further calls.
    Panicked(String),
    /// An earlier call panicked.
    Broken(String),
}

struct ClusterState {
    cluster: sim::Cluster,
    /// The calls made so far, as Python source, so a violation can say how to replay it.
    calls: Vec<String>,
    broken: Option<String>,
}

/// A deterministic simulated Raft cluster: ``n`` voters (ids ``1..n``) and ``learners`` learners
/// after them, each driven by a host that follows the Ready contract, connected by a simulated
/// network with loss, duplication, delays and partitions. Time is virtual, in ticks; every
/// random choice comes from ``seed``, so the same seed and the same calls give the same trace.
///
/// After every step a checker verifies Raft's safety properties; a broken one raises
/// :class:`SafetyViolation` (and the cluster stays stopped there). The cluster may be shared
/// between threads; calls release the GIL.
#[pyclass(frozen, module = "raft_core", name = "Cluster")]
pub(crate) struct PyCluster {
    state: Mutex<ClusterState>,
}

/// `1.0`, `0.25`, `3`: a Python literal for a float.
fn py_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn role_value(r: NodeRole) -> Option<i64> {
    match r {
        NodeRole::Follower => Some(0),
        NodeRole::Candidate => Some(1),
        NodeRole::Leader => Some(2),
        NodeRole::PreCandidate => Some(3),
        NodeRole::Down | NodeRole::Removed => None,
    }
}

fn status_of(r: NodeRole) -> &'static str {
    match r {
        NodeRole::Down => "down",
        NodeRole::Removed => "removed",
        _ => "up",
    }
}

/// The Python exception for a violation: a `SafetyViolation` whose attributes carry every
/// field, and whose message ends with how to reproduce it.
pub(crate) fn violation_to_py(py: Python<'_>, v: &CoreViolation) -> PyErr {
    let mut shown = v.clone();
    shown.reproduce = if v.reproduce.len() > MESSAGE_RECIPE_LIMIT {
        format!(
            "{} characters of Python, in this exception's .reproduce",
            v.reproduce.len()
        )
    } else if v.reproduce.trim_end().contains('\n') {
        // A script: one statement a line, indented under the heading.
        format!(
            "exec() this exception's .reproduce:\n      {}",
            v.reproduce.trim_end().replace('\n', "\n      ")
        )
    } else {
        v.reproduce.clone()
    };
    let msg = shown.to_string();
    let err = SafetyViolation::new_err(msg);
    let fill = || -> PyResult<()> {
        let value = err.value(py);
        value.setattr("seed", v.seed)?;
        value.setattr("step", v.step)?;
        value.setattr("tick", v.tick)?;
        value.setattr("invariant", v.invariant.as_str())?;
        value.setattr("node", v.node)?;
        value.setattr("description", v.description.as_str())?;
        value.setattr("reproduce", v.reproduce.as_str())?;
        let events = v
            .last_events
            .iter()
            .map(|e| PyTraceEvent::from(e.clone()))
            .collect::<Vec<_>>();
        value.setattr("last_events", events)?;
        Ok(())
    };
    match fill() {
        Ok(()) => err,
        Err(e) => e,
    }
}

fn sim_to_py(py: Python<'_>, e: SimError) -> PyErr {
    let msg = e.to_string();
    match e {
        SimError::Violation(v) => violation_to_py(py, &v),
        SimError::NoLeader | SimError::ProposalDropped => ProposalDropped::new_err(msg),
        SimError::Timeout(_) => NoLeaderError::new_err(msg),
        SimError::InvalidConfig(_) => CONFIG_ERROR.err(py, msg),
        SimError::UnknownNode(_)
        | SimError::NodeDown(_)
        | SimError::NodeUp(_)
        | SimError::Decommissioned(_) => MisuseError::new_err(msg),
        // A kind added to the non-exhaustive enum after this binding was written.
        _ => RaftError::new_err(msg),
    }
}

impl Failure {
    fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Sim(e) => sim_to_py(py, e),
            Failure::Panicked(what) => InternalError::new_err(format!(
                "internal error (a bug in raft_core's simulator, please report it): {what}; \
                 this cluster refuses further calls"
            )),
            Failure::Broken(what) => InternalError::new_err(format!(
                "this cluster hit an internal error earlier and refuses further calls: {what}"
            )),
        }
    }
}

impl PyCluster {
    /// Runs `f` on the simulator with the GIL released, the cluster locked and panics caught.
    /// `call` (Python source of the call) is recorded for the reproduction recipe first, so a
    /// violation raised by this very call names it.
    fn call<T: Send>(
        &self,
        py: Python<'_>,
        call: Option<String>,
        f: impl FnOnce(&mut sim::Cluster) -> Result<T, SimError> + Send,
    ) -> PyResult<T> {
        let state = &self.state;
        let outcome = py.detach(move || -> Result<T, Failure> {
            let mut guard = state
                .lock()
                .map_err(|_| Failure::Broken("cluster lock poisoned".into()))?;
            if let Some(why) = &guard.broken {
                return Err(Failure::Broken(why.clone()));
            }
            let st = &mut *guard;
            let recorded = match call {
                Some(c) if st.cluster.violation().is_none() => {
                    record(&mut st.calls, format!("c.{c}"));
                    true
                }
                _ => false,
            };
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut st.cluster))) {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(SimError::Violation(mut v))) => {
                    v.reproduce = recipe(&st.calls);
                    Err(Failure::Sim(SimError::Violation(v)))
                }
                Ok(Err(e)) => {
                    // The call raised (e.g. a proposal without a leader) but may still have
                    // moved the simulation (a step, a trace event): the replay makes it too and
                    // swallows the same error.
                    if let Some(last) = st.calls.last_mut().filter(|_| recorded) {
                        *last = format!("try:\n    {last}\nexcept raft_core.RaftError:\n    pass");
                    }
                    Err(Failure::Sim(e))
                }
                Err(payload) => {
                    let what = panic_text(payload.as_ref());
                    st.broken = Some(what.clone());
                    Err(Failure::Panicked(what))
                }
            }
        });
        outcome.map_err(|f| f.into_py(py))
    }

    /// A read-only look at the simulator.
    fn read<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&sim::Cluster) -> T + Send,
    ) -> PyResult<T> {
        self.call(py, None, |c| Ok(f(c)))
    }
}

/// Appends a statement to the recipe; consecutive `c.run(a)`, `c.run(b)` become
/// `c.run(a + b)`, which does exactly the same, so a notebook that runs tick by tick keeps a
/// short recipe.
fn record(calls: &mut Vec<String>, call: String) {
    let ticks = |c: &str| {
        c.strip_prefix("c.run(")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|n| n.parse::<u64>().ok())
    };
    if let (Some(more), Some(last)) = (ticks(&call), calls.last_mut()) {
        if let Some(sum) = ticks(last).and_then(|before| before.checked_add(more)) {
            *last = format!("c.run({sum})");
            return;
        }
    }
    calls.push(call);
}

/// Recipes longer than this are left out of the exception's message (they stay in
/// `.reproduce`), so a long session does not print pages.
const MESSAGE_RECIPE_LIMIT: usize = 2000;

/// The Python script (for `exec`) that replays a cluster's calls.
fn recipe(calls: &[String]) -> String {
    let mut out = String::from("import raft_core\n");
    for c in calls {
        out.push_str(c);
        out.push('\n');
    }
    out
}

fn ids_literal(ids: &[u64]) -> String {
    let inner = ids
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    format!("[{inner}]")
}

#[pymethods]
impl PyCluster {
    #[new]
    #[pyo3(signature = (
        n = 3, *, seed = 0, learners = 0, pre_vote = true, check_quorum = false,
        election_tick = 10, heartbeat_tick = 1, loss = 0.0, duplicate = 0.0, max_delay = 0,
        max_size_per_msg = None, max_inflight_msgs = 256, snapshot_interval = 64,
        snapshot_keep = 16, trace_limit = 0, trace_messages = false
    ), text_signature = "(n=3, *, seed=0, learners=0, pre_vote=True, check_quorum=False, \
        election_tick=10, heartbeat_tick=1, loss=0.0, duplicate=0.0, max_delay=0, \
        max_size_per_msg=None, max_inflight_msgs=256, snapshot_interval=64, snapshot_keep=16, \
        trace_limit=0, trace_messages=False)")]
    #[allow(
        clippy::too_many_arguments,
        reason = "one keyword argument per SimConfig field"
    )]
    fn new(
        py: Python<'_>,
        n: usize,
        seed: u64,
        learners: usize,
        pre_vote: bool,
        check_quorum: bool,
        election_tick: usize,
        heartbeat_tick: usize,
        loss: f64,
        duplicate: f64,
        max_delay: u64,
        max_size_per_msg: Option<u64>,
        max_inflight_msgs: usize,
        snapshot_interval: u64,
        snapshot_keep: u64,
        trace_limit: usize,
        trace_messages: bool,
    ) -> PyResult<Self> {
        let cfg = SimConfig {
            voters: n,
            learners,
            seed,
            pre_vote,
            check_quorum,
            election_tick,
            heartbeat_tick,
            max_size_per_msg: max_size_per_msg.unwrap_or(u64::MAX),
            max_inflight_msgs,
            snapshot_interval,
            snapshot_keep,
            network: NetworkConfig {
                loss,
                duplicate,
                max_delay,
            },
            trace_limit,
            trace_messages,
        };
        let call = format!(
            "raft_core.Cluster({n}, seed={seed}, learners={learners}, pre_vote={}, \
             check_quorum={}, election_tick={election_tick}, heartbeat_tick={heartbeat_tick}, \
             loss={}, duplicate={}, max_delay={max_delay}, max_size_per_msg={}, \
             max_inflight_msgs={max_inflight_msgs}, snapshot_interval={snapshot_interval}, \
             snapshot_keep={snapshot_keep})",
            py_bool(pre_vote),
            py_bool(check_quorum),
            py_float(loss),
            py_float(duplicate),
            max_size_per_msg.map_or("None".to_owned(), |m| m.to_string()),
        );
        let built = py.detach(|| {
            std::panic::catch_unwind(|| sim::Cluster::new(cfg)).map_err(|p| panic_text(p.as_ref()))
        });
        let calls = vec![format!("c = {call}")];
        match built {
            Ok(Ok(cluster)) => Ok(PyCluster {
                state: Mutex::new(ClusterState {
                    cluster,
                    calls,
                    broken: None,
                }),
            }),
            Ok(Err(SimError::Violation(mut v))) => {
                v.reproduce = recipe(&calls);
                Err(sim_to_py(py, SimError::Violation(v)))
            }
            Ok(Err(e)) => Err(sim_to_py(py, e)),
            Err(what) => Err(Failure::Panicked(what).into_py(py)),
        }
    }

    /// Runs ``ticks`` ticks of virtual time: every running node ticks, then every message due
    /// is delivered.
    fn run(&self, py: Python<'_>, ticks: u64) -> PyResult<()> {
        self.call(py, Some(format!("run({ticks})")), |c| c.run(ticks))
    }

    /// Runs until some node leads and returns its id; :class:`NoLeaderError` after
    /// ``max_ticks`` ticks without one.
    #[pyo3(signature = (max_ticks = 1000))]
    fn run_until_leader(&self, py: Python<'_>, max_ticks: u64) -> PyResult<u64> {
        self.call(py, Some(format!("run_until_leader({max_ticks})")), |c| {
            c.run_until_leader(max_ticks)
        })
    }

    /// Proposes ``data`` to the current leader and returns the leader's id.
    /// :class:`ProposalDropped` when there is no leader or it refused.
    fn propose(&self, py: Python<'_>, data: BytesIn) -> PyResult<u64> {
        let call = format!("propose({})", PyBytes::new(py, &data.0).repr()?);
        self.call(py, Some(call), move |c| c.propose(&data.0))
    }

    /// Hands ``data`` to node ``id`` (a follower forwards it to its leader).
    fn propose_to(&self, py: Python<'_>, id: u64, data: BytesIn) -> PyResult<()> {
        let call = format!("propose_to({id}, {})", PyBytes::new(py, &data.0).repr()?);
        self.call(py, Some(call), move |c| c.propose_to(id, &data.0))
    }

    /// Splits the network: each group (an iterable of ids) talks only within itself; the nodes
    /// not listed form one more group. ``c.partition([leader])`` isolates the leader.
    #[pyo3(signature = (*groups))]
    fn partition(&self, py: Python<'_>, groups: &Bound<'_, PyTuple>) -> PyResult<()> {
        let mut gs: Vec<Vec<u64>> = Vec::new();
        for g in groups.iter() {
            gs.push(g.extract::<Ids>()?.0);
        }
        let call = format!(
            "partition({})",
            gs.iter()
                .map(|g| ids_literal(g))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.call(py, Some(call), move |c| {
            c.partition(&gs);
            Ok(())
        })
    }

    /// Cuts the link from ``from_`` to ``to`` (one way).
    fn cut(&self, py: Python<'_>, from_: u64, to: u64) -> PyResult<()> {
        self.call(py, Some(format!("cut({from_}, {to})")), move |c| {
            c.cut(from_, to);
            Ok(())
        })
    }

    /// Removes every partition and cut (loss, duplication and delay stay).
    fn heal(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, Some("heal()".into()), |c| {
            c.heal();
            Ok(())
        })
    }

    /// Changes the network: per-message ``loss`` and ``duplicate`` probabilities and the
    /// largest delivery delay in ticks (random delays reorder messages). Arguments left out
    /// keep their current value.
    #[pyo3(signature = (*, loss = None, duplicate = None, max_delay = None))]
    fn set_network(
        &self,
        py: Python<'_>,
        loss: Option<f64>,
        duplicate: Option<f64>,
        max_delay: Option<u64>,
    ) -> PyResult<()> {
        let mut net = self.read(py, |c| c.network())?;
        net.loss = loss.unwrap_or(net.loss);
        net.duplicate = duplicate.unwrap_or(net.duplicate);
        net.max_delay = max_delay.unwrap_or(net.max_delay);
        let call = format!(
            "set_network(loss={}, duplicate={}, max_delay={})",
            py_float(net.loss),
            py_float(net.duplicate),
            net.max_delay
        );
        self.call(py, Some(call), move |c| c.set_network(net))
    }

    /// The network's settings: ``{"loss": ..., "duplicate": ..., "max_delay": ...}``.
    #[getter]
    fn network<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let net = self.read(py, |c| c.network())?;
        let d = PyDict::new(py);
        d.set_item("loss", net.loss)?;
        d.set_item("duplicate", net.duplicate)?;
        d.set_item("max_delay", net.max_delay)?;
        Ok(d)
    }

    /// Crashes node ``id``: it keeps only what its host persisted.
    fn crash(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.call(py, Some(format!("crash({id})")), move |c| c.crash(id))
    }

    /// Restarts crashed node ``id`` from its storage.
    fn restart(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.call(py, Some(format!("restart({id})")), move |c| c.restart(id))
    }

    /// Proposes adding ``id`` as a voter. A new id becomes a new, empty node that catches up.
    fn add_voter(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.call(py, Some(format!("add_voter({id})")), move |c| {
            c.add_voter(id)
        })
    }

    /// Proposes adding ``id`` as a learner (or demoting voter ``id``).
    fn add_learner(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.call(py, Some(format!("add_learner({id})")), move |c| {
            c.add_learner(id)
        })
    }

    /// Proposes removing ``id``; once the change is applied the node shuts down for good.
    fn remove(&self, py: Python<'_>, id: u64) -> PyResult<()> {
        self.call(py, Some(format!("remove({id})")), move |c| c.remove(id))
    }

    /// Proposes a joint-consensus change in etcd's notation: ``"v4 l2 r3"`` adds voter 4,
    /// makes 2 a learner, removes 3. Without ``auto_leave``, call :meth:`leave_joint` after.
    #[pyo3(signature = (changes, *, auto_leave = true))]
    fn change_membership(&self, py: Python<'_>, changes: String, auto_leave: bool) -> PyResult<()> {
        let call = format!(
            "change_membership({}, auto_leave={})",
            pyo3::types::PyString::new(py, &changes).repr()?,
            py_bool(auto_leave)
        );
        self.call(py, Some(call), move |c| {
            c.change_membership(&changes, auto_leave)
        })
    }

    /// Proposes leaving a joint configuration.
    fn leave_joint(&self, py: Python<'_>) -> PyResult<()> {
        self.call(py, Some("leave_joint()".into()), |c| c.leave_joint())
    }

    /// Asks the leader to hand leadership to ``to``.
    fn transfer_leader(&self, py: Python<'_>, to: u64) -> PyResult<()> {
        self.call(py, Some(format!("transfer_leader({to})")), move |c| {
            c.transfer_leader(to)
        })
    }

    /// Heals every fault (partitions, loss, duplication; crashed nodes restart) and requires a
    /// leader and an applied proposal within ``max_ticks``. Returns the ticks it took; raises
    /// :class:`SafetyViolation` (invariant ``"liveness"``) otherwise.
    fn check_liveness(&self, py: Python<'_>, max_ticks: u64) -> PyResult<u64> {
        self.call(py, Some(format!("check_liveness({max_ticks})")), move |c| {
            c.check_liveness(max_ticks)
        })
    }

    /// The leader's id, or ``None``.
    #[getter]
    fn leader(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        self.read(py, |c| c.leader())
    }

    /// A view of every node (running, down or removed), by id.
    #[getter]
    fn nodes(&self, py: Python<'_>) -> PyResult<Vec<PyNodeView>> {
        let views = self.read(py, |c| c.nodes())?;
        Ok(views.into_iter().map(PyNodeView::from).collect())
    }

    /// A view of node ``id``.
    fn node(&self, py: Python<'_>, id: u64) -> PyResult<PyNodeView> {
        self.call(py, None, move |c| c.node(id))
            .map(PyNodeView::from)
    }

    /// The payloads node ``id`` applied, in order.
    fn applied<'py>(&self, py: Python<'py>, id: u64) -> PyResult<Bound<'py, PyList>> {
        let payloads = self.call(py, None, move |c| c.applied(id))?;
        PyList::new(py, payloads.iter().map(|p| PyBytes::new(py, p)))
    }

    /// The trace events kept, oldest first.
    #[getter]
    fn trace(&self, py: Python<'_>) -> PyResult<Vec<PyTraceEvent>> {
        let events = self.read(py, |c| c.trace())?;
        Ok(events.into_iter().map(PyTraceEvent::from).collect())
    }

    /// A digest of every event ever traced: equal digests mean equal traces.
    #[getter]
    fn trace_digest(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, |c| c.trace_digest())
    }

    /// Which node led each term: ``{term: id}``.
    #[getter]
    fn leaders_by_term(&self, py: Python<'_>) -> PyResult<BTreeMap<u64, u64>> {
        self.read(py, |c| c.leaders_by_term())
    }

    /// Counters: steps, ticks, checks, messages, elections, crashes, snapshots, conf changes.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.read(py, |c| c.stats())?;
        let d = PyDict::new(py);
        d.set_item("steps", s.steps)?;
        d.set_item("ticks", s.ticks)?;
        d.set_item("checks", s.checks)?;
        d.set_item("messages_sent", s.messages_sent)?;
        d.set_item("messages_delivered", s.messages_delivered)?;
        d.set_item("messages_dropped", s.messages_dropped)?;
        d.set_item("elections", s.elections)?;
        d.set_item("first_leader_tick", s.first_leader_tick)?;
        d.set_item("crashes", s.crashes)?;
        d.set_item("snapshots_created", s.snapshots_created)?;
        d.set_item("snapshots_installed", s.snapshots_installed)?;
        d.set_item("conf_changes_applied", s.conf_changes_applied)?;
        Ok(d)
    }

    /// The violation that stopped this cluster, or ``None``.
    #[getter]
    fn violation(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let v = self.read(py, |c| c.violation().cloned())?;
        Ok(v.map(|v| violation_to_py(py, &v).into_value(py).into_any()))
    }

    /// The simulation seed.
    #[getter]
    fn seed(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, |c| c.seed())
    }

    /// Virtual time in ticks.
    #[getter]
    fn now(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, |c| c.now())
    }

    /// Steps run so far (the checker runs after each).
    #[getter]
    fn steps(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, |c| c.steps())
    }

    /// The trace as a pandas DataFrame (needs ``pip install 'raft_core[pandas]'``).
    fn trace_frame<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        view_module(slf.py())?.call_method1("trace_frame", (slf,))
    }

    /// A matplotlib figure: each node's role over time, terms, and commit index (needs
    /// ``pip install 'raft_core[plot]'``).
    #[pyo3(signature = (*, ax = None))]
    fn plot<'py>(
        slf: &Bound<'py, Self>,
        ax: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(slf.py());
        kwargs.set_item("ax", ax)?;
        view_module(slf.py())?.call_method("plot", (slf,), Some(&kwargs))
    }

    /// The nodes as an HTML table, for Jupyter.
    fn _repr_html_<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        view_module(slf.py())?.call_method1("repr_html", (slf,))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (n, seed, now, leader, term) = self.read(py, |c| {
            let leader = c.leader();
            let term = leader
                .and_then(|l| c.node(l).ok())
                .map(|v| v.term)
                .unwrap_or_else(|| c.nodes().iter().map(|v| v.term).max().unwrap_or(0));
            (c.node_ids().len(), c.seed(), c.now(), leader, term)
        })?;
        Ok(format!(
            "Cluster(nodes={n}, seed={seed}, tick={now}, leader={}, term={term})",
            leader.map_or("None".to_owned(), |l| l.to_string())
        ))
    }
}

fn view_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("raft_core._cluster_view")
}

// ---------------------------------------------------------------------------------------------

/// One node of a :class:`Cluster`, as it was when the view was taken.
///
/// ``role`` is a :class:`Role`, or ``None`` when the node is down or removed (``status`` says
/// which: ``"up"``, ``"down"`` or ``"removed"``). A crashed node shows what it persisted.
#[pyclass(frozen, module = "raft_core", name = "NodeView", eq)]
#[derive(PartialEq, Eq)]
pub(crate) struct PyNodeView {
    /// The node id.
    #[pyo3(get)]
    id: u64,
    role_raw: Option<i64>,
    /// ``"up"``, ``"down"`` or ``"removed"``.
    #[pyo3(get)]
    status: &'static str,
    /// Current term (the persisted term when down).
    #[pyo3(get)]
    term: u64,
    vote_raw: u64,
    lead_raw: u64,
    /// Commit index.
    #[pyo3(get)]
    commit_index: u64,
    /// Index the node's state machine applied.
    #[pyo3(get)]
    applied_index: u64,
    /// Last index of the persisted log.
    #[pyo3(get)]
    last_index: u64,
    /// Index of the persisted snapshot (0: none).
    #[pyo3(get)]
    snapshot_index: u64,
    /// A voter in its own configuration.
    #[pyo3(get)]
    is_voter: bool,
    /// A learner in its own configuration.
    #[pyo3(get)]
    is_learner: bool,
}

impl From<sim::NodeView> for PyNodeView {
    fn from(v: sim::NodeView) -> Self {
        PyNodeView {
            id: v.id,
            role_raw: role_value(v.role),
            status: status_of(v.role),
            term: v.term,
            vote_raw: v.vote,
            lead_raw: v.lead,
            commit_index: v.commit_index,
            applied_index: v.applied_index,
            last_index: v.last_index,
            snapshot_index: v.snapshot_index,
            is_voter: v.is_voter,
            is_learner: v.is_learner,
        }
    }
}

#[pymethods]
impl PyNodeView {
    /// The node's :class:`Role`, or ``None`` when it is down or removed.
    #[getter]
    fn role<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.role_raw.map(|r| ROLE.member(py, r)).transpose()
    }

    /// The candidate this node voted for in its term, or ``None``.
    #[getter]
    fn vote(&self) -> Option<u64> {
        (self.vote_raw != 0).then_some(self.vote_raw)
    }

    /// The leader this node knows, or ``None``.
    #[getter]
    fn leader(&self) -> Option<u64> {
        (self.lead_raw != 0).then_some(self.lead_raw)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let role = match self.role_raw {
            Some(r) => ROLE.repr(py, r)?,
            None => "None".to_owned(),
        };
        Ok(format!(
            "NodeView(id={}, role={role}, status={:?}, term={}, commit_index={}, \
             applied_index={})",
            self.id, self.status, self.term, self.commit_index, self.applied_index
        ))
    }
}

/// One event of a simulation's trace. ``kind`` is a snake_case name such as
/// ``"leader_elected"``, ``"role_change"``, ``"commit"``, ``"partition"`` or ``"crash"``;
/// ``node`` and ``term`` are 0 for cluster-wide events; ``detail`` is free text.
#[pyclass(frozen, module = "raft_core", name = "TraceEvent", eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyTraceEvent {
    /// The simulator step.
    #[pyo3(get)]
    step: u64,
    /// Virtual time in ticks.
    #[pyo3(get)]
    tick: u64,
    /// The node concerned (0: cluster-wide).
    #[pyo3(get)]
    node: u64,
    /// What happened, as a snake_case name.
    #[pyo3(get)]
    kind: String,
    /// The node's term at the time (0: cluster-wide).
    #[pyo3(get)]
    term: u64,
    /// Specifics, such as ``commit=12``.
    #[pyo3(get)]
    detail: String,
}

impl From<TraceEvent> for PyTraceEvent {
    fn from(e: TraceEvent) -> Self {
        PyTraceEvent {
            step: e.step,
            tick: e.tick,
            node: e.node,
            kind: e.kind.as_str().to_owned(),
            term: e.term,
            detail: e.detail,
        }
    }
}

#[pymethods]
impl PyTraceEvent {
    #[new]
    #[pyo3(
        signature = (step, tick, node, kind, term, detail = String::new()),
        text_signature = "(step, tick, node, kind, term, detail='')"
    )]
    fn new(step: u64, tick: u64, node: u64, kind: String, term: u64, detail: String) -> Self {
        PyTraceEvent {
            step,
            tick,
            node,
            kind,
            term,
            detail,
        }
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let e = slf.get();
        let args = (
            e.step,
            e.tick,
            e.node,
            e.kind.clone(),
            e.term,
            e.detail.clone(),
        );
        (slf.get_type(), args).into_pyobject(slf.py())
    }

    /// The event as a dict (one row of :meth:`Cluster.trace_frame`).
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("step", self.step)?;
        d.set_item("tick", self.tick)?;
        d.set_item("node", self.node)?;
        d.set_item("kind", &self.kind)?;
        d.set_item("term", self.term)?;
        d.set_item("detail", &self.detail)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TraceEvent(step={}, tick={}, node={}, kind={:?}, term={}, detail={})",
            self.step,
            self.tick,
            self.node,
            self.kind,
            self.term,
            pyo3::types::PyString::new(py, &self.detail).repr()?
        ))
    }
}

// ---------------------------------------------------------------------------------------------

/// Summary statistics of a sample of tick counts.
#[pyclass(frozen, module = "raft_core", name = "TickStats")]
pub(crate) struct PyTickStats {
    /// Sample size.
    #[pyo3(get)]
    count: usize,
    /// Smallest value (0 when the sample is empty).
    #[pyo3(get)]
    min: u64,
    /// Largest value.
    #[pyo3(get)]
    max: u64,
    /// Mean.
    #[pyo3(get)]
    mean: f64,
    /// Median.
    #[pyo3(get)]
    p50: u64,
    /// 90th percentile.
    #[pyo3(get)]
    p90: u64,
    /// 99th percentile.
    #[pyo3(get)]
    p99: u64,
}

impl From<&sim::TickStats> for PyTickStats {
    fn from(s: &sim::TickStats) -> Self {
        PyTickStats {
            count: s.count,
            min: s.min,
            max: s.max,
            mean: s.mean,
            p50: s.p50,
            p90: s.p90,
            p99: s.p99,
        }
    }
}

#[pymethods]
impl PyTickStats {
    fn __repr__(&self) -> String {
        format!(
            "TickStats(count={}, mean={:.1}, p50={}, p90={}, p99={}, min={}, max={})",
            self.count, self.mean, self.p50, self.p90, self.p99, self.min, self.max
        )
    }
}

/// What :func:`simulate` found.
///
/// ``time_to_leader_ticks`` holds the ticks to the first leader of every seed that completed
/// and elected one, in the order of ``seeds``, ready for a histogram; ``time_to_leader``
/// summarises them. ``violations`` holds one :class:`SafetyViolation` per failing seed (not
/// raised); each one's ``reproduce`` is the :func:`replay` call that shows it again.
#[pyclass(frozen, module = "raft_core", name = "SimReport")]
pub(crate) struct PySimReport {
    /// Seeds run.
    #[pyo3(get)]
    seeds_run: u64,
    violations: Vec<CoreViolation>,
    /// Distinct leader terms over all seeds.
    #[pyo3(get)]
    elections: u64,
    /// Simulator steps over all seeds.
    #[pyo3(get)]
    steps: u64,
    /// Virtual ticks over all seeds.
    #[pyo3(get)]
    ticks: u64,
    /// Invariant evaluations over all seeds.
    #[pyo3(get)]
    checks: u64,
    ttl: sim::TickStats,
    live: sim::TickStats,
    /// The seeds that ran to the end without a violation, in order.
    #[pyo3(get)]
    seeds: Vec<u64>,
    ttl_per_seed: Vec<Option<u64>>,
}

#[pymethods]
impl PySimReport {
    /// One :class:`SafetyViolation` per failing seed.
    #[getter]
    fn violations(&self, py: Python<'_>) -> Vec<Py<PyAny>> {
        self.violations
            .iter()
            .map(|v| violation_to_py(py, v).into_value(py).into_any())
            .collect()
    }

    /// Ticks to the first leader (over the seeds that elected one).
    #[getter]
    fn time_to_leader(&self) -> PyTickStats {
        PyTickStats::from(&self.ttl)
    }

    /// Ticks the liveness phase needed after the faults healed.
    #[getter]
    fn liveness(&self) -> PyTickStats {
        PyTickStats::from(&self.live)
    }

    /// Ticks to the first leader, one per seed that elected one (for histograms).
    #[getter]
    fn time_to_leader_ticks(&self) -> Vec<u64> {
        self.ttl_per_seed.iter().flatten().copied().collect()
    }

    /// Ticks to the first leader per completed seed, ``None`` where none was elected; aligned
    /// with ``seeds``.
    #[getter]
    fn time_to_leader_by_seed(&self) -> Vec<Option<u64>> {
        self.ttl_per_seed.clone()
    }

    /// No violation was found.
    #[getter]
    fn ok(&self) -> bool {
        self.violations.is_empty()
    }

    fn __repr__(&self) -> String {
        format!(
            "SimReport(seeds_run={}, violations={}, elections={}, steps={}, \
             time_to_leader={})",
            self.seeds_run,
            self.violations.len(),
            self.elections,
            self.steps,
            PyTickStats::from(&self.ttl).__repr__()
        )
    }
}

/// Reads `simulate`'s keyword arguments onto `SimParams`. Unknown names are a `TypeError`, as
/// for any Python function.
fn params_from(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<SimParams> {
    let faults = match kwargs.and_then(|k| k.get_item("faults").ok().flatten()) {
        Some(v) => v.extract::<bool>()?,
        None => true,
    };
    let mut p = if faults {
        SimParams::default()
    } else {
        SimParams::quiet()
    };
    let Some(kwargs) = kwargs else {
        return Ok(p);
    };
    for (k, v) in kwargs.iter() {
        let key: String = k.extract()?;
        match key.as_str() {
            "faults" => {}
            "sizes" => {
                p.sizes = v
                    .extract::<Ids>()?
                    .0
                    .into_iter()
                    .map(|s| s as usize)
                    .collect()
            }
            "max_learners" => p.max_learners = v.extract()?,
            "pre_vote" => p.pre_vote = v.extract()?,
            "check_quorum" => p.check_quorum = v.extract()?,
            "election_tick" => p.election_tick = v.extract()?,
            "max_heartbeat_tick" => p.max_heartbeat_tick = v.extract()?,
            "ticks" => p.ticks = v.extract()?,
            "proposal_rate" => p.proposal_rate = v.extract()?,
            "max_loss" => p.max_loss = v.extract()?,
            "max_duplicate" => p.max_duplicate = v.extract()?,
            "max_delay" => p.max_delay = v.extract()?,
            "partitions" => p.partitions = v.extract()?,
            "crashes" => p.crashes = v.extract()?,
            "churn" => p.churn = v.extract()?,
            "snapshots" => p.snapshots = v.extract()?,
            "liveness_timeouts" => p.liveness_timeouts = v.extract()?,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "simulate() got an unexpected keyword argument {other:?}"
                )))
            }
        }
    }
    let prob = |name: &str, x: f64| -> PyResult<()> {
        if (0.0..=1.0).contains(&x) {
            Ok(())
        } else {
            Err(PyValueError::new_err(format!(
                "{name} must be within [0, 1], not {x}"
            )))
        }
    };
    prob("max_loss", p.max_loss)?;
    prob("max_duplicate", p.max_duplicate)?;
    if !(p.proposal_rate.is_finite() && p.proposal_rate >= 0.0) {
        return Err(PyValueError::new_err(
            "proposal_rate must be a non-negative number",
        ));
    }
    Ok(p)
}

/// `SimParams` as keyword arguments, every field explicit, for `raft_core.replay(...)`.
fn params_literal(p: &SimParams) -> String {
    let opt = |b: Option<bool>| b.map_or("None", py_bool);
    let sizes = p.sizes.iter().map(|s| *s as u64).collect::<Vec<_>>();
    format!(
        "sizes={}, max_learners={}, pre_vote={}, check_quorum={}, election_tick={}, \
         max_heartbeat_tick={}, ticks={}, proposal_rate={}, max_loss={}, max_duplicate={}, \
         max_delay={}, partitions={}, crashes={}, churn={}, snapshots={}, liveness_timeouts={}",
        ids_literal(&sizes),
        p.max_learners,
        opt(p.pre_vote),
        opt(p.check_quorum),
        p.election_tick,
        p.max_heartbeat_tick,
        p.ticks,
        py_float(p.proposal_rate),
        py_float(p.max_loss),
        py_float(p.max_duplicate),
        p.max_delay,
        py_bool(p.partitions),
        py_bool(p.crashes),
        py_bool(p.churn),
        py_bool(p.snapshots),
        p.liveness_timeouts
    )
}

fn replay_call(seed: u64, p: &SimParams) -> String {
    format!("raft_core.replay({seed}, {})", params_literal(p))
}

/// Runs one seeded random workload per seed in Rust, with the GIL released, and reports.
///
/// Each seed picks a cluster shape and fault mix within the parameters (``sizes``, ``max_loss``,
/// ``partitions``, ``crashes``, ``churn``, ...), runs ``ticks`` ticks of faults and proposals
/// with the checker after every step, then heals and checks liveness. ``faults=False`` starts
/// from a perfect network with no faults (for time-to-leader experiments).
#[pyfunction]
#[pyo3(signature = (seeds, **params))]
fn simulate(
    py: Python<'_>,
    seeds: &Bound<'_, PyAny>,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<PySimReport> {
    let seeds = seeds.extract::<Ids>()?.0;
    let p = params_from(params)?;
    let run = py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sim::simulate(&seeds, &p)))
            .map_err(|payload| panic_text(payload.as_ref()))
    });
    let mut report = run.map_err(|what| {
        InternalError::new_err(format!(
            "internal error (a bug in raft_core's simulator, please report it): {what}"
        ))
    })?;
    for v in &mut report.violations {
        v.reproduce = replay_call(v.seed, &p);
    }
    Ok(PySimReport {
        seeds_run: report.seeds_run,
        elections: report.elections,
        steps: report.steps,
        ticks: report.ticks,
        checks: report.checks,
        ttl: report.time_to_leader.clone(),
        live: report.liveness.clone(),
        seeds: report.per_seed.iter().map(|o| o.seed).collect(),
        ttl_per_seed: report.per_seed.iter().map(|o| o.time_to_leader).collect(),
        violations: report.violations,
    })
}

/// Replays one seed of :func:`simulate` with the same parameters, keeping the whole trace, and
/// returns the cluster where the run stopped: at the violation if there was one (see
/// ``Cluster.violation``), so its trace and nodes can be inspected and plotted.
#[pyfunction]
#[pyo3(signature = (seed, **params))]
fn replay(py: Python<'_>, seed: u64, params: Option<&Bound<'_, PyDict>>) -> PyResult<PyCluster> {
    let p = params_from(params)?;
    let run = py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sim::replay(seed, &p)))
            .map_err(|payload| panic_text(payload.as_ref()))
    });
    let cluster = run
        .map_err(|what| Failure::Panicked(what).into_py(py))?
        .map_err(|e| sim_to_py(py, e))?;
    Ok(PyCluster {
        state: Mutex::new(ClusterState {
            cluster,
            calls: vec![format!("c = {}", replay_call(seed, &p))],
            broken: None,
        }),
    })
}

/// Builds a `SafetyViolation` from plain fields through the same conversion the simulator's
/// violations take. For the test suite: the bug-injection switch that produces real violations
/// of every kind is compiled only into raft-core's own tests.
#[pyfunction]
#[pyo3(signature = (seed, step, invariant, description, events))]
fn _violation_for_test(
    py: Python<'_>,
    seed: u64,
    step: u64,
    invariant: &str,
    description: String,
    events: Vec<(u64, u64, u64, u64)>,
) -> PyResult<Py<PyAny>> {
    let inv = raft_core::sim::Invariant::all()
        .iter()
        .copied()
        .find(|i| i.as_str() == invariant)
        .ok_or_else(|| PyValueError::new_err(format!("unknown invariant {invariant:?}")))?;
    let last_events = events
        .into_iter()
        .map(|(step, tick, node, term)| TraceEvent {
            step,
            tick,
            node,
            kind: raft_core::sim::EventKind::RoleChange,
            term,
            detail: "candidate".into(),
        })
        .collect();
    let v = CoreViolation {
        seed,
        step,
        tick: step,
        invariant: inv,
        node: 1,
        description,
        last_events,
        reproduce: replay_call(seed, &SimParams::default()),
    };
    Ok(violation_to_py(py, &v).into_value(py).into_any())
}

/// Adds the simulator's classes, functions and exceptions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SafetyViolation", py.get_type::<SafetyViolation>())?;
    m.add("NoLeaderError", py.get_type::<NoLeaderError>())?;
    m.add_class::<PyCluster>()?;
    m.add_class::<PyNodeView>()?;
    m.add_class::<PyTraceEvent>()?;
    m.add_class::<PyTickStats>()?;
    m.add_class::<PySimReport>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(replay, m)?)?;
    m.add_function(wrap_pyfunction!(_violation_for_test, m)?)?;
    Ok(())
}
