//! Everything that comes from outside — peers' messages, the host's calls, storage contents,
//! configuration — is answered with a typed error, never a panic, and a refused input leaves the
//! node exactly as it was. One test per case.

mod common;

use bytes::Bytes;
use common::*;
use prost::Message as _;
use raft_core::pb::{
    decode_message, ConfChange, ConfChangeSingle, ConfChangeType, ConfChangeV2, ConfState, Entry,
    EntryType, HardState, Message, MessageType, Snapshot, SnapshotMetadata,
};
use raft_core::{
    Config, ConfigError, Error, MemoryStorage, RaftState, RawNode, StateRole, Storage, StorageError,
};

fn assert_refused(n: &mut Node, m: Message, check: impl Fn(&Error) -> bool) {
    let before = fingerprint(n);
    let err = n.step(m.clone()).expect_err("must be refused");
    assert!(check(&err), "unexpected error {err:?} for {m:?}");
    assert_eq!(
        before,
        fingerprint(n),
        "refused input changed the node: {m:?}"
    );
}

fn invalid(e: &Error) -> bool {
    matches!(e, Error::InvalidMessage { .. })
}

/// A follower of leader 2 in term 2 with committed entries 1..=3.
fn follower_with_commit() -> Node {
    let mut n = fresh(1, &[1, 2, 3]);
    let mut app = msg(MessageType::MsgApp, 2, 1, 2);
    app.entries = (1..=3)
        .map(|i| Entry {
            term: 2,
            index: i,
            ..Default::default()
        })
        .collect();
    app.commit = 3;
    n.step(app).unwrap();
    take_msgs(&mut n);
    assert_eq!(n.committed(), 3);
    n
}

fn leader() -> Node {
    let mut n = fresh(1, &[1, 2, 3]);
    n.campaign().unwrap();
    take_msgs(&mut n);
    n.step(msg(MessageType::MsgVoteResp, 2, 1, 1)).unwrap();
    take_msgs(&mut n);
    assert_eq!(n.state(), StateRole::Leader);
    n
}

#[test]
fn unknown_message_type() {
    let mut n = follower_with_commit();
    let mut m = msg(MessageType::MsgApp, 2, 1, 2);
    m.msg_type = 99;
    assert_refused(&mut n, m, invalid);
}

#[test]
fn local_message_types_from_the_network() {
    for t in [
        MessageType::MsgHup,
        MessageType::MsgBeat,
        MessageType::MsgUnreachable,
        MessageType::MsgSnapStatus,
        MessageType::MsgCheckQuorum,
        MessageType::MsgStorageAppend,
        MessageType::MsgStorageAppendResp,
        MessageType::MsgStorageApply,
        MessageType::MsgStorageApplyResp,
    ] {
        let mut n = leader();
        assert_refused(&mut n, msg(t, 2, 1, 1), |e| *e == Error::StepLocalMsg);
    }
}

#[test]
fn response_from_unknown_sender() {
    let mut n = leader();
    for t in [
        MessageType::MsgAppResp,
        MessageType::MsgHeartbeatResp,
        MessageType::MsgVoteResp,
    ] {
        assert_refused(&mut n, msg(t, 9, 1, 1), |e| *e == Error::StepPeerNotFound);
    }
}

#[test]
fn message_for_another_node() {
    let mut n = follower_with_commit();
    assert_refused(&mut n, msg(MessageType::MsgHeartbeat, 2, 3, 2), invalid);
}

#[test]
fn term_carrying_message_without_term() {
    let mut n = follower_with_commit();
    for t in [
        MessageType::MsgApp,
        MessageType::MsgHeartbeat,
        MessageType::MsgVote,
        MessageType::MsgSnap,
    ] {
        assert_refused(&mut n, msg(t, 2, 1, 0), invalid);
    }
}

#[test]
fn append_below_the_commit_index_is_answered_not_applied() {
    // etcd answers an append anchored below its commit index with that commit index and appends
    // nothing, so committed entries can never be rewritten. We do exactly the same.
    let mut n = follower_with_commit();
    let mut m = msg(MessageType::MsgApp, 2, 1, 2);
    m.index = 1;
    m.log_term = 2;
    m.entries = vec![Entry {
        term: 2,
        index: 2,
        data: Bytes::from_static(b"rewrite"),
        ..Default::default()
    }];
    n.step(m).unwrap();
    let resp = take_msgs(&mut n);
    assert_eq!(resp.len(), 1);
    assert_eq!((resp[0].index, resp[0].reject), (3, false));
    let stored = n.store().entries(2, 3, u64::MAX).unwrap();
    assert!(
        stored[0].data.is_empty(),
        "committed entry 2 was not rewritten"
    );
}

