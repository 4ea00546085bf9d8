//! `RawNode`: the host-facing API over the state machine, built around `Ready` and `advance`.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use crate::config::{Config, LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD};
use crate::error::{Error, Result};
use crate::pb::{ConfChangeI, ConfState, Entry, HardState, Message, MessageType, Snapshot};
pub use crate::raft::ReadState;
use crate::raft::{ConfChangeRefusal, Raft, StateRole, NONE};
use crate::status::{BasicStatus, Status};
use crate::storage::{MemoryStorage, Storage};
use crate::tracker::ProgressTracker;

/// State that is useful to the host but need not be persisted: who leads, and this node's role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SoftState {
    /// The leader of the current term, or 0 when none is known.
    pub lead: u64,
    /// This node's role.
    pub raft_state: StateRole,
}

/// The outcome of sending a snapshot, reported with [`RawNode::report_snapshot`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnapshotStatus {
    /// The follower received and applied the snapshot.
    Finish,
    /// Sending failed; the leader will probe the follower again.
    Failure,
}

/// Everything the host must do after the node's state changed: what to persist, what to send,
/// what to apply. Handle it in the order the crate documentation gives, then call
/// [`RawNode::advance`] with it.
#[derive(Debug, Default)]
pub struct Ready {
    /// The new soft state, if it changed. Not persisted.
    pub soft_state: Option<SoftState>,
    /// The new hard state, if it changed. Persist it before sending messages.
    pub hard_state: Option<HardState>,
    /// Reads that are now answered (see [`RawNode::read_index`]).
    pub read_states: Vec<ReadState>,
    /// Entries to persist before sending messages. An entry at index `i` replaces any persisted
    /// entry at `i` or later.
    pub entries: Vec<Entry>,
    /// A snapshot to persist (and apply), if one arrived.
    pub snapshot: Option<Snapshot>,
    /// Committed entries to apply to the state machine, in order. Configuration changes among
    /// them must be passed to [`RawNode::apply_conf_change`].
    pub committed_entries: Vec<Entry>,
    /// Messages to send to peers, after the entries and hard state above are persisted.
    pub messages: Vec<Message>,
    /// Whether the hard state and entries must be synced to disk (fsync) before the messages are
    /// sent. False when only the commit index changed.
    pub must_sync: bool,
    /// Which node and which round this Ready belongs to, so `advance` can refuse a foreign or
    /// stale one.
    token: ReadyToken,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ReadyToken {
    instance: u64,
    seq: u64,
}

/// Work that etcd queues as self-addressed messages when a Ready is accepted and performs on
/// advance, in this order: our own acknowledgements and votes, marking entries stable, marking
/// entries applied. Kept in place between rounds so a steady stream of Readys allocates nothing
/// for it.
#[derive(Debug, Default)]
struct PendingAdvance {
    /// Messages this node addressed to itself (append acks, votes), to step once durable.
    self_msgs: Vec<Message>,
    /// The stability notice (`MsgStorageAppendResp`) for what the Ready handed out, as its
    /// fields rather than a whole message, which would make every idle node larger.
    stable: Option<StableMark>,
    /// The committed entries the Ready handed out for applying.
    applied: Option<AppliedBatch>,
}

/// What becomes durable once a Ready is persisted: entries up to `(log_term, index)` written
/// under `term`, and possibly a snapshot.
#[derive(Debug)]
struct StableMark {
    term: u64,
    index: u64,
    log_term: u64,
    snapshot: Option<Box<Snapshot>>,
}

impl StableMark {
    fn of(m: &Message) -> Self {
        StableMark {
            term: m.term,
            index: m.index,
            log_term: m.log_term,
            snapshot: m.snapshot.clone(),
        }
    }

