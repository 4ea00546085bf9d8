//! The leader's side: replication with flow control, commit, heartbeats, snapshots for lagging
//! followers, linearizable reads and leadership transfer.

use bytes::Bytes;

use super::{ConfChangeRefusal, ConfChangeRefusalReason, Raft, ReadState, StateRole, NONE};
use crate::config::ReadOnlyOption;
use crate::error::{Error, Result};
use crate::pb::{ConfChange, ConfChangeI, ConfChangeV2, Entry, EntryType, Message, MessageType};
use crate::raft_log::EntryId;
use crate::storage::Storage;
use crate::tracker::ProgressState;
use crate::StorageError;

impl<S: Storage> Raft<S> {
    /// Sends an append (with entries if there are any to send, else just the commit index) to
    /// `to`, unless its progress is paused.
    pub(crate) fn send_append(&mut self, to: u64) {
        self.maybe_send_append(to, true);
    }

    /// Sends an append to `to` if its flow control allows; with `send_if_empty` false, only when
    /// there are entries to send. Falls back to a snapshot when the entries `to` needs are
    /// compacted. Returns whether a message was sent.
    pub(crate) fn maybe_send_append(&mut self, to: u64, send_if_empty: bool) -> bool {
        let Some(pr) = self.trk.progress.get(&to) else {
            return false;
        };
        if pr.is_paused() {
            return false;
        }
        let prev_index = pr.next - 1;
        let Ok(prev_term) = self.raft_log.term(prev_index) else {
            // The log was compacted past what `to` has: only a snapshot can catch it up.
            return self.maybe_send_snapshot(to);
        };
        // A throttled follower in Replicate gets empty appends only: if every in-flight message
        // was lost, an empty append still gets an answer that frees the window.
        let mut ents = Vec::new();
        if pr.state != ProgressState::Replicate || !pr.inflights.full() {
            match self.raft_log.entries(pr.next, self.max_msg_size()) {
                Ok(e) => ents = e,
                Err(_) => {
                    if !send_if_empty {
                        return false;
                    }
                    return self.maybe_send_snapshot(to);
                }
            }
        }
        if ents.is_empty() && !send_if_empty {
            return false;
        }
        let n = ents.len();
        let bytes: u64 = ents.iter().map(|e| e.data.len() as u64).sum();
        let committed = self.raft_log.committed();
        if self.batch_append {
            ents = match self.try_batch_append(to, prev_index, ents, committed) {
                Ok(()) => {
                    if let Some(pr) = self.trk.progress.get_mut(&to) {
                        pr.sent_entries(n, bytes);
                        pr.record_sent_commit(committed);
                    }
                    return true;
                }
                Err(ents) => ents,
            };
        }
        let mut m = Message::of_type(MessageType::MsgApp);
        m.to = to;
        m.index = prev_index;
        m.log_term = prev_term;
        m.entries = ents;
        m.commit = committed;
        self.send(m);
        if let Some(pr) = self.trk.progress.get_mut(&to) {
            pr.sent_entries(n, bytes);
            pr.record_sent_commit(committed);
        }
        true
    }

    /// With `batch_append`, extends the append to `to` still waiting in the outbox when the new
    /// entries continue it exactly, instead of queueing another message. Gives the entries back
    /// when they cannot be merged (another kind of message to `to` came after it, the log does
    /// not line up, or the batch would exceed `max_size_per_msg`).
    fn try_batch_append(
        &mut self,
        to: u64,
        prev_index: u64,
        ents: Vec<Entry>,
        committed: u64,
    ) -> std::result::Result<(), Vec<Entry>> {
        let max = self.max_msg_size();
        // Only the newest message to `to` may absorb the entries: merging into an older one
        // would reorder them with whatever was sent in between.
        let Some(last) = self.msgs.iter_mut().rev().find(|m| m.to == to) else {
            return Err(ents);
        };
        if last.msg_type != MessageType::MsgApp as i32 {
            return Err(ents);
        }
        let end = last.entries.last().map_or(last.index, |e| e.index);
        if end != prev_index {
            return Err(ents);
        }
        if max != u64::MAX {
            let size = |es: &[Entry]| -> u64 {
                es.iter()
                    .map(|e| prost::Message::encoded_len(e) as u64)
                    .sum()
            };
            if !ents.is_empty() && size(&last.entries) + size(&ents) > max {
                return Err(ents);
            }
        }
        last.entries.extend(ents);
        last.commit = committed;
        Ok(())
    }

