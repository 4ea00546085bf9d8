//! The simulated cluster: hosts that follow the Ready contract, the network between them, the
//! virtual clock, faults, membership changes, and the checker run after every step.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

use crate::config::Config;
use crate::error::Error;
use crate::pb::{
    ConfChange, ConfChangeI, ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2,
    ConfState, Entry, EntryType, HardState, Message, MessageType,
};
use crate::raw_node::{RawNode, SnapshotStatus};
use crate::storage::{MemoryStorage, Storage};
use crate::StateRole;

use super::app::App;
use super::checker::{Breach, Check, Checker, Persisted};
use super::net::{DropReason, Network, NetworkConfig};
use super::rng::SimRng;
use super::trace::{EventKind, Trace, TraceEvent};
use super::violation::{Invariant, SafetyViolation, SimError};

/// How many trace events a violation report carries.
const REPORT_EVENTS: usize = 40;
/// Deliveries within one tick beyond which the cluster is considered livelocked (messages that
/// keep causing messages without time passing): a liveness violation.
const MAX_DELIVERIES_PER_TICK: usize = 20_000;

/// The parameters of a [`Cluster`]. Every field is a plain value.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Initial voters, with ids `1..=voters`. At least 1.
    pub voters: usize,
    /// Initial learners, with ids following the voters.
    pub learners: usize,
    /// The seed of the simulation's one random generator (faults, delays, the nodes' own
    /// seeds). The same seed and the same calls give the same run, bit for bit.
    pub seed: u64,
    /// Nodes run a pre-vote round before campaigning.
    pub pre_vote: bool,
    /// Leaders step down when they lose contact with a quorum.
    pub check_quorum: bool,
    /// Election timeout in ticks (randomized per node in `[e, 2e)`).
    pub election_tick: usize,
    /// Heartbeat interval in ticks.
    pub heartbeat_tick: usize,
    /// Largest append message in bytes (0: one entry per message; `u64::MAX`: unlimited).
    pub max_size_per_msg: u64,
    /// Most append messages in flight per follower.
    pub max_inflight_msgs: usize,
    /// A host snapshots its state machine every this many applied entries and compacts its log
    /// (0: never). Lagging followers then catch up through snapshots.
    pub snapshot_interval: u64,
    /// Entries kept before the snapshot index when compacting.
    pub snapshot_keep: u64,
    /// The network's loss, duplication and delay.
    pub network: NetworkConfig,
    /// Trace events kept (the newest); 0 keeps all.
    pub trace_limit: usize,
    /// Also trace every message sent, delivered and dropped (verbose).
    pub trace_messages: bool,
}

impl Default for SimConfig {
    /// Three voters, seed 0, PreVote on, etcd's customary ticks (10/1), a perfect network,
    /// snapshots every 64 entries keeping 16.
    fn default() -> Self {
        SimConfig {
            voters: 3,
            learners: 0,
            seed: 0,
            pre_vote: true,
            check_quorum: false,
            election_tick: 10,
            heartbeat_tick: 1,
            max_size_per_msg: u64::MAX,
            max_inflight_msgs: 256,
            snapshot_interval: 64,
            snapshot_keep: 16,
            network: NetworkConfig::default(),
            trace_limit: 0,
            trace_messages: false,
        }
    }
}

/// A node's role as the simulator shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRole {
    /// Follows (or waits for) a leader.
    Follower,
    /// In a pre-vote round.
    PreCandidate,
    /// Campaigning.
    Candidate,
    /// Leading.
    Leader,
    /// Crashed; can be restarted.
    Down,
    /// Removed from the cluster and shut down for good.
    Removed,
}

impl NodeRole {
    /// A stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Follower => "follower",
            NodeRole::PreCandidate => "pre_candidate",
            NodeRole::Candidate => "candidate",
            NodeRole::Leader => "leader",
            NodeRole::Down => "down",
            NodeRole::Removed => "removed",
        }
    }

    fn of(r: StateRole) -> Self {
        match r {
            StateRole::Follower => NodeRole::Follower,
            StateRole::PreCandidate => NodeRole::PreCandidate,
            StateRole::Candidate => NodeRole::Candidate,
            StateRole::Leader => NodeRole::Leader,
        }
    }
}

impl std::fmt::Display for NodeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A snapshot of one node's state, as plain values. A crashed node shows its persisted hard
/// state and the state machine as it was when it crashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    /// The node id.
    pub id: u64,
    /// Role, or down/removed.
    pub role: NodeRole,
    /// Current term (persisted term when down).
    pub term: u64,
    /// Vote in the current term (0: none).
    pub vote: u64,
    /// The leader this node knows (0: none; always 0 when down).
    pub lead: u64,
    /// Commit index.
    pub commit_index: u64,
    /// Index the host's state machine applied.
    pub applied_index: u64,
    /// Last index of the persisted log.
    pub last_index: u64,
    /// Index of the persisted snapshot (0: none).
    pub snapshot_index: u64,
    /// A voter in its own configuration.
    pub is_voter: bool,
    /// A learner in its own configuration.
    pub is_learner: bool,
}

/// Counters over a cluster's life.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterStats {
    /// Steps run (each followed by the checker).
    pub steps: u64,
    /// Virtual ticks elapsed.
    pub ticks: u64,
    /// Invariant evaluations performed.
    pub checks: u64,
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages delivered (duplicates count twice).
    pub messages_delivered: u64,
    /// Messages lost, cut off by partitions, or addressed to a node that was down.
    pub messages_dropped: u64,
    /// Distinct terms that had a leader.
    pub elections: u64,
    /// The tick at which the first leader was seen.
    pub first_leader_tick: Option<u64>,
    /// Crashes.
    pub crashes: u64,
    /// Snapshots created by hosts.
    pub snapshots_created: u64,
    /// Snapshots installed from a leader.
    pub snapshots_installed: u64,
    /// Membership changes applied by the leader.
    pub conf_changes_applied: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Up,
    Down,
    Removed,
}

#[derive(Debug)]
struct Host {
    life: Life,
    /// The running node (`None` when down, removed, or taken out while being processed).
    node: Option<Box<RawNode<MemoryStorage>>>,
    /// What survives a crash: the storage. Held here while the node is down.
    disk: Option<MemoryStorage>,
    app: App,
    /// Crash during the next Ready, after persisting it and before sending anything.
    crash_in_ready: bool,
    // What the trace last said about this node, to trace changes only.
    traced_role: Option<StateRole>,
    traced_commit: u64,
}

enum ReadyOutcome {
    Handled,
    Crash,
}

