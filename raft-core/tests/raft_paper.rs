//! The Raft paper's §5 rules, each checked through the public API. The list follows the
//! behaviours etcd's raft_paper_test.go covers; the tests are our own.

mod common;

use common::*;
use raft_core::pb::{Entry, Message, MessageType};
use raft_core::StateRole;

fn entries(pairs: &[(u64, u64)]) -> Vec<Entry> {
    pairs
        .iter()
        .map(|&(term, index)| Entry {
            term,
            index,
            ..Default::default()
        })
        .collect()
}

fn elect(net: &mut Network, id: u64) {
    net.campaign(id);
    assert_eq!(net.node(id).state(), StateRole::Leader);
}

// §5.1: a server that sees a higher term adopts it and becomes a follower, whatever its role.
#[test]
fn any_role_adopts_higher_term_and_follows() {
    for role in [StateRole::Follower, StateRole::Candidate, StateRole::Leader] {
        let mut n = fresh(1, &[1, 2, 3]);
        match role {
            StateRole::Follower => {}
            StateRole::Candidate => {
                n.campaign().unwrap();
            }
            _ => {
                n.campaign().unwrap();
                take_msgs(&mut n);
                n.step(msg(MessageType::MsgVoteResp, 2, 1, 1)).unwrap();
                assert_eq!(n.state(), StateRole::Leader);
            }
        }
        take_msgs(&mut n);
        let mut app = msg(MessageType::MsgApp, 2, 1, 5);
        app.index = 0;
        n.step(app).unwrap();
        assert_eq!(n.term(), 5, "{role:?} adopts the higher term");
        assert_eq!(n.state(), StateRole::Follower, "{role:?} becomes follower");
        assert_eq!(n.lead(), 2, "an append names its sender the leader");
    }
}

// §5.1: requests with a stale term are rejected (here: ignored without a reply).
#[test]
fn stale_term_requests_are_ignored() {
    let mut n = with_log(1, &[1, 2, 3], &[], 2, None);
    take_msgs(&mut n);
    let mut hb = msg(MessageType::MsgHeartbeat, 2, 1, 1);
    hb.commit = 0;
    n.step(hb).unwrap();
    assert_eq!(n.term(), 2);
    assert_eq!(n.lead(), 0, "a stale heartbeat does not name a leader");
    assert!(
        take_msgs(&mut n).is_empty(),
        "no reply without PreVote/CheckQuorum"
    );
}

// §5.2: servers start as followers.
#[test]
fn servers_start_as_followers() {
    let n = fresh(1, &[1, 2, 3]);
    assert_eq!(n.state(), StateRole::Follower);
    assert_eq!(n.term(), 0);
}

// §5.2: a leader sends heartbeats (no entries) to every follower each heartbeat interval.
#[test]
fn leader_broadcasts_heartbeats() {
    let mut net = Network::fresh(3);
    elect(&mut net, 1);
    let n = net.node_mut(1);
    n.tick();
    let mut hbs: Vec<Message> = take_msgs(n)
        .into_iter()
        .filter(|m| m.kind() == Some(MessageType::MsgHeartbeat))
        .collect();
    hbs.sort_by_key(|m| m.to);
    assert_eq!(hbs.iter().map(|m| m.to).collect::<Vec<_>>(), vec![2, 3]);
    for m in hbs {
        assert_eq!((m.term, m.index, m.log_term), (1, 0, 0));
        assert!(m.entries.is_empty());
        assert_eq!(m.commit, 1, "commit is min(match, committed)");
    }
}

// §5.2: a follower whose election timeout passes becomes candidate in a new term, votes for
// itself and asks every other server for its vote. A candidate that times out starts again.
#[test]
fn election_timeout_starts_an_election() {
    for already_candidate in [false, true] {
        let mut n = fresh(1, &[1, 2, 3]);
        if already_candidate {
            n.campaign().unwrap();
            take_msgs(&mut n);
        }
        let start_term = n.term();
        for _ in 0..20 {
            n.tick();
        }
        assert_eq!(n.state(), StateRole::Candidate);
        assert!(n.term() > start_term);
        assert_eq!(n.vote(), 1, "votes for itself");
        let mut votes: Vec<(u64, u64)> = take_msgs(&mut n)
            .into_iter()
            .filter(|m| m.kind() == Some(MessageType::MsgVote))
            .map(|m| (m.to, m.term))
            .collect();
        votes.sort();
        votes.dedup_by_key(|v| v.0);
        assert_eq!(votes.iter().map(|v| v.0).collect::<Vec<_>>(), vec![2, 3]);
        assert!(votes.iter().all(|v| v.1 == n.term()));
    }
}

