//! The Raft state machine: roles, terms, votes, the log, and the handling of every message.
//!
//! This module is the heart of the crate and follows etcd's `raft.go` message for message, so
//! that etcd's own scenario tests run against it unchanged. It is split by concern:
//!
//! * this file: the node's state, role transitions, ticks, and outgoing-message bookkeeping;
//! * [`election`]: `step` (term handling, votes) and campaigning;
//! * [`leader`]: replication, commit, heartbeats, reads and leader transfer on the leader;
//! * [`follower`]: the follower's and candidate's handlers, appends and snapshot restore;
//! * [`membership`]: applying configuration changes;
//! * [`validate`]: checks that turn etcd's panics on hostile input into errors *before* any
//!   state changes, so a rejected message leaves the node exactly as it was.
//!
//! Nothing here does I/O, reads a clock or touches global state.

mod election;
mod follower;
mod leader;
mod membership;
mod validate;

use std::fmt;

use bytes::Bytes;

use crate::confchange::{self, Changer};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::pb::{ConfState, Entry, HardState, Message, MessageType};
use crate::raft_log::RaftLog;
use crate::read_only::ReadOnly;
use crate::rng::Rng;
use crate::storage::Storage;
use crate::tracker::ProgressTracker;

/// The node id that means "no node" (no leader known, no vote cast).
pub const NONE: u64 = 0;

/// The role a node plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateRole {
    /// Follows a leader (or waits for one).
    #[default]
    Follower,
    /// Campaigns for leadership in a real election.
    Candidate,
    /// Leads the cluster.
    Leader,
    /// Runs a pre-vote round before campaigning (only with `pre_vote`).
    PreCandidate,
}

impl fmt::Display for StateRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateRole::Follower => "StateFollower",
            StateRole::Candidate => "StateCandidate",
            StateRole::Leader => "StateLeader",
            StateRole::PreCandidate => "StatePreCandidate",
        })
    }
}

/// Why an election is started. The transfer kind is sent as the vote context so that voters
/// bypass their leader lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CampaignType {
    PreElection,
    Election,
    Transfer,
}

/// The vote context that marks a campaign started by a leadership transfer.
pub(crate) const CAMPAIGN_TRANSFER: &[u8] = b"CampaignTransfer";

/// A read whose index is known (answered by the leader), handed to the host through `Ready`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadState {
    /// The commit index at which the read may be served once applied.
    pub index: u64,
    /// The context the host passed to `read_index`.
    pub request_ctx: Bytes,
}

/// Why the leader replaced a proposed configuration change with an empty entry. etcd does this
/// silently; we keep etcd's log but report the reason (see `RawNode::conf_change_refusal`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfChangeRefusalReason {
    /// Another change may still be unapplied: the latest one is at `pending_index` and the
    /// leader has applied only up to `applied`. (A new leader counts its whole log as pending
    /// until its first entry of the term is applied.)
    Pending {
        /// An index at or above the latest configuration change in the log.
        pending_index: u64,
        /// The leader's applied index.
        applied: u64,
    },
    /// The configuration is joint; the only change allowed is the empty one that leaves it.
    MustLeaveJointFirst,
    /// An empty change (leave joint) was proposed, but the configuration is not joint.
    NotInJoint,
}

impl fmt::Display for ConfChangeRefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfChangeRefusalReason::Pending {
                pending_index,
                applied,
            } => write!(
                f,
                "possible unapplied conf change at index {pending_index} (applied to {applied})"
            ),
            ConfChangeRefusalReason::MustLeaveJointFirst => {
                f.write_str("must transition out of joint config first")
            }
            ConfChangeRefusalReason::NotInJoint => {
                f.write_str("not in joint state; refusing empty conf change")
            }
        }
    }
}

/// A configuration change the leader refused, and where its empty replacement went in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfChangeRefusal {
    /// The log index of the empty entry that took the change's place.
    pub index: u64,
    /// Why the change was refused.
    pub reason: ConfChangeRefusalReason,
}