/// A deterministic simulated Raft cluster. See the [module documentation](super).
#[derive(Debug)]
pub struct Cluster {
    cfg: SimConfig,
    rng: SimRng,
    net: Network,
    hosts: BTreeMap<u64, Host>,
    checker: Checker,
    trace: Trace,
    now: u64,
    step: u64,
    stats: ClusterStats,
    violation: Option<SafetyViolation>,
    /// Snapshot outcomes to report to leaders at the end of the step: (leader, target, status).
    snap_reports: Vec<(u64, u64, SnapshotStatus)>,
    /// Nodes a leader's applied configuration no longer contains, with the index of that
    /// change and the members after it. Each is shut down for good (as an etcd server stops
    /// once removed) when every member of the new configuration has applied the change: until
    /// then the removed node may still be needed, e.g. a removed leader to tell the others
    /// that its removal committed, or its vote in a joint configuration.
    to_decommission: BTreeMap<u64, (u64, BTreeSet<u64>)>,
    /// Proposals counter, for unique payloads.
    proposals: u64,
}

fn refusal(id: u64, what: &str, e: impl std::fmt::Display) -> Breach {
    Breach {
        invariant: Invariant::LibraryRefusal,
        node: id,
        description: format!("{what}: {e}"),
    }
}

/// Members of a configuration: voters (both halves) and learners (both kinds).
pub(crate) fn members(cs: &ConfState) -> BTreeSet<u64> {
    cs.voters
        .iter()
        .chain(&cs.voters_outgoing)
        .chain(&cs.learners)
        .chain(&cs.learners_next)
        .copied()
        .collect()
}

impl Cluster {
    /// Builds the cluster: voters `1..=voters` and learners after them, bootstrapped the way
    /// etcd's `StartNode` does it (one configuration entry per member at term 1, committed), so
    /// that nodes added later can replay the configuration from the log.
    pub fn new(cfg: SimConfig) -> Result<Cluster, SimError> {
        if cfg.voters == 0 {
            return Err(SimError::InvalidConfig("at least one voter".into()));
        }
        if cfg.voters + cfg.learners > 64 {
            return Err(SimError::InvalidConfig("at most 64 nodes".into()));
        }
        check_network(&cfg.network)?;
        let probe = node_config(&cfg, 1, 0, 0);
        probe
            .validate()
            .map_err(|e| SimError::InvalidConfig(e.to_string()))?;
        let mut c = Cluster {
            rng: SimRng::new(cfg.seed),
            net: Network::new(cfg.network),
            hosts: BTreeMap::new(),
            checker: Checker::default(),
            trace: Trace::new(cfg.trace_limit),
            now: 0,
            step: 0,
            stats: ClusterStats::default(),
            violation: None,
            snap_reports: Vec::new(),
            to_decommission: BTreeMap::new(),
            proposals: 0,
            cfg,
        };
        let voters: Vec<u64> = (1..=c.cfg.voters as u64).collect();
        let learners: Vec<u64> =
            (c.cfg.voters as u64 + 1..=(c.cfg.voters + c.cfg.learners) as u64).collect();
        let storage = bootstrap_storage(&voters, &learners);
        for &id in voters.iter().chain(&learners) {
            c.create_node(id, storage.clone()).map_err(|b| c.fail(b))?;
        }
        let ids: Vec<u64> = c.hosts.keys().copied().collect();
        for &id in &ids {
            c.process(id).map_err(|b| c.fail(b))?;
        }
        c.end_step(&ids)?;
        Ok(c)
    }

    fn create_node(&mut self, id: u64, storage: MemoryStorage) -> Check {
        let seed = self.rng.next_u64();
        let applied = storage.snapshot().map(|s| s.index()).unwrap_or(0);
        let app = storage
            .snapshot()
            .ok()
            .and_then(|s| App::from_snapshot(&s))
            .unwrap_or_default();
        self.checker.on_create(id, &storage)?;
        let node = RawNode::new(&node_config(&self.cfg, id, seed, applied), storage)
            .map_err(|e| refusal(id, "creating the node", e))?;
        self.hosts.insert(
            id,
            Host {
                life: Life::Up,
                node: Some(Box::new(node)),
                disk: None,
                app,
                crash_in_ready: false,
                traced_role: None,
                traced_commit: 0,
            },
        );
        Ok(())
    }

    // ----------------------------------------------------------------------------------------
    // Public API

    /// The configuration the cluster was built with (the network part may since have changed;
    /// see [`Cluster::network`]).
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// The simulation seed.
    pub fn seed(&self) -> u64 {
        self.cfg.seed
    }

    /// Virtual time in ticks.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Steps run so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The violation that stopped the cluster, if any.
    pub fn violation(&self) -> Option<&SafetyViolation> {
        self.violation.as_ref()
    }

    /// Runs `ticks` ticks: every running node ticks, then every message due is delivered
    /// (messages sent with delay 0 arrive within the same tick).
    pub fn run(&mut self, ticks: u64) -> Result<(), SimError> {
        for _ in 0..ticks {
            self.tick_once()?;
        }
        Ok(())
    }

    /// Runs until some node leads (returns its id) or `max_ticks` pass (`SimError::Timeout`).
    pub fn run_until_leader(&mut self, max_ticks: u64) -> Result<u64, SimError> {
        self.stopped()?;
        if let Some(l) = self.leader() {
            return Ok(l);
        }
        for _ in 0..max_ticks {
            self.tick_once()?;
            if let Some(l) = self.leader() {
                return Ok(l);
            }
        }
        Err(SimError::Timeout(max_ticks))
    }

    /// The leader: a running node in the leader role, the one with the highest term if a stale
    /// leader has not noticed yet.
    pub fn leader(&self) -> Option<u64> {
        self.hosts
            .iter()
            .filter_map(|(&id, h)| h.node.as_ref().map(|n| (id, n)))
            .filter(|(_, n)| n.state() == StateRole::Leader)
            .max_by_key(|(id, n)| (n.term(), std::cmp::Reverse(*id)))
            .map(|(id, _)| id)
    }

    /// Proposes `data` to the current leader and returns its id.
    pub fn propose(&mut self, data: &[u8]) -> Result<u64, SimError> {
        self.stopped()?;
        let leader = self.leader().ok_or(SimError::NoLeader)?;
        self.propose_to(leader, data)?;
        Ok(leader)
    }

    /// Hands `data` to node `id` (a follower forwards it to its leader).
    pub fn propose_to(&mut self, id: u64, data: &[u8]) -> Result<(), SimError> {
        self.stopped()?;
        self.up(id)?;
        self.step += 1;
        self.proposals += 1;
        let res = match self.hosts.get_mut(&id).and_then(|h| h.node.as_mut()) {
            Some(n) => n.propose(Bytes::copy_from_slice(data)),
            None => return Err(SimError::NodeDown(id)),
        };
        let term = self.term_of(id);
        match &res {
            Ok(()) => self.event(id, EventKind::Propose, term, printable(data)),
            Err(e) => self.event(id, EventKind::ProposalDropped, term, e.to_string()),
        }
        self.process(id).map_err(|b| self.fail(b))?;
        self.end_step(&[id])?;
        res.map_err(|_| SimError::ProposalDropped)
    }

