//! The seed sweep `make test` runs: many seeds across cluster sizes, PreVote and CheckQuorum
//! on and off, loss, duplication, delays, partitions, crashes, membership churn and snapshots,
//! with the checker after every step and a liveness phase at the end. Zero violations allowed.
//!
//! `SIM_SEEDS=<n>` sets how many seeds (default 2,000); `SIM_SEED_START=<s>` the first seed.

use raft_core::sim::{simulate, SimParams};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "long: run by `make sim-test` (optimized, with debug assertions)"]
fn seed_sweep_has_no_violations() {
    let n = env_u64("SIM_SEEDS", 2_000);
    let start = env_u64("SIM_SEED_START", 0);
    let seeds: Vec<u64> = (start..start + n).collect();
    let params = SimParams::default();
    let report = simulate(&seeds, &params);
    println!("{report}");
    for v in report.violations.iter().take(5) {
        println!("{v}\n");
    }
    assert_eq!(report.seeds_run, n);
    assert!(
        report.violations.is_empty(),
        "{} of {n} seeds violated an invariant; first: {}",
        report.violations.len(),
        report.violations[0]
    );
    // The sweep must actually exercise the protocol.
    assert!(
        report.elections >= n,
        "too few elections: {}",
        report.elections
    );
}