    fn into_message(self, to: u64) -> Message {
        let mut m = Message::of_type(MessageType::MsgStorageAppendResp);
        m.to = to;
        m.from = LOCAL_APPEND_THREAD;
        m.term = self.term;
        m.index = self.index;
        m.log_term = self.log_term;
        m.snapshot = self.snapshot;
        m
    }
}

/// What applying a batch of committed entries means for the node's bookkeeping.
#[derive(Clone, Copy, Debug)]
struct AppliedBatch {
    /// The last index of the batch.
    index: u64,
    /// Encoded size of the batch (the apply-paging budget).
    size: u64,
    /// Payload bytes of the batch (the leader's uncommitted-size estimate).
    payload: u64,
}

/// Distinguishes RawNode instances within the process, so that a Ready cannot be advanced on a
/// node it did not come from. Never reaches the protocol, so it does not affect determinism.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// A Raft node driven by its host: the host ticks it, steps messages into it, proposes, and
/// processes `Ready`s. See the crate documentation for the contract.
pub struct RawNode<S: Storage> {
    raft: Raft<S>,
    prev_soft_state: SoftState,
    prev_hard_state: HardState,
    pending: PendingAdvance,
    instance: u64,
    ready_seq: u64,
    /// The token of the Ready handed out and not yet advanced.
    outstanding: Option<ReadyToken>,
    /// etcd's asynchronous storage-write protocol instead of `advance`.
    async_storage_writes: bool,
}

impl<S: Storage> std::fmt::Debug for RawNode<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawNode")
            .field("id", &self.raft.id)
            .field("term", &self.raft.term)
            .field("role", &self.raft.state)
            .field("lead", &self.raft.lead)
            .field("commit", &self.raft.raft_log.committed())
            .finish_non_exhaustive()
    }
}

/// Types that carry a term whenever they come from a peer. One that arrives with term 0 would be
/// taken for a local message, which lets anyone impersonate a leader; we refuse it.
fn requires_term(t: MessageType) -> bool {
    use MessageType::*;
    matches!(
        t,
        MsgApp
            | MsgAppResp
            | MsgVote
            | MsgVoteResp
            | MsgSnap
            | MsgHeartbeat
            | MsgHeartbeatResp
            | MsgTimeoutNow
            | MsgReadIndexResp
            | MsgPreVote
            | MsgPreVoteResp
    )
}

/// Types that followers forward to the leader keeping the original `from`.
fn forwarded_unchanged(t: MessageType) -> bool {
    matches!(
        t,
        MessageType::MsgProp | MessageType::MsgReadIndex | MessageType::MsgTransferLeader
    )
}

/// Types that never carry a term, even when forwarded between nodes.
fn never_carries_term(t: MessageType) -> bool {
    matches!(
        t,
        MessageType::MsgProp | MessageType::MsgReadIndex | MessageType::MsgForgetLeader
    )
}

/// Message types that only the node itself (or its storage threads) may generate.
pub fn is_local_msg(t: MessageType) -> bool {
    use MessageType::*;
    matches!(
        t,
        MsgHup
            | MsgBeat
            | MsgUnreachable
            | MsgSnapStatus
            | MsgCheckQuorum
            | MsgStorageAppend
            | MsgStorageAppendResp
            | MsgStorageApply
            | MsgStorageApplyResp
    )
}

/// Message types that answer a request.
pub fn is_response_msg(t: MessageType) -> bool {
    use MessageType::*;
    matches!(
        t,
        MsgAppResp
            | MsgVoteResp
            | MsgHeartbeatResp
            | MsgUnreachable
            | MsgReadIndexResp
            | MsgPreVoteResp
            | MsgStorageAppendResp
            | MsgStorageApplyResp
    )
}

fn is_local_target(id: u64) -> bool {
    id == LOCAL_APPEND_THREAD || id == LOCAL_APPLY_THREAD
}