#[test]
fn heartbeat_committing_beyond_the_log() {
    let mut n = follower_with_commit();
    let mut m = msg(MessageType::MsgHeartbeat, 2, 1, 5);
    m.commit = 100;
    assert_refused(&mut n, m, invalid);
    assert_eq!(n.term(), 2);
}

#[test]
fn append_with_gaps_or_bad_terms() {
    let bad: Vec<Vec<(u64, u64)>> = vec![
        vec![(2, 5)],         // does not follow the anchor at index 3
        vec![(2, 4), (2, 6)], // gap
        vec![(1, 4)],         // term below the anchor's term
        vec![(7, 4)],         // term above the message's term
        vec![(2, 4), (1, 5)], // terms go down
    ];
    for ents in bad {
        let mut n = follower_with_commit();
        let mut m = msg(MessageType::MsgApp, 2, 1, 2);
        m.index = 3;
        m.log_term = 2;
        m.entries = ents
            .iter()
            .map(|&(term, index)| Entry {
                term,
                index,
                ..Default::default()
            })
            .collect();
        assert_refused(&mut n, m, invalid);
    }
}

#[test]
fn entry_of_unknown_type() {
    let mut n = follower_with_commit();
    let mut m = msg(MessageType::MsgApp, 2, 1, 2);
    m.index = 3;
    m.log_term = 2;
    m.entries = vec![Entry {
        term: 2,
        index: 4,
        entry_type: 42,
        ..Default::default()
    }];
    assert_refused(&mut n, m, invalid);
}

#[test]
fn snapshot_with_an_impossible_configuration() {
    let mut n = follower_with_commit();
    let mut m = msg(MessageType::MsgSnap, 2, 1, 3);
    m.snapshot = Some(Box::new(Snapshot {
        data: Bytes::new(),
        metadata: Some(SnapshotMetadata {
            conf_state: Some(ConfState {
                voters: vec![1, 2],
                learners: vec![2],
                ..Default::default()
            }),
            index: 10,
            term: 3,
        }),
    }));
    assert_refused(&mut n, m, invalid);
    assert_eq!(n.term(), 2);
}

#[test]
fn proposals_that_etcd_would_crash_on() {
    let mut n = leader();
    let mut empty = Message::of_type(MessageType::MsgProp);
    empty.from = 2;
    assert_refused(&mut n, empty, invalid);
    for t in [EntryType::EntryConfChange, EntryType::EntryConfChangeV2] {
        let mut m = Message::of_type(MessageType::MsgProp);
        m.from = 2;
        m.entries = vec![Entry {
            entry_type: t as i32,
            data: Bytes::from_static(&[0xff, 0xff, 0xff]),
            ..Default::default()
        }];
        assert_refused(&mut n, m, invalid);
    }
}

#[test]
fn acknowledgement_beyond_the_leaders_log() {
    let mut n = leader();
    let mut m = msg(MessageType::MsgAppResp, 2, 1, 1);
    m.index = 1000;
    assert_refused(&mut n, m, invalid);
}

