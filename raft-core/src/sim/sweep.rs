//! Seeded random workloads and seed sweeps: each seed picks a cluster shape and a fault mix
//! within [`SimParams`], runs a fault phase with proposals, partitions, crashes and membership
//! churn, then a liveness phase.

use super::cluster::{Cluster, SimConfig};
use super::net::NetworkConfig;
use super::rng::SimRng;
use super::violation::{SafetyViolation, SimError};

/// The ranges a seed sweep draws from. Every field is a plain value; [`Default`] is the sweep
/// `make test` runs.
#[derive(Clone, Debug, PartialEq)]
pub struct SimParams {
    /// Initial voter counts to pick from.
    pub sizes: Vec<usize>,
    /// At most this many initial learners (0 to this).
    pub max_learners: usize,
    /// PreVote on or off; `None` picks per seed.
    pub pre_vote: Option<bool>,
    /// CheckQuorum on or off; `None` picks per seed.
    pub check_quorum: Option<bool>,
    /// Election timeout in ticks.
    pub election_tick: usize,
    /// The heartbeat interval is drawn from `[1, max_heartbeat_tick]` (kept below the election
    /// timeout).
    pub max_heartbeat_tick: usize,
    /// Ticks of the fault phase.
    pub ticks: u64,
    /// Proposals per tick (a probability when below 1).
    pub proposal_rate: f64,
    /// Loss probability is drawn from `[0, max_loss]` per seed.
    pub max_loss: f64,
    /// Duplication probability is drawn from `[0, max_duplicate]` per seed.
    pub max_duplicate: f64,
    /// The maximum delivery delay is drawn from `[0, max_delay]` ticks per seed.
    pub max_delay: u64,
    /// Random partitions: groups, isolated nodes, one-way cuts.
    pub partitions: bool,
    /// Random crashes (some in the middle of a Ready) and restarts.
    pub crashes: bool,
    /// Random membership changes: learners added, promoted, demoted; voters added and removed,
    /// simple and joint; leadership transfers.
    pub churn: bool,
    /// Hosts snapshot and compact their logs (interval drawn per seed), so lagging followers
    /// catch up through snapshots.
    pub snapshots: bool,
    /// After the fault phase: heal, restart everything, and require a leader and an applied
    /// proposal within this many election timeouts. 0 skips the liveness phase.
    pub liveness_timeouts: u64,
}

impl Default for SimParams {
    /// Sizes 1, 3, 4, 5, 7; up to 2 learners; PreVote and CheckQuorum per seed; election 10;
    /// heartbeat 1–3; 400 ticks; 0–30 % loss, 0–20 % duplication, delays up to 6 ticks;
    /// partitions, crashes, churn and snapshots on; liveness within 30 election timeouts.
    fn default() -> Self {
        SimParams {
            sizes: vec![1, 3, 4, 5, 7],
            max_learners: 2,
            pre_vote: None,
            check_quorum: None,
            election_tick: 10,
            max_heartbeat_tick: 3,
            ticks: 400,
            proposal_rate: 0.3,
            max_loss: 0.3,
            max_duplicate: 0.2,
            max_delay: 6,
            partitions: true,
            crashes: true,
            churn: true,
            snapshots: true,
            liveness_timeouts: 30,
        }
    }
}

impl SimParams {
    /// No faults at all: a perfect network, no crashes, no churn, no snapshots. For
    /// time-to-leader experiments.
    pub fn quiet() -> Self {
        SimParams {
            max_learners: 0,
            max_loss: 0.0,
            max_duplicate: 0.0,
            max_delay: 0,
            partitions: false,
            crashes: false,
            churn: false,
            snapshots: false,
            proposal_rate: 0.0,
            ..SimParams::default()
        }
    }

    /// The Rust call that replays `seed` with these parameters.
    pub fn reproduce(&self, seed: u64) -> String {
        format!("raft_core::sim::run_seed({seed}, &{self:?})")
    }
}

