//! `make sim-demo`: a simulated five-node cluster under message loss, duplication and delays,
//! with the leader cut off by a partition and a node crashing, checked for safety after every
//! step. Prints leaders by term, entries applied per node, and what the checker verified.

use raft_core::sim::{Cluster, EventKind, Invariant, NetworkConfig, SimConfig, SimError};

fn main() -> Result<(), SimError> {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2024);
    let mut c = Cluster::new(SimConfig {
        voters: 5,
        seed,
        ..SimConfig::default()
    })?;
    println!("Simulated 5-node Raft cluster, seed {seed} (same seed, same run).");

    let first = c.run_until_leader(1_000)?;
    println!("tick {:>4}: node {first} is elected leader", c.now());

    c.set_network(NetworkConfig {
        loss: 0.15,
        duplicate: 0.05,
        max_delay: 3,
    })?;
    println!(
        "tick {:>4}: the network now loses 15% of messages, duplicates 5%, delays up to 3 ticks",
        c.now()
    );
    let mut proposed = 0;
    let mut propose_for = |c: &mut Cluster, ticks: u64| -> Result<(), SimError> {
        for _ in 0..ticks {
            proposed += 1;
            match c.propose(format!("entry-{proposed}").as_bytes()) {
                Ok(_) | Err(SimError::NoLeader | SimError::ProposalDropped) => {}
                Err(e) => return Err(e),
            }
            c.run(1)?;
        }
        Ok(())
    };
    propose_for(&mut c, 60)?;

    let cut = c.leader().unwrap_or(first);
    c.partition(&[vec![cut]]);
    println!(
        "tick {:>4}: the leader, node {cut}, is cut off from the others",
        c.now()
    );
    propose_for(&mut c, 80)?;
    match c.leader() {
        Some(l) if l != cut => println!("tick {:>4}: the majority elected node {l}", c.now()),
        _ => println!("tick {:>4}: no new leader yet", c.now()),
    }
    let crashed = c
        .node_ids()
        .into_iter()
        .find(|&id| Some(id) != c.leader() && id != cut);
    if let Some(id) = crashed {
        c.crash(id)?;
        println!(
            "tick {:>4}: node {id} crashes (it keeps only what it persisted)",
            c.now()
        );
    }
    propose_for(&mut c, 40)?;
    c.heal();
    if let Some(id) = crashed {
        c.restart(id)?;
    }
    println!(
        "tick {:>4}: the partition heals and node {} restarts",
        c.now(),
        crashed.unwrap_or(0)
    );
    let took = c.check_liveness(500)?;
    println!(
        "tick {:>4}: liveness: leader elected and a proposal applied everywhere after {took} ticks",
        c.now()
    );

    println!("\nLeaders by term:");
    for (term, id) in c.leaders_by_term() {
        println!("  term {term:>3}: node {id}");
    }
    println!("\nEntries applied per node (payloads, then commit index):");
    for v in c.nodes() {
        let payloads = c.applied(v.id)?.len();
        println!(
            "  node {}: {:>3} payloads, commit {:>3}, {} in term {}",
            v.id, payloads, v.commit_index, v.role, v.term
        );
    }
    let crashes = c
        .trace()
        .iter()
        .filter(|e| e.kind == EventKind::Crash)
        .count();
    let s = c.stats();
    println!(
        "\n{} steps over {} ticks; {} messages sent, {} delivered, {} dropped; {crashes} crash.",
        s.steps, s.ticks, s.messages_sent, s.messages_delivered, s.messages_dropped
    );
    println!(
        "Invariants checked after every step ({} evaluations): {}.",
        s.checks,
        Invariant::all()
            .iter()
            .map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let violations = usize::from(c.violation().is_some());
    println!("Violations found: {violations}.");
    Ok(())
}
