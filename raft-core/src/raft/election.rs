//! The entry point for every message (`step`): term handling, votes, and elections.

use super::{CampaignType, Raft, StateRole, CAMPAIGN_TRANSFER, NONE};
use crate::error::Result;
use crate::pb::{EntryType, Message, MessageType};
use crate::quorum::VoteResult;
use crate::raft_log::EntryId;
use crate::storage::Storage;

/// The response type that answers a vote request of type `t`.
fn vote_resp_type(t: MessageType) -> MessageType {
    match t {
        MessageType::MsgPreVote => MessageType::MsgPreVoteResp,
        _ => MessageType::MsgVoteResp,
    }
}

impl<S: Storage> Raft<S> {
    /// Advances the state machine with one message.
    ///
    /// The message is first checked against everything that etcd would panic on (see
    /// `validate`); a message that fails is refused with an error and changes nothing. The rest
    /// follows etcd: messages from a higher term make this node a follower first (except for the
    /// pre-vote cases), messages from a lower term are ignored or answered with a nudge, and
    /// messages of the current term go to the role's handler.
    pub(crate) fn step(&mut self, m: Message) -> Result<()> {
        let Some(ty) = m.kind() else {
            return Err(self.invalid(&m, "unknown message type"));
        };
        self.validate(&m, ty)?;

        if m.term == 0 {
            // Local message (or a proposal / read request, which carry no term).
        } else if m.term > self.term {
            if matches!(ty, MessageType::MsgVote | MessageType::MsgPreVote) {
                let force = m.context.as_ref() == CAMPAIGN_TRANSFER;
                let in_lease = self.check_quorum
                    && self.lead != NONE
                    && self.election_elapsed < self.election_timeout;
                if !force && in_lease {
                    // We heard from a leader within the minimum election timeout: don't let
                    // this candidate disrupt it (thesis §4.2.3).
                    return Ok(());
                }
            }
            match ty {
                // Pre-votes never change our term.
                MessageType::MsgPreVote => {}
                // A granted pre-vote carries the future term we asked about; our term moves
                // only when we win the pre-vote and campaign for real.
                MessageType::MsgPreVoteResp if !m.reject => {}
                MessageType::MsgApp | MessageType::MsgHeartbeat | MessageType::MsgSnap => {
                    self.become_follower(m.term, m.from);
                }
                _ => self.become_follower(m.term, NONE),
            }
        } else if m.term < self.term {
            self.step_lower_term(m, ty)?;
            return Ok(());
        }

        match ty {
            MessageType::MsgHup => {
                let t = if self.pre_vote {
                    CampaignType::PreElection
                } else {
                    CampaignType::Election
                };
                self.hup(t);
            }
            MessageType::MsgStorageAppendResp => {
                if m.index != 0 {
                    self.raft_log.stable_to(EntryId {
                        term: m.log_term,
                        index: m.index,
                    });
                }
                if let Some(snap) = &m.snapshot {
                    self.applied_snap(snap.index())?;
                }
            }
            MessageType::MsgStorageApplyResp => {
                if let Some(last) = m.entries.last() {
                    let index = last.index;
                    let size = m
                        .entries
                        .iter()
                        .map(|e| prost::Message::encoded_len(e) as u64)
                        .sum();
                    let payload: u64 = m.entries.iter().map(|e| e.data.len() as u64).sum();
                    self.applied_to(index, size)?;
                    self.reduce_uncommitted_size(payload);
                }
            }
            MessageType::MsgVote | MessageType::MsgPreVote => self.handle_vote_request(&m, ty),
            _ => match self.state {
                StateRole::Leader => self.step_leader(m, ty)?,
                StateRole::Candidate | StateRole::PreCandidate => self.step_candidate(m, ty)?,
                StateRole::Follower => self.step_follower(m, ty)?,
            },
        }
        Ok(())
    }

    /// Messages from an older term: mostly ignored, but a stale leader is told about the newer
    /// term so it steps down, and a lagging pre-candidate gets an explicit rejection.
    fn step_lower_term(&mut self, m: Message, ty: MessageType) -> Result<()> {
        if (self.check_quorum || self.pre_vote)
            && matches!(ty, MessageType::MsgHeartbeat | MessageType::MsgApp)
        {
            // With CheckQuorum or PreVote this node may have moved to a higher term while
            // partitioned and will not disrupt the leader through votes; an empty MsgAppResp at
            // our term is how the old leader learns it must step down.
            let mut resp = Message::of_type(MessageType::MsgAppResp);
            resp.to = m.from;
            self.send(resp);
        } else if ty == MessageType::MsgPreVote {
            // Without this rejection, a cluster upgraded to pre-vote could deadlock behind a
            // candidate with a higher term but a shorter log.
            let mut resp = Message::of_type(MessageType::MsgPreVoteResp);
            resp.to = m.from;
            resp.term = self.term;
            resp.reject = true;
            self.send(resp);
        } else if ty == MessageType::MsgStorageAppendResp {
            // Appends acknowledged under an older term may have been overwritten since; only the
            // snapshot part (committed, term-independent state) still counts.
            if let Some(snap) = &m.snapshot {
                self.applied_snap(snap.index())?;
            }
        }
        Ok(())
    }

