//! Checks that turn etcd's input-triggered panics into errors, before anything changes.
//!
//! etcd trusts its peers: a message that contradicts the local log (an append that would
//! rewrite committed entries, a heartbeat committing beyond the log, a snapshot whose
//! configuration cannot be restored, an undecodable configuration change) makes it panic, after
//! it may already have bumped its term. We run these checks first, on exactly the messages that
//! would reach the panicking code, so that a refused message leaves the node as it was and every
//! other message takes exactly etcd's path.

use super::{Raft, StateRole};
use crate::error::{Error, Result};
use crate::pb::{ConfChange, ConfChangeV2, EntryType, Message, MessageType};
use crate::raft_log::{check_slice, EntryId};
use crate::storage::Storage;

impl<S: Storage> Raft<S> {
    pub(crate) fn invalid(&self, m: &Message, reason: impl Into<String>) -> Error {
        let msg_type = match m.kind() {
            Some(t) => format!("{t:?}"),
            None => format!("type {}", m.msg_type),
        };
        Error::InvalidMessage {
            msg_type,
            from: m.from,
            reason: reason.into(),
        }
    }

    /// Whether a leader-to-follower message of `m.term` would reach the follower handlers:
    /// a newer term makes us a follower, and at our own term only a non-leader handles it.
    fn reaches_follower_handler(&self, m: &Message) -> bool {
        m.term > self.term
            || (m.term == self.term || m.term == 0) && self.state != StateRole::Leader
    }

    pub(crate) fn validate(&self, m: &Message, ty: MessageType) -> Result<()> {
        if let Some(e) = m.entries.iter().find(|e| e.kind().is_none()) {
            return Err(self.invalid(
                m,
                format!("entry {} has unknown type {}", e.index, e.entry_type),
            ));
        }
        match ty {
            MessageType::MsgProp => self.validate_proposal(m),
            MessageType::MsgApp if self.reaches_follower_handler(m) => self.validate_append(m),
            MessageType::MsgHeartbeat if self.reaches_follower_handler(m) => {
                let last = self.raft_log.last_index();
                if m.commit > last {
                    // etcd: "tocommit is out of range ... was the raft log corrupted, truncated,
                    // or lost?" — a leader only sends min(match, commit), so this is not ours.
                    return Err(self.invalid(
                        m,
                        format!("commit {} is beyond the last log index {last}", m.commit),
                    ));
                }
                Ok(())
            }
            MessageType::MsgSnap if self.reaches_follower_handler(m) => self.validate_snapshot(m),
            MessageType::MsgAppResp
                if !m.reject && m.term == self.term && self.state == StateRole::Leader =>
            {
                let last = self.raft_log.last_index();
                if m.index > last {
                    // A leader's log never shrinks within its term, so no follower can have
                    // acknowledged more than it holds.
                    return Err(self.invalid(
                        m,
                        format!(
                            "acknowledges index {} beyond the leader's last index {last}",
                            m.index
                        ),
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn validate_proposal(&self, m: &Message) -> Result<()> {
        if m.entries.is_empty() {
            return Err(self.invalid(m, "proposal without entries"));
        }
        for e in &m.entries {
            let decoded = match EntryType::try_from(e.entry_type) {
                Ok(EntryType::EntryConfChange) => ConfChange::decode_from(&e.data).map(|_| ()),
                Ok(EntryType::EntryConfChangeV2) => ConfChangeV2::decode_from(&e.data).map(|_| ()),
                _ => Ok(()),
            };
            decoded.map_err(|err| {
                self.invalid(m, format!("undecodable configuration change: {err}"))
            })?;
        }
        Ok(())
    }

    fn validate_append(&self, m: &Message) -> Result<()> {
        // A term-0 append never reaches here from a peer (RawNode refuses it); internally it
        // means "the current term".
        let leader_term = if m.term == 0 { self.term } else { m.term };
        let anchor = EntryId {
            term: m.log_term,
            index: m.index,
        };
        check_slice(leader_term, anchor, &m.entries).map_err(|e| self.invalid(m, e))
        // No check against the commit index is needed here: an append anchored below it is
        // answered with the commit index and appends nothing, so the entries that do get
        // appended all lie above it and cannot rewrite a committed entry. `maybe_append` still
        // refuses such a conflict, without changing anything, as a last line of defence.
    }

    fn validate_snapshot(&self, m: &Message) -> Result<()> {
        let Some(snap) = &m.snapshot else {
            return Ok(());
        };
        let Some(meta) = &snap.metadata else {
            return Ok(());
        };
        if meta.index <= self.raft_log.committed() {
            return Ok(());
        }
        let cs = meta.conf_state.clone().unwrap_or_default();
        let me = self.id;
        let contains_me = cs
            .voters
            .iter()
            .chain(&cs.learners)
            .chain(&cs.voters_outgoing)
            .any(|&id| id == me);
        if !contains_me {
            return Ok(());
        }
        if self.raft_log.match_term(EntryId {
            term: meta.term,
            index: meta.index,
        }) {
            return Ok(());
        }
        super::restore_conf_state(&self.trk, meta.index, &cs)
            .map(|_| ())
            .map_err(|e| self.invalid(m, format!("snapshot configuration cannot be restored: {e}")))
    }
}