/// The Raft state machine of one node.
pub(crate) struct Raft<S: Storage> {
    pub(crate) id: u64,
    /// The current term. Never decreases.
    pub(crate) term: u64,
    /// Whom this node voted for in `term` ([`NONE`] if nobody). Set at most once per term.
    pub(crate) vote: u64,
    pub(crate) read_states: Vec<ReadState>,
    pub(crate) raft_log: RaftLog<S>,
    max_msg_size: u64,
    max_uncommitted_size: u64,
    pub(crate) trk: ProgressTracker,
    pub(crate) state: StateRole,
    /// Whether this node is a learner in its own configuration.
    is_learner: bool,
    /// Messages to send once the current `Ready` is persisted.
    pub(crate) msgs: Vec<Message>,
    /// Messages that may only be sent (or, if addressed to this node, stepped) after the unstable
    /// state they depend on is durable: append acks and votes.
    pub(crate) msgs_after_append: Vec<Message>,
    /// The leader of `term`, or [`NONE`].
    pub(crate) lead: u64,
    /// The target of an ongoing leadership transfer, or [`NONE`].
    pub(crate) lead_transferee: u64,
    /// An index at or above the latest configuration change in the log. Another change may only
    /// be proposed once the applied index reaches it.
    pub(crate) pending_conf_index: u64,
    disable_conf_change_validation: bool,
    /// The most recent configuration change proposed on this node that the leader refused.
    pub(crate) conf_change_refusal: Option<ConfChangeRefusal>,
    /// Payload bytes of the leader's uncommitted tail (an estimate that never overestimates).
    uncommitted_size: u64,
    pub(crate) read_only: ReadOnly,
    /// Ticks since the last election timeout (leader, candidate) or since the leader was last
    /// heard from (follower).
    pub(crate) election_elapsed: usize,
    /// Ticks since the last heartbeat round (leader only).
    heartbeat_elapsed: usize,
    pub(crate) check_quorum: bool,
    pub(crate) pre_vote: bool,
    heartbeat_timeout: usize,
    pub(crate) election_timeout: usize,
    /// Drawn from `[election_timeout, 2 * election_timeout - 1]` at every reset.
    randomized_election_timeout: usize,
    disable_proposal_forwarding: bool,
    step_down_on_removal: bool,
    /// Reads received before this leader committed an entry of its term.
    pending_read_index_messages: Vec<Message>,
    rng: Rng,
}

impl<S: Storage> Raft<S> {
    /// Builds a node from its configuration and the state in `storage`.
    pub(crate) fn new(c: &Config, storage: S) -> Result<Self> {
        c.validate()?;
        let initial = storage.initial_state()?;
        let raft_log = RaftLog::new(storage, c.effective_max_committed_size_per_ready())?;
        let mut r = Raft {
            id: c.id,
            term: 0,
            vote: NONE,
            read_states: Vec::new(),
            raft_log,
            max_msg_size: c.max_size_per_msg,
            max_uncommitted_size: c.effective_max_uncommitted_entries_size(),
            trk: ProgressTracker::new(c.max_inflight_msgs, c.effective_max_inflight_bytes()),
            state: StateRole::Follower,
            is_learner: false,
            msgs: Vec::new(),
            msgs_after_append: Vec::new(),
            lead: NONE,
            lead_transferee: NONE,
            pending_conf_index: 0,
            disable_conf_change_validation: c.disable_conf_change_validation,
            conf_change_refusal: None,
            uncommitted_size: 0,
            read_only: ReadOnly::new(c.read_only_option),
            election_elapsed: 0,
            heartbeat_elapsed: 0,
            check_quorum: c.check_quorum,
            pre_vote: c.pre_vote,
            heartbeat_timeout: c.heartbeat_tick,
            election_timeout: c.election_tick,
            randomized_election_timeout: c.election_tick,
            disable_proposal_forwarding: c.disable_proposal_forwarding,
            step_down_on_removal: c.step_down_on_removal,
            pending_read_index_messages: Vec::new(),
            rng: Rng::new(c.seed),
        };

        let last = r.raft_log.last_entry_id();
        let (cfg, progress) = restore_conf_state(&r.trk, last.index, &initial.conf_state)
            .map_err(|e| Error::CorruptState(format!("cannot restore configuration: {e}")))?;
        let cs = r.switch_to_config(cfg, progress);
        debug_assert!(
            conf_states_equivalent(&cs, &initial.conf_state),
            "restored configuration differs from storage"
        );

        if !initial.hard_state.is_empty() {
            r.load_state(&initial.hard_state)?;
        }
        if c.applied > 0 {
            if c.applied > r.raft_log.committed() {
                return Err(Error::CorruptState(format!(
                    "config.applied {} is beyond the committed index {}",
                    c.applied,
                    r.raft_log.committed()
                )));
            }
            r.raft_log.applied_to(c.applied, 0)?;
        }
        r.become_follower(r.term, NONE);
        Ok(r)
    }

