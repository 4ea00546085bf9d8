//! Property tests: the quorum computations agree with exhaustive, obviously-correct versions.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use raft_core::quorum::{JointConfig, MajorityConfig, VoteResult};
use raft_core::tracker::{Progress, ProgressTracker};

/// Up to 11 voters (beyond the 7 handled on the stack) drawn from ids 1..=15.
fn voters() -> impl Strategy<Value = BTreeSet<u64>> {
    prop::collection::btree_set(1u64..=15, 0..=11)
}

/// Acknowledged indexes for some of the ids 1..=15 (including ids outside any config).
fn acks() -> impl Strategy<Value = BTreeMap<u64, u64>> {
    prop::collection::btree_map(1u64..=15, 0u64..=20, 0..=15)
}

fn votes() -> impl Strategy<Value = BTreeMap<u64, bool>> {
    prop::collection::btree_map(1u64..=15, any::<bool>(), 0..=15)
}

/// Whether a majority of `voters` acknowledged at least `idx` (vacuously true when empty).
fn majority_reached(voters: &BTreeSet<u64>, acks: &BTreeMap<u64, u64>, idx: u64) -> bool {
    let reached = voters
        .iter()
        .filter(|id| acks.get(id).copied().unwrap_or(0) >= idx)
        .count();
    voters.is_empty() || 2 * reached > voters.len()
}

/// The largest index both halves have a majority for, trying every candidate value.
fn brute_committed(halves: &[&BTreeSet<u64>], acks: &BTreeMap<u64, u64>) -> u64 {
    if halves.iter().all(|h| h.is_empty()) {
        return u64::MAX;
    }
    std::iter::once(0)
        .chain(acks.values().copied())
        .filter(|&c| halves.iter().all(|h| majority_reached(h, acks, c)))
        .max()
        .unwrap_or(0)
}

/// The election outcome by enumerating every way the missing voters could still vote: won if
/// every completion wins, lost if none does.
fn brute_vote(halves: &[&BTreeSet<u64>], votes: &BTreeMap<u64, bool>) -> VoteResult {
    let all: BTreeSet<u64> = halves.iter().flat_map(|h| h.iter().copied()).collect();
    let missing: Vec<u64> = all
        .iter()
        .copied()
        .filter(|id| !votes.contains_key(id))
        .collect();
    let (mut some_win, mut all_win) = (false, true);
    for mask in 0u32..(1 << missing.len()) {
        let granted = |id: &u64| match votes.get(id) {
            Some(&v) => v,
            None => {
                let pos = missing.iter().position(|m| m == id).unwrap_or(0);
                mask & (1 << pos) != 0
            }
        };
        let wins = halves.iter().all(|h| {
            let yes = h.iter().filter(|id| granted(id)).count();
            h.is_empty() || 2 * yes > h.len()
        });
        some_win |= wins;
        all_win &= wins;
    }
    match (all_win, some_win) {
        (true, _) => VoteResult::Won,
        (false, true) => VoteResult::Pending,
        (false, false) => VoteResult::Lost,
    }
}

fn joint(a: &BTreeSet<u64>, b: &BTreeSet<u64>) -> JointConfig {
    JointConfig {
        incoming: MajorityConfig::from(a.clone()),
        outgoing: MajorityConfig::from(b.clone()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn majority_committed_matches_brute_force(v in voters(), l in acks()) {
        let c = MajorityConfig::from(v.clone());
        prop_assert_eq!(c.committed_index(&l), brute_committed(&[&v], &l));
    }

    #[test]
    fn joint_committed_matches_brute_force(a in voters(), b in voters(), l in acks()) {
        let j = joint(&a, &b);
        let want = brute_committed(&[&a, &b], &l);
        prop_assert_eq!(j.committed_index(&l), want);
        prop_assert_eq!(joint(&b, &a).committed_index(&l), want);
    }

    #[test]
    fn tracker_committed_matches_the_generic_computation(
        a in voters(), b in voters(), l in acks(), learners in prop::collection::btree_set(1u64..=15, 0..4)
    ) {
        // Progress for every acked id (some of them learners or non-members, which must not
        // count), and none for voters without an ack (which count as 0).
        let mut t = ProgressTracker::new(8, 0);
        t.config.voters = joint(&a, &b);
        for (&id, &m) in &l {
            let mut pr = Progress::new(m + 1, 8, 0);
            pr.matched = m;
            pr.is_learner = learners.contains(&id);
            t.progress.insert(id, pr);
        }
        prop_assert_eq!(t.committed(), t.config.voters.committed_index(&l));
    }

    #[test]
    fn majority_vote_matches_brute_force(v in prop::collection::btree_set(1u64..=15, 0..=9), votes in votes()) {
        let c = MajorityConfig::from(v.clone());
        prop_assert_eq!(c.vote_result(&votes), brute_vote(&[&v], &votes));
    }

    #[test]
    fn joint_vote_matches_brute_force(
        a in prop::collection::btree_set(1u64..=12, 0..=6),
        b in prop::collection::btree_set(1u64..=12, 0..=6),
        votes in votes(),
    ) {
        let want = brute_vote(&[&a, &b], &votes);
        prop_assert_eq!(joint(&a, &b).vote_result(&votes), want);
        prop_assert_eq!(joint(&b, &a).vote_result(&votes), want);
    }
}

#[test]
fn brute_force_helpers_are_not_trivially_agreeing() {
    // Guard against a vacuous oracle: known answers.
    let v: BTreeSet<u64> = [1, 2, 3].into_iter().collect();
    let l: BTreeMap<u64, u64> = [(1, 5), (2, 7), (3, 9)].into_iter().collect();
    assert_eq!(brute_committed(&[&v], &l), 7);
    let votes: BTreeMap<u64, bool> = [(1, true), (2, false)].into_iter().collect();
    assert_eq!(brute_vote(&[&v], &votes), VoteResult::Pending);
    let votes: BTreeMap<u64, bool> = [(1, false), (2, false)].into_iter().collect();
    assert_eq!(brute_vote(&[&v], &votes), VoteResult::Lost);
}