/// What one seed did.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// The cluster configuration the seed chose.
    pub config: SimConfig,
    /// Steps run (each followed by the checker).
    pub steps: u64,
    /// Ticks run, fault and liveness phases together.
    pub ticks: u64,
    /// Invariant evaluations.
    pub checks: u64,
    /// Distinct terms that had a leader.
    pub elections: u64,
    /// Ticks until the first leader was seen (`None`: never).
    pub time_to_leader: Option<u64>,
    /// Ticks the liveness phase needed (`None`: skipped).
    pub liveness_ticks: Option<u64>,
    /// Crashes injected.
    pub crashes: u64,
    /// Snapshots installed from leaders.
    pub snapshots_installed: u64,
    /// Membership changes applied by leaders.
    pub conf_changes: u64,
}

/// Summary statistics of a sample, in ticks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TickStats {
    /// Sample size.
    pub count: usize,
    /// Smallest value.
    pub min: u64,
    /// Largest value.
    pub max: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
}

impl TickStats {
    /// Statistics of `values` (all zero when empty).
    pub fn of(values: &[u64]) -> TickStats {
        if values.is_empty() {
            return TickStats::default();
        }
        let mut v = values.to_vec();
        v.sort_unstable();
        let pct = |p: usize| v[((v.len() - 1) * p) / 100];
        TickStats {
            count: v.len(),
            min: v[0],
            max: v[v.len() - 1],
            mean: v.iter().sum::<u64>() as f64 / v.len() as f64,
            p50: pct(50),
            p90: pct(90),
            p99: pct(99),
        }
    }
}

/// The result of [`simulate`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimReport {
    /// Seeds run.
    pub seeds_run: u64,
    /// Every violation found (one per failing seed), each reproducible from its seed.
    pub violations: Vec<SafetyViolation>,
    /// Distinct leader terms over all seeds.
    pub elections: u64,
    /// Steps over all seeds.
    pub steps: u64,
    /// Ticks over all seeds.
    pub ticks: u64,
    /// Invariant evaluations over all seeds.
    pub checks: u64,
    /// Ticks to the first leader, over the seeds that elected one.
    pub time_to_leader: TickStats,
    /// Ticks the liveness phase needed.
    pub liveness: TickStats,
    /// Every seed's outcome (those that ran to the end), in order.
    pub per_seed: Vec<SeedOutcome>,
}

impl std::fmt::Display for SimReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} seeds, {} steps, {} ticks, {} invariant checks, {} elections, {} violations; \
             time to first leader p50 {} / p99 {} / max {} ticks",
            self.seeds_run,
            self.steps,
            self.ticks,
            self.checks,
            self.elections,
            self.violations.len(),
            self.time_to_leader.p50,
            self.time_to_leader.p99,
            self.time_to_leader.max
        )
    }
}

/// Runs every seed with `params` and reports. Never stops early: every failing seed is in
/// `violations`.
pub fn simulate(seeds: &[u64], params: &SimParams) -> SimReport {
    let mut report = SimReport::default();
    let mut ttl = Vec::new();
    let mut live = Vec::new();
    for &seed in seeds {
        report.seeds_run += 1;
        match run_seed(seed, params) {
            Ok(o) => {
                report.elections += o.elections;
                report.steps += o.steps;
                report.ticks += o.ticks;
                report.checks += o.checks;
                ttl.extend(o.time_to_leader);
                live.extend(o.liveness_ticks);
                report.per_seed.push(o);
            }
            Err(v) => report.violations.push(*v),
        }
    }
    report.time_to_leader = TickStats::of(&ttl);
    report.liveness = TickStats::of(&live);
    report
}

