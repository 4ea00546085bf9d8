//! Property and regression tests for membership changes.

use std::collections::BTreeSet;

use proptest::prelude::*;
use raft_core::confchange::{restore, Changer, ConfChangeError};
use raft_core::pb::{ConfChangeSingle, ConfChangeType, ConfState};
use raft_core::tracker::{ProgressMap, ProgressTracker, TrackerConfig};

type Outcome = Result<(TrackerConfig, ProgressMap), ConfChangeError>;

const LAST_INDEX: u64 = 10;

fn install(t: &mut ProgressTracker, r: Outcome) -> Result<(), ConfChangeError> {
    let (cfg, prs) = r?;
    t.config = cfg;
    t.progress = prs;
    Ok(())
}

fn simple(t: &mut ProgressTracker, ccs: &[ConfChangeSingle]) -> Result<(), ConfChangeError> {
    let r = Changer::new(t, LAST_INDEX).simple(ccs);
    install(t, r)
}

fn ccs(s: &str) -> Vec<ConfChangeSingle> {
    ConfChangeSingle::parse_list(s).expect("valid change list")
}

fn kind() -> impl Strategy<Value = ConfChangeType> {
    prop_oneof![
        Just(ConfChangeType::ConfChangeAddNode),
        Just(ConfChangeType::ConfChangeRemoveNode),
        Just(ConfChangeType::ConfChangeUpdateNode),
        Just(ConfChangeType::ConfChangeAddLearnerNode),
    ]
}

/// A starting configuration: voter 1 plus voters among 1..=5, added one at a time.
fn setup() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(1u64..=5, 0..5)
}

/// 1 to 9 changes of any kind to nodes 2..=10. Node 1 is never touched, so no sequence can
/// remove every voter.
fn changes() -> impl Strategy<Value = Vec<ConfChangeSingle>> {
    prop::collection::vec((kind(), 2u64..=10), 1..=9).prop_map(|v| {
        v.into_iter()
            .map(|(k, id)| ConfChangeSingle::new(k, id))
            .collect()
    })
}

fn tracker_with(setup: &[u64]) -> ProgressTracker {
    let mut t = ProgressTracker::new(10, 0);
    for &id in std::iter::once(&1).chain(setup) {
        simple(
            &mut t,
            &[ConfChangeSingle::new(ConfChangeType::ConfChangeAddNode, id)],
        )
        .expect("adding one voter at a time is always allowed");
    }
    t
}

/// A valid ConfState, generated like etcd's restore test: disjoint voters, learners and removed
/// voters; the outgoing half keeps some incoming voters plus the removed ones; some removed
/// voters are being demoted; auto_leave only when joint. Ids come in random order.
fn conf_state() -> impl Strategy<Value = ConfState> {
    (1usize..=5, 0usize..5, 0usize..3)
        .prop_flat_map(|(nv, nl, nr)| {
            let ids = Just((1..=2 * (nv + nl + nr) as u64).collect::<Vec<_>>()).prop_shuffle();
            (Just((nv, nl, nr)), ids, 0..=nv, 0..=nr, any::<bool>())
        })
        .prop_map(|((nv, nl, nr), ids, retained, n_next, auto)| {
            let voters = ids[..nv].to_vec();
            let learners = ids[nv..nv + nl].to_vec();
            let removed = &ids[nv + nl..nv + nl + nr];
            let mut voters_outgoing = voters[..retained].to_vec();
            voters_outgoing.extend_from_slice(removed);
            let learners_next = removed[..n_next].to_vec();
            let auto_leave = auto && !voters_outgoing.is_empty();
            ConfState {
                voters,
                learners,
                voters_outgoing,
                learners_next,
                auto_leave,
            }
        })
}

