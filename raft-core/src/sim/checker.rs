//! The safety checker: ghost state observed from the outside of every node (what its host
//! persisted, sent and applied) and the invariants over it.
//!
//! The checker never looks inside the state machine except for a node's role, term and
//! in-memory commit index; everything else comes from the host's side of the Ready contract,
//! which is what a crash preserves. Checks are incremental so that they can run after every
//! step: each new persisted entry is checked against a global table keyed by (index, term).

use std::collections::BTreeMap;

use crate::pb::{Entry, HardState};
use crate::storage::{MemoryStorage, Storage};
use crate::StateRole;

use super::rng::Fnv;
use super::violation::Invariant;

/// A violation before the cluster adds seed, step and trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Breach {
    pub(crate) invariant: Invariant,
    pub(crate) node: u64,
    pub(crate) description: String,
}

pub(crate) type Check = Result<(), Breach>;

fn breach(invariant: Invariant, node: u64, description: String) -> Check {
    Err(Breach {
        invariant,
        node,
        description,
    })
}

/// A stable identity for an entry's content.
pub(crate) fn entry_hash(e: &Entry) -> u64 {
    Fnv::new()
        .u64(e.term)
        .u64(e.entry_type as u64)
        .bytes(&e.data)
        .finish()
}

#[derive(Clone, Debug, Default)]
struct NodeGhost {
    /// The hard state last persisted (survives crashes).
    hs: HardState,
    snap_index: u64,
    /// The persisted log's last index.
    last: u64,
    /// The term in which this node was last seen leading, while it still leads (0 otherwise).
    leading_term: u64,
    /// In-memory commit index of the current incarnation.
    mem_commit: u64,
    /// Role last observed.
    role: StateRole,
}

/// What the host handed to storage in one Ready.
pub(crate) struct Persisted<'a> {
    pub(crate) entries: &'a [Entry],
    pub(crate) snapshot: Option<(u64, u64)>,
    pub(crate) hard_state: Option<HardState>,
    /// The node's role and term when it produced the Ready.
    pub(crate) role: StateRole,
    pub(crate) term: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Checker {
    nodes: BTreeMap<u64, NodeGhost>,
    /// S1: the first node seen leading each term.
    leader_of: BTreeMap<u64, u64>,
    /// S1 on the wire: (voter, term) -> candidate granted.
    votes: BTreeMap<(u64, u64), u64>,
    /// Entries known committed: index -> (term, content hash). First observation wins.
    committed: BTreeMap<u64, (u64, u64)>,
    /// S3: (index, term) -> (content hash, term of the entry before it).
    entry_ids: BTreeMap<(u64, u64), (u64, u64)>,
    /// S5: the application's state digest after applying each index.
    digests: BTreeMap<u64, u64>,
    /// How many invariant evaluations ran (for reports).
    pub(crate) checks: u64,
}

impl Checker {
    fn ghost(&mut self, id: u64) -> &mut NodeGhost {
        self.nodes.entry(id).or_default()
    }

    /// Records the state a node starts from (bootstrap or join).
    pub(crate) fn on_create(&mut self, id: u64, storage: &MemoryStorage) -> Check {
        let hs = storage.hard_state();
        let snap_index = storage.snapshot().map(|s| s.index()).unwrap_or(0);
        {
            let g = self.ghost(id);
            g.hs = hs;
            g.snap_index = snap_index;
            g.mem_commit = hs.commit;
            g.last = storage.last_index().unwrap_or(0);
        }
        let entries = stored_entries(storage);
        self.record_entries(id, storage, &entries)?;
        self.record_commits(id, storage, 0, hs.commit)
    }

    /// A crash: the node's volatile state is gone; what it persisted stays.
    pub(crate) fn on_crash(&mut self, id: u64) {
        let g = self.ghost(id);
        g.leading_term = 0;
        g.role = StateRole::Follower;
    }

    /// A restart: the in-memory commit index starts again from the persisted one.
    pub(crate) fn on_restart(&mut self, id: u64, storage: &MemoryStorage) -> Check {
        self.checks += 1;
        let hs = storage.hard_state();
        let g = self.ghost(id);
        if hs != g.hs {
            return breach(
                Invariant::TermAndVoteMonotone,
                id,
                format!("restarted with hard state {hs:?}, persisted {:?}", g.hs),
            );
        }
        g.mem_commit = hs.commit;
        g.role = StateRole::Follower;
        g.leading_term = 0;
        Ok(())
    }

