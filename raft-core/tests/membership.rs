//! Membership changes through the public API: the rules etcd enforces around them and the
//! regressions this area is known for (reliability-anchors §3).

mod common;

use common::*;
use raft_core::pb::{
    ConfChange, ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, EntryType,
    MessageType,
};
use raft_core::{ConfChangeRefusalReason, StateRole, Storage};

fn v2(changes: &[(ConfChangeType, u64)], transition: ConfChangeTransition) -> ConfChangeV2 {
    ConfChangeV2 {
        transition: transition as i32,
        changes: changes
            .iter()
            .map(|&(t, id)| ConfChangeSingle::new(t, id))
            .collect(),
        ..Default::default()
    }
}

/// Adds a fresh node `id` (knowing only the current voters) to the network.
fn add_node(net: &mut Network, id: u64, voters: &[u64]) {
    net.nodes.insert(id, fresh(id, voters));
    net.applied.insert(id, Vec::new());
}

fn conf_entries(n: &Node) -> Vec<(u64, i32, usize)> {
    let s = n.store();
    let (lo, hi) = (s.first_index().unwrap(), s.last_index().unwrap());
    s.entries(lo, hi + 1, u64::MAX)
        .unwrap()
        .into_iter()
        .filter(|e| e.entry_type != EntryType::EntryNormal as i32)
        .map(|e| (e.index, e.entry_type, e.data.len()))
        .collect()
}

#[test]
fn joint_change_with_auto_leave_leaves_exactly_once() {
    let mut net = Network::fresh(3);
    net.campaign(1);
    let add = v2(
        &[
            (ConfChangeType::ConfChangeAddNode, 4),
            (ConfChangeType::ConfChangeAddNode, 5),
        ],
        ConfChangeTransition::ConfChangeTransitionAuto,
    );
    add_node(&mut net, 4, &[1, 2, 3]);
    add_node(&mut net, 5, &[1, 2, 3]);
    net.node_mut(1).propose_conf_change(&add).unwrap();
    net.settle();
    for _ in 0..5 {
        net.tick_all();
    }
    let leader = net.node(1);
    assert_eq!(leader.tracker().config.to_string(), "voters=(1 2 3 4 5)");
    let ccs = conf_entries(leader);
    let leaves = ccs
        .iter()
        .filter(|(_, t, len)| *t == EntryType::EntryConfChangeV2 as i32 && *len == 0)
        .count();
    assert_eq!(ccs.len(), 2, "one enter, one leave: {ccs:?}");
    assert_eq!(leaves, 1, "auto-leave is proposed exactly once");
    for id in 1..=5 {
        assert_eq!(
            net.node(id).tracker().config.to_string(),
            "voters=(1 2 3 4 5)",
            "node {id}"
        );
    }
}

#[test]
fn explicit_joint_waits_for_the_empty_change() {
    let mut net = Network::fresh(3);
    net.campaign(1);
    let add = v2(
        &[(ConfChangeType::ConfChangeAddNode, 4)],
        ConfChangeTransition::ConfChangeTransitionJointExplicit,
    );
    add_node(&mut net, 4, &[1, 2, 3]);
    net.node_mut(1).propose_conf_change(&add).unwrap();
    net.settle();
    for _ in 0..5 {
        net.tick_all();
    }
    assert_eq!(
        net.node(1).tracker().config.to_string(),
        "voters=(1 2 3 4)&&(1 2 3)",
        "no automatic leave"
    );
    net.node_mut(1)
        .propose_conf_change(&ConfChangeV2::default())
        .unwrap();
    net.settle();
    assert_eq!(net.node(1).tracker().config.to_string(), "voters=(1 2 3 4)");
}

#[test]
fn one_pending_change_at_a_time_and_the_proposer_is_told() {
    let mut net = Network::fresh(3);
    net.campaign(1);
    let n = net.node_mut(1);
    let add4 = ConfChange {
        change_type: ConfChangeType::ConfChangeAddNode as i32,
        node_id: 4,
        ..Default::default()
    };
    n.propose_conf_change(&add4).unwrap();
    assert_eq!(n.conf_change_refusal(), None);
    let add5 = ConfChange {
        node_id: 5,
        ..add4.clone()
    };
    n.propose_conf_change(&add5).unwrap();
    let refusal = n.conf_change_refusal().expect("second change refused");
    assert_eq!(refusal.index, 3);
    assert!(matches!(
        refusal.reason,
        ConfChangeRefusalReason::Pending {
            pending_index: 2,
            ..
        }
    ));
    net.settle();
    // As in etcd the refused change became an empty normal entry at index 3.
    assert_eq!(
        conf_entries(net.node(1)),
        vec![(2, EntryType::EntryConfChange as i32, 2)]
    );
    assert_eq!(net.node(1).tracker().config.to_string(), "voters=(1 2 3 4)");
}

#[test]
fn new_leader_waits_for_its_first_entry_before_a_change() {
    // A leader elected over an older tail (entries 1..=2) does not know whether a change is in
    // there, so it counts all of it as pending until it has applied its own first entry.
    let mut n = with_log(1, &[1, 2, 3], &[1, 1], 1, None);
    n.campaign().unwrap();
    take_msgs(&mut n);
    n.step(msg(MessageType::MsgVoteResp, 2, 1, 2)).unwrap();
    assert_eq!(n.state(), StateRole::Leader);
    let add = ConfChange {
        change_type: ConfChangeType::ConfChangeAddNode as i32,
        node_id: 4,
        ..Default::default()
    };
    n.propose_conf_change(&add).unwrap();
    assert_eq!(
        n.conf_change_refusal().map(|r| r.reason),
        Some(ConfChangeRefusalReason::Pending {
            pending_index: 2,
            applied: 0
        })
    );
}