/// Takes the outbox, leaving an empty one of the same capacity when the round was busy (so a
/// loaded leader does not regrow it from nothing every Ready) and an unallocated one when it was
/// not (so thousands of idle groups do not each hold a buffer).
fn take_keeping_capacity(msgs: &mut Vec<Message>) -> Vec<Message> {
    let keep = if msgs.len() > 4 { msgs.len() } else { 0 };
    std::mem::replace(msgs, Vec::with_capacity(keep))
}

/// Whether a Ready with these hard states and this many entries needs an fsync: entries, term
/// and vote must be durable; the commit index alone can be recovered.
pub fn must_sync(st: &HardState, prev: &HardState, entries: usize) -> bool {
    entries != 0 || st.vote != prev.vote || st.term != prev.term
}

impl<S: Storage> RawNode<S> {
    /// Creates a node from `config` and the state in `storage`: a fresh node when the storage
    /// holds only a configuration (see [`RawNode::new_fresh`] for the in-memory shortcut), a
    /// restarted one when it holds a log and hard state.
    ///
    /// Errors: an invalid config, a storage failure, or storage state that contradicts itself
    /// (`Error::CorruptState`).
    pub fn new(config: &Config, storage: S) -> Result<Self> {
        let raft = Raft::new(config, storage)?;
        let prev_soft_state = raft.soft_state();
        let prev_hard_state = raft.hard_state();
        Ok(RawNode {
            raft,
            prev_soft_state,
            prev_hard_state,
            pending: PendingAdvance::default(),
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
            ready_seq: 0,
            outstanding: None,
            async_storage_writes: config.async_storage_writes,
        })
    }

    /// Advances the logical clock by one tick: followers count toward an election, leaders toward
    /// the next heartbeat.
    pub fn tick(&mut self) {
        self.raft.tick();
    }

    /// Starts an election now (a pre-vote round first if `pre_vote` is on). Does nothing on a
    /// leader, a learner, or a node with unapplied configuration changes, as in etcd.
    pub fn campaign(&mut self) -> Result<()> {
        self.raft.step(Message::of_type(MessageType::MsgHup))
    }

    /// Proposes `data` for the log. On a follower the proposal is forwarded to the leader.
    ///
    /// Errors with `ProposalDropped` when there is no leader to take it, forwarding is disabled,
    /// a leadership transfer is in progress, or the uncommitted-size limit is reached. Success
    /// does not mean the entry will commit: a leader change can still lose it.
    pub fn propose(&mut self, data: impl Into<Bytes>) -> Result<()> {
        let mut m = Message::of_type(MessageType::MsgProp);
        m.from = self.raft.id;
        m.entries = vec![Entry {
            data: data.into(),
            ..Default::default()
        }];
        self.raft.step(m)
    }

    /// Proposes a membership change (v1 or v2). As in etcd, a change the leader refuses (another
    /// change pending, or not leaving a joint configuration first) is replaced in the log by an
    /// empty entry.
    ///
    /// etcd says nothing about such a refusal. We keep etcd's log but record it: after this call,
    /// [`RawNode::conf_change_refusal`] tells whether this node, as leader, refused the change and
    /// why. (A change forwarded to another leader is judged there, out of this node's sight.)
    pub fn propose_conf_change(&mut self, cc: &impl ConfChangeI) -> Result<()> {
        self.raft.conf_change_refusal = None;
        let (entry_type, data) = cc.to_entry_payload();
        let mut m = Message::of_type(MessageType::MsgProp);
        m.from = self.raft.id;
        m.entries = vec![Entry {
            entry_type: entry_type as i32,
            data,
            ..Default::default()
        }];
        self.raft.step(m)
    }

    /// Whether the last [`RawNode::propose_conf_change`] on this node was refused by it as leader
    /// (and replaced by an empty entry, as etcd does), with the reason.
    pub fn conf_change_refusal(&self) -> Option<ConfChangeRefusal> {
        self.raft.conf_change_refusal
    }