    /// Sends the storage's snapshot to `to` if it has been active recently (a snapshot to a dead
    /// node is wasted work). Returns whether it was sent.
    fn maybe_send_snapshot(&mut self, to: u64) -> bool {
        let Some(pr) = self.trk.progress.get(&to) else {
            return false;
        };
        if !pr.recent_active {
            return false;
        }
        let snapshot = match self.raft_log.snapshot() {
            Ok(s) => s,
            // Temporarily unavailable: retry on a later append. Any other storage failure is
            // treated the same way rather than crashing the leader; the follower stays in Probe
            // and the attempt repeats on the next heartbeat response.
            Err(StorageError::SnapshotTemporarilyUnavailable) | Err(_) => return false,
        };
        if snapshot.is_empty() {
            // The log is compacted but storage offers no snapshot: nothing we can send.
            return false;
        }
        let sindex = snapshot.index();
        if let Some(pr) = self.trk.progress.get_mut(&to) {
            pr.become_snapshot(sindex);
        }
        let mut m = Message::of_type(MessageType::MsgSnap);
        m.to = to;
        m.snapshot = Some(Box::new(snapshot));
        self.send(m);
        true
    }

    /// Sends a heartbeat carrying `min(match, committed)` as commit: a follower must never be
    /// told to commit entries it may not have.
    fn send_heartbeat(&mut self, to: u64, ctx: Option<[u8; 8]>) {
        let Some(pr) = self.trk.progress.get_mut(&to) else {
            return;
        };
        let commit = pr.matched.min(self.raft_log.committed());
        pr.record_sent_commit(commit);
        let mut m = Message::of_type(MessageType::MsgHeartbeat);
        m.to = to;
        m.commit = commit;
        if let Some(ctx) = ctx {
            m.context = Bytes::copy_from_slice(&ctx);
        }
        self.send(m);
    }

    fn peer_ids(&self) -> Vec<u64> {
        self.trk
            .progress
            .keys()
            .copied()
            .filter(|&id| id != self.id)
            .collect()
    }

    /// Sends appends to every peer that is not up to date.
    pub(crate) fn bcast_append(&mut self) {
        for id in self.peer_ids() {
            self.send_append(id);
        }
    }

    fn bcast_heartbeat(&mut self) {
        let ctx = self.read_only.heartbeat_ctx();
        for id in self.peer_ids() {
            self.send_heartbeat(id, ctx);
        }
    }

    /// Advances the commit index to what a quorum has, if that entry is of the current term.
    pub(crate) fn maybe_commit(&mut self) -> bool {
        #[allow(unused_mut)]
        let mut at = EntryId {
            term: self.term,
            index: self.trk.committed(),
        };
        #[cfg(feature = "bug-injection")]
        if crate::sim::bugs::active(crate::sim::bugs::Bug::CommitPreviousTerm) {
            // Injected bug (Raft paper, Figure 8): commit whatever a quorum holds, any term.
            at.term = self.raft_log.term(at.index).unwrap_or(at.term);
        }
        self.raft_log.maybe_commit(at)
    }