/// The cluster configuration a seed picks within `params`.
pub fn seed_config(seed: u64, params: &SimParams) -> Result<SimConfig, SimError> {
    if params.sizes.is_empty() || params.sizes.contains(&0) {
        return Err(SimError::InvalidConfig(
            "sizes must be non-empty and positive".into(),
        ));
    }
    if params.election_tick < 2 {
        return Err(SimError::InvalidConfig(
            "election_tick must be at least 2".into(),
        ));
    }
    // A stream of its own, so the configuration does not depend on how the run uses the
    // cluster's generator.
    let mut r = SimRng::new(seed ^ 0xC0F1_6000_0000_0000);
    let voters = r.pick(&params.sizes).unwrap_or(3);
    let learners = r.range(0, params.max_learners as u64) as usize;
    let pre_vote = params.pre_vote.unwrap_or_else(|| r.chance(0.5));
    let check_quorum = params.check_quorum.unwrap_or_else(|| r.chance(0.5));
    let hb_max = params
        .max_heartbeat_tick
        .clamp(1, params.election_tick.saturating_sub(1).max(1));
    let heartbeat_tick = r.range(1, hb_max as u64) as usize;
    let max_size_per_msg = match r.below(3) {
        0 => 0,
        1 => 256,
        _ => u64::MAX,
    };
    let max_inflight_msgs = if r.chance(0.3) { 2 } else { 256 };
    let (snapshot_interval, snapshot_keep) = if params.snapshots {
        (r.range(5, 40), r.range(0, 5))
    } else {
        (0, 0)
    };
    let network = NetworkConfig {
        loss: r.unit() * params.max_loss,
        duplicate: r.unit() * params.max_duplicate,
        max_delay: r.range(0, params.max_delay),
    };
    Ok(SimConfig {
        voters,
        learners,
        seed,
        pre_vote,
        check_quorum,
        election_tick: params.election_tick,
        heartbeat_tick,
        max_size_per_msg,
        max_inflight_msgs,
        snapshot_interval,
        snapshot_keep,
        network,
        trace_limit: 64,
        trace_messages: false,
    })
}

/// Runs one seed: the configuration and every fault come from the seed, so the same seed and
/// parameters replay exactly. A violation carries the call that reproduces it.
pub fn run_seed(seed: u64, params: &SimParams) -> Result<SeedOutcome, Box<SafetyViolation>> {
    run_seed_with(seed, params, |_| {})
}

/// [`run_seed`] with a hook that may adjust the chosen configuration first.
pub fn run_seed_with(
    seed: u64,
    params: &SimParams,
    adjust: impl FnOnce(&mut SimConfig),
) -> Result<SeedOutcome, Box<SafetyViolation>> {
    drive(seed, params, adjust).1
}

/// Replays `seed` with `params`, keeping the whole trace, and returns the cluster as the run
/// left it: stopped at the violation if there was one ([`Cluster::violation`]), so its trace
/// and nodes can be inspected. `Err` only when the parameters are invalid.
pub fn replay(seed: u64, params: &SimParams) -> Result<Cluster, SimError> {
    let (cluster, outcome) = drive(seed, params, |c| c.trace_limit = 0);
    match (cluster, outcome) {
        (Some(c), _) => Ok(c),
        (None, Err(v)) => Err(SimError::InvalidConfig(v.description)),
        (None, Ok(_)) => Err(SimError::InvalidConfig("no cluster".into())),
    }
}

fn drive(
    seed: u64,
    params: &SimParams,
    adjust: impl FnOnce(&mut SimConfig),
) -> (Option<Cluster>, Result<SeedOutcome, Box<SafetyViolation>>) {
    let with_repro = |e: SimError| -> Box<SafetyViolation> {
        let mut v = match e {
            SimError::Violation(v) => v,
            other => Box::new(SafetyViolation {
                seed,
                step: 0,
                tick: 0,
                invariant: super::violation::Invariant::LibraryRefusal,
                node: 0,
                description: format!("the simulation could not run: {other}"),
                last_events: Vec::new(),
                reproduce: String::new(),
            }),
        };
        v.reproduce = params.reproduce(seed);
        v
    };
    let mut cfg = match seed_config(seed, params) {
        Ok(c) => c,
        Err(e) => return (None, Err(with_repro(e))),
    };
    adjust(&mut cfg);
    let mut c = match Cluster::new(cfg.clone()) {
        Ok(c) => c,
        Err(e) => return (None, Err(with_repro(e))),
    };
    let r = run_workload(&mut c, params);
    let outcome = r.map_err(with_repro).map(|liveness_ticks| {
        let s = c.stats();
        SeedOutcome {
            seed,
            config: cfg,
            steps: s.steps,
            ticks: s.ticks,
            checks: s.checks,
            elections: s.elections,
            time_to_leader: s.first_leader_tick,
            liveness_ticks,
            crashes: s.crashes,
            snapshots_installed: s.snapshots_installed,
            conf_changes: s.conf_changes_applied,
        }
    });
    (Some(c), outcome)
}