fn sorted(mut cs: ConfState) -> ConfState {
    for ids in [
        &mut cs.voters,
        &mut cs.learners,
        &mut cs.voters_outgoing,
        &mut cs.learners_next,
    ] {
        ids.sort_unstable();
    }
    cs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Applying changes one by one with simple changes and all at once through a joint
    /// configuration (with either auto_leave setting) end in the same configuration and
    /// progress.
    #[test]
    fn simple_and_joint_routes_agree(setup in setup(), ccs in changes()) {
        let mut via_simple = tracker_with(&setup);
        for cc in &ccs {
            prop_assert_eq!(simple(&mut via_simple, std::slice::from_ref(cc)), Ok(()));
        }

        let start = tracker_with(&setup);
        let (joint_cfg, joint_prs) = Changer::new(&start, LAST_INDEX).enter_joint(false, &ccs).unwrap();
        let (mut auto_cfg, auto_prs) = Changer::new(&start, LAST_INDEX).enter_joint(true, &ccs).unwrap();
        prop_assert!(auto_cfg.auto_leave);
        auto_cfg.auto_leave = false;
        prop_assert_eq!(&auto_cfg, &joint_cfg);
        prop_assert_eq!(&auto_prs, &joint_prs);

        let mut via_joint = start.clone();
        via_joint.config = joint_cfg;
        via_joint.progress = joint_prs;
        let r = Changer::new(&via_joint, LAST_INDEX).leave_joint();
        install(&mut via_joint, r).unwrap();

        prop_assert_eq!(&via_joint.config, &via_simple.config);
        prop_assert_eq!(&via_joint.progress, &via_simple.progress);
        prop_assert!(via_joint.config.learners_next.is_empty());
    }

    /// A simple change list succeeds exactly when it changes at most one voter, and then
    /// yields the configuration the joint route yields.
    #[test]
    fn simple_allows_at_most_one_voter_change(setup in setup(), ccs in changes()) {
        let start = tracker_with(&setup);
        let j = Changer::new(&start, LAST_INDEX).enter_joint(false, &ccs).unwrap();
        let mut after = start.clone();
        install(&mut after, Ok(j)).unwrap();
        let r = Changer::new(&after, LAST_INDEX).leave_joint();
        install(&mut after, r).unwrap();

        let before: &BTreeSet<u64> = start.config.voters.incoming.ids();
        let changed = before.symmetric_difference(after.config.voters.incoming.ids()).count();
        match Changer::new(&start, LAST_INDEX).simple(&ccs) {
            Ok((cfg, prs)) => {
                prop_assert!(changed <= 1, "simple accepted {} voter changes", changed);
                prop_assert_eq!(cfg, after.config);
                prop_assert_eq!(
                    prs.iter().map(|(id, pr)| (*id, pr.is_learner)).collect::<Vec<_>>(),
                    after.progress.iter().map(|(id, pr)| (*id, pr.is_learner)).collect::<Vec<_>>()
                );
            }
            Err(e) => {
                prop_assert_eq!(e, ConfChangeError::TooManyVoterChanges);
                prop_assert!(changed > 1);
            }
        }
    }

    /// Restoring any valid ConfState yields a tracker whose conf_state() is that state (ids
    /// sorted), with a progress entry for exactly its members.
    #[test]
    fn restore_round_trips(cs in conf_state()) {
        let empty = ProgressTracker::new(20, 0);
        let (cfg, prs) = restore(Changer::new(&empty, LAST_INDEX), &cs).unwrap();
        let mut t = ProgressTracker::new(20, 0);
        t.config = cfg;
        t.progress = prs;
        prop_assert_eq!(t.conf_state(), sorted(cs.clone()));
        let members: BTreeSet<u64> = cs.voters.iter().chain(&cs.learners).chain(&cs.voters_outgoing).copied().collect();
        prop_assert_eq!(t.progress.keys().copied().collect::<BTreeSet<_>>(), members);
        for (id, pr) in &t.progress {
            prop_assert_eq!(pr.is_learner, cs.learners.contains(id), "node {}", id);
        }
    }
}

#[test]
fn restore_of_the_empty_state_is_empty() {
    let empty = ProgressTracker::new(20, 0);
    let (cfg, prs) = restore(Changer::new(&empty, 1), &ConfState::default()).unwrap();
    assert_eq!(cfg, TrackerConfig::default());
    assert!(prs.is_empty());
}

