//! Property: nothing a peer sends can crash a node. Random messages — well-formed, hostile and
//! contradictory — are stepped into nodes in every role; each step either succeeds or returns an
//! error that left the node exactly as it was, and the node keeps following the host contract
//! afterwards. Debug assertions are on in tests, so an internal invariant broken by input would
//! fail here too.

mod common;

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use raft_core::pb::{decode_message, ConfChangeI};
use raft_core::pb::{
    ConfChange, ConfChangeSingle, ConfChangeV2, ConfState, Entry, Message, Snapshot,
    SnapshotMetadata,
};
use raft_core::StateRole;

/// A node of a 3-voter cluster (ids 1..=3) in the given role, with a few committed entries.
fn node_in_role(role: u8) -> Node {
    let mut net = Network::fresh(3);
    net.campaign(1);
    net.propose(1, b"a");
    net.propose(1, b"b");
    match role % 4 {
        0 => net.nodes.remove(&1).unwrap(), // leader
        1 => net.nodes.remove(&2).unwrap(), // follower
        2 => {
            let mut n = net.nodes.remove(&3).unwrap();
            n.campaign().unwrap(); // candidate
            take_msgs(&mut n);
            n
        }
        _ => {
            let mut cfg = config(3);
            cfg.pre_vote = true;
            cfg.check_quorum = true;
            let mut n = raft_core::RawNode::new_fresh(&cfg, &[1, 2, 3], &[]).unwrap();
            n.campaign().unwrap(); // pre-candidate
            take_msgs(&mut n);
            n
        }
    }
}

fn small_u64() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..6, Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()]
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        0i32..4,
        small_u64(),
        small_u64(),
        prop_oneof![
            Just(Bytes::new()),
            Just(Bytes::from_static(b"x")),
            Just(ConfChange::default().to_entry_payload().1),
            Just(
                ConfChangeV2 {
                    changes: vec![ConfChangeSingle::new(
                        raft_core::pb::ConfChangeType::ConfChangeAddNode,
                        4
                    )],
                    ..Default::default()
                }
                .to_entry_payload()
                .1
            ),
            Just(Bytes::from_static(&[0xff, 0x01])),
        ],
    )
        .prop_map(|(t, term, index, data)| Entry {
            entry_type: t,
            term,
            index,
            data,
        })
}

fn conf_state() -> impl Strategy<Value = ConfState> {
    let ids = || proptest::collection::vec(0u64..6, 0..4);
    (ids(), ids(), ids(), ids(), any::<bool>()).prop_map(|(v, l, vo, ln, al)| ConfState {
        voters: v,
        learners: l,
        voters_outgoing: vo,
        learners_next: ln,
        auto_leave: al,
    })
}

fn message() -> impl Strategy<Value = Message> {
    let head = (
        0i32..26,
        0u64..5,
        0u64..5,
        small_u64(),
        small_u64(),
        small_u64(),
    );
    let body = (
        proptest::collection::vec(entry(), 0..4),
        small_u64(),
        proptest::option::of((conf_state(), small_u64(), small_u64())),
        any::<bool>(),
        small_u64(),
        prop_oneof![
            Just(Bytes::new()),
            Just(Bytes::from_static(b"CampaignTransfer")),
            Just(Bytes::from_static(&[1, 0, 0, 0, 0, 0, 0, 0]))
        ],
    );
    (head, body).prop_map(
        |((t, from, to, term, log_term, index), (entries, commit, snap, reject, hint, ctx))| {
            Message {
                msg_type: t,
                from,
                to,
                term,
                log_term,
                index,
                entries,
                commit,
                snapshot: snap.map(|(cs, index, term)| Snapshot {
                    data: Bytes::new(),
                    metadata: Some(SnapshotMetadata {
                        conf_state: Some(cs),
                        index,
                        term,
                    }),
                }),
                reject,
                reject_hint: hint,
                context: ctx,
                ..Default::default()
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn stepping_anything_never_panics_and_refusals_change_nothing(
        role in 0u8..4,
        msgs in proptest::collection::vec(message(), 1..8),
    ) {
        let mut n = node_in_role(role);
        for m in msgs {
            let before = fingerprint(&n);
            if n.step(m).is_err() {
                prop_assert_eq!(before, fingerprint(&n));
            }
            // The host contract still works after whatever happened.
            handle_ready(&mut n);
            n.tick();
            handle_ready(&mut n);
            prop_assert!(n.committed() <= n.last_index());
        }
    }

    #[test]
    fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(m) = decode_message(&bytes) {
            let mut n = node_in_role(1);
            let _ = n.step(m);
            handle_ready(&mut n);
        }
    }

    #[test]
    fn host_calls_in_any_order_never_panic(ops in proptest::collection::vec(0u8..10, 1..40)) {
        let mut n = node_in_role(0);
        let mut held = None;
        for op in ops {
            match op {
                0 => n.tick(),
                1 => { let _ = n.campaign(); }
                2 => { let _ = n.propose(b"p".to_vec()); }
                3 => { if held.is_none() { held = n.ready().ok(); } else { prop_assert!(n.ready().is_err()); } }
                4 => { if let Some(rd) = held.take() { prop_assert!(n.advance(rd).is_ok()); } else { prop_assert!(n.advance(raft_core::Ready::default()).is_err()); } }
                5 => n.report_unreachable(2),
                6 => n.report_snapshot(3, raft_core::SnapshotStatus::Failure),
                7 => n.transfer_leader(2),
                8 => { let _ = n.forget_leader(); }
                _ => n.read_index(Bytes::from_static(b"r")),
            }
        }
        if let Some(rd) = held.take() {
            prop_assert!(n.advance(rd).is_ok());
        }
        prop_assert!(n.state() != StateRole::Candidate || n.term() > 0);
    }
}