fn run_workload(c: &mut Cluster, params: &SimParams) -> Result<Option<u64>, SimError> {
    let mut w = Workload::default();
    for _ in 0..params.ticks {
        w.faults(c, params)?;
        c.run(1)?;
    }
    if params.liveness_timeouts == 0 {
        return Ok(None);
    }
    let bound = params.liveness_timeouts * params.election_tick as u64;
    c.check_liveness(bound).map(Some)
}

/// The fault schedule's state between ticks.
#[derive(Debug, Default)]
struct Workload {
    heal_at: Option<u64>,
    restart_at: std::collections::BTreeMap<u64, u64>,
}

/// Most nodes a churning cluster creates in total.
const MAX_NODES: u64 = 12;
/// Most voters churn grows a cluster to.
const MAX_VOTERS: usize = 7;

impl Workload {
    fn faults(&mut self, c: &mut Cluster, p: &SimParams) -> Result<(), SimError> {
        let now = c.now();
        // Restarts that are due.
        let due: Vec<u64> = self
            .restart_at
            .iter()
            .filter(|(_, &t)| t <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            self.restart_at.remove(&id);
            match c.restart(id) {
                Ok(()) | Err(SimError::NodeUp(_) | SimError::Decommissioned(_)) => {}
                Err(e) => return Err(e),
            }
        }
        // Proposals.
        let mut rate = p.proposal_rate;
        while rate > 0.0 {
            if c.rng().chance(rate.min(1.0)) {
                let running = c.running_ids();
                if let Some(id) = c.rng().pick(&running) {
                    let data = c.next_payload();
                    tolerate(c.propose_to(id, &data))?;
                }
            }
            rate -= 1.0;
        }
        if p.partitions {
            self.partitions(c)?;
        }
        if p.crashes && c.rng().chance(0.006) {
            let running = c.running_ids();
            if let Some(id) = c.rng().pick(&running) {
                let downtime = c.rng().range(5, 80);
                if c.rng().chance(0.3) {
                    c.crash_during_next_ready(id)?;
                } else {
                    c.crash(id)?;
                }
                self.restart_at.insert(id, now + downtime);
            }
        }
        // A node armed to crash during a Ready may have crashed meanwhile: make sure it restarts.
        for id in c.down_ids() {
            self.restart_at.entry(id).or_insert(now + 20);
        }
        if p.churn && c.rng().chance(0.012) {
            self.churn(c)?;
        }
        if p.churn && c.rng().chance(0.003) {
            if let Some((_, cfg)) = c.leader_conf() {
                let voters: Vec<u64> = cfg.voters.incoming.ids().iter().copied().collect();
                if let Some(to) = c.rng().pick(&voters) {
                    tolerate(c.transfer_leader(to))?;
                }
            }
        }
        Ok(())
    }