#[test]
fn changes_inside_a_joint_config_and_empty_changes_outside_are_refused() {
    let mut net = Network::fresh(3);
    net.campaign(1);
    let n = net.node_mut(1);
    n.propose_conf_change(&ConfChangeV2::default()).unwrap();
    assert_eq!(
        n.conf_change_refusal().map(|r| r.reason),
        Some(ConfChangeRefusalReason::NotInJoint)
    );
    net.settle();
    let enter = v2(
        &[(ConfChangeType::ConfChangeAddLearnerNode, 4)],
        ConfChangeTransition::ConfChangeTransitionJointExplicit,
    );
    net.node_mut(1).propose_conf_change(&enter).unwrap();
    net.settle();
    assert!(net.node(1).tracker().config.is_joint());
    let more = v2(
        &[(ConfChangeType::ConfChangeAddNode, 5)],
        ConfChangeTransition::ConfChangeTransitionAuto,
    );
    net.node_mut(1).propose_conf_change(&more).unwrap();
    assert_eq!(
        net.node(1).conf_change_refusal().map(|r| r.reason),
        Some(ConfChangeRefusalReason::MustLeaveJointFirst)
    );
}

#[test]
fn a_voter_demoted_in_a_joint_config_becomes_a_learner_on_leaving() {
    let mut net = Network::fresh(3);
    net.campaign(1);
    let demote = v2(
        &[(ConfChangeType::ConfChangeAddLearnerNode, 3)],
        ConfChangeTransition::ConfChangeTransitionJointExplicit,
    );
    net.node_mut(1).propose_conf_change(&demote).unwrap();
    net.settle();
    assert_eq!(
        net.node(1).tracker().config.to_string(),
        "voters=(1 2)&&(1 2 3) learners_next=(3)"
    );
    net.node_mut(1)
        .propose_conf_change(&ConfChangeV2::default())
        .unwrap();
    net.settle();
    assert_eq!(
        net.node(1).tracker().config.to_string(),
        "voters=(1 2) learners=(3)"
    );
    assert!(net.node(3).is_learner());
}

#[test]
fn simple_change_of_two_voters_is_refused_at_apply_time() {
    // The single-server change rule: one voter at a time unless through joint consensus.
    let mut n = fresh(1, &[1, 2, 3]);
    let before = n.tracker().config.to_string();
    let two = v2(
        &[
            (ConfChangeType::ConfChangeAddNode, 4),
            (ConfChangeType::ConfChangeRemoveNode, 3),
        ],
        ConfChangeTransition::ConfChangeTransitionAuto,
    );
    // Auto with two changes enters a joint configuration (the safe route)...
    let mut copy = fresh(1, &[1, 2, 3]);
    assert!(copy.apply_conf_change(&two).is_ok());
    assert!(copy.tracker().config.is_joint());
    // ...while the v1 route one change at a time never changes two voters at once, and a
    // simple change touching two voters is refused with the configuration unchanged.
    let changer = raft_core::confchange::Changer::new(n.tracker(), 0);
    assert!(changer.simple(&two.changes).is_err());
    assert!(n.apply_conf_change(&ConfChangeV2::default()).is_err());
    assert_eq!(before, n.tracker().config.to_string());
}

#[test]
fn learners_never_campaign_but_do_vote() {
    let mut learner = raft_core::RawNode::new_fresh(&config(3), &[1, 2], &[3]).unwrap();
    for _ in 0..50 {
        learner.tick();
    }
    assert_eq!(
        learner.state(),
        StateRole::Follower,
        "a learner never campaigns"
    );
    assert!(take_msgs(&mut learner).is_empty());
    // A candidate that believes 3 is a voter asks it; 3 may have been promoted without knowing
    // it yet, so it must answer (etcd's campaign_learner_must_vote).
    let mut req = msg(MessageType::MsgVote, 2, 3, 1);
    req.index = 0;
    req.log_term = 0;
    learner.step(req).unwrap();
    let resp = take_msgs(&mut learner);
    assert_eq!(resp.len(), 1);
    assert_eq!(resp[0].kind(), Some(MessageType::MsgVoteResp));
    assert!(!resp[0].reject);
}

#[test]
fn only_voters_votes_count() {
    let mut c = raft_core::RawNode::new_fresh(&config(1), &[1, 2, 3], &[4, 5]).unwrap();
    c.campaign().unwrap();
    take_msgs(&mut c);
    for learner in [4, 5] {
        c.step(msg(MessageType::MsgVoteResp, learner, 1, 1))
            .unwrap();
    }
    assert_eq!(
        c.state(),
        StateRole::Candidate,
        "learners' votes do not make a quorum"
    );
    c.step(msg(MessageType::MsgVoteResp, 2, 1, 1)).unwrap();
    assert_eq!(c.state(), StateRole::Leader);
}

#[test]
fn a_removed_node_cannot_campaign() {
    let mut net = Network::fresh(3);
    net.campaign(1);
    let remove3 = ConfChange {
        change_type: ConfChangeType::ConfChangeRemoveNode as i32,
        node_id: 3,
        ..Default::default()
    };
    net.node_mut(1).propose_conf_change(&remove3).unwrap();
    net.settle();
    assert_eq!(net.node(3).tracker().config.to_string(), "voters=(1 2)");
    let n3 = net.node_mut(3);
    for _ in 0..50 {
        n3.tick();
    }
    assert_ne!(n3.state(), StateRole::Candidate);
    assert!(take_msgs(n3)
        .iter()
        .all(|m| m.kind() != Some(MessageType::MsgVote)));
}
