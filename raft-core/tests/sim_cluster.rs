//! The simulator's API behaves as documented, and runs are deterministic.

use raft_core::sim::{
    replay, run_seed, simulate, Cluster, EventKind, NetworkConfig, NodeRole, SimConfig, SimError,
    SimParams,
};

fn cluster(voters: usize, seed: u64) -> Cluster {
    Cluster::new(SimConfig {
        voters,
        seed,
        ..SimConfig::default()
    })
    .expect("valid config")
}

/// A scripted run with faults, summarised as (trace digest, full trace, applied payloads).
fn scripted(seed: u64) -> (u64, Vec<String>, Vec<Vec<Vec<u8>>>) {
    let mut c = Cluster::new(SimConfig {
        voters: 5,
        seed,
        trace_messages: true,
        network: NetworkConfig {
            loss: 0.1,
            duplicate: 0.1,
            max_delay: 3,
        },
        ..SimConfig::default()
    })
    .unwrap();
    let leader = c.run_until_leader(1_000).unwrap();
    for i in 0..20 {
        let _ = c.propose(format!("v{i}").as_bytes());
        c.run(2).unwrap();
    }
    c.partition(&[vec![leader]]);
    c.run(100).unwrap();
    c.crash(if leader == 1 { 2 } else { 1 }).unwrap();
    c.run(30).unwrap();
    c.heal();
    c.check_liveness(500).unwrap();
    let trace = c.trace().iter().map(|e| e.to_string()).collect();
    let applied = c
        .node_ids()
        .iter()
        .map(|&id| c.applied(id).unwrap())
        .collect();
    (c.trace_digest(), trace, applied)
}

#[test]
fn same_seed_same_trace_bit_for_bit() {
    let a = scripted(42);
    let b = scripted(42);
    assert_eq!(a.1.len(), b.1.len());
    assert_eq!(a, b);
    let c = scripted(43);
    assert_ne!(a.0, c.0, "a different seed should give a different run");
}

#[test]
fn sweeps_replay_exactly() {
    let params = SimParams::default();
    let a = simulate(&[5, 6, 7], &params);
    let b = simulate(&[5, 6, 7], &params);
    assert_eq!(a, b);
    let one = run_seed(6, &params).unwrap();
    assert_eq!(one, a.per_seed[1]);
    let c = replay(6, &params).unwrap();
    assert_eq!(c.stats().steps, one.steps);
    assert!(c.violation().is_none());
}

#[test]
fn elects_replicates_and_reelects_after_partition() {
    let mut c = cluster(5, 1);
    let leader = c.run_until_leader(500).unwrap();
    assert_eq!(c.leader(), Some(leader));
    c.propose(b"a").unwrap();
    c.run(5).unwrap();
    for id in c.node_ids() {
        assert_eq!(c.applied(id).unwrap(), vec![b"a".to_vec()], "node {id}");
    }
    c.partition(&[vec![leader]]);
    c.run(100).unwrap();
    let new = c.leader().expect("the majority elects a new leader");
    assert_ne!(new, leader);
    let views = c.nodes();
    let term_of = |id: u64| views.iter().find(|v| v.id == id).unwrap().term;
    assert!(term_of(new) > term_of(leader));
    c.propose(b"b").unwrap();
    c.heal();
    c.run(50).unwrap();
    for id in c.node_ids() {
        assert_eq!(
            c.applied(id).unwrap(),
            vec![b"a".to_vec(), b"b".to_vec()],
            "node {id}"
        );
    }
    let elected = c
        .trace()
        .iter()
        .filter(|e| e.kind == EventKind::LeaderElected)
        .count();
    assert!(elected >= 2);
}

#[test]
fn crash_loses_volatile_state_and_restart_replays() {
    let mut c = cluster(3, 2);
    let leader = c.run_until_leader(500).unwrap();
    let follower = c.node_ids().into_iter().find(|&id| id != leader).unwrap();
    for i in 0..10 {
        c.propose(format!("x{i}").as_bytes()).unwrap();
    }
    c.run(5).unwrap();
    c.crash(follower).unwrap();
    assert_eq!(c.node(follower).unwrap().role, NodeRole::Down);
    assert_eq!(
        c.propose_to(follower, b"y"),
        Err(SimError::NodeDown(follower))
    );
    c.propose(b"while-down").unwrap();
    c.run(5).unwrap();
    c.restart(follower).unwrap();
    assert_eq!(c.restart(follower), Err(SimError::NodeUp(follower)));
    c.run(20).unwrap();
    let want = c.applied(leader).unwrap();
    assert_eq!(want.len(), 11);
    assert_eq!(c.applied(follower).unwrap(), want);
}

#[test]
fn membership_changes_add_learners_and_voters_and_remove() {
    let mut c = cluster(3, 3);
    let leader = c.run_until_leader(500).unwrap();
    c.add_learner(4).unwrap();
    c.run(20).unwrap();
    let v = c.node(4).unwrap();
    assert!(v.is_learner && !v.is_voter, "{v:?}");
    c.add_voter(4).unwrap();
    c.run(20).unwrap();
    assert!(c.node(4).unwrap().is_voter);
    let victim = c
        .node_ids()
        .into_iter()
        .find(|&id| id != leader && id != 4)
        .unwrap();
    c.change_membership(&format!("v5 r{victim}"), true).unwrap();
    c.run(60).unwrap();
    assert_eq!(c.node(victim).unwrap().role, NodeRole::Removed);
    assert!(c.node(5).unwrap().is_voter);
    c.propose(b"after").unwrap();
    c.run(20).unwrap();
    assert!(c.applied(5).unwrap().contains(&b"after".to_vec()));
    assert_eq!(c.remove(99), Err(SimError::UnknownNode(99)));
}

#[test]
fn invalid_configs_are_refused() {
    let bad = |f: fn(&mut SimConfig)| {
        let mut cfg = SimConfig::default();
        f(&mut cfg);
        matches!(Cluster::new(cfg), Err(SimError::InvalidConfig(_)))
    };
    assert!(bad(|c| c.voters = 0));
    assert!(bad(|c| c.election_tick = 1));
    assert!(bad(|c| c.network.loss = 1.5));
    let mut c = cluster(3, 0);
    assert!(c
        .set_network(NetworkConfig {
            duplicate: -0.1,
            ..NetworkConfig::default()
        })
        .is_err());
    assert_eq!(c.crash(9), Err(SimError::UnknownNode(9)));
}

/// A small sweep for every `cargo test`; the full one runs from `make sim-test`.
#[test]
fn small_sweep_is_clean() {
    let seeds: Vec<u64> = (10_000..10_040).collect();
    let report = simulate(&seeds, &SimParams::default());
    assert!(report.violations.is_empty(), "{}", report.violations[0]);
    assert!(report.elections >= 40);
    assert!(report.checks > 0);
}