// §5.2: a candidate wins with a majority, loses with a majority of rejections, and otherwise
// keeps waiting.
#[test]
fn election_outcome_in_one_round() {
    // (cluster size, votes received as (from, granted), resulting role)
    type Case<'a> = (u64, &'a [(u64, bool)], StateRole);
    let cases: &[Case] = &[
        (1, &[], StateRole::Leader),
        (3, &[(2, true), (3, true)], StateRole::Leader),
        (3, &[(2, true)], StateRole::Leader),
        (
            5,
            &[(2, true), (3, true), (4, true), (5, true)],
            StateRole::Leader,
        ),
        (5, &[(2, true), (3, true)], StateRole::Leader),
        (3, &[(2, false), (3, false)], StateRole::Follower),
        (
            5,
            &[(2, false), (3, false), (4, false)],
            StateRole::Follower,
        ),
        (3, &[], StateRole::Candidate),
        (5, &[(2, true)], StateRole::Candidate),
        (5, &[(2, false), (3, false)], StateRole::Candidate),
    ];
    for (size, votes, want) in cases {
        let ids: Vec<u64> = (1..=*size).collect();
        let mut n = fresh(1, &ids);
        n.campaign().unwrap();
        take_msgs(&mut n);
        for &(from, granted) in *votes {
            let mut m = msg(MessageType::MsgVoteResp, from, 1, n.term());
            m.reject = !granted;
            n.step(m).unwrap();
        }
        assert_eq!(n.state(), *want, "size {size} votes {votes:?}");
    }
}

// §5.2: each server votes for at most one candidate per term, first come first served.
#[test]
fn one_vote_per_term_first_come_first_served() {
    let mut n = fresh(1, &[1, 2, 3]);
    let vote = |from: u64| {
        let mut m = msg(MessageType::MsgVote, from, 1, 1);
        m.index = 0;
        m.log_term = 0;
        m
    };
    n.step(vote(2)).unwrap();
    let r = take_msgs(&mut n);
    assert_eq!(r.len(), 1);
    assert!(!r[0].reject, "first request in the term is granted");
    n.step(vote(3)).unwrap();
    let r = take_msgs(&mut n);
    assert!(
        r[0].reject,
        "a second candidate in the same term is refused"
    );
    n.step(vote(2)).unwrap();
    let r = take_msgs(&mut n);
    assert!(
        !r[0].reject,
        "the same candidate asking again is granted again"
    );
}

// §5.2: a candidate that hears from a leader of its own (or a newer) term steps down.
#[test]
fn candidate_falls_back_on_append_from_leader() {
    for term in [1, 2] {
        let mut n = fresh(1, &[1, 2, 3]);
        n.campaign().unwrap();
        take_msgs(&mut n);
        assert_eq!(n.term(), 1);
        n.step(msg(MessageType::MsgApp, 2, 1, term)).unwrap();
        assert_eq!(n.state(), StateRole::Follower);
        assert_eq!(n.term(), term);
        assert_eq!(n.lead(), 2);
    }
}

// §5.2: election timeouts are randomized in [et, 2et-1], so servers rarely time out together.
#[test]
fn election_timeouts_are_randomized_and_spread() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let mut cfg = config(1);
        cfg.seed = seed;
        let mut n = raft_core::RawNode::new_fresh(&cfg, &[1, 2, 3], &[]).unwrap();
        let mut ticks = 0;
        while n.state() == StateRole::Follower {
            n.tick();
            ticks += 1;
            assert!(ticks < 20, "timeout above 2*election_tick-1");
        }
        assert!(ticks >= 10, "timeout below election_tick");
        seen.insert(ticks);
    }
    assert!(
        seen.len() >= 8,
        "timeouts should spread over the range, saw {seen:?}"
    );
}

