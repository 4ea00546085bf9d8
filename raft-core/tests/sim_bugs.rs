//! The checker's power, shown: each injected bug class (see `raft_core::sim::bugs`) is caught
//! within 1,000 seeds of the standard sweep, and the same seeds without the bug are clean.

use raft_core::sim::bugs::{with_bug, Bug};
use raft_core::sim::{run_seed, Invariant, SafetyViolation, SimParams};

const BUDGET: u64 = 1_000;

/// The first seed (from 0) at which `bug` is caught, with the violation.
fn first_catch(bug: Bug, params: &SimParams) -> Option<SafetyViolation> {
    with_bug(bug, || {
        (0..BUDGET).find_map(|seed| run_seed(seed, params).err().map(|v| *v))
    })
}

fn caught(bug: Bug, expected: &[Invariant]) {
    let params = SimParams::default();
    let v = first_catch(bug, &params)
        .unwrap_or_else(|| panic!("{bug:?} not caught within {BUDGET} seeds"));
    println!(
        "{bug:?}: caught at seed {} step {} as {}: {}",
        v.seed, v.step, v.invariant, v.description
    );
    assert!(
        expected.contains(&v.invariant),
        "{bug:?} was caught as {} (expected one of {expected:?}): {v}",
        v.invariant
    );
    // The same seeds are clean without the bug: it is the bug that was caught.
    for seed in 0..=v.seed {
        if let Err(clean) = run_seed(seed, &params) {
            panic!("seed {seed} violates an invariant without any bug: {clean}");
        }
    }
    // And the report replays: the same seed with the bug gives the same violation.
    let again = with_bug(bug, || run_seed(v.seed, &params)).expect_err("replays");
    assert_eq!(*again, v, "a violation must replay exactly");
}

#[test]
#[ignore = "long: run by `make sim-test` (optimized, with debug assertions)"]
fn commit_of_previous_term_entry_is_caught() {
    caught(
        Bug::CommitPreviousTerm,
        &[
            Invariant::LeaderCompleteness,
            Invariant::StateMachineSafety,
            Invariant::CommittedEntryChanged,
            Invariant::QuorumLog,
            Invariant::MoreUpToDate,
            Invariant::ElectableWithoutCommitted,
            Invariant::LibraryRefusal,
        ],
    );
}

#[test]
#[ignore = "long: run by `make sim-test` (optimized, with debug assertions)"]
fn double_vote_is_caught() {
    caught(
        Bug::DoubleVote,
        &[
            Invariant::SingleVotePerTerm,
            Invariant::TermAndVoteMonotone,
            Invariant::ElectionSafety,
        ],
    );
}

#[test]
#[ignore = "long: run by `make sim-test` (optimized, with debug assertions)"]
fn vote_sent_before_persisting_is_caught() {
    caught(
        Bug::VoteBeforePersist,
        &[Invariant::PersistBeforeSend, Invariant::SingleVotePerTerm],
    );
}

#[test]
#[ignore = "long: run by `make sim-test` (optimized, with debug assertions)"]
fn truncation_on_stale_append_is_caught() {
    caught(
        Bug::TruncateOnStaleAppend,
        &[
            Invariant::QuorumLog,
            Invariant::MoreUpToDate,
            Invariant::ElectableWithoutCommitted,
            Invariant::LeaderCompleteness,
            Invariant::StateMachineSafety,
            Invariant::CommittedEntryChanged,
            Invariant::LibraryRefusal,
        ],
    );
}