    /// After the host persisted one Ready into `storage`.
    pub(crate) fn on_persist(&mut self, id: u64, storage: &MemoryStorage, p: &Persisted) -> Check {
        self.checks += 1;
        let before = self.ghost(id).clone();
        let hs = storage.hard_state();
        // E2: term never decreases; a vote, once cast in a term, never changes.
        if hs.term < before.hs.term {
            return breach(
                Invariant::TermAndVoteMonotone,
                id,
                format!("persisted term went from {} to {}", before.hs.term, hs.term),
            );
        }
        if hs.term == before.hs.term && before.hs.vote != 0 && hs.vote != before.hs.vote {
            return breach(
                Invariant::TermAndVoteMonotone,
                id,
                format!(
                    "vote changed from {} to {} within term {}",
                    before.hs.vote, hs.vote, hs.term
                ),
            );
        }
        // E1: commit never decreases.
        if hs.commit < before.hs.commit {
            return breach(
                Invariant::CommitMonotone,
                id,
                format!(
                    "persisted commit went from {} to {}",
                    before.hs.commit, hs.commit
                ),
            );
        }
        let last = storage.last_index().unwrap_or(0);
        let snap_index = storage.snapshot().map(|s| s.index()).unwrap_or(0);
        // E5: snapshots only move forward; a snapshot never rolls back committed entries.
        if snap_index < before.snap_index {
            return breach(
                Invariant::SnapshotMonotone,
                id,
                format!(
                    "snapshot index went from {} to {snap_index}",
                    before.snap_index
                ),
            );
        }
        if let Some((sidx, sterm)) = p.snapshot {
            if sidx < before.hs.commit {
                return breach(
                    Invariant::CommittedEntryChanged,
                    id,
                    format!(
                        "installed snapshot {sidx} below the commit index {}",
                        before.hs.commit
                    ),
                );
            }
            if let Some(&(t, _)) = self.committed.get(&sidx) {
                if t != sterm {
                    return breach(
                        Invariant::StateMachineSafety,
                        id,
                        format!("snapshot at {sidx} has term {sterm}, committed entry has {t}"),
                    );
                }
            }
        }
        // S2: a leader only appends, within its term.
        if p.role == StateRole::Leader && before.leading_term == p.term && p.term != 0 {
            if p.snapshot.is_some() {
                return breach(
                    Invariant::LeaderAppendOnly,
                    id,
                    format!("leader of term {} installed a snapshot", p.term),
                );
            }
            if let Some(first) = p.entries.first() {
                if first.index != before.last + 1 {
                    return breach(
                        Invariant::LeaderAppendOnly,
                        id,
                        format!(
                            "leader of term {} appended at index {} to a log ending at {}",
                            p.term, first.index, before.last
                        ),
                    );
                }
            }
        }
        // E4: entries at or below the commit index never change or disappear.
        if last < hs.commit {
            return breach(
                Invariant::CommittedEntryChanged,
                id,
                format!("commit index {} beyond the last entry {last}", hs.commit),
            );
        }
        if let Some(first) = p.entries.first() {
            if first.index <= before.hs.commit {
                for e in p.entries.iter().filter(|e| e.index <= before.hs.commit) {
                    if let Some(&(t, h)) = self.committed.get(&e.index) {
                        if t != e.term || h != entry_hash(e) {
                            return breach(
                                Invariant::CommittedEntryChanged,
                                id,
                                format!(
                                    "committed entry {} (term {t}) overwritten by one of term {}",
                                    e.index, e.term
                                ),
                            );
                        }
                    }
                }
            }
        }
        self.record_entries(id, storage, p.entries)?;
        self.record_commits(id, storage, before.hs.commit, hs.commit)?;
        let g = self.ghost(id);
        g.hs = hs;
        g.snap_index = snap_index;
        g.last = last;
        if p.hard_state.is_some() && hs.commit > g.mem_commit {
            g.mem_commit = hs.commit;
        }
        Ok(())
    }