#[test]
fn garbage_and_truncated_bytes() {
    let mut m = msg(MessageType::MsgApp, 2, 1, 2);
    m.entries = vec![Entry {
        term: 2,
        index: 1,
        data: Bytes::from_static(b"payload"),
        ..Default::default()
    }];
    let bytes = m.encode_to_vec();
    for cut in 1..bytes.len() {
        // Every strict prefix either decodes to something else or fails cleanly.
        let _ = decode_message(&bytes[..cut]);
    }
    assert!(decode_message(&bytes[..bytes.len() - 1]).is_err());
    assert!(decode_message(&[0xff; 16]).is_err());
    assert!(
        decode_message(&[0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err(),
        "length beyond input"
    );
    assert_eq!(decode_message(&bytes).unwrap(), m);
}

#[test]
fn deeply_nested_responses_are_refused_not_overflowed() {
    // 10,000 levels of Message.responses nesting: a stack-overflow attempt.
    let mut bytes: Vec<u8> = Vec::new();
    for _ in 0..10_000 {
        let mut outer = vec![0x72]; // field 14, length-delimited
        let mut len = bytes.len() as u64;
        loop {
            let b = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                outer.push(b);
                break;
            }
            outer.push(b | 0x80);
        }
        outer.extend_from_slice(&bytes);
        bytes = outer;
    }
    assert!(decode_message(&bytes).is_err());
}

#[test]
fn advance_without_ready_and_ready_twice() {
    let mut n = leader();
    assert!(matches!(
        n.advance(raft_core::Ready::default()),
        Err(Error::Misuse(_))
    ));
    n.propose(b"x".to_vec()).unwrap();
    let rd = n.ready().unwrap();
    let before = fingerprint(&n);
    assert!(matches!(n.ready(), Err(Error::Misuse(_))));
    assert_eq!(before, fingerprint(&n));
    n.advance(rd).unwrap();
}

#[test]
fn advance_with_another_nodes_ready() {
    let mut a = leader();
    let mut b = leader();
    a.propose(b"x".to_vec()).unwrap();
    b.propose(b"y".to_vec()).unwrap();
    let ra = a.ready().unwrap();
    let rb = b.ready().unwrap();
    let before = fingerprint(&a);
    assert!(matches!(a.advance(&rb), Err(Error::Misuse(_))));
    assert_eq!(before, fingerprint(&a));
    // Nothing was lost: both Readys still advance on their own nodes.
    a.advance(ra).unwrap();
    b.advance(&rb).unwrap();
    assert!(
        matches!(b.advance(&rb), Err(Error::Misuse(_))),
        "a Ready advances once"
    );
}

#[test]
fn invalid_config_is_an_error() {
    let mut c = Config::new(1);
    c.election_tick = 1;
    let err = RawNode::new_fresh(&c, &[1], &[]).unwrap_err();
    assert_eq!(
        err,
        Error::Config(ConfigError::ElectionTick {
            election: 1,
            heartbeat: 1
        })
    );
    let err = RawNode::new_fresh(&Config::new(0), &[1], &[]).unwrap_err();
    assert_eq!(err, Error::Config(ConfigError::ZeroId));
}

#[test]
fn storage_whose_hard_state_commits_beyond_its_log() {
    let mut s = MemoryStorage::new_with_conf_state(ConfState {
        voters: vec![1],
        ..Default::default()
    });
    s.set_hard_state(HardState {
        term: 1,
        vote: 1,
        commit: 5,
    });
    assert!(matches!(
        RawNode::new(&Config::new(1), s),
        Err(Error::CorruptState(_))
    ));
}

#[test]
fn storage_with_an_impossible_configuration() {
    let s = MemoryStorage::new_with_conf_state(ConfState {
        voters: vec![1],
        learners: vec![1],
        ..Default::default()
    });
    assert!(matches!(
        RawNode::new(&Config::new(1), s),
        Err(Error::CorruptState(_))
    ));
}

/// A storage whose every read fails.
struct BrokenStorage;

impl Storage for BrokenStorage {
    fn initial_state(&self) -> Result<RaftState, StorageError> {
        Err(StorageError::Other("disk on fire".into()))
    }
    fn entries(&self, _: u64, _: u64, _: u64) -> Result<Vec<Entry>, StorageError> {
        Err(StorageError::Other("disk on fire".into()))
    }
    fn term(&self, _: u64) -> Result<u64, StorageError> {
        Err(StorageError::Other("disk on fire".into()))
    }
    fn first_index(&self) -> Result<u64, StorageError> {
        Err(StorageError::Other("disk on fire".into()))
    }
    fn last_index(&self) -> Result<u64, StorageError> {
        Err(StorageError::Other("disk on fire".into()))
    }
    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        Err(StorageError::Other("disk on fire".into()))
    }
}

#[test]
fn failing_storage_is_an_error() {
    let err = RawNode::new(&Config::new(1), BrokenStorage).unwrap_err();
    assert!(
        matches!(err, Error::Storage(StorageError::Other(_))),
        "{err:?}"
    );
}

#[test]
fn invalid_conf_change_at_apply_time_changes_nothing() {
    let mut n = leader();
    let before = fingerprint(&n);
    // Leaving a joint configuration that does not exist.
    let err = n.apply_conf_change(&ConfChangeV2::default()).unwrap_err();
    assert!(matches!(err, Error::ConfChange(_)), "{err:?}");
    // Removing every voter at once.
    let cc = ConfChangeV2 {
        changes: vec![
            ConfChangeSingle::new(ConfChangeType::ConfChangeRemoveNode, 1),
            ConfChangeSingle::new(ConfChangeType::ConfChangeRemoveNode, 2),
            ConfChangeSingle::new(ConfChangeType::ConfChangeRemoveNode, 3),
        ],
        ..Default::default()
    };
    let err = n.apply_conf_change(&cc).unwrap_err();
    assert!(matches!(err, Error::ConfChange(_)), "{err:?}");
    let single = ConfChange {
        change_type: 77,
        node_id: 2,
        ..Default::default()
    };
    assert!(n.apply_conf_change(&single).is_err(), "unknown change type");
    assert_eq!(
        before.split('|').nth(2),
        fingerprint(&n).split('|').nth(2),
        "configuration unchanged"
    );
}