/// Regression: a voter demoted inside a joint configuration remains a full voter of the outgoing
/// half (not a learner) until the joint configuration is left; its progress survives.
#[test]
fn demoted_voter_waits_in_learners_next() {
    let mut t = tracker_with(&[2, 3]);
    assert!(t.progress_mut(3).unwrap().maybe_update(5));
    let r = Changer::new(&t, LAST_INDEX).enter_joint(false, &ccs("l3"));
    install(&mut t, r).unwrap();
    assert_eq!(
        t.config.to_string(),
        "voters=(1 2)&&(1 2 3) learners_next=(3)"
    );
    assert!(t.config.learners.is_empty());
    assert!(!t.progress(3).unwrap().is_learner);
    assert_eq!(t.voter_nodes(), vec![1, 2, 3]);
    assert!(t.learner_nodes().is_empty());
    assert_eq!(t.conf_state().learners_next, vec![3]);

    let r = Changer::new(&t, LAST_INDEX).leave_joint();
    install(&mut t, r).unwrap();
    assert_eq!(t.config.to_string(), "voters=(1 2) learners=(3)");
    let pr = t.progress(3).unwrap();
    assert!(pr.is_learner);
    assert_eq!(pr.matched, 5, "demotion keeps the progress");
}

/// Regression: removing a staged learner, or promoting it back, cancels the staged demotion.
#[test]
fn staged_demotion_can_be_cancelled() {
    let t = tracker_with(&[2, 3]);
    // Demote then remove: gone from learners_next; progress kept while it still votes in the
    // outgoing half, dropped on leaving.
    let (cfg, prs) = Changer::new(&t, LAST_INDEX)
        .enter_joint(false, &ccs("l3 r3"))
        .unwrap();
    assert_eq!(cfg.to_string(), "voters=(1 2)&&(1 2 3)");
    assert!(prs.contains_key(&3));
    let mut j = t.clone();
    install(&mut j, Ok((cfg, prs))).unwrap();
    let (cfg, prs) = Changer::new(&j, LAST_INDEX).leave_joint().unwrap();
    assert_eq!(cfg.to_string(), "voters=(1 2)");
    assert!(!prs.contains_key(&3));

    // Demote then promote: a voter again.
    let (cfg, prs) = Changer::new(&t, LAST_INDEX)
        .enter_joint(false, &ccs("l3 v3"))
        .unwrap();
    assert_eq!(cfg.to_string(), "voters=(1 2 3)&&(1 2 3)");
    assert!(!prs[&3].is_learner);
}

/// Regression: a learner added while joint (not an outgoing voter) becomes a learner at once.
#[test]
fn new_learner_in_joint_is_immediate() {
    let t = tracker_with(&[2]);
    let (cfg, prs) = Changer::new(&t, LAST_INDEX)
        .enter_joint(true, &ccs("l4 v3"))
        .unwrap();
    assert_eq!(
        cfg.to_string(),
        "voters=(1 2 3)&&(1 2) learners=(4) autoleave"
    );
    assert!(prs[&4].is_learner);
}

/// Regression: the "more than one voter changed" guard counts net voter changes of the
/// incoming configuration, in any combination of additions, removals and demotions.
#[test]
fn more_than_one_voter_changed_is_refused() {
    let t = tracker_with(&[2, 3]);
    let too_many = Err(ConfChangeError::TooManyVoterChanges);
    for list in ["v4 v5", "r2 r3", "r3 v4", "l2 l3", "l2 v4", "v4 l5 v6"] {
        assert_eq!(
            Changer::new(&t, LAST_INDEX).simple(&ccs(list)),
            too_many,
            "{list}"
        );
    }
    for list in ["v4", "r3", "l3", "v4 r4", "l5 l6 v4", "v2 v3 u1", "r3 v3"] {
        assert!(
            Changer::new(&t, LAST_INDEX).simple(&ccs(list)).is_ok(),
            "{list}"
        );
    }
    // The refused change left the tracker as it was.
    assert_eq!(t.config.to_string(), "voters=(1 2 3)");
}