    /// Applies a committed membership change and returns the resulting configuration, which the
    /// host stores with its snapshots. Call it for every committed conf change entry, in log
    /// order. An invalid change is refused and the configuration stays as it was.
    pub fn apply_conf_change(&mut self, cc: &impl ConfChangeI) -> Result<ConfState> {
        self.raft.apply_conf_change(&cc.as_v2())
    }

    /// Steps a message received from a peer.
    ///
    /// Refused, with the node unchanged: messages of an unknown type, local-only types from the
    /// network, responses from nodes outside the configuration, messages addressed to another
    /// node, term-carrying types without a term, and messages that contradict this node's log in
    /// ways etcd would crash on (see `Error::InvalidMessage`).
    pub fn step(&mut self, m: Message) -> Result<()> {
        let Some(ty) = m.kind() else {
            return Err(self.raft.invalid(&m, "unknown message type"));
        };
        if is_local_msg(ty) && !is_local_target(m.from) {
            return Err(Error::StepLocalMsg);
        }
        if is_response_msg(ty)
            && !is_local_target(m.from)
            && !self.raft.trk.progress.contains_key(&m.from)
        {
            return Err(Error::StepPeerNotFound);
        }
        if m.to != NONE && m.to != self.raft.id {
            return Err(self.raft.invalid(
                &m,
                format!("addressed to {} but this is node {}", m.to, self.raft.id),
            ));
        }
        let own_response = self.async_storage_writes
            && m.to == self.raft.id
            && matches!(
                ty,
                MessageType::MsgAppResp | MessageType::MsgVoteResp | MessageType::MsgPreVoteResp
            );
        if m.from == self.raft.id && !own_response && !forwarded_unchanged(ty) {
            // Our own messages never come back through the network: a node's acknowledgements to
            // itself are internal. Accepting one would let a peer impersonate this node. (Proposals,
            // read requests and transfer requests are forwarded with their original sender, so
            // ours can legitimately come back to us after a leader change.)
            return Err(self.raft.invalid(&m, "claims to come from this node"));
        }
        if m.from == NONE && requires_term(ty) {
            return Err(self.raft.invalid(&m, "has no sender"));
        }
        if m.term == 0 && requires_term(ty) {
            return Err(self.raft.invalid(&m, "message carries no term"));
        }
        if m.term != 0 && never_carries_term(ty) {
            // Proposals and read requests travel without a term (they are forwarded like local
            // messages); one with a term would make us adopt it before dropping the request.
            return Err(self
                .raft
                .invalid(&m, "this message type never carries a term"));
        }
        if m.term == u64::MAX {
            // No cluster counts this far. Adopting it would leave this node unable to ever start
            // another election, which is how a single hostile message could silence a voter.
            return Err(self.raft.invalid(&m, "term u64::MAX is reserved"));
        }
        self.raft.step(m)
    }

    /// Whether there is anything to handle. Cheap; call it before [`RawNode::ready`].
    pub fn has_ready(&self) -> bool {
        let r = &self.raft;
        if r.soft_state() != self.prev_soft_state {
            return true;
        }
        let hs = r.hard_state();
        if !hs.is_empty() && hs != self.prev_hard_state {
            return true;
        }
        r.raft_log.has_next_unstable_snapshot()
            || !r.msgs.is_empty()
            || !r.msgs_after_append.is_empty()
            || r.raft_log.has_next_unstable_ents()
            || r.raft_log
                .has_next_committed_ents(!self.async_storage_writes)
            || !r.read_states.is_empty()
    }