#[test]
fn proposal_without_leader_is_dropped() {
    let mut n = fresh(1, &[1, 2, 3]);
    let before = fingerprint(&n);
    assert_eq!(n.propose(b"x".to_vec()), Err(Error::ProposalDropped));
    assert_eq!(before, fingerprint(&n));
}

#[test]
fn memory_storage_misuse_is_an_error_and_changes_nothing() {
    let mut s = MemoryStorage::new();
    s.append(&[Entry {
        term: 1,
        index: 1,
        ..Default::default()
    }])
    .unwrap();
    let gap = [Entry {
        term: 1,
        index: 5,
        ..Default::default()
    }];
    assert!(s.append(&gap).is_err());
    assert!(s.compact(10).is_err());
    assert!(s.create_snapshot(10, None, Bytes::new()).is_err());
    assert_eq!(s.last_index().unwrap(), 1);
    assert_eq!(s.first_index().unwrap(), 1);
}

#[test]
fn proposal_or_read_request_carrying_a_term() {
    // Forwarded proposals travel without a term; one with a term would make etcd adopt it and
    // then drop the proposal.
    for t in [
        MessageType::MsgProp,
        MessageType::MsgReadIndex,
        MessageType::MsgForgetLeader,
    ] {
        let mut n = follower_with_commit();
        let mut m = msg(t, 2, 1, 50);
        m.entries = vec![Entry::default()];
        assert_refused(&mut n, m, invalid);
        assert_eq!(n.term(), 2);
    }
}

#[test]
fn message_claiming_to_come_from_this_node() {
    let mut n = follower_with_commit();
    assert_refused(&mut n, msg(MessageType::MsgHeartbeat, 1, 1, 2), invalid);
    assert_refused(&mut n, msg(MessageType::MsgHeartbeat, 0, 1, 2), invalid);
}

#[test]
fn the_largest_term_is_reserved() {
    let mut n = follower_with_commit();
    assert_refused(
        &mut n,
        msg(MessageType::MsgHeartbeat, 2, 1, u64::MAX),
        invalid,
    );
    // The term just below is accepted, but a node there can no longer campaign (its candidacy
    // would need the reserved term): it stays a follower instead of overflowing.
    let mut hb = msg(MessageType::MsgHeartbeat, 2, 1, u64::MAX - 1);
    hb.commit = 3;
    n.step(hb).unwrap();
    take_msgs(&mut n);
    for _ in 0..100 {
        n.tick();
    }
    assert_eq!(n.state(), StateRole::Follower);
    assert_eq!(n.term(), u64::MAX - 1);
}

#[test]
fn transfer_request_forwarded_twice_is_forwarded_not_fatal() {
    // Node 1 follows leader 2; a transfer request that node 3 already forwarded (so it carries
    // node 3's term) reaches node 1, which forwards it on under its own term.
    let mut n = follower_with_commit();
    let mut m = msg(MessageType::MsgTransferLeader, 3, 1, 2);
    m.from = 3;
    n.step(m).unwrap();
    let out = take_msgs(&mut n);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].to, out[0].term), (2, 2));
    assert_eq!(out[0].kind(), Some(MessageType::MsgTransferLeader));
}

#[test]
fn the_largest_index_is_reserved() {
    let mut n = follower_with_commit();
    let mut snap = msg(MessageType::MsgSnap, 2, 1, 3);
    snap.snapshot = Some(Box::new(Snapshot {
        data: Bytes::new(),
        metadata: Some(SnapshotMetadata {
            conf_state: Some(ConfState {
                voters: vec![1, 2],
                ..Default::default()
            }),
            index: u64::MAX,
            term: 3,
        }),
    }));
    assert_refused(&mut n, snap, invalid);
    let mut app = msg(MessageType::MsgApp, 2, 1, 2);
    app.index = u64::MAX - 1;
    app.log_term = 2;
    app.entries = vec![Entry {
        term: 2,
        index: u64::MAX,
        ..Default::default()
    }];
    assert_refused(&mut n, app, invalid);
}

#[test]
fn our_own_proposal_forwarded_back_to_us_is_accepted() {
    // Node 1 forwarded a proposal to node 2, which has since become a follower of node 1 and
    // forwards it back, sender unchanged (etcd keeps `from` when forwarding): not an impostor.
    let mut n = leader();
    let mut m = Message::of_type(MessageType::MsgProp);
    m.from = 1;
    m.to = 1;
    m.entries = vec![Entry {
        data: Bytes::from_static(b"mine"),
        ..Default::default()
    }];
    let before = n.last_index();
    n.step(m).unwrap();
    assert_eq!(n.last_index(), before + 1);
}