    /// S3 (inductive form): an (index, term) pair always names the same content preceded by
    /// the same term. By induction this is Log Matching over every log ever persisted.
    fn record_entries(&mut self, id: u64, storage: &MemoryStorage, entries: &[Entry]) -> Check {
        let first = storage.first_index().unwrap_or(1);
        for e in entries.iter().filter(|e| e.index >= first) {
            let Ok(prev_term) = storage.term(e.index - 1) else {
                continue;
            };
            let h = entry_hash(e);
            match self.entry_ids.get(&(e.index, e.term)) {
                None => {
                    self.entry_ids.insert((e.index, e.term), (h, prev_term));
                }
                Some(&(h0, p0)) if h0 == h && p0 == prev_term => {}
                Some(&(h0, p0)) => {
                    return breach(
                        Invariant::LogMatching,
                        id,
                        format!(
                            "entry {}@{}: content {h:#x} after term {prev_term}, elsewhere \
                             {h0:#x} after term {p0}",
                            e.index, e.term
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// Records entries `(from, to]` of `storage` as committed, comparing with what other nodes
    /// committed at the same indices (S5).
    fn record_commits(&mut self, id: u64, storage: &MemoryStorage, from: u64, to: u64) -> Check {
        if to <= from {
            return Ok(());
        }
        let first = storage.first_index().unwrap_or(1).max(from + 1);
        if first > to {
            return Ok(());
        }
        let Ok(ents) = storage.entries(first, to + 1, u64::MAX) else {
            return Ok(());
        };
        for e in &ents {
            self.note_committed(id, e.index, e.term, entry_hash(e))?;
        }
        Ok(())
    }

    fn note_committed(&mut self, id: u64, index: u64, term: u64, hash: u64) -> Check {
        match self.committed.get(&index) {
            None => {
                self.committed.insert(index, (term, hash));
                Ok(())
            }
            Some(&(t, h)) if t == term && h == hash => Ok(()),
            Some(&(t, _)) => breach(
                Invariant::StateMachineSafety,
                id,
                format!("index {index} committed with term {term}, elsewhere with term {t}"),
            ),
        }
    }

    /// A vote grant leaving `voter` for `candidate` in `term`, checked against what the voter
    /// persisted and against every grant it sent before.
    pub(crate) fn on_vote_grant(
        &mut self,
        voter: u64,
        candidate: u64,
        term: u64,
        persisted: HardState,
    ) -> Check {
        self.checks += 1;
        if persisted.term != term || persisted.vote != candidate {
            return breach(
                Invariant::PersistBeforeSend,
                voter,
                format!(
                    "vote for {candidate} in term {term} sent while the persisted hard state is \
                     term {} vote {}",
                    persisted.term, persisted.vote
                ),
            );
        }
        match self.votes.get(&(voter, term)) {
            None => {
                self.votes.insert((voter, term), candidate);
                Ok(())
            }
            Some(&c) if c == candidate => Ok(()),
            Some(&c) => breach(
                Invariant::SingleVotePerTerm,
                voter,
                format!("voted for {c} and for {candidate} in term {term}"),
            ),
        }
    }

    /// An append acknowledgement leaving `from`: it may only cover what is persisted.
    pub(crate) fn on_append_ack(&mut self, from: u64, index: u64, persisted_last: u64) -> Check {
        self.checks += 1;
        if index > persisted_last {
            return breach(
                Invariant::PersistBeforeSend,
                from,
                format!("acknowledged index {index} with only {persisted_last} persisted"),
            );
        }
        Ok(())
    }

    /// The node's role, term and in-memory commit after a step.
    pub(crate) fn on_observe(
        &mut self,
        id: u64,
        role: StateRole,
        term: u64,
        mem_commit: u64,
        is_voter: bool,
        storage: &MemoryStorage,
    ) -> Check {
        self.checks += 1;
        let prev_commit = self.ghost(id).mem_commit;
        if mem_commit < prev_commit {
            return breach(
                Invariant::CommitMonotone,
                id,
                format!("commit index went from {prev_commit} to {mem_commit}"),
            );
        }
        if matches!(role, StateRole::Candidate | StateRole::PreCandidate) && !is_voter {
            return breach(
                Invariant::LearnerCampaign,
                id,
                format!("campaigns in term {term} without being a voter in its configuration"),
            );
        }
        let g = self.ghost(id);
        g.mem_commit = mem_commit;
        g.role = role;
        if role != StateRole::Leader {
            g.leading_term = 0;
            return Ok(());
        }
        if g.leading_term == term {
            return Ok(());
        }
        // Newly observed leading `term`.
        g.leading_term = term;
        match self.leader_of.get(&term) {
            Some(&other) if other != id => {
                return breach(
                    Invariant::ElectionSafety,
                    id,
                    format!("node {id} leads term {term}, which node {other} led"),
                );
            }
            Some(_) => {}
            None => {
                self.leader_of.insert(term, id);
            }
        }
        // S4: the new leader holds every entry committed in an earlier term.
        let snap = storage.snapshot().map(|s| s.index()).unwrap_or(0);
        for (&index, &(t, _)) in self.committed.iter() {
            if t >= term || index <= snap {
                continue;
            }
            match storage.term(index) {
                Ok(have) if have == t => {}
                other => {
                    return breach(
                        Invariant::LeaderCompleteness,
                        id,
                        format!(
                            "leader of term {term} lacks committed entry {index}@{t} (has {other:?})"
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// An entry applied by `id`'s state machine; `digest` is the state after it.
    pub(crate) fn on_apply(&mut self, id: u64, e: &Entry, digest: u64) -> Check {
        self.checks += 1;
        self.note_committed(id, e.index, e.term, entry_hash(e))?;
        self.note_digest(id, e.index, digest)
    }

    /// A snapshot installed into `id`'s state machine.
    pub(crate) fn on_apply_snapshot(&mut self, id: u64, index: u64, digest: u64) -> Check {
        self.checks += 1;
        self.note_digest(id, index, digest)
    }

    fn note_digest(&mut self, id: u64, index: u64, digest: u64) -> Check {
        match self.digests.get(&index) {
            None => {
                self.digests.insert(index, digest);
                Ok(())
            }
            Some(&d) if d == digest => Ok(()),
            Some(&d) => breach(
                Invariant::StateMachineSafety,
                id,
                format!("state after index {index} is {digest:#x}, elsewhere {d:#x}"),
            ),
        }
    }

    /// TLA+ QuorumLogInv for a leader: its committed entry `(index, term)` is held by at least
    /// one member of every quorum of its configuration. `holds` says whether a node's persisted
    /// log (or snapshot) has it.
    pub(crate) fn quorum_log(
        &mut self,
        leader: u64,
        index: u64,
        cfg: &crate::tracker::TrackerConfig,
        holds: impl Fn(u64) -> bool,
    ) -> Check {
        self.checks += 1;
        for half in [&cfg.voters.incoming, &cfg.voters.outgoing] {
            let ids = half.ids();
            if ids.is_empty() {
                continue;
            }
            let lacking = ids.iter().filter(|&&id| !holds(id)).count();
            // The nodes lacking it must not be able to form a majority of this half...
            if lacking > ids.len() / 2 {
                // ...unless the other half blocks them (a joint quorum needs both halves).
                let other = if std::ptr::eq(half, &cfg.voters.incoming) {
                    &cfg.voters.outgoing
                } else {
                    &cfg.voters.incoming
                };
                let oids = other.ids();
                let olacking = oids.iter().filter(|&&id| !holds(id)).count();
                if oids.is_empty() || olacking > oids.len() / 2 {
                    return breach(
                        Invariant::QuorumLog,
                        leader,
                        format!(
                            "committed index {index} is missing from a quorum of {:?}",
                            cfg.voters
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// For a leader's committed entry: no voter lacking it may have a log at least as up to
    /// date as a quorum's. `logs` gives each voter's last (term, index) and whether it holds
    /// the entry.
    pub(crate) fn electable_without(
        &mut self,
        leader: u64,
        index: u64,
        cfg: &crate::tracker::TrackerConfig,
        logs: &BTreeMap<u64, ((u64, u64), bool)>,
    ) -> Check {
        self.checks += 1;
        let is_quorum = |set: &dyn Fn(u64) -> bool| {
            let maj = |ids: &std::collections::BTreeSet<u64>| {
                ids.is_empty() || ids.iter().filter(|&&id| set(id)).count() > ids.len() / 2
            };
            maj(cfg.voters.incoming.ids()) && maj(cfg.voters.outgoing.ids())
        };
        for id in cfg.voters.ids() {
            let Some(&(last_c, holds)) = logs.get(&id) else {
                continue;
            };
            if holds {
                continue;
            }
            let electors = |v: u64| logs.get(&v).is_some_and(|&(last_v, _)| last_c >= last_v);
            if is_quorum(&electors) {
                return breach(
                    Invariant::ElectableWithoutCommitted,
                    id,
                    format!(
                        "node {id} lacks entry {index} committed by leader {leader}, yet its log \
                         (last {}@{}) is as up to date as a quorum of {:?}",
                        last_c.1, last_c.0, cfg.voters
                    ),
                );
            }
        }
        Ok(())
    }

    /// The number of distinct terms that had a leader.
    pub(crate) fn leader_terms(&self) -> usize {
        self.leader_of.len()
    }

    pub(crate) fn leaders(&self) -> &BTreeMap<u64, u64> {
        &self.leader_of
    }
}

/// Every entry in storage.
fn stored_entries(storage: &MemoryStorage) -> Vec<Entry> {
    let (Ok(first), Ok(last)) = (storage.first_index(), storage.last_index()) else {
        return Vec::new();
    };
    if last < first {
        return Vec::new();
    }
    storage
        .entries(first, last + 1, u64::MAX)
        .unwrap_or_default()
}
