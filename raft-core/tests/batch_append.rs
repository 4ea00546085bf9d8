//! The opt-in `batch_append`: appends to one follower coalesce into one message per Ready, and
//! the cluster reaches exactly the state it reaches without batching.

mod common;

use common::*;
use raft_core::pb::MessageType;
use raft_core::{RawNode, StateRole};

fn cluster(batch: bool, max_size_per_msg: u64) -> Network {
    let ids = [1, 2, 3];
    Network::new(
        ids.iter()
            .map(|&id| {
                let mut c = config(id);
                c.batch_append = batch;
                c.max_size_per_msg = max_size_per_msg;
                RawNode::new_fresh(&c, &ids, &[]).unwrap()
            })
            .collect(),
    )
}

#[test]
fn proposals_of_one_round_travel_in_one_message_per_follower() {
    let mut net = cluster(true, u64::MAX);
    net.campaign(1);
    let leader = net.node_mut(1);
    for i in 0..64u8 {
        leader.propose(vec![i; 16]).unwrap();
    }
    let apps: Vec<_> = take_msgs(leader)
        .into_iter()
        .filter(|m| m.kind() == Some(MessageType::MsgApp))
        .collect();
    assert_eq!(apps.len(), 2, "one append per follower");
    for m in &apps {
        assert_eq!(m.entries.len(), 64);
        assert_eq!(m.index, 1, "anchored after the leader's empty entry");
        let idx: Vec<u64> = m.entries.iter().map(|e| e.index).collect();
        assert_eq!(idx, (2..=65).collect::<Vec<_>>());
    }
}

#[test]
fn batching_changes_messages_not_outcomes() {
    let run = |batch: bool| {
        let mut net = cluster(batch, u64::MAX);
        net.campaign(1);
        for round in 0..5u8 {
            for i in 0..20u8 {
                net.node_mut(1).propose(vec![round, i]).unwrap();
            }
            net.settle();
        }
        net.tick_all();
        assert_eq!(net.node(1).state(), StateRole::Leader);
        (
            net.applied.clone(),
            net.nodes
                .values()
                .map(|n| n.committed())
                .collect::<Vec<_>>(),
        )
    };
    let (plain, plain_commit) = run(false);
    let (batched, batched_commit) = run(true);
    assert_eq!(plain[&1].len(), 100);
    assert_eq!(plain, batched);
    assert_eq!(plain_commit, batched_commit);
}

#[test]
fn batches_respect_the_message_size_limit() {
    let mut net = cluster(true, 256);
    net.campaign(1);
    let leader = net.node_mut(1);
    for i in 0..32u8 {
        leader.propose(vec![i; 100]).unwrap();
    }
    let apps: Vec<_> = take_msgs(leader)
        .into_iter()
        .filter(|m| m.kind() == Some(MessageType::MsgApp) && m.to == 2)
        .collect();
    assert!(
        apps.len() > 1,
        "32 entries of ~110 bytes do not fit one 256-byte message"
    );
    for m in &apps {
        let size: usize = m.entries.iter().map(prost::Message::encoded_len).sum();
        assert!(m.entries.len() == 1 || size <= 256, "batch of {size} bytes");
    }
    let total: usize = apps.iter().map(|m| m.entries.len()).sum();
    assert_eq!(total, 32);
}