    fn handle_vote_request(&mut self, m: &Message, ty: MessageType) {
        // We can vote if this repeats a vote we cast, or we have not voted and know no leader in
        // this term, or it is a pre-vote for a future term...
        let can_vote = self.vote == m.from
            || (self.vote == NONE && self.lead == NONE)
            || (ty == MessageType::MsgPreVote && m.term > self.term);
        #[cfg(feature = "bug-injection")]
        let can_vote = can_vote
            // Injected bug: a second vote in a term in which this node already voted.
            || (ty == MessageType::MsgVote
                && crate::sim::bugs::active(crate::sim::bugs::Bug::DoubleVote));
        // ...and the candidate's log is at least as up to date as ours (§5.4.1).
        let cand = EntryId {
            term: m.log_term,
            index: m.index,
        };
        let mut resp = Message::of_type(vote_resp_type(ty));
        resp.to = m.from;
        if can_vote && self.raft_log.is_up_to_date(cand) {
            // Learners vote too: a learner may have been promoted without knowing it yet, and
            // the new configuration may need its vote (etcd's campaign_learner_must_vote).
            // The response carries the request's term, which for a pre-vote is in our future;
            // carrying our own (older) term would make the candidate ignore it.
            resp.term = m.term;
            self.send(resp);
            if ty == MessageType::MsgVote {
                self.election_elapsed = 0;
                self.vote = m.from;
            }
        } else {
            resp.term = self.term;
            resp.reject = true;
            self.send(resp);
        }
    }

    /// Starts an election if this node may.
    pub(crate) fn hup(&mut self, t: CampaignType) {
        if self.state == StateRole::Leader {
            return;
        }
        if !self.promotable() {
            return;
        }
        if self.term >= u64::MAX - 1 {
            // A campaign would need term u64::MAX, which no node may use (see RawNode::step).
            return;
        }
        if self.has_unapplied_conf_changes() {
            // Campaigning with a configuration that is about to change could elect a leader the
            // new configuration would not accept.
            return;
        }
        self.campaign(t);
    }

    /// Whether a committed but not yet applied entry is a configuration change. Scans in pages so
    /// a long unapplied tail does not load into memory at once. A storage error during the scan
    /// is treated as "maybe": refusing to campaign is the safe answer.
    fn has_unapplied_conf_changes(&self) -> bool {
        let applied = self.raft_log.applied();
        let committed = self.raft_log.committed();
        if applied >= committed {
            return false;
        }
        let mut found = false;
        let page = self.raft_log.max_applying_ents_size();
        let res = self
            .raft_log
            .scan(applied + 1, committed + 1, page, |ents| {
                if ents.iter().any(|e| {
                    e.entry_type == EntryType::EntryConfChange as i32
                        || e.entry_type == EntryType::EntryConfChangeV2 as i32
                }) {
                    found = true;
                    return Err(crate::error::Error::Misuse("break".into()));
                }
                Ok(())
            });
        found || res.is_err()
    }

    /// Becomes (pre-)candidate and asks every voter for its vote. Our own vote is sent to
    /// ourselves through the after-append queue, so it counts only once it is durable.
    pub(crate) fn campaign(&mut self, t: CampaignType) {
        let (term, vote_msg) = if t == CampaignType::PreElection {
            self.become_pre_candidate();
            // Pre-votes are requested for the term we would campaign in.
            (self.term + 1, MessageType::MsgPreVote)
        } else {
            self.become_candidate();
            (self.term, MessageType::MsgVote)
        };
        let ids: Vec<u64> = self.trk.config.voters.ids().into_iter().collect();
        let last = self.raft_log.last_entry_id();
        for id in ids {
            if id == self.id {
                let mut m = Message::of_type(vote_resp_type(vote_msg));
                m.to = id;
                m.term = term;
                self.send(m);
                continue;
            }
            let mut m = Message::of_type(vote_msg);
            m.to = id;
            m.term = term;
            m.index = last.index;
            m.log_term = last.term;
            if t == CampaignType::Transfer {
                m.context = bytes::Bytes::from_static(CAMPAIGN_TRANSFER);
            }
            self.send(m);
        }
    }

    /// Records a vote and returns the tally.
    pub(crate) fn poll(&mut self, id: u64, granted: bool) -> (usize, usize, VoteResult) {
        self.trk.record_vote(id, granted);
        self.trk.tally_votes()
    }
}