    fn partitions(&mut self, c: &mut Cluster) -> Result<(), SimError> {
        let now = c.now();
        if let Some(t) = self.heal_at {
            if now >= t {
                c.heal();
                self.heal_at = None;
            }
            return Ok(());
        }
        if !c.rng().chance(0.01) {
            return Ok(());
        }
        let ids = c.node_ids();
        match c.rng().below(4) {
            0 => {
                // Two random groups.
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for id in ids {
                    if c.rng().chance(0.5) {
                        a.push(id);
                    } else {
                        b.push(id);
                    }
                }
                c.partition(&[a, b]);
            }
            1 => {
                // Isolate one node (often the leader).
                let victim = match c.leader() {
                    Some(l) if c.rng().chance(0.6) => Some(l),
                    _ => c.rng().pick(&ids),
                };
                if let Some(v) = victim {
                    c.partition(&[vec![v]]);
                }
            }
            _ => {
                // One-way cuts, each ordered pair with probability 0.1.
                for &a in &ids {
                    for &b in &ids {
                        if a != b && c.rng().chance(0.1) {
                            c.cut(a, b);
                        }
                    }
                }
            }
        }
        self.heal_at = Some(now + c.rng().range(20, 150));
        Ok(())
    }

    fn churn(&mut self, c: &mut Cluster) -> Result<(), SimError> {
        let Some((leader, cfg)) = c.leader_conf() else {
            return Ok(());
        };
        if !cfg.voters.outgoing.ids().is_empty() {
            // Joint: leave it (if auto-leave is on the leader does it; a second proposal is
            // refused harmlessly).
            return tolerate(c.leave_joint());
        }
        let voters: Vec<u64> = cfg.voters.incoming.ids().iter().copied().collect();
        // The leader itself is never removed or demoted here. etcd's Raft lets it happen, but a
        // removed leader that steps down (CheckQuorum) and holds entries the others lack can
        // leave them unable to learn that the change committed and unable to win its vote:
        // the cluster stalls for good. Operators transfer leadership first; so does this
        // workload (see `transfer_leader` below). `Cluster::remove` still allows it.
        let others: Vec<u64> = voters.iter().copied().filter(|&v| v != leader).collect();
        let learners: Vec<u64> = cfg.learners.iter().copied().collect();
        let fresh = c.next_free_id();
        let can_grow = fresh <= MAX_NODES;
        let auto = c.rng().chance(0.5);
        let r = match c.rng().below(8) {
            0 if can_grow => c.add_learner(fresh),
            1 if can_grow && voters.len() < MAX_VOTERS => c.add_voter(fresh),
            2 if !learners.is_empty() && voters.len() < MAX_VOTERS => {
                let l = c.rng().pick(&learners).unwrap_or(0);
                c.add_voter(l)
            }
            3 if !others.is_empty() => {
                let v = c.rng().pick(&others).unwrap_or(0);
                c.remove(v)
            }
            4 if !others.is_empty() => {
                // Demote a voter through joint consensus.
                let v = c.rng().pick(&others).unwrap_or(0);
                c.change_membership(&format!("l{v}"), auto)
            }
            5 if can_grow && !others.is_empty() => {
                // Replace a voter with a new one.
                let v = c.rng().pick(&others).unwrap_or(0);
                c.change_membership(&format!("v{fresh} r{v}"), auto)
            }
            6 if !learners.is_empty() => {
                let l = c.rng().pick(&learners).unwrap_or(0);
                c.remove(l)
            }
            7 if !learners.is_empty() && !others.is_empty() => {
                // Swap a learner and a voter at once.
                let l = c.rng().pick(&learners).unwrap_or(0);
                let v = c.rng().pick(&others).unwrap_or(0);
                c.change_membership(&format!("v{l} l{v}"), auto)
            }
            _ => Ok(()),
        };
        tolerate(r)
    }
}

/// Errors a random workload expects (no leader right now, proposal refused, node down).
fn tolerate(r: Result<impl Sized, SimError>) -> Result<(), SimError> {
    match r {
        Ok(_) => Ok(()),
        Err(
            SimError::NoLeader
            | SimError::ProposalDropped
            | SimError::NodeDown(_)
            | SimError::Decommissioned(_),
        ) => Ok(()),
        Err(e) => Err(e),
    }
}