    fn load_state(&mut self, hs: &HardState) -> Result<()> {
        let committed = self.raft_log.committed();
        let last = self.raft_log.last_index();
        if hs.commit < committed || hs.commit > last {
            return Err(Error::CorruptState(format!(
                "hard state commit {} is out of range [{committed}, {last}]",
                hs.commit
            )));
        }
        self.raft_log.commit_to(hs.commit)?;
        self.term = hs.term;
        self.vote = hs.vote;
        Ok(())
    }

    pub(crate) fn soft_state(&self) -> crate::raw_node::SoftState {
        crate::raw_node::SoftState {
            lead: self.lead,
            raft_state: self.state,
        }
    }

    pub(crate) fn hard_state(&self) -> HardState {
        HardState {
            term: self.term,
            vote: self.vote,
            commit: self.raft_log.committed(),
        }
    }

    /// Queues `m` for sending, filling in `from` and the term the way Raft requires: vote
    /// messages carry the term they were built with, proposals and read requests carry none
    /// (they are forwarded like local messages), everything else carries the current term.
    /// Append acks and vote responses wait until the state they acknowledge is durable.
    pub(crate) fn send(&mut self, mut m: Message) {
        if m.from == NONE {
            m.from = self.id;
        }
        let ty = m.kind();
        match ty {
            Some(
                MessageType::MsgVote
                | MessageType::MsgVoteResp
                | MessageType::MsgPreVote
                | MessageType::MsgPreVoteResp,
            ) => {
                debug_assert!(m.term != 0, "term must be set when sending {ty:?}");
            }
            _ => {
                debug_assert!(m.term == 0, "term must not be set when sending {ty:?}");
                if !matches!(ty, Some(MessageType::MsgProp | MessageType::MsgReadIndex)) {
                    m.term = self.term;
                }
            }
        }
        if matches!(
            ty,
            Some(MessageType::MsgAppResp | MessageType::MsgVoteResp | MessageType::MsgPreVoteResp)
        ) {
            self.msgs_after_append.push(m);
        } else {
            debug_assert!(m.to != self.id, "message to self: {ty:?}");
            self.msgs.push(m);
        }
    }

    fn reset(&mut self, term: u64) {
        if self.term != term {
            self.term = term;
            self.vote = NONE;
        }
        self.lead = NONE;
        self.election_elapsed = 0;
        self.heartbeat_elapsed = 0;
        self.reset_randomized_election_timeout();
        self.abort_leader_transfer();
        self.trk.reset_votes();
        let last_index = self.raft_log.last_index();
        let (max_inflight, max_bytes) = (self.trk.max_inflight(), self.trk.max_inflight_bytes());
        let id = self.id;
        for (&pid, pr) in self.trk.progress.iter_mut() {
            let is_learner = pr.is_learner;
            *pr = crate::tracker::Progress::new(last_index + 1, max_inflight, max_bytes);
            pr.is_learner = is_learner;
            if pid == id {
                pr.matched = last_index;
            }
        }
        self.pending_conf_index = 0;
        self.uncommitted_size = 0;
        self.read_only = ReadOnly::new(self.read_only.option);
    }

    pub(crate) fn become_follower(&mut self, term: u64, lead: u64) {
        self.reset(term);
        self.lead = lead;
        self.state = StateRole::Follower;
    }

    pub(crate) fn become_candidate(&mut self) {
        debug_assert!(self.state != StateRole::Leader, "leader -> candidate");
        self.reset(self.term + 1);
        self.vote = self.id;
        self.state = StateRole::Candidate;
    }