    /// Splits the network: each group can talk only within itself. Nodes not listed form one
    /// more group together. Messages already in flight are subject to it when they arrive.
    pub fn partition(&mut self, groups: &[Vec<u64>]) {
        self.net.partition(groups);
        let detail = groups
            .iter()
            .map(|g| format!("{g:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        self.event(0, EventKind::Partition, 0, format!("groups {detail}"));
    }

    /// Cuts the link from `from` to `to` (one way).
    pub fn cut(&mut self, from: u64, to: u64) {
        self.net.cut(from, to);
        self.event(0, EventKind::Partition, 0, format!("cut {from}->{to}"));
    }

    /// Removes every partition and cut.
    pub fn heal(&mut self) {
        self.net.heal();
        self.event(0, EventKind::Heal, 0, String::new());
    }

    /// Whether no partition or cut is in place.
    pub fn is_healed(&self) -> bool {
        self.net.is_healed()
    }

    /// Sets loss and duplication probabilities and the maximum delay.
    pub fn set_network(&mut self, network: NetworkConfig) -> Result<(), SimError> {
        check_network(&network)?;
        self.net.config = network;
        self.event(
            0,
            EventKind::Network,
            0,
            format!(
                "loss={} duplicate={} max_delay={}",
                network.loss, network.duplicate, network.max_delay
            ),
        );
        Ok(())
    }

    /// The network's current settings.
    pub fn network(&self) -> NetworkConfig {
        self.net.config
    }

    /// Crashes node `id`: it loses everything it had not persisted (its volatile Raft state and
    /// its state machine beyond the last snapshot), and every message from or to it in flight.
    pub fn crash(&mut self, id: u64) -> Result<(), SimError> {
        self.stopped()?;
        self.up(id)?;
        self.step += 1;
        let node = self
            .hosts
            .get_mut(&id)
            .and_then(|h| h.node.take())
            .ok_or(SimError::NodeDown(id))?;
        self.crash_node(id, node, "");
        self.end_step(&[])
    }

    /// Arms a crash of `id` in the middle of its next Ready: after it persisted, before it sent
    /// or applied anything.
    pub fn crash_during_next_ready(&mut self, id: u64) -> Result<(), SimError> {
        self.stopped()?;
        self.up(id)?;
        if let Some(h) = self.hosts.get_mut(&id) {
            h.crash_in_ready = true;
        }
        Ok(())
    }

    /// Restarts a crashed node from its storage. Its state machine restarts from the storage's
    /// snapshot (the applied index passed to Raft is the snapshot index) and Raft replays the
    /// committed entries after it.
    pub fn restart(&mut self, id: u64) -> Result<(), SimError> {
        self.stopped()?;
        let host = self.hosts.get_mut(&id).ok_or(SimError::UnknownNode(id))?;
        match host.life {
            Life::Up => return Err(SimError::NodeUp(id)),
            Life::Removed => return Err(SimError::Decommissioned(id)),
            Life::Down => {}
        }
        let disk = host.disk.take().unwrap_or_default();
        self.step += 1;
        let seed = self.rng.next_u64();
        let snap = disk.snapshot().unwrap_or_default();
        let app = App::from_snapshot(&snap);
        let r = (|| -> Check {
            let app = app.ok_or_else(|| refusal(id, "restart", "unreadable snapshot data"))?;
            self.checker.on_restart(id, &disk)?;
            let node = RawNode::new(&node_config(&self.cfg, id, seed, snap.index()), disk)
                .map_err(|e| refusal(id, "restarting from storage", e))?;
            let term = node.term();
            if let Some(h) = self.hosts.get_mut(&id) {
                h.life = Life::Up;
                h.node = Some(Box::new(node));
                h.app = app;
                h.traced_role = None;
            }
            self.event(
                id,
                EventKind::Restart,
                term,
                format!("applied={}", snap.index()),
            );
            self.process(id)
        })();
        r.map_err(|b| self.fail(b))?;
        self.end_step(&[id])
    }

    /// Proposes adding `id` as a voter (a simple, one-step change). An id the simulation does
    /// not know yet becomes a new node with empty storage, which catches up from the leader.
    pub fn add_voter(&mut self, id: u64) -> Result<(), SimError> {
        self.simple_change(ConfChangeType::ConfChangeAddNode, id)
    }

    /// Proposes adding `id` as a learner (or demoting voter `id`), as a simple change.
    pub fn add_learner(&mut self, id: u64) -> Result<(), SimError> {
        self.simple_change(ConfChangeType::ConfChangeAddLearnerNode, id)
    }

    /// Proposes removing `id`. Once the leader applies the change, the node is shut down for
    /// good, as an etcd member stops when it is removed.
    pub fn remove(&mut self, id: u64) -> Result<(), SimError> {
        self.simple_change(ConfChangeType::ConfChangeRemoveNode, id)
    }

    /// Proposes a membership change through joint consensus (ConfChangeV2), written as etcd's
    /// test notation: `"v4 l2 r3"` adds voter 4, makes 2 a learner, removes 3. With
    /// `auto_leave` the leader leaves the joint configuration by itself once it applied it;
    /// otherwise call [`Cluster::leave_joint`].
    pub fn change_membership(&mut self, changes: &str, auto_leave: bool) -> Result<(), SimError> {
        let list = ConfChangeSingle::parse_list(changes)
            .map_err(|e| SimError::InvalidConfig(e.to_string()))?;
        for c in &list {
            self.ensure_node(c.node_id)?;
        }
        let cc = ConfChangeV2 {
            transition: if auto_leave {
                ConfChangeTransition::ConfChangeTransitionJointImplicit
            } else {
                ConfChangeTransition::ConfChangeTransitionJointExplicit
            } as i32,
            changes: list,
            context: Bytes::new(),
        };
        self.propose_cc(&cc, format!("joint {changes} auto_leave={auto_leave}"))
    }

    /// Proposes leaving a joint configuration (the empty ConfChangeV2).
    pub fn leave_joint(&mut self) -> Result<(), SimError> {
        self.propose_cc(&ConfChangeV2::default(), "leave joint".into())
    }

    /// Asks the leader to hand leadership to `to`.
    pub fn transfer_leader(&mut self, to: u64) -> Result<(), SimError> {
        self.stopped()?;
        let leader = self.leader().ok_or(SimError::NoLeader)?;
        self.step += 1;
        if let Some(n) = self.hosts.get_mut(&leader).and_then(|h| h.node.as_mut()) {
            n.transfer_leader(to);
        }
        let term = self.term_of(leader);
        self.event(leader, EventKind::TransferLeader, term, format!("to={to}"));
        self.process(leader).map_err(|b| self.fail(b))?;
        self.end_step(&[leader])
    }

    /// Every node id the simulation knows (running, down or removed).
    pub fn node_ids(&self) -> Vec<u64> {
        self.hosts.keys().copied().collect()
    }

    /// Views of every node, by id.
    pub fn nodes(&self) -> Vec<NodeView> {
        self.hosts.keys().filter_map(|&id| self.view(id)).collect()
    }

    /// A view of node `id`.
    pub fn node(&self, id: u64) -> Result<NodeView, SimError> {
        self.view(id).ok_or(SimError::UnknownNode(id))
    }

    /// The payloads node `id`'s state machine applied, in order (empty entries and
    /// configuration changes are not payloads).
    pub fn applied(&self, id: u64) -> Result<Vec<Vec<u8>>, SimError> {
        let h = self.hosts.get(&id).ok_or(SimError::UnknownNode(id))?;
        Ok(h.app.payloads.iter().map(|p| p.to_vec()).collect())
    }

    /// The trace events kept (all of them unless `trace_limit` is set), oldest first.
    pub fn trace(&self) -> Vec<TraceEvent> {
        self.trace.events().cloned().collect()
    }

    /// A digest of every trace event ever recorded: two runs with equal digests produced the
    /// same trace.
    pub fn trace_digest(&self) -> u64 {
        self.trace.digest()
    }

    /// Counters.
    pub fn stats(&self) -> ClusterStats {
        let mut s = self.stats.clone();
        s.steps = self.step;
        s.ticks = self.now;
        s.checks = self.checker.checks;
        s.elections = self.checker.leader_terms() as u64;
        s
    }

    /// Which node led each term, as observed.
    pub fn leaders_by_term(&self) -> BTreeMap<u64, u64> {
        self.checker.leaders().clone()
    }

    /// Liveness: heals the network (no partitions, loss or duplication; delays capped at a
    /// quarter of the election timeout, Raft's timing requirement), restarts every crashed node, then requires that within `max_ticks` a leader is elected and a new
    /// proposal is applied by every running member of its configuration. Returns the ticks it
    /// took; a [`Invariant::Liveness`] violation otherwise.
    pub fn check_liveness(&mut self, max_ticks: u64) -> Result<u64, SimError> {
        self.stopped()?;
        self.heal();
        let mut net = self.net.config;
        net.loss = 0.0;
        net.duplicate = 0.0;
        // Raft's timing requirement: elections settle only when messages travel much faster
        // than the election timeout. With round trips near the timeout, candidates that need
        // every vote (joint configurations) can split votes indefinitely.
        net.max_delay = net.max_delay.min(self.cfg.election_tick as u64 / 4);
        self.set_network(net)?;
        let down: Vec<u64> = self
            .hosts
            .iter()
            .filter(|(_, h)| h.life == Life::Down)
            .map(|(&id, _)| id)
            .collect();
        for id in down {
            self.restart(id)?;
        }
        for h in self.hosts.values_mut() {
            h.crash_in_ready = false;
        }
        let start = self.now;
        self.event(0, EventKind::Liveness, 0, "start".into());
        let marker = format!("liveness-{}-{}", self.cfg.seed, self.now).into_bytes();
        let retry = self.cfg.election_tick as u64 * 2;
        let mut last_try: Option<u64> = None;
        while self.now - start <= max_ticks {
            if let Some(leader) = self.leader() {
                if self.all_members_applied(leader, &marker) {
                    let took = self.now - start;
                    self.event(0, EventKind::Liveness, 0, format!("ok after {took} ticks"));
                    return Ok(took);
                }
                if last_try.map_or(true, |t| self.now - t >= retry) {
                    last_try = Some(self.now);
                    match self.propose_to(leader, &marker) {
                        Ok(()) | Err(SimError::ProposalDropped) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            self.tick_once()?;
        }
        let leader = self.leader();
        let b = Breach {
            invariant: Invariant::Liveness,
            node: leader.unwrap_or(0),
            description: match leader {
                None => format!("no leader within {max_ticks} ticks after healing"),
                Some(l) => format!(
                    "leader {l} elected but the proposal was not applied by every member \
                     within {max_ticks} ticks after healing"
                ),
            },
        };
        Err(self.fail(b))
    }

    fn all_members_applied(&self, leader: u64, marker: &[u8]) -> bool {
        let Some(l) = self.hosts.get(&leader).and_then(|h| h.node.as_ref()) else {
            return false;
        };
        let cfg = &l.tracker().config;
        let mut ids: BTreeSet<u64> = cfg.voters.ids();
        ids.extend(cfg.learners.iter().copied());
        ids.iter().all(|id| match self.hosts.get(id) {
            Some(h) if h.life == Life::Up => h.app.payloads.iter().any(|p| p[..] == *marker),
            // Members the simulation has not created cannot apply anything; they do not
            // exist in a run driven through this API.
            _ => true,
        })
    }

    // ----------------------------------------------------------------------------------------
    // Crate-internal hooks for the workload.

    pub(crate) fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    pub(crate) fn running_ids(&self) -> Vec<u64> {
        self.hosts
            .iter()
            .filter(|(_, h)| h.life == Life::Up)
            .map(|(&id, _)| id)
            .collect()
    }

    pub(crate) fn down_ids(&self) -> Vec<u64> {
        self.hosts
            .iter()
            .filter(|(_, h)| h.life == Life::Down)
            .map(|(&id, _)| id)
            .collect()
    }

    /// The leader's configuration (voters, learners), if there is a leader.
    pub(crate) fn leader_conf(&self) -> Option<(u64, crate::tracker::TrackerConfig)> {
        let l = self.leader()?;
        let n = self.hosts.get(&l)?.node.as_ref()?;
        Some((l, n.tracker().config.clone()))
    }

    pub(crate) fn next_free_id(&self) -> u64 {
        self.hosts.keys().next_back().map_or(1, |id| id + 1)
    }

    pub(crate) fn next_payload(&mut self) -> Vec<u8> {
        format!("p{}", self.proposals + 1).into_bytes()
    }

    // ----------------------------------------------------------------------------------------
    // The machinery.

    fn stopped(&self) -> Result<(), SimError> {
        match &self.violation {
            Some(v) => Err(SimError::Violation(Box::new(v.clone()))),
            None => Ok(()),
        }
    }

    fn up(&self, id: u64) -> Result<(), SimError> {
        match self.hosts.get(&id).map(|h| h.life) {
            None => Err(SimError::UnknownNode(id)),
            Some(Life::Up) => Ok(()),
            Some(Life::Down) => Err(SimError::NodeDown(id)),
            Some(Life::Removed) => Err(SimError::Decommissioned(id)),
        }
    }

    fn term_of(&self, id: u64) -> u64 {
        self.hosts
            .get(&id)
            .and_then(|h| h.node.as_ref())
            .map_or(0, |n| n.term())
    }

    fn event(&mut self, node: u64, kind: EventKind, term: u64, detail: String) {
        self.trace.push(TraceEvent {
            step: self.step,
            tick: self.now,
            node,
            kind,
            term,
            detail,
        });
    }

    /// Stops the cluster with a violation and returns it as an error.
    fn fail(&mut self, b: Breach) -> SimError {
        let mut last_events = self.trace.last(REPORT_EVENTS);
        let ev = TraceEvent {
            step: self.step,
            tick: self.now,
            node: b.node,
            kind: EventKind::Violation,
            term: self.term_of(b.node),
            detail: format!("{}: {}", b.invariant, b.description),
        };
        last_events.push(ev.clone());
        self.trace.push(ev);
        let v = SafetyViolation {
            seed: self.cfg.seed,
            step: self.step,
            tick: self.now,
            invariant: b.invariant,
            node: b.node,
            description: b.description,
            last_events,
            reproduce: format!(
                "Cluster::new(SimConfig {{ seed: {}, .. }}) and the same calls; violation at \
                 step {}",
                self.cfg.seed, self.step
            ),
        };
        self.violation = Some(v.clone());
        SimError::Violation(Box::new(v))
    }

    fn tick_once(&mut self) -> Result<(), SimError> {
        self.stopped()?;
        self.now += 1;
        for id in self.running_ids() {
            self.step += 1;
            if let Some(n) = self.hosts.get_mut(&id).and_then(|h| h.node.as_mut()) {
                n.tick();
            }
            self.process(id).map_err(|b| self.fail(b))?;
            self.end_step(&[id])?;
        }
        let mut delivered = 0;
        while let Some(m) = self.net.pop_due(self.now) {
            self.deliver(m)?;
            delivered += 1;
            if delivered >= MAX_DELIVERIES_PER_TICK {
                let b = Breach {
                    invariant: Invariant::Liveness,
                    node: 0,
                    description: format!(
                        "livelock: {delivered} messages delivered within tick {} without time \
                         passing",
                        self.now
                    ),
                };
                return Err(self.fail(b));
            }
        }
        Ok(())
    }

    fn deliver(&mut self, m: Message) -> Result<(), SimError> {
        self.step += 1;
        let (from, to) = (m.from, m.to);
        let is_snap = m.msg_type == MessageType::MsgSnap as i32;
        let reason = match self.hosts.get(&to).map(|h| h.life) {
            Some(Life::Up) if self.net.blocked(from, to) => Some(DropReason::Partitioned),
            Some(Life::Up) => None,
            _ => Some(DropReason::NodeDown),
        };
        if let Some(reason) = reason {
            self.dropped(&m, reason);
            if is_snap {
                self.snap_reports.push((from, to, SnapshotStatus::Failure));
            }
            return self.end_step(&[]);
        }
        self.stats.messages_delivered += 1;
        if self.cfg.trace_messages {
            let term = self.term_of(to);
            self.event(to, EventKind::Deliver, term, describe_msg(&m));
        }
        let Some(node) = self.hosts.get_mut(&to).and_then(|h| h.node.as_mut()) else {
            return self.end_step(&[]);
        };
        let res = node.step(m);
        match res {
            Ok(()) => {
                if is_snap {
                    self.snap_reports.push((from, to, SnapshotStatus::Finish));
                }
            }
            Err(
                e @ (Error::InvalidMessage { .. }
                | Error::CorruptState(_)
                | Error::Storage(_)
                | Error::Misuse(_)),
            ) => {
                // etcd would crash on these: from a correct peer they mean a broken invariant.
                let b = refusal(to, &format!("refused a message from {from}"), e);
                return Err(self.fail(b));
            }
            // Responses from peers no longer in the configuration, proposals without a leader,
            // ...: normal in a changing cluster.
            Err(_) => {
                if is_snap {
                    self.snap_reports.push((from, to, SnapshotStatus::Failure));
                }
            }
        }
        self.process(to).map_err(|b| self.fail(b))?;
        self.end_step(&[to])
    }

    fn dropped(&mut self, m: &Message, reason: DropReason) {
        self.stats.messages_dropped += 1;
        if self.cfg.trace_messages {
            let d = format!("{} ({})", describe_msg(m), reason.as_str());
            self.event(m.to, EventKind::Drop, 0, d);
        }
    }

    /// Handles every Ready node `id` has, the way the crate documentation's host loop does.
    fn process(&mut self, id: u64) -> Check {
        loop {
            let Some(host) = self.hosts.get_mut(&id) else {
                return Ok(());
            };
            let Some(mut node) = host.node.take() else {
                return Ok(());
            };
            if !node.has_ready() {
                host.node = Some(node);
                return Ok(());
            }
            match self.handle_ready(id, &mut node) {
                Ok(ReadyOutcome::Handled) => {
                    if let Some(h) = self.hosts.get_mut(&id) {
                        h.node = Some(node);
                    }
                }
                Ok(ReadyOutcome::Crash) => {
                    self.crash_node(id, node, " during a Ready");
                    return Ok(());
                }
                Err(b) => {
                    if let Some(h) = self.hosts.get_mut(&id) {
                        h.node = Some(node);
                    }
                    return Err(b);
                }
            }
        }
    }

    fn handle_ready(
        &mut self,
        id: u64,
        node: &mut RawNode<MemoryStorage>,
    ) -> Result<ReadyOutcome, Breach> {
        let role = node.state();
        let term = node.term();
        let mut rd = node.ready().map_err(|e| refusal(id, "ready", e))?;
        let crash = self
            .hosts
            .get_mut(&id)
            .map(|h| std::mem::take(&mut h.crash_in_ready))
            .unwrap_or(false);

        if send_votes_before_persisting() {
            // Injected host bug: vote grants leave before the hard state is on disk.
            let (early, rest): (Vec<Message>, Vec<Message>) = rd
                .messages
                .drain(..)
                .partition(|m| m.msg_type == MessageType::MsgVoteResp as i32 && !m.reject);
            rd.messages = rest;
            self.send_msgs(id, node, early)?;
            if crash {
                return Ok(ReadyOutcome::Crash);
            }
        }

        // 1. Persist.
        let snapshot_meta = rd.snapshot.as_ref().map(|s| (s.index(), s.term()));
        if let Some(snap) = rd.snapshot.clone() {
            node.store_mut()
                .apply_snapshot(snap)
                .map_err(|e| refusal(id, "persisting the Ready's snapshot", e))?;
        }
        node.store_mut()
            .append(&rd.entries)
            .map_err(|e| refusal(id, "persisting the Ready's entries", e))?;
        if let Some(hs) = rd.hard_state {
            node.store_mut().set_hard_state(hs);
        }
        self.checker.on_persist(
            id,
            node.store(),
            &Persisted {
                entries: &rd.entries,
                snapshot: snapshot_meta,
                hard_state: rd.hard_state,
                role,
                term,
            },
        )?;
        if crash {
            return Ok(ReadyOutcome::Crash);
        }

        // 2. Send.
        let msgs = std::mem::take(&mut rd.messages);
        self.send_msgs(id, node, msgs)?;

        // 3. Apply.
        if let Some(snap) = &rd.snapshot {
            let app = App::from_snapshot(snap)
                .ok_or_else(|| refusal(id, "installing a snapshot", "unreadable data"))?;
            let (index, digest) = (app.applied, app.digest);
            if let Some(h) = self.hosts.get_mut(&id) {
                h.app = app;
            }
            self.stats.snapshots_installed += 1;
            self.checker.on_apply_snapshot(id, index, digest)?;
            self.event(
                id,
                EventKind::SnapshotInstalled,
                term,
                format!("index={index}"),
            );
        }
        let committed = std::mem::take(&mut rd.committed_entries);
        let mut last_applied = None;
        for e in &committed {
            self.apply_entry(id, node, e)?;
            last_applied = Some(e.index);
        }
        if let Some(i) = last_applied {
            self.event(id, EventKind::Apply, node.term(), format!("applied={i}"));
        }

        // 4. Advance.
        node.advance(rd).map_err(|e| refusal(id, "advance", e))?;
        self.maybe_snapshot(id, node);
        Ok(ReadyOutcome::Handled)
    }

    fn apply_entry(&mut self, id: u64, node: &mut RawNode<MemoryStorage>, e: &Entry) -> Check {
        let (applied, prev_cs) = match self.hosts.get(&id) {
            Some(h) => (h.app.applied, h.app.conf_state.clone()),
            None => return Ok(()),
        };
        if e.index != applied + 1 {
            return Err(Breach {
                invariant: Invariant::IndexOrder,
                node: id,
                description: format!("applied entry {} after {applied}", e.index),
            });
        }
        let cc = match e.kind() {
            Some(EntryType::EntryConfChange) => Some(
                ConfChange::decode_from(&e.data)
                    .map(|c| c.as_v2())
                    .map_err(|err| refusal(id, "decoding a committed conf change", err))?,
            ),
            Some(EntryType::EntryConfChangeV2) => Some(
                ConfChangeV2::decode_from(&e.data)
                    .map_err(|err| refusal(id, "decoding a committed conf change", err))?,
            ),
            _ => None,
        };
        let mut new_cs = None;
        if let Some(cc) = cc {
            let term = node.term();
            match node.apply_conf_change(&cc) {
                Ok(cs) => {
                    self.event(
                        id,
                        EventKind::ConfChangeApplied,
                        term,
                        format!("index={} {}", e.index, describe_cs(&cs)),
                    );
                    if node.state() == StateRole::Leader {
                        self.stats.conf_changes_applied += 1;
                        let now = members(&cs);
                        for gone in members(&prev_cs).difference(&now) {
                            self.to_decommission.insert(*gone, (e.index, now.clone()));
                        }
                    }
                    new_cs = Some(cs);
                }
                // Refused by the library (e.g. removing the last voter): the configuration
                // stays, on every node alike.
                Err(err) => self.event(
                    id,
                    EventKind::ConfChangeApplied,
                    term,
                    format!("index={} refused: {err}", e.index),
                ),
            }
        }
        let payload = e.kind() == Some(EntryType::EntryNormal) && !e.data.is_empty();
        let digest = match self.hosts.get_mut(&id) {
            Some(h) => {
                h.app.apply(e, payload);
                if let Some(cs) = new_cs {
                    h.app.conf_state = cs;
                    h.app.conf_changed = true;
                }
                h.app.digest
            }
            None => return Ok(()),
        };
        self.checker.on_apply(id, e, digest)
    }

    fn send_msgs(&mut self, from: u64, node: &RawNode<MemoryStorage>, msgs: Vec<Message>) -> Check {
        for m in msgs {
            let ty = m.kind();
            if ty == Some(MessageType::MsgVoteResp) && !m.reject {
                self.checker
                    .on_vote_grant(from, m.to, m.term, node.store().hard_state())?;
            }
            if ty == Some(MessageType::MsgAppResp) && !m.reject {
                let last = node.store().last_index().unwrap_or(0);
                self.checker.on_append_ack(from, m.index, last)?;
            }
            self.stats.messages_sent += 1;
            if self.cfg.trace_messages {
                self.event(from, EventKind::Send, node.term(), describe_msg(&m));
            }
            let (to, is_snap) = (m.to, ty == Some(MessageType::MsgSnap));
            let copy = self.cfg.trace_messages.then(|| m.clone());
            if !self.net.send(m, self.now, &mut self.rng) {
                if let Some(c) = copy {
                    self.dropped(&c, DropReason::Lost);
                } else {
                    self.stats.messages_dropped += 1;
                }
                if is_snap {
                    self.snap_reports.push((from, to, SnapshotStatus::Failure));
                }
            }
        }
        Ok(())
    }

    /// The host's own snapshots: every `snapshot_interval` applied entries it saves its state
    /// machine in a Raft snapshot and compacts the log, keeping `snapshot_keep` entries.
    fn maybe_snapshot(&mut self, id: u64, node: &mut RawNode<MemoryStorage>) {
        let interval = self.cfg.snapshot_interval;
        if interval == 0 {
            return;
        }
        let Some(h) = self.hosts.get(&id) else { return };
        let snap_index = node.store().snapshot().map(|s| s.index()).unwrap_or(0);
        // Also right after a configuration change: a node added to the cluster ignores any
        // snapshot whose configuration does not list it (as etcd's does), so if the newest
        // snapshot predated its addition and the log before it is compacted, the new node
        // could never catch up, and a joint configuration that needs its vote would stall.
        if h.app.applied < snap_index + interval && !h.app.conf_changed {
            return;
        }
        let (applied, cs, data) = (h.app.applied, h.app.conf_state.clone(), h.app.encode());
        if let Some(h) = self.hosts.get_mut(&id) {
            h.app.conf_changed = false;
        }
        if applied <= snap_index
            || node
                .store_mut()
                .create_snapshot(applied, Some(cs), data)
                .is_err()
        {
            return;
        }
        let compact = applied.saturating_sub(self.cfg.snapshot_keep);
        if compact > 0 {
            let _ = node.store_mut().compact(compact);
        }
        self.stats.snapshots_created += 1;
        let term = node.term();
        self.event(
            id,
            EventKind::SnapshotCreated,
            term,
            format!("index={applied} compacted_to={compact}"),
        );
    }

    fn crash_node(&mut self, id: u64, node: Box<RawNode<MemoryStorage>>, how: &str) {
        let term = node.term();
        let disk = node.store().clone();
        drop(node);
        if let Some(h) = self.hosts.get_mut(&id) {
            h.life = Life::Down;
            h.disk = Some(disk);
            h.crash_in_ready = false;
        }
        let purged = self.purge(id);
        self.stats.crashes += 1;
        self.checker.on_crash(id);
        self.event(
            id,
            EventKind::Crash,
            term,
            format!("crashed{how}; {purged} messages in flight lost"),
        );
    }

    /// Drops the messages in flight from and to `id`; a leader whose snapshot was among them
    /// learns that sending it failed (as a transport reports a broken connection).
    fn purge(&mut self, id: u64) -> usize {
        let gone = self.net.purge(id);
        for m in &gone {
            if m.msg_type == MessageType::MsgSnap as i32 {
                self.snap_reports
                    .push((m.from, m.to, SnapshotStatus::Failure));
            }
        }
        self.stats.messages_dropped += gone.len() as u64;
        gone.len()
    }

    fn decommission(&mut self, id: u64) {
        let Some(h) = self.hosts.get_mut(&id) else {
            return;
        };
        if h.life == Life::Removed {
            return;
        }
        let disk = match h.node.take() {
            Some(n) => n.store().clone(),
            None => h.disk.take().unwrap_or_default(),
        };
        h.life = Life::Removed;
        h.disk = Some(disk);
        self.purge(id);
        self.checker.on_crash(id);
        self.event(id, EventKind::Decommission, 0, String::new());
    }

    /// The end of a step: report snapshot outcomes, shut down removed nodes, then run the
    /// checker's per-step invariants over the nodes touched and every leader.
    fn end_step(&mut self, touched: &[u64]) -> Result<(), SimError> {
        let mut touched: BTreeSet<u64> = touched.iter().copied().collect();
        while !self.snap_reports.is_empty() {
            for (leader, to, status) in std::mem::take(&mut self.snap_reports) {
                if let Some(n) = self.hosts.get_mut(&leader).and_then(|h| h.node.as_mut()) {
                    n.report_snapshot(to, status);
                    touched.insert(leader);
                    self.process(leader).map_err(|b| self.fail(b))?;
                }
            }
        }
        let ready: Vec<u64> = self
            .to_decommission
            .iter()
            .filter(|(_, (index, members))| {
                members.iter().all(|m| match self.hosts.get(m) {
                    Some(h) if h.life == Life::Up => h.app.applied >= *index,
                    Some(h) if h.life == Life::Removed => true,
                    Some(_) => false,
                    None => true,
                })
            })
            .map(|(&id, _)| id)
            .collect();
        for id in ready {
            self.to_decommission.remove(&id);
            // Re-added meanwhile (a later configuration lists it again)? Then it stays.
            let listed = self
                .leader_conf()
                .is_some_and(|(_, cfg)| cfg.voters.contains(id) || cfg.learners.contains(&id));
            if !listed {
                self.decommission(id);
                touched.remove(&id);
            }
        }
        for id in touched {
            self.observe(id).map_err(|b| self.fail(b))?;
        }
        self.check_quorum_logs().map_err(|b| self.fail(b))?;
        self.check_more_up_to_date().map_err(|b| self.fail(b))
    }

    /// MoreUpToDateCorrectInv over every pair of persisted logs: if node `i`'s log is at least
    /// as up to date as node `j`'s, it holds `j`'s last committed entry (and so, by Log
    /// Matching, all of `j`'s committed prefix). Otherwise `i` could be elected with `j`'s vote
    /// and overwrite committed entries.
    fn check_more_up_to_date(&mut self) -> Check {
        // (id, last (index, term), commit (index, term), snapshot index) per persisted log.
        let logs: Vec<PersistedLog<'_>> = self
            .hosts
            .iter()
            .filter(|(_, h)| h.life != Life::Removed)
            .filter_map(|(&id, h)| {
                let s = match (&h.node, &h.disk) {
                    (Some(n), _) => n.store(),
                    (None, Some(d)) => d,
                    (None, None) => return None,
                };
                let last = s.last_index().ok()?;
                let last_term = s.term(last).ok()?;
                let commit = s.hard_state().commit;
                let commit_term = s.term(commit).ok()?;
                let snap = s.snapshot().map(|x| x.index()).unwrap_or(0);
                Some((id, (last_term, last), (commit, commit_term), snap, s))
            })
            .collect();
        self.checker.checks += 1;
        for &(i, last_i, _, snap_i, store_i) in &logs {
            for &(j, last_j, (c, ct), _, _) in &logs {
                if i == j || c == 0 || last_i < last_j {
                    continue;
                }
                let holds = match store_i.term(c) {
                    Ok(t) => t == ct,
                    Err(_) => snap_i >= c,
                };
                if !holds {
                    return Err(Breach {
                        invariant: Invariant::MoreUpToDate,
                        node: i,
                        description: format!(
                            "node {i}'s log (last {}@{}) is at least as up to date as node \
                             {j}'s (last {}@{}) but lacks its committed entry {c}@{ct}",
                            last_i.1, last_i.0, last_j.1, last_j.0
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    fn observe(&mut self, id: u64) -> Check {
        let Some(h) = self.hosts.get(&id) else {
            return Ok(());
        };
        let Some(n) = h.node.as_ref() else {
            return Ok(());
        };
        let (role, term, commit) = (n.state(), n.term(), n.committed());
        let is_voter = n.tracker().config.voters.contains(id);
        self.checker
            .on_observe(id, role, term, commit, is_voter, n.store())?;
        let (traced_role, traced_commit) = (h.traced_role, h.traced_commit);
        if traced_role != Some(role) {
            self.event(
                id,
                EventKind::RoleChange,
                term,
                NodeRole::of(role).as_str().into(),
            );
            if role == StateRole::Leader {
                self.event(id, EventKind::LeaderElected, term, String::new());
                if self.stats.first_leader_tick.is_none() {
                    self.stats.first_leader_tick = Some(self.now);
                }
            }
        }
        if commit != traced_commit {
            self.event(id, EventKind::Commit, term, format!("commit={commit}"));
        }
        if let Some(h) = self.hosts.get_mut(&id) {
            h.traced_role = Some(role);
            h.traced_commit = commit;
        }
        Ok(())
    }

    /// QuorumLogInv for every running leader (see [`Checker::quorum_log`]).
    fn check_quorum_logs(&mut self) -> Check {
        let leaders: Vec<u64> = self
            .hosts
            .iter()
            .filter(|(_, h)| {
                h.node
                    .as_ref()
                    .is_some_and(|n| n.state() == StateRole::Leader)
            })
            .map(|(&id, _)| id)
            .collect();
        for l in leaders {
            let Some(n) = self.hosts.get(&l).and_then(|h| h.node.as_ref()) else {
                continue;
            };
            let index = n.committed();
            let Ok(term) = n.store().term(index) else {
                continue;
            };
            if index == 0 {
                continue;
            }
            let cfg = n.tracker().config.clone();
            let hosts = &self.hosts;
            let holds = |id: u64| {
                let Some(h) = hosts.get(&id) else {
                    return false;
                };
                let s = match (&h.node, &h.disk) {
                    (Some(n), _) => n.store(),
                    (None, Some(d)) => d,
                    (None, None) => return false,
                };
                match s.term(index) {
                    Ok(t) => t == term,
                    Err(_) => s.snapshot().map(|x| x.index()).unwrap_or(0) >= index,
                }
            };
            let mut logs = BTreeMap::new();
            for id in cfg.voters.ids() {
                let Some(s) = self.hosts.get(&id).and_then(|h| match (&h.node, &h.disk) {
                    (Some(n), _) => Some(n.store()),
                    (None, Some(d)) => Some(d),
                    (None, None) => None,
                }) else {
                    continue;
                };
                let last = s.last_index().unwrap_or(0);
                let last_term = s.term(last).unwrap_or(0);
                logs.insert(id, ((last_term, last), holds(id)));
            }
            self.checker.quorum_log(l, index, &cfg, holds)?;
            self.checker.electable_without(l, index, &cfg, &logs)?;
        }
        Ok(())
    }

    fn view(&self, id: u64) -> Option<NodeView> {
        let h = self.hosts.get(&id)?;
        let (role, hs, lead, commit, store, voter, learner) = match (&h.node, &h.disk) {
            (Some(n), _) => {
                let cfg = &n.tracker().config;
                (
                    NodeRole::of(n.state()),
                    HardState {
                        term: n.term(),
                        vote: n.vote(),
                        commit: n.committed(),
                    },
                    n.lead(),
                    n.committed(),
                    n.store(),
                    cfg.voters.contains(id),
                    cfg.learners.contains(&id),
                )
            }
            (None, Some(d)) => {
                let cs = &h.app.conf_state;
                let hs = d.hard_state();
                (
                    if h.life == Life::Removed {
                        NodeRole::Removed
                    } else {
                        NodeRole::Down
                    },
                    hs,
                    0,
                    hs.commit,
                    d,
                    cs.voters.contains(&id) || cs.voters_outgoing.contains(&id),
                    cs.learners.contains(&id),
                )
            }
            (None, None) => return None,
        };
        Some(NodeView {
            id,
            role,
            term: hs.term,
            vote: hs.vote,
            lead,
            commit_index: commit,
            applied_index: h.app.applied,
            last_index: store.last_index().unwrap_or(0),
            snapshot_index: store.snapshot().map(|s| s.index()).unwrap_or(0),
            is_voter: voter,
            is_learner: learner,
        })
    }

    fn ensure_node(&mut self, id: u64) -> Result<(), SimError> {
        if id == 0 || id >= crate::config::LOCAL_APPLY_THREAD {
            return Err(SimError::InvalidConfig(format!("invalid node id {id}")));
        }
        if self.hosts.contains_key(&id) {
            return Ok(());
        }
        self.create_node(id, MemoryStorage::new())
            .map_err(|b| self.fail(b))?;
        self.event(id, EventKind::NodeAdded, 0, "empty storage".into());
        Ok(())
    }

    fn simple_change(&mut self, ty: ConfChangeType, id: u64) -> Result<(), SimError> {
        self.stopped()?;
        if ty != ConfChangeType::ConfChangeRemoveNode {
            self.ensure_node(id)?;
        } else if !self.hosts.contains_key(&id) {
            return Err(SimError::UnknownNode(id));
        }
        let cc = ConfChange {
            change_type: ty as i32,
            node_id: id,
            ..Default::default()
        };
        self.propose_cc(&cc, format!("{ty:?} {id}"))
    }

    fn propose_cc(&mut self, cc: &impl ConfChangeI, what: String) -> Result<(), SimError> {
        self.stopped()?;
        let leader = self.leader().ok_or(SimError::NoLeader)?;
        self.step += 1;
        let res = match self.hosts.get_mut(&leader).and_then(|h| h.node.as_mut()) {
            Some(n) => n.propose_conf_change(cc),
            None => return Err(SimError::NoLeader),
        };
        let term = self.term_of(leader);
        let kind = if res.is_ok() {
            EventKind::ConfChangeProposed
        } else {
            EventKind::ProposalDropped
        };
        self.event(leader, kind, term, what);
        self.process(leader).map_err(|b| self.fail(b))?;
        self.end_step(&[leader])?;
        res.map_err(|_| SimError::ProposalDropped)
    }
}

/// A persisted log as MoreUpToDateCorrectInv sees it: id, last (term, index), commit (index,
/// term), snapshot index, storage.
type PersistedLog<'a> = (u64, (u64, u64), (u64, u64), u64, &'a MemoryStorage);

fn check_network(n: &NetworkConfig) -> Result<(), SimError> {
    let ok = |p: f64| (0.0..=1.0).contains(&p);
    if !ok(n.loss) || !ok(n.duplicate) {
        return Err(SimError::InvalidConfig(format!(
            "probabilities must be in [0, 1]: loss={} duplicate={}",
            n.loss, n.duplicate
        )));
    }
    if n.max_delay > 1_000_000 {
        return Err(SimError::InvalidConfig(
            "max_delay above 1,000,000 ticks".into(),
        ));
    }
    Ok(())
}

fn node_config(cfg: &SimConfig, id: u64, seed: u64, applied: u64) -> Config {
    let mut c = Config::new(id);
    c.election_tick = cfg.election_tick;
    c.heartbeat_tick = cfg.heartbeat_tick;
    c.pre_vote = cfg.pre_vote;
    c.check_quorum = cfg.check_quorum;
    c.max_size_per_msg = cfg.max_size_per_msg;
    if cfg.max_size_per_msg == 0 {
        // One entry per append message, but whole batches of committed entries per Ready.
        c.max_committed_size_per_ready = u64::MAX;
    }
    c.max_inflight_msgs = cfg.max_inflight_msgs;
    c.applied = applied;
    c.seed = seed;
    c
}

/// Every initial node's storage, as etcd's `StartNode` bootstraps it: one configuration entry
/// per member at term 1, all committed, and the configuration they describe.
fn bootstrap_storage(voters: &[u64], learners: &[u64]) -> MemoryStorage {
    let mut s = MemoryStorage::new_with_conf_state(ConfState {
        voters: voters.to_vec(),
        learners: learners.to_vec(),
        ..Default::default()
    });
    let changes = voters
        .iter()
        .map(|&v| (ConfChangeType::ConfChangeAddNode, v))
        .chain(
            learners
                .iter()
                .map(|&l| (ConfChangeType::ConfChangeAddLearnerNode, l)),
        );
    let entries: Vec<Entry> = changes
        .enumerate()
        .map(|(i, (ty, id))| {
            let cc = ConfChange {
                change_type: ty as i32,
                node_id: id,
                ..Default::default()
            };
            let (entry_type, data) = cc.to_entry_payload();
            Entry {
                term: 1,
                index: i as u64 + 1,
                entry_type: entry_type as i32,
                data,
            }
        })
        .collect();
    let n = entries.len() as u64;
    // Consecutive from 1 on an empty storage: cannot fail.
    let _ = s.append(&entries);
    s.set_hard_state(HardState {
        term: 1,
        vote: 0,
        commit: n,
    });
    s
}

fn describe_msg(m: &Message) -> String {
    let ty = m
        .kind()
        .map_or_else(|| format!("type {}", m.msg_type), |t| format!("{t:?}"));
    format!(
        "{ty} {}->{} term={} log_term={} index={} commit={} entries={}{}",
        m.from,
        m.to,
        m.term,
        m.log_term,
        m.index,
        m.commit,
        m.entries.len(),
        if m.reject { " reject" } else { "" }
    )
}

fn describe_cs(cs: &ConfState) -> String {
    let mut s = format!("voters={:?}", cs.voters);
    if !cs.voters_outgoing.is_empty() {
        s += &format!(" outgoing={:?}", cs.voters_outgoing);
    }
    if !cs.learners.is_empty() {
        s += &format!(" learners={:?}", cs.learners);
    }
    if !cs.learners_next.is_empty() {
        s += &format!(" learners_next={:?}", cs.learners_next);
    }
    if cs.auto_leave {
        s += " auto_leave";
    }
    s
}

fn printable(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) if s.len() <= 64 => format!("data={s:?}"),
        _ => format!("data={} bytes", data.len()),
    }
}

#[cfg(feature = "bug-injection")]
fn send_votes_before_persisting() -> bool {
    super::bugs::active(super::bugs::Bug::VoteBeforePersist)
}

#[cfg(not(feature = "bug-injection"))]
fn send_votes_before_persisting() -> bool {
    false
}