// §5.3: the leader appends a proposal to its log and sends it with the preceding index and term.
#[test]
fn leader_starts_replication() {
    let mut net = Network::fresh(3);
    elect(&mut net, 1);
    let n = net.node_mut(1);
    n.propose(b"some data".to_vec()).unwrap();
    let rd = n.ready().unwrap();
    assert_eq!(rd.entries.len(), 1, "the proposal is to be persisted");
    assert_eq!((rd.entries[0].term, rd.entries[0].index), (1, 2));
    let mut apps: Vec<&Message> = rd
        .messages
        .iter()
        .filter(|m| m.kind() == Some(MessageType::MsgApp))
        .collect();
    apps.sort_by_key(|m| m.to);
    assert_eq!(apps.len(), 2);
    for m in apps {
        assert_eq!((m.index, m.log_term, m.commit), (1, 1, 1));
        assert_eq!(m.entries[0].data.as_ref(), b"some data");
    }
    n.advance(rd).unwrap();
}

// §5.3: an entry is committed once a majority stored it, and later appends carry the commit.
#[test]
fn leader_commits_after_majority_and_tells_followers() {
    let mut net = Network::fresh(3);
    elect(&mut net, 1);
    net.isolate(3);
    net.propose(1, b"a");
    assert_eq!(net.node(1).committed(), 2, "1 and 2 form a majority");
    assert_eq!(
        net.node(2).committed(),
        2,
        "the follower learns the commit index"
    );
    assert_eq!(
        net.node(3).committed(),
        1,
        "the isolated node stops at the election entry"
    );
    assert_eq!(net.applied[&1], vec![b"a".to_vec()]);
    assert_eq!(net.applied[&2], vec![b"a".to_vec()]);
}

// §5.3: committing an entry commits everything before it, older terms included.
#[test]
fn commit_includes_preceding_entries() {
    let mut net = Network::new(vec![
        with_log(1, &[1, 2, 3], &[1, 2], 2, None),
        with_log(2, &[1, 2, 3], &[1, 2], 2, None),
        with_log(3, &[1, 2, 3], &[1], 2, None),
    ]);
    elect(&mut net, 1);
    assert_eq!(net.node(1).term(), 3);
    net.propose(1, b"x");
    assert_eq!(net.node(1).committed(), 4);
    assert_eq!(log_terms(net.node(3)), vec![1, 2, 3, 3]);
}

// §5.3: a follower rejects an append whose preceding entry it does not have, with a hint.
#[test]
fn follower_checks_preceding_entry() {
    let cases = [
        // (prev term, prev index, reject, hint)
        (0, 0, false, 0),
        (1, 1, false, 0),
        (2, 2, false, 0),
        (1, 2, true, 1),
        (3, 3, true, 2),
    ];
    for (log_term, index, reject, hint) in cases {
        let mut n = with_log(1, &[1, 2, 3], &[1, 2], 2, None);
        take_msgs(&mut n);
        let mut m = msg(MessageType::MsgApp, 2, 1, 2);
        m.log_term = log_term;
        m.index = index;
        n.step(m).unwrap();
        let resp = take_msgs(&mut n);
        assert_eq!(resp.len(), 1);
        assert_eq!(resp[0].reject, reject, "prev ({log_term},{index})");
        if reject {
            assert_eq!(resp[0].reject_hint, hint);
        }
    }
}

// §5.3: a follower deletes a conflicting suffix and appends the leader's entries.
#[test]
fn follower_replaces_conflicting_suffix() {
    let cases: Vec<(u64, u64, Vec<Entry>, Vec<u64>)> = vec![
        (2, 2, entries(&[(3, 3)]), vec![1, 2, 3]),
        (1, 1, entries(&[(3, 2), (4, 3)]), vec![1, 3, 4]),
        (0, 0, entries(&[(1, 1)]), vec![1, 2]),
        (0, 0, entries(&[(3, 1)]), vec![3]),
    ];
    for (log_term, index, ents, want) in cases {
        let mut n = with_log(1, &[1, 2, 3], &[1, 2], 2, None);
        take_msgs(&mut n);
        let mut m = msg(MessageType::MsgApp, 2, 1, 4);
        m.log_term = log_term;
        m.index = index;
        m.entries = ents;
        n.step(m).unwrap();
        take_msgs(&mut n);
        assert_eq!(log_terms(&n), want);
    }
}