    pub(crate) fn become_pre_candidate(&mut self) {
        debug_assert!(self.state != StateRole::Leader, "leader -> pre-candidate");
        // A pre-candidate changes neither its term nor its vote: that is the point of pre-vote.
        self.trk.reset_votes();
        self.lead = NONE;
        self.state = StateRole::PreCandidate;
    }

    pub(crate) fn become_leader(&mut self) {
        debug_assert!(self.state != StateRole::Follower, "follower -> leader");
        self.reset(self.term);
        self.lead = self.id;
        self.state = StateRole::Leader;
        if let Some(pr) = self.trk.progress.get_mut(&self.id) {
            // The leader trivially replicates to itself, and is always recently active.
            pr.become_replicate();
            pr.recent_active = true;
        }
        // There may be a configuration change anywhere in the uncommitted tail; rather than scan
        // for it, wait until everything up to the current last index is applied.
        self.pending_conf_index = self.raft_log.last_index();
        // An empty entry of the new term lets the leader commit everything before it (§5.4.2).
        let accepted = self.append_entry(vec![Entry::default()]);
        debug_assert!(accepted, "the empty entry is never refused");
    }

    /// Appends entries proposed to this leader, assigning term and index. Returns false (and
    /// appends nothing) when they would exceed the uncommitted-size limit.
    pub(crate) fn append_entry(&mut self, mut es: Vec<Entry>) -> bool {
        let li = self.raft_log.last_index();
        for (i, e) in es.iter_mut().enumerate() {
            e.term = self.term;
            e.index = li + 1 + i as u64;
        }
        if !self.increase_uncommitted_size(&es) {
            return false;
        }
        let li = match self.raft_log.append_owned(es) {
            Ok(li) => li,
            Err(_) => {
                // Appending at the leader's own last index cannot conflict with its commit.
                debug_assert!(false, "leader append failed");
                return false;
            }
        };
        // The leader acknowledges its own entries once they are durable, like any follower.
        let mut ack = Message::of_type(MessageType::MsgAppResp);
        ack.to = self.id;
        ack.index = li;
        self.send(ack);
        true
    }

    pub(crate) fn tick(&mut self) {
        match self.state {
            StateRole::Leader => self.tick_heartbeat(),
            _ => self.tick_election(),
        }
    }

    fn tick_election(&mut self) {
        self.election_elapsed += 1;
        if self.promotable() && self.past_election_timeout() {
            self.election_elapsed = 0;
            let mut m = Message::of_type(MessageType::MsgHup);
            m.from = self.id;
            // Local messages cannot fail validation.
            let _ = self.step(m);
        }
    }

    fn tick_heartbeat(&mut self) {
        self.heartbeat_elapsed += 1;
        self.election_elapsed += 1;
        if self.election_elapsed >= self.election_timeout {
            self.election_elapsed = 0;
            if self.check_quorum {
                let mut m = Message::of_type(MessageType::MsgCheckQuorum);
                m.from = self.id;
                let _ = self.step(m);
            }
            // A transfer that has not finished within an election timeout is abandoned.
            if self.state == StateRole::Leader && self.lead_transferee != NONE {
                self.abort_leader_transfer();
            }
        }
        if self.state != StateRole::Leader {
            return;
        }
        if self.heartbeat_elapsed >= self.heartbeat_timeout {
            self.heartbeat_elapsed = 0;
            let mut m = Message::of_type(MessageType::MsgBeat);
            m.from = self.id;
            let _ = self.step(m);
        }
    }

    pub(crate) fn past_election_timeout(&self) -> bool {
        self.election_elapsed >= self.randomized_election_timeout
    }

    fn reset_randomized_election_timeout(&mut self) {
        self.randomized_election_timeout =
            self.election_timeout + self.rng.below(self.election_timeout);
    }

    /// Pins the randomized election timeout (tests and etcd's scenario harness).
    pub(crate) fn set_randomized_election_timeout(&mut self, timeout: usize) {
        self.randomized_election_timeout = timeout;
    }

    pub(crate) fn abort_leader_transfer(&mut self) {
        self.lead_transferee = NONE;
    }

