//! Followers and candidates: accepting appends, heartbeats and snapshots, forwarding requests
//! to the leader, and counting votes.

use super::{CampaignType, Raft, ReadState, StateRole, NONE};
use crate::error::{Error, Result};
use crate::pb::{Message, MessageType, Snapshot};
use crate::quorum::VoteResult;
use crate::raft_log::{EntryId, LogSlice};
use crate::storage::Storage;
use crate::tracker::ProgressTracker;

impl<S: Storage> Raft<S> {
    /// Shared by Candidate and PreCandidate; each counts only the vote responses of its own
    /// kind (a candidate may still receive stale pre-vote responses of this term).
    pub(crate) fn step_candidate(&mut self, m: Message, ty: MessageType) -> Result<()> {
        let my_vote_resp = if self.state == StateRole::PreCandidate {
            MessageType::MsgPreVoteResp
        } else {
            MessageType::MsgVoteResp
        };
        match ty {
            MessageType::MsgProp => return Err(Error::ProposalDropped),
            // A leader of our term exists (m.term == self.term here): follow it.
            MessageType::MsgApp => {
                self.become_follower(m.term, m.from);
                self.handle_append_entries(m)?;
            }
            MessageType::MsgHeartbeat => {
                self.become_follower(m.term, m.from);
                self.handle_heartbeat(m)?;
            }
            MessageType::MsgSnap => {
                self.become_follower(m.term, m.from);
                self.handle_snapshot(m)?;
            }
            t if t == my_vote_resp => {
                let (_, _, res) = self.poll(m.from, !m.reject);
                match res {
                    VoteResult::Won => {
                        if self.state == StateRole::PreCandidate {
                            self.campaign(CampaignType::Election);
                        } else {
                            self.become_leader();
                            self.bcast_append();
                        }
                    }
                    // A rejected pre-vote carries a future term; stay in ours.
                    VoteResult::Lost => self.become_follower(self.term, NONE),
                    VoteResult::Pending => {}
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn step_follower(&mut self, mut m: Message, ty: MessageType) -> Result<()> {
        match ty {
            MessageType::MsgProp => {
                if self.lead == NONE || self.disable_proposal_forwarding {
                    return Err(Error::ProposalDropped);
                }
                m.to = self.lead;
                self.send(m);
            }
            MessageType::MsgApp => {
                self.election_elapsed = 0;
                self.lead = m.from;
                self.handle_append_entries(m)?;
            }
            MessageType::MsgHeartbeat => {
                self.election_elapsed = 0;
                self.lead = m.from;
                self.handle_heartbeat(m)?;
            }
            MessageType::MsgSnap => {
                self.election_elapsed = 0;
                self.lead = m.from;
                self.handle_snapshot(m)?;
            }
            MessageType::MsgTransferLeader | MessageType::MsgReadIndex => {
                // Without a leader there is nobody to forward to; etcd drops these silently.
                if self.lead == NONE {
                    return Ok(());
                }
                // A transfer request forwarded once already carries the forwarder's term; we
                // forward it under ours (etcd asserts here and would crash on a double forward).
                m.term = 0;
                m.to = self.lead;
                self.send(m);
            }
            MessageType::MsgForgetLeader => {
                // Forgetting the leader would break the lease that lease-based reads rely on.
                if self.read_only.option == crate::config::ReadOnlyOption::LeaseBased {
                    return Ok(());
                }
                self.lead = NONE;
            }
            MessageType::MsgTimeoutNow => {
                // A transfer campaign skips pre-vote: we know the leader wants us to win.
                self.hup(CampaignType::Transfer);
            }
            MessageType::MsgReadIndexResp => {
                if m.entries.len() != 1 {
                    return Ok(());
                }
                let request_ctx = m.entries[0].data.clone();
                self.read_states.push(ReadState {
                    index: m.index,
                    request_ctx,
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn handle_append_entries(&mut self, m: Message) -> Result<()> {
        let committed = self.raft_log.committed();
        if m.index < committed {
            // Everything up to our commit index is already in place.
            let mut resp = Message::of_type(MessageType::MsgAppResp);
            resp.to = m.from;
            resp.index = committed;
            self.send(resp);
            return Ok(());
        }
        let (from, index, log_term, commit) = (m.from, m.index, m.log_term, m.commit);
        #[cfg(feature = "bug-injection")]
        let stale_tail = m.entries.last().cloned();
        let slice = LogSlice {
            term: m.term,
            prev: EntryId {
                term: log_term,
                index,
            },
            entries: m.entries,
        };
        if let Some(last_new) = self.raft_log.maybe_append(slice, commit)? {
            #[cfg(feature = "bug-injection")]
            if let Some(e) = stale_tail
                .filter(|_| crate::sim::bugs::active(crate::sim::bugs::Bug::TruncateOnStaleAppend))
            {
                // Injected bug: a stale MsgApp whose entries all match cuts off the log after
                // them (refused, harmlessly, when that would cut below our commit index).
                if last_new < self.raft_log.last_index() {
                    let _ = self.raft_log.append_owned(vec![e]);
                }
            }
            let mut resp = Message::of_type(MessageType::MsgAppResp);
            resp.to = from;
            resp.index = last_new;
            self.send(resp);
            return Ok(());
        }
        // Our log does not contain (index, log_term). Hint the largest (index, term) at which
        // the logs might match: the last entry at or below `index` whose term is at most
        // `log_term`. This skips our whole divergent tail in one round trip.
        let hint_index = index.min(self.raft_log.last_index());
        let (hint_index, hint_term) = self.raft_log.find_conflict_by_term(hint_index, log_term);
        let mut resp = Message::of_type(MessageType::MsgAppResp);
        resp.to = from;
        resp.index = index;
        resp.reject = true;
        resp.reject_hint = hint_index;
        resp.log_term = hint_term;
        self.send(resp);
        Ok(())
    }

    fn handle_heartbeat(&mut self, m: Message) -> Result<()> {
        self.raft_log.commit_to(m.commit)?;
        let mut resp = Message::of_type(MessageType::MsgHeartbeatResp);
        resp.to = m.from;
        resp.context = m.context;
        self.send(resp);
        Ok(())
    }

    fn handle_snapshot(&mut self, m: Message) -> Result<()> {
        // A MsgSnap without a snapshot is treated as the empty snapshot, which is always ignored.
        let snap = m.snapshot.map(|b| *b).unwrap_or_default();
        let mut resp = Message::of_type(MessageType::MsgAppResp);
        resp.to = m.from;
        if self.restore(snap)? {
            resp.index = self.raft_log.last_index();
        } else {
            resp.index = self.raft_log.committed();
        }
        self.send(resp);
        Ok(())
    }

    /// Installs a snapshot: replaces the log and the configuration. Returns false when the
    /// snapshot was ignored (not newer than our commit, or already matched by our log, in which
    /// case the commit index simply moves forward).
    pub(crate) fn restore(&mut self, s: Snapshot) -> Result<bool> {
        let meta = s.metadata.clone().unwrap_or_default();
        if meta.index <= self.raft_log.committed() {
            return Ok(false);
        }
        if self.state != StateRole::Follower {
            // Defence in depth, as in etcd: only a follower may restore. Stepping into a new term
            // as a follower ensures a leader that got here cannot keep leading on a stale log.
            self.become_follower(self.term + 1, NONE);
            return Ok(false);
        }
        let cs = meta.conf_state.clone().unwrap_or_default();
        // Much of the state machine assumes this node has a progress entry; a snapshot whose
        // configuration does not contain us is ignored. (A node in learners_next is also in
        // voters_outgoing, so it needs no separate check.)
        let me = self.id;
        if !cs
            .voters
            .iter()
            .chain(&cs.learners)
            .chain(&cs.voters_outgoing)
            .any(|&id| id == me)
        {
            return Ok(false);
        }
        let id = EntryId {
            term: meta.term,
            index: meta.index,
        };
        if self.raft_log.match_term(id) {
            // We already have this prefix; just learn that it is committed.
            self.raft_log.commit_to(meta.index)?;
            return Ok(false);
        }

        // Check that the configuration restores before touching anything (validation has
        // normally done this already; this keeps `restore` safe on its own).
        let (cfg, progress) =
            super::restore_conf_state(&self.trk, meta.index, &cs).map_err(|e| {
                Error::InvalidMessage {
                    msg_type: "MsgSnap".into(),
                    from: self.lead,
                    reason: format!("snapshot configuration cannot be restored: {e}"),
                }
            })?;
        self.raft_log.restore(s);
        self.trk = ProgressTracker::new(self.trk.max_inflight(), self.trk.max_inflight_bytes());
        let restored = self.switch_to_config(cfg, progress);
        debug_assert!(super::conf_states_equivalent(&restored, &cs));
        Ok(true)
    }
}