    /// Collects what the host must persist, send and apply, and marks it handed out. The host
    /// must process it and call [`RawNode::advance`] before asking for the next one.
    ///
    /// Errors: `Misuse` if the previous Ready has not been advanced; a storage error if committed
    /// entries could not be read (nothing is handed out then).
    pub fn ready(&mut self) -> Result<Ready> {
        if self.outstanding.is_some() {
            return Err(Error::Misuse(
                "ready() called twice without advance() in between".into(),
            ));
        }
        let async_writes = self.async_storage_writes;
        let r = &mut self.raft;
        // With asynchronous writes, entries are applied only once they are durable.
        let committed_entries = r.raft_log.next_committed_ents(!async_writes)?;
        let entries = r.raft_log.next_unstable_ents().to_vec();
        let soft = r.soft_state();
        let hs = r.hard_state();
        let snapshot = r.raft_log.next_unstable_snapshot().cloned();
        let id = r.id;
        let mut rd = Ready {
            soft_state: (soft != self.prev_soft_state).then_some(soft),
            hard_state: (hs != self.prev_hard_state).then_some(hs),
            read_states: std::mem::take(&mut r.read_states),
            must_sync: must_sync(&hs, &self.prev_hard_state, entries.len()),
            entries,
            snapshot,
            committed_entries,
            messages: take_keeping_capacity(&mut r.msgs),
            token: ReadyToken::default(),
        };
        let after_append = std::mem::take(&mut r.msgs_after_append);
        let snap = rd.snapshot.as_ref().filter(|s| !s.is_empty()).cloned();
        // Once what this Ready hands out is durable, everything up to the current last entry is
        // stable (and the snapshot applied). The term guards against a term change in between.
        let append_resp = (r.raft_log.has_next_or_in_progress_unstable_ents() || snap.is_some())
            .then(|| {
                let mut m = Message::of_type(MessageType::MsgStorageAppendResp);
                m.to = id;
                m.from = LOCAL_APPEND_THREAD;
                m.term = r.term;
                if r.raft_log.has_next_or_in_progress_unstable_ents() {
                    let last = r.raft_log.last_entry_id();
                    m.index = last.index;
                    m.log_term = last.term;
                }
                m.snapshot = snap.clone().map(Box::new);
                m
            });
        let applied = rd.committed_entries.last().map(|last| AppliedBatch {
            index: last.index,
            size: rd
                .committed_entries
                .iter()
                .map(|e| prost::Message::encoded_len(e) as u64)
                .sum(),
            payload: rd
                .committed_entries
                .iter()
                .map(|e| e.data.len() as u64)
                .sum(),
        });

        if async_writes {
            // The host's storage threads do the persisting and applying, and deliver the
            // responses (acks, votes, stability, application) when done.
            let hard_state = rd.hard_state.filter(|h| !h.is_empty());
            if !rd.entries.is_empty()
                || hard_state.is_some()
                || snap.is_some()
                || !after_append.is_empty()
            {
                let mut m = Message::of_type(MessageType::MsgStorageAppend);
                m.to = LOCAL_APPEND_THREAD;
                m.from = id;
                m.entries = rd.entries.clone();
                if let Some(h) = hard_state {
                    m.term = h.term;
                    m.vote = h.vote;
                    m.commit = h.commit;
                }
                m.snapshot = snap.map(Box::new);
                m.responses = after_append;
                m.responses.extend(append_resp);
                rd.messages.push(m);
            }
            if !rd.committed_entries.is_empty() {
                let mut resp = Message::of_type(MessageType::MsgStorageApplyResp);
                resp.to = id;
                resp.from = LOCAL_APPLY_THREAD;
                resp.entries = rd.committed_entries.clone();
                let mut m = Message::of_type(MessageType::MsgStorageApply);
                m.to = LOCAL_APPLY_THREAD;
                m.from = id;
                m.entries = rd.committed_entries.clone();
                m.responses = vec![resp];
                rd.messages.push(m);
            }
        } else {
            // Synchronous writes: the host persists before it sends, so acknowledgements to peers
            // go out with this Ready and our own are stepped on advance.
            let pending = &mut self.pending;
            pending.self_msgs.clear();
            for m in after_append {
                if m.to == id {
                    pending.self_msgs.push(m);
                } else {
                    rd.messages.push(m);
                }
            }
            pending.stable = append_resp.as_ref().map(StableMark::of);
            pending.applied = applied;
        }

        // Accept it: from here on the node assumes the host is persisting and applying it.
        if let Some(s) = rd.soft_state {
            self.prev_soft_state = s;
        }
        if let Some(h) = rd.hard_state {
            if !h.is_empty() {
                self.prev_hard_state = h;
            }
        }
        let r = &mut self.raft;
        r.raft_log.accept_unstable();
        if let Some(batch) = applied {
            r.raft_log
                .accept_applying(batch.index, batch.size, !async_writes);
        }
        if !async_writes {
            self.ready_seq += 1;
            let token = ReadyToken {
                instance: self.instance,
                seq: self.ready_seq,
            };
            rd.token = token;
            self.outstanding = Some(token);
        }
        Ok(rd)
    }