    pub(crate) fn step_leader(&mut self, m: Message, ty: MessageType) -> Result<()> {
        // Messages that do not need a progress entry for the sender.
        match ty {
            MessageType::MsgBeat => {
                self.bcast_heartbeat();
                return Ok(());
            }
            MessageType::MsgCheckQuorum => {
                if !self.trk.quorum_active() {
                    self.become_follower(self.term, NONE);
                }
                // Everyone but us must prove liveness again before the next check.
                let id = self.id;
                for (&pid, pr) in self.trk.progress.iter_mut() {
                    if pid != id {
                        pr.recent_active = false;
                    }
                }
                return Ok(());
            }
            MessageType::MsgProp => return self.leader_propose(m),
            MessageType::MsgReadIndex => {
                if self.trk.is_singleton() {
                    let committed = self.raft_log.committed();
                    if let Some(resp) = self.response_to_read_index_req(m, committed) {
                        self.send(resp);
                    }
                    return Ok(());
                }
                // A new leader does not know the commit index until it commits an entry of its
                // own term; reads wait until then.
                if !self.committed_entry_in_current_term() {
                    self.pending_read_index_messages.push(m);
                    return Ok(());
                }
                self.send_read_index_response(m);
                return Ok(());
            }
            MessageType::MsgForgetLeader => return Ok(()),
            _ => {}
        }

        let from = m.from;
        let Some(pr) = self.trk.progress.get_mut(&from) else {
            return Ok(());
        };
        match ty {
            MessageType::MsgAppResp => {
                pr.recent_active = true;
                if m.reject {
                    self.handle_append_rejection(&m);
                } else {
                    self.handle_append_success(&m);
                }
            }
            MessageType::MsgHeartbeatResp => {
                pr.recent_active = true;
                pr.msg_app_flow_paused = false;
                // An append (possibly empty) lets a paused or probing follower recover even if
                // all earlier appends were lost.
                let (matched, state) = (pr.matched, pr.state);
                if matched < self.raft_log.last_index() || state == ProgressState::Probe {
                    self.send_append(from);
                }
                if self.read_only.option != ReadOnlyOption::Safe || m.context.is_empty() {
                    return Ok(());
                }
                self.read_only.recv_ack(from, &m.context);
                let confirmed = self.read_only.maybe_advance(&self.trk.config.voters);
                for rs in confirmed {
                    if let Some(resp) = self.response_to_read_index_req(rs.req, rs.index) {
                        self.send(resp);
                    }
                }
            }
            MessageType::MsgSnapStatus => {
                if pr.state != ProgressState::Snapshot {
                    return Ok(());
                }
                if m.reject {
                    // Forget the snapshot first, or probing would start from its index even
                    // though it never applied.
                    pr.pending_snapshot = 0;
                }
                pr.become_probe();
                // On success wait for the follower's MsgAppResp; on failure wait a heartbeat.
                pr.msg_app_flow_paused = true;
            }
            // Optimistic replication to an unreachable peer has probably lost messages.
            MessageType::MsgUnreachable if pr.state == ProgressState::Replicate => {
                pr.become_probe();
            }
            MessageType::MsgTransferLeader => {
                if pr.is_learner {
                    return Ok(());
                }
                let transferee = from;
                let last = self.lead_transferee;
                if last != NONE {
                    if last == transferee {
                        return Ok(());
                    }
                    self.abort_leader_transfer();
                }
                if transferee == self.id {
                    return Ok(());
                }
                // The transfer must finish within one election timeout.
                self.election_elapsed = 0;
                self.lead_transferee = transferee;
                let up_to_date = self
                    .trk
                    .progress
                    .get(&transferee)
                    .is_some_and(|p| p.matched == self.raft_log.last_index());
                if up_to_date {
                    self.send_timeout_now(transferee);
                } else {
                    self.send_append(transferee);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn handle_append_rejection(&mut self, m: &Message) {
        // The follower's hint is the last index it might share with us, with its term there.
        // Skipping every index where our term exceeds that term probes at most once per term.
        let mut next_probe_idx = m.reject_hint;
        if m.log_term > 0 {
            next_probe_idx = self
                .raft_log
                .find_conflict_by_term(m.reject_hint, m.log_term)
                .0;
        }
        let Some(pr) = self.trk.progress.get_mut(&m.from) else {
            return;
        };
        if pr.maybe_decr_to(m.index, next_probe_idx) {
            if pr.state == ProgressState::Replicate {
                pr.become_probe();
            }
            self.send_append(m.from);
        }
    }

    fn handle_append_success(&mut self, m: &Message) {
        let from = m.from;
        let first_index = self.raft_log.first_index();
        let Some(pr) = self.trk.progress.get_mut(&from) else {
            return;
        };
        // A caught-up follower in Probe (e.g. after report_unreachable) returns to Replicate on
        // an ack of its current match, not only on one that moves it.
        let updated =
            pr.maybe_update(m.index) || (pr.matched == m.index && pr.state == ProgressState::Probe);
        if !updated {
            return;
        }
        match pr.state {
            ProgressState::Probe => pr.become_replicate(),
            ProgressState::Snapshot if pr.matched + 1 >= first_index => {
                // Any ack that lets us continue from the log ends the snapshot state, whatever
                // snapshot the follower actually applied. Going through Probe accounts for it.
                pr.become_probe();
                pr.become_replicate();
            }
            ProgressState::Replicate => pr.inflights.free_le(m.index),
            ProgressState::Snapshot => {}
        }

        if self.maybe_commit() {
            // The commit index moved in this term: pending reads can be answered now.
            self.release_pending_read_index_messages();
            self.bcast_append();
        } else if from != self.id {
            let committed = self.raft_log.committed();
            let bump = self
                .trk
                .progress
                .get(&from)
                .is_some_and(|p| p.can_bump_commit(committed));
            if bump {
                // The follower may not know the latest commit index; tell it now rather than
                // at the next heartbeat.
                self.send_append(from);
            }
        }
        // Flow control may now allow several messages at once (probe → replicate, or a window
        // freed by this ack): send as many as allowed, without empty ones.
        if from != self.id {
            while self.maybe_send_append(from, false) {}
        }
        if from == self.lead_transferee {
            let caught_up = self
                .trk
                .progress
                .get(&from)
                .is_some_and(|p| p.matched == self.raft_log.last_index());
            if caught_up {
                self.send_timeout_now(from);
            }
        }
    }

    /// A proposal on the leader: checks configuration changes, appends, and replicates.
    fn leader_propose(&mut self, mut m: Message) -> Result<()> {
        if !self.trk.progress.contains_key(&self.id) {
            // Removed from the configuration while leading: accept nothing new.
            return Err(Error::ProposalDropped);
        }
        if self.lead_transferee != NONE {
            return Err(Error::ProposalDropped);
        }
        let last_index = self.raft_log.last_index();
        let applied = self.raft_log.applied();
        for (i, e) in m.entries.iter_mut().enumerate() {
            let cc: ConfChangeV2 = match EntryType::try_from(e.entry_type) {
                Ok(EntryType::EntryConfChange) => match ConfChange::decode_from(&e.data) {
                    Ok(cc) => cc.as_v2(),
                    // Validation decoded it already; unreachable in practice.
                    Err(_) => continue,
                },
                Ok(EntryType::EntryConfChangeV2) => match ConfChangeV2::decode_from(&e.data) {
                    Ok(cc) => cc,
                    Err(_) => continue,
                },
                _ => continue,
            };
            let already_pending = self.pending_conf_index > applied;
            let already_joint = !self.trk.config.voters.outgoing.is_empty();
            let wants_leave_joint = cc.changes.is_empty();
            let refusal = if already_pending {
                Some(ConfChangeRefusalReason::Pending {
                    pending_index: self.pending_conf_index,
                    applied,
                })
            } else if already_joint && !wants_leave_joint {
                Some(ConfChangeRefusalReason::MustLeaveJointFirst)
            } else if !already_joint && wants_leave_joint {
                Some(ConfChangeRefusalReason::NotInJoint)
            } else {
                None
            };
            if let (Some(reason), false) = (refusal, self.disable_conf_change_validation) {
                if m.from == self.id || m.from == NONE {
                    // etcd is silent here; we keep its log but tell a local proposer why.
                    self.conf_change_refusal = Some(ConfChangeRefusal {
                        index: last_index + i as u64 + 1,
                        reason,
                    });
                }
                // etcd replaces a refused change with an empty normal entry, keeping the
                // proposal's shape (and index assignment) intact.
                *e = Entry {
                    entry_type: EntryType::EntryNormal as i32,
                    ..Default::default()
                };
            } else {
                self.pending_conf_index = last_index + i as u64 + 1;
            }
        }
        if !self.append_entry(std::mem::take(&mut m.entries)) {
            return Err(Error::ProposalDropped);
        }
        self.bcast_append();
        Ok(())
    }

    fn send_timeout_now(&mut self, to: u64) {
        let mut m = Message::of_type(MessageType::MsgTimeoutNow);
        m.to = to;
        self.send(m);
    }

    /// The answer to a read request at `read_index`: for our own requests a `ReadState`
    /// (returns `None`), for a follower's a `MsgReadIndexResp`.
    fn response_to_read_index_req(&mut self, req: Message, read_index: u64) -> Option<Message> {
        if req.from == NONE || req.from == self.id {
            let request_ctx = req
                .entries
                .first()
                .map(|e| e.data.clone())
                .unwrap_or_default();
            self.read_states.push(ReadState {
                index: read_index,
                request_ctx,
            });
            return None;
        }
        let mut resp = Message::of_type(MessageType::MsgReadIndexResp);
        resp.to = req.from;
        resp.index = read_index;
        resp.entries = req.entries;
        Some(resp)
    }

    fn send_read_index_response(&mut self, m: Message) {
        match self.read_only.option {
            ReadOnlyOption::Safe => {
                let committed = self.raft_log.committed();
                self.read_only.add_request(committed, m);
                // The leader confirms its own leadership implicitly.
                if let Some(ctx) = self.read_only.heartbeat_ctx() {
                    self.read_only.recv_ack(self.id, &ctx);
                }
                self.bcast_heartbeat();
            }
            ReadOnlyOption::LeaseBased => {
                let committed = self.raft_log.committed();
                if let Some(resp) = self.response_to_read_index_req(m, committed) {
                    self.send(resp);
                }
            }
        }
    }

    fn release_pending_read_index_messages(&mut self) {
        if self.pending_read_index_messages.is_empty() {
            return;
        }
        if !self.committed_entry_in_current_term() {
            return;
        }
        for m in std::mem::take(&mut self.pending_read_index_messages) {
            self.send_read_index_response(m);
        }
    }

    /// Whether this node is the leader of its term (for callers outside this module).
    #[allow(dead_code)]
    pub(crate) fn is_leader(&self) -> bool {
        self.state == StateRole::Leader
    }
}
