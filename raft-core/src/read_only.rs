//! Bookkeeping for linearizable reads (`ReadIndex`, Raft thesis §6.4).
//!
//! A leader answers a read at its current commit index only after a quorum has confirmed it is
//! still the leader. Requests are numbered in arrival order; each heartbeat round carries, as an
//! 8-byte little-endian context, the number of the newest request it confirms. A follower echoes
//! the context, and once a quorum has echoed number `n`, requests `1..=n` are confirmed. This is
//! etcd v3.7's scheme: a retried or duplicated request context can no longer confirm a newer
//! read by accident (the stale-read bug fixed upstream in 2026).

use std::collections::{BTreeMap, VecDeque};

use crate::config::ReadOnlyOption;
use crate::pb::Message;
use crate::quorum::{AckedIndexer, JointConfig};

/// A read request waiting for leadership confirmation, with the commit index it will read at.
#[derive(Clone, Debug)]
pub(crate) struct ReadIndexRequest {
    pub(crate) req: Message,
    pub(crate) index: u64,
}

/// The leader's queue of reads awaiting confirmation.
#[derive(Clone, Debug)]
pub(crate) struct ReadOnly {
    pub(crate) option: ReadOnlyOption,
    /// The highest request number each voter has echoed.
    acks: BTreeMap<u64, u64>,
    /// Requests not yet confirmed, oldest first. Request number of the front one is
    /// `confirmed_reads + 1`.
    unconfirmed: VecDeque<ReadIndexRequest>,
    /// How many requests have been confirmed since this leader term began.
    confirmed_reads: u64,
}

struct Acks<'a>(&'a BTreeMap<u64, u64>);

impl AckedIndexer for Acks<'_> {
    fn acked_index(&self, voter_id: u64) -> Option<u64> {
        self.0.get(&voter_id).copied()
    }
}

impl ReadOnly {
    pub(crate) fn new(option: ReadOnlyOption) -> Self {
        ReadOnly {
            option,
            acks: BTreeMap::new(),
            unconfirmed: VecDeque::new(),
            confirmed_reads: 0,
        }
    }

    /// Queues a request to be answered at `commit_index` once confirmed.
    pub(crate) fn add_request(&mut self, commit_index: u64, req: Message) {
        self.unconfirmed.push_back(ReadIndexRequest {
            req,
            index: commit_index,
        });
    }

    /// Records that `from` echoed heartbeat context `ctx`. Contexts that are not 8 bytes long are
    /// not ours and are ignored.
    pub(crate) fn recv_ack(&mut self, from: u64, ctx: &[u8]) {
        let Ok(bytes) = <[u8; 8]>::try_from(ctx) else {
            return;
        };
        let seq = u64::from_le_bytes(bytes);
        let entry = self.acks.entry(from).or_insert(0);
        *entry = (*entry).max(seq);
    }

    /// Pops every request a quorum of `voters` has now confirmed, oldest first.
    pub(crate) fn maybe_advance(&mut self, voters: &JointConfig) -> Vec<ReadIndexRequest> {
        let confirmed = voters.committed_index(&Acks(&self.acks));
        if confirmed <= self.confirmed_reads {
            return Vec::new();
        }
        // A hostile or confused follower may echo a number we never sent; never pop more than
        // we hold.
        let newly = (confirmed - self.confirmed_reads).min(self.unconfirmed.len() as u64);
        self.confirmed_reads += newly;
        self.unconfirmed.drain(..newly as usize).collect()
    }

    /// The context for the next heartbeat round: the number of the newest pending request, or
    /// nothing when no read is pending.
    pub(crate) fn heartbeat_ctx(&self) -> Option<[u8; 8]> {
        if self.unconfirmed.is_empty() {
            return None;
        }
        let newest = self.confirmed_reads + self.unconfirmed.len() as u64;
        Some(newest.to_le_bytes())
    }

    /// How many requests are waiting.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.unconfirmed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quorum::MajorityConfig;

    fn voters(ids: &[u64]) -> JointConfig {
        let mut incoming = MajorityConfig::default();
        for id in ids {
            incoming.insert(*id);
        }
        JointConfig {
            incoming,
            outgoing: MajorityConfig::default(),
        }
    }

    fn req(tag: u8) -> Message {
        Message {
            context: vec![tag].into(),
            ..Default::default()
        }
    }

    #[test]
    fn confirms_in_order_once_a_quorum_echoes() {
        let cfg = voters(&[1, 2, 3]);
        let mut ro = ReadOnly::new(ReadOnlyOption::Safe);
        ro.add_request(5, req(1));
        ro.add_request(6, req(2));
        let ctx = ro.heartbeat_ctx().unwrap();
        assert_eq!(u64::from_le_bytes(ctx), 2);
        ro.recv_ack(1, &ctx);
        assert!(
            ro.maybe_advance(&cfg).is_empty(),
            "one ack of three is not a quorum"
        );
        ro.recv_ack(2, &ctx);
        let done = ro.maybe_advance(&cfg);
        assert_eq!(done.iter().map(|r| r.index).collect::<Vec<_>>(), vec![5, 6]);
        assert_eq!(ro.pending(), 0);
        assert!(ro.heartbeat_ctx().is_none());
    }

    #[test]
    fn old_echo_does_not_confirm_newer_reads() {
        let cfg = voters(&[1, 2, 3]);
        let mut ro = ReadOnly::new(ReadOnlyOption::Safe);
        ro.add_request(5, req(1));
        let first = ro.heartbeat_ctx().unwrap();
        ro.add_request(7, req(2));
        ro.recv_ack(1, &first);
        ro.recv_ack(2, &first);
        let done = ro.maybe_advance(&cfg);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].index, 5);
        assert_eq!(ro.pending(), 1);
    }

    #[test]
    fn bogus_contexts_are_harmless() {
        let cfg = voters(&[1, 2, 3]);
        let mut ro = ReadOnly::new(ReadOnlyOption::Safe);
        ro.add_request(5, req(1));
        ro.recv_ack(1, b"short");
        ro.recv_ack(2, &u64::MAX.to_le_bytes());
        ro.recv_ack(3, &u64::MAX.to_le_bytes());
        let done = ro.maybe_advance(&cfg);
        assert_eq!(done.len(), 1, "never pops more than it holds");
        assert!(ro.maybe_advance(&cfg).is_empty());
    }
}