    /// Whether this node may campaign: it is a voter in its configuration and is not waiting
    /// for a snapshot to be persisted.
    pub(crate) fn promotable(&self) -> bool {
        self.trk
            .progress
            .get(&self.id)
            .is_some_and(|pr| !pr.is_learner)
            && !self.raft_log.has_next_or_in_progress_snapshot()
    }

    /// Advances the applied index and, on a leader whose joint configuration is now applied,
    /// proposes leaving it (auto-leave). The proposal is retried on every later apply until it
    /// is accepted, so a leadership transfer in progress only delays it.
    pub(crate) fn applied_to(&mut self, index: u64, size: u64) -> Result<()> {
        let new_applied = index.max(self.raft_log.applied());
        self.raft_log.applied_to(new_applied, size)?;
        if self.trk.config.auto_leave
            && new_applied >= self.pending_conf_index
            && self.state == StateRole::Leader
        {
            let mut m = Message::of_type(MessageType::MsgProp);
            m.entries = vec![Entry {
                entry_type: crate::pb::EntryType::EntryConfChangeV2 as i32,
                ..Default::default()
            }];
            // A refusal (transfer in progress) is retried on the next apply.
            let _ = self.step(m);
        }
        Ok(())
    }

    pub(crate) fn applied_snap(&mut self, index: u64) -> Result<()> {
        self.raft_log.stable_snap_to(index);
        self.applied_to(index, 0)
    }

    fn increase_uncommitted_size(&mut self, es: &[Entry]) -> bool {
        let s: u64 = es.iter().map(|e| e.data.len() as u64).sum();
        // An empty tail accepts any proposal, and empty payloads are always accepted (the new
        // leader's entry, auto-leave) so that progress can never be blocked by the limit.
        if self.uncommitted_size > 0
            && s > 0
            && self.uncommitted_size.saturating_add(s) > self.max_uncommitted_size
        {
            return false;
        }
        self.uncommitted_size += s;
        true
    }

    pub(crate) fn reduce_uncommitted_size(&mut self, s: u64) {
        self.uncommitted_size = self.uncommitted_size.saturating_sub(s);
    }

    pub(crate) fn committed_entry_in_current_term(&self) -> bool {
        let committed = self.raft_log.committed();
        let t = self.raft_log.term(committed).unwrap_or(0);
        t == self.term
    }

    pub(crate) fn is_learner(&self) -> bool {
        self.is_learner
    }

    pub(crate) fn max_msg_size(&self) -> u64 {
        self.max_msg_size
    }
}

/// Turns a `ConfState` into a tracker configuration, refusing one that cannot be restored or that
/// restore would only reach by reinterpreting it (an id listed both as voter and learner, a
/// learner_next that is not an outgoing voter, …: etcd panics on these after restoring).
pub(crate) fn restore_conf_state(
    template: &ProgressTracker,
    last_index: u64,
    cs: &ConfState,
) -> std::result::Result<(crate::tracker::TrackerConfig, crate::tracker::ProgressMap), String> {
    let fresh = ProgressTracker::new(template.max_inflight(), template.max_inflight_bytes());
    let (cfg, progress) = confchange::restore(
        Changer {
            tracker: &fresh,
            last_index,
        },
        cs,
    )
    .map_err(|e| e.to_string())?;
    let mut check = fresh;
    check.config = cfg;
    let restored = check.conf_state();
    if !conf_states_equivalent(&restored, cs) {
        return Err(format!(
            "configuration {cs:?} is not self-consistent (it restores as {restored:?})"
        ));
    }
    Ok((check.config, progress))
}

/// Whether two configurations have the same members in the same roles, ignoring order.
pub(crate) fn conf_states_equivalent(a: &ConfState, b: &ConfState) -> bool {
    fn sorted(v: &[u64]) -> Vec<u64> {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    }
    sorted(&a.voters) == sorted(&b.voters)
        && sorted(&a.learners) == sorted(&b.learners)
        && sorted(&a.voters_outgoing) == sorted(&b.voters_outgoing)
        && sorted(&a.learners_next) == sorted(&b.learners_next)
        && a.auto_leave == b.auto_leave
}