// §5.3, Figure 7: a new leader brings every kind of divergent follower log in line with its own.
#[test]
fn leader_repairs_divergent_follower_logs() {
    let leader: &[u64] = &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: Vec<&[u64]> = vec![
        &[1, 1, 1, 4, 4, 5, 5, 6, 6],
        &[1, 1, 1, 4],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
        &[1, 1, 1, 4, 4, 4, 4],
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for f in followers {
        let mut net = Network::new(vec![
            with_log(1, &[1, 2, 3], leader, 8, None),
            with_log(2, &[1, 2, 3], f, 7, None),
            with_log(3, &[1, 2, 3], &[], 7, None),
        ]);
        // Node 3 (empty log) grants the vote; node 2 may refuse, a majority suffices.
        net.campaign(1);
        assert_eq!(net.node(1).state(), StateRole::Leader, "follower {f:?}");
        net.propose(1, b"sync");
        assert_eq!(
            log_terms(net.node(2)),
            log_terms(net.node(1)),
            "follower {f:?}"
        );
    }
}

// §5.4.1: vote requests carry the candidate's last log index and term.
#[test]
fn vote_request_carries_last_log_entry() {
    let mut n = with_log(1, &[1, 2, 3], &[1, 2], 2, None);
    take_msgs(&mut n);
    n.campaign().unwrap();
    let votes: Vec<Message> = take_msgs(&mut n)
        .into_iter()
        .filter(|m| m.kind() == Some(MessageType::MsgVote))
        .collect();
    assert_eq!(votes.len(), 2);
    for m in votes {
        assert_eq!((m.index, m.log_term, m.term), (2, 2, 3));
    }
}

// §5.4.1: a voter denies its vote to a candidate whose log is less up to date.
#[test]
fn voter_refuses_less_up_to_date_candidates() {
    // (voter log, candidate last term, candidate last index, reject)
    let cases: &[(&[u64], u64, u64, bool)] = &[
        (&[1, 1], 1, 2, false),
        (&[1, 1], 1, 3, false),
        (&[1, 1], 1, 1, true),
        (&[1, 1], 2, 1, false),
        (&[1, 2], 1, 5, true),
        (&[1, 2], 2, 2, false),
        (&[1, 2], 3, 1, false),
    ];
    for &(log, cand_term, cand_index, reject) in cases {
        let mut n = with_log(1, &[1, 2], log, 2, None);
        take_msgs(&mut n);
        let mut m = msg(MessageType::MsgVote, 2, 1, 3);
        m.log_term = cand_term;
        m.index = cand_index;
        n.step(m).unwrap();
        let resp = take_msgs(&mut n);
        assert_eq!(resp.len(), 1);
        assert_eq!(
            resp[0].reject, reject,
            "log {log:?} candidate ({cand_term},{cand_index})"
        );
    }
}

// §5.4.2: a leader only commits entries of its own term by counting replicas; older entries are
// committed indirectly.
#[test]
fn only_current_term_entries_commit_by_counting() {
    // Node 1 leads term 3 with a log of terms [1, 2] from earlier terms.
    let mut n = with_log(1, &[1, 2, 3], &[1, 2], 2, None);
    n.campaign().unwrap();
    take_msgs(&mut n);
    n.step(msg(MessageType::MsgVoteResp, 2, 1, 3)).unwrap();
    assert_eq!(n.state(), StateRole::Leader);
    take_msgs(&mut n);
    // A follower acknowledges index 2 (term 2): a majority holds it, but it is not of term 3.
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, 3);
    ack.index = 2;
    n.step(ack).unwrap();
    assert_eq!(
        n.committed(),
        0,
        "an older-term entry is not committed by counting"
    );
    // Once the term-3 entry (index 3) is on a majority, everything up to it commits.
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, 3);
    ack.index = 3;
    n.step(ack).unwrap();
    assert_eq!(n.committed(), 3);
}