    /// Tells the node the host has persisted, sent and applied everything in `rd`. The node then
    /// counts its own acknowledgements and votes, marks entries stable and applied, and may
    /// produce new work (check [`RawNode::has_ready`]).
    ///
    /// Errors with `Misuse` (and changes nothing) when `rd` is not the Ready this node last
    /// handed out. Pass `&ready` rather than `ready` to keep it when that happens (for instance
    /// to advance it on the node it really came from).
    pub fn advance(&mut self, rd: impl std::borrow::Borrow<Ready>) -> Result<()> {
        let rd = rd.borrow();
        if self.async_storage_writes {
            return Err(Error::Misuse(
                "advance() must not be called with async storage writes; deliver the storage \
                 messages' responses instead"
                    .into(),
            ));
        }
        match self.outstanding {
            None => {
                return Err(Error::Misuse(
                    "advance() called without an outstanding Ready".into(),
                ))
            }
            Some(t) if t != rd.token => {
                return Err(Error::Misuse(
                    "advance() called with a Ready that this node did not hand out last".into(),
                ))
            }
            Some(_) => {}
        }
        self.outstanding = None;
        // These are the node's own acknowledgements; none can fail unless the host broke the
        // contract (e.g. compacted storage past what was handed out). Run them all regardless,
        // so one failure cannot leave the others undone, and report the first.
        let mut first_err = None;
        let mut self_msgs = std::mem::take(&mut self.pending.self_msgs);
        for m in self_msgs.drain(..) {
            if let Err(e) = self.raft.step(m) {
                first_err.get_or_insert(e);
            }
        }
        // Hand the (now empty) buffer back so the next round reuses its capacity.
        self.pending.self_msgs = self_msgs;
        if let Some(mark) = self.pending.stable.take() {
            if let Err(e) = self.raft.step(mark.into_message(self.raft.id)) {
                first_err.get_or_insert(e);
            }
        }
        if let Some(batch) = self.pending.applied.take() {
            if let Err(e) = self.raft.applied_to(batch.index, batch.size) {
                first_err.get_or_insert(e);
            }
            self.raft.reduce_uncommitted_size(batch.payload);
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Tells the leader that messages to `id` could not be delivered; replication to it falls
    /// back to probing.
    pub fn report_unreachable(&mut self, id: u64) {
        let mut m = Message::of_type(MessageType::MsgUnreachable);
        m.from = id;
        let _ = self.raft.step(m);
    }

    /// Tells the leader how sending a snapshot to `id` ended. Call it for every `MsgSnap` sent.
    pub fn report_snapshot(&mut self, id: u64, status: SnapshotStatus) {
        let mut m = Message::of_type(MessageType::MsgSnapStatus);
        m.from = id;
        m.reject = status == SnapshotStatus::Failure;
        let _ = self.raft.step(m);
    }

    /// Asks the leader to hand leadership to `transferee` (thesis §3.10).
    pub fn transfer_leader(&mut self, transferee: u64) {
        let mut m = Message::of_type(MessageType::MsgTransferLeader);
        m.from = transferee;
        let _ = self.raft.step(m);
    }

    /// Makes a follower forget its leader, so it can grant votes at once (used when the host
    /// knows the leader is gone). Does nothing on a leader.
    pub fn forget_leader(&mut self) -> Result<()> {
        self.raft
            .step(Message::of_type(MessageType::MsgForgetLeader))
    }

    /// Requests a linearizable read. When it can be served, a `ReadState` with `ctx` appears in a
    /// later Ready. Requests may be lost (no leader, leader change): retry after a timeout.
    pub fn read_index(&mut self, ctx: impl Into<Bytes>) {
        let mut m = Message::of_type(MessageType::MsgReadIndex);
        m.entries = vec![Entry {
            data: ctx.into(),
            ..Default::default()
        }];
        let _ = self.raft.step(m);
    }

    /// Id, hard state, soft state, applied index and any leadership transferee.
    pub fn basic_status(&self) -> BasicStatus {
        let r = &self.raft;
        BasicStatus {
            id: r.id,
            hard_state: r.hard_state(),
            soft_state: r.soft_state(),
            applied: r.raft_log.applied(),
            lead_transferee: r.lead_transferee,
        }
    }

    /// The basic status plus the configuration and, on a leader, every follower's progress.
    pub fn status(&self) -> Status {
        let r = &self.raft;
        Status {
            basic: self.basic_status(),
            config: r.trk.config.clone(),
            progress: if r.state == StateRole::Leader {
                r.trk.progress.clone()
            } else {
                Default::default()
            },
        }
    }

    /// This node's id.
    pub fn id(&self) -> u64 {
        self.raft.id
    }
    /// The current term.
    pub fn term(&self) -> u64 {
        self.raft.term
    }
    /// Whom this node voted for in the current term (0 if nobody).
    pub fn vote(&self) -> u64 {
        self.raft.vote
    }
    /// The known leader of the current term (0 if none).
    pub fn lead(&self) -> u64 {
        self.raft.lead
    }
    /// This node's role.
    pub fn state(&self) -> StateRole {
        self.raft.state
    }
    /// The commit index.
    pub fn committed(&self) -> u64 {
        self.raft.raft_log.committed()
    }
    /// The applied index.
    pub fn applied(&self) -> u64 {
        self.raft.raft_log.applied()
    }
    /// The index of the last log entry.
    pub fn last_index(&self) -> u64 {
        self.raft.raft_log.last_index()
    }
    /// Whether this node is a learner in its current configuration.
    pub fn is_learner(&self) -> bool {
        self.raft.is_learner()
    }
    /// The progress tracker: configuration and, on a leader, followers' progress.
    pub fn tracker(&self) -> &ProgressTracker {
        &self.raft.trk
    }
    /// The storage.
    pub fn store(&self) -> &S {
        self.raft.raft_log.store()
    }
    /// The storage, for the host to persist a Ready's entries, hard state and snapshots.
    pub fn store_mut(&mut self) -> &mut S {
        self.raft.raft_log.store_mut()
    }

    /// Pins the randomized election timeout to `timeout` ticks until the next reset. For tests
    /// and etcd's scenario harness.
    #[doc(hidden)]
    pub fn set_randomized_election_timeout(&mut self, timeout: usize) {
        self.raft.set_randomized_election_timeout(timeout);
    }
}

impl RawNode<MemoryStorage> {
    /// A brand-new node whose in-memory storage starts with the given voters and learners as its
    /// configuration (etcd's recommended way to bootstrap: a ConfState-only snapshot).
    pub fn new_fresh(config: &Config, voters: &[u64], learners: &[u64]) -> Result<Self> {
        let cs = ConfState {
            voters: voters.to_vec(),
            learners: learners.to_vec(),
            ..Default::default()
        };
        RawNode::new(config, MemoryStorage::new_with_conf_state(cs))
    }
}
