//! The node's view of the replicated log: what the host has persisted ([`Storage`]) followed by
//! what it has not yet ([`Unstable`]), plus the commit and apply cursors over it.
//!
//! Reads go to the unstable part first (it is newer and may replace a stored suffix) and fall
//! back to storage. Writes only ever go to the unstable part; the host moves entries to storage
//! and reports it with [`RaftLog::stable_to`] / [`RaftLog::stable_snap_to`].
//!
//! Where etcd panics because of what it was told (a leader contradicting committed entries, a
//! commit index beyond the log, an applied index out of range) this module returns a
//! [`LogError`] and leaves the log unchanged.

use std::fmt;

use prost::Message as _;

use crate::error::{Error, StorageError};
use crate::log_unstable::Unstable;
use crate::pb::{Entry, Message, Snapshot};
use crate::storage::{entries_size, limit_size, Storage};

/// The identity of a log entry: by Log Matching, two logs holding an entry with the same index
/// and term agree on everything up to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct EntryId {
    /// The term of the leader that created the entry.
    pub term: u64,
    /// The entry's position in the log.
    pub index: u64,
}

impl EntryId {
    /// The id of the entry at `index` created in `term`.
    pub(crate) const fn new(term: u64, index: u64) -> Self {
        EntryId { term, index }
    }
}

impl From<&Entry> for EntryId {
    fn from(e: &Entry) -> Self {
        EntryId::new(e.term, e.index)
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{term:{} index:{}}}", self.term, self.index)
    }
}

/// A run of consecutive entries as a leader sends them: the entries, the id of the entry right
/// before them (which the receiver must already hold for the run to attach), and the term of
/// the leader whose log they come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LogSlice {
    /// The term of the leader whose log contains these entries.
    pub term: u64,
    /// The entry immediately preceding `entries`.
    pub prev: EntryId,
    /// The entries, at indices `prev.index + 1 ..`.
    pub entries: Vec<Entry>,
}

impl LogSlice {
    /// The index of the last entry (`prev.index` when there are none).
    pub(crate) fn last_index(&self) -> u64 {
        self.prev.index.saturating_add(self.entries.len() as u64)
    }

    /// The id of the last entry (`prev` when there are none).
    #[cfg(test)]
    pub(crate) fn last_entry_id(&self) -> EntryId {
        self.entries.last().map_or(self.prev, EntryId::from)
    }

    /// Checks that this could be a piece of a real leader's log: indices follow `prev` one by
    /// one, terms never decrease, and no term exceeds the leader's.
    #[cfg(test)]
    pub(crate) fn validate(&self) -> Result<(), String> {
        check_slice(self.term, self.prev, &self.entries)
    }
}

/// The check behind [`LogSlice::validate`], on borrowed parts so that a received message can be
/// checked before its entries are moved anywhere.
pub(crate) fn check_slice(term: u64, prev: EntryId, entries: &[Entry]) -> Result<(), String> {
    let mut prev = prev;
    for e in entries {
        let id = EntryId::from(e);
        if id.term < prev.term || Some(id.index) != prev.index.checked_add(1) {
            return Err(format!(
                "leader term {term}: entries {prev} and {id} not consistent"
            ));
        }
        prev = id;
    }
    // Only the entries themselves must respect the leader's term: an anchor from a newer term
    // cannot match a real log and is answered with a rejection, as in etcd.
    if !entries.is_empty() && term < prev.term {
        return Err(format!("leader term {term}: entry {prev} has a newer term"));
    }
    Ok(())
}

/// Why a log operation was refused. The log is unchanged whenever one of these is returned.
///
/// The texts follow etcd's panic messages so that logs stay comparable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The leader sent entries that contradict an entry this node already knows is committed.
    #[error("entry {index} conflict with committed entry [committed({committed})]")]
    ConflictWithCommitted {
        /// The first conflicting index.
        index: u64,
        /// This node's commit index.
        committed: u64,
    },
    /// A commit index beyond the last entry of the log.
    #[error(
        "tocommit({to_commit}) is out of range [lastIndex({last_index})]. \
         Was the raft log corrupted, truncated, or lost?"
    )]
    CommitOutOfRange {
        /// The commit index asked for.
        to_commit: u64,
        /// The log's last index.
        last_index: u64,
    },
    /// An append that would overwrite committed entries.
    #[error("after({after}) is out of range [committed({committed})]")]
    AppendBelowCommitted {
        /// The index after which the entries would go.
        after: u64,
        /// This node's commit index.
        committed: u64,
    },
    /// Entries that cannot form part of the log: indices not consecutive, index 0, or a gap
    /// after the log's last entry.
    #[error("invalid entries: {0}")]
    InvalidEntries(String),
    /// An applied index below the previous one or above the commit index.
    #[error(
        "applied({applied}) is out of range [prevApplied({prev_applied}), committed({committed})]"
    )]
    AppliedOutOfRange {
        /// The applied index reported.
        applied: u64,
        /// The applied index before.
        prev_applied: u64,
        /// The commit index.
        committed: u64,
    },
    /// No byte budget left to hand out committed entries: `max_applying_ents_size` is 0, or the
    /// pause that should have prevented the call was lifted by hand.
    #[error("applying entry size ({max}-{outstanding}) not positive")]
    ApplyBudgetExhausted {
        /// The configured budget.
        max: u64,
        /// The bytes handed out and not yet acknowledged.
        outstanding: u64,
    },
    /// The storage failed, or answered something that contradicts the log.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl LogError {
    /// The crate error for this refusal when it was caused by message `m`: protocol violations
    /// become [`Error::InvalidMessage`] naming the message type and sender, storage failures
    /// stay [`Error::Storage`].
    pub fn for_message(self, m: &Message) -> Error {
        match self {
            LogError::Storage(e) => Error::Storage(e),
            other => Error::InvalidMessage {
                msg_type: m
                    .kind()
                    .map_or_else(|| m.msg_type.to_string(), |k| format!("{k:?}")),
                from: m.from,
                reason: other.to_string(),
            },
        }
    }
}

impl From<LogError> for Error {
    /// Without a message to blame: API misuse for the apply cursor, corrupt state for the rest
    /// (a commit index or entries that contradict the log can only come from a peer, which
    /// callers report with `LogError::for_message`, or from the node's own persisted state).
    fn from(e: LogError) -> Self {
        match e {
            LogError::Storage(e) => Error::Storage(e),
            LogError::AppliedOutOfRange { .. } | LogError::ApplyBudgetExhausted { .. } => {
                Error::Misuse(e.to_string())
            }
            other => Error::CorruptState(other.to_string()),
        }
    }
}

/// The log as Raft uses it: stable storage followed by the unstable tail, with the commit and
/// apply cursors.
///
/// # Storage errors on `first_index` / `last_index`
///
/// These two are asked constantly and are infallible here:
///
/// * `last_index` never asks storage. The unstable log knows it whenever it holds entries or a
///   snapshot; otherwise storage's last entry is the one just before `unstable.offset`. That is
///   true after [`RaftLog::new`] (which reads it from storage) and stays true under the host
///   contract (persist exactly what `Ready` hands out, then report it): the unstable log only
///   becomes empty when the host reports its last entry (or its snapshot) persisted. The term
///   of that entry is kept alongside (`stable_last`), so [`RaftLog::last_entry_id`] needs no
///   storage read either. `new` therefore also reads `storage.term(last_index)`.
/// * `first_index` depends on compaction, which the host does behind Raft's back, so storage is
///   asked each time. If it fails, the last first index known to this log is used instead
///   (`storage_first_fallback`). That value can only be too low, never too high: the log may
///   then read an index storage no longer has, and storage answers
///   [`StorageError::Compacted`] itself, which is reported as usual.
#[derive(Debug)]
pub(crate) struct RaftLog<S: Storage> {
    /// Everything persisted since the last snapshot.
    pub(crate) storage: S,
    /// Entries and snapshot not yet persisted.
    unstable: Unstable,

    // Invariant (checked by `debug_check` wherever these change):
    //   applied <= applying <= committed <= last_index()
    //   committed >= first_index() - 1   (the host compacts only what was applied)
    /// The highest index known to be persisted on a quorum.
    committed: u64,
    /// The highest index handed to the application for applying (some may still be in flight).
    applying: u64,
    /// The highest index the application reported applied.
    applied: u64,

    /// The most bytes of committed entries that may be handed out and not yet acknowledged as
    /// applied (`u64::MAX`: no limit).
    max_applying_ents_size: u64,
    /// Bytes handed out by `next_committed_ents` and accepted, not yet acknowledged.
    applying_ents_size: u64,
    /// Set when the outstanding bytes reached the limit (or the last batch was cut short by
    /// it); no more committed entries are handed out until some are acknowledged.
    applying_ents_paused: bool,

    /// The id of storage's last entry, valid whenever the unstable log holds neither entries
    /// nor a snapshot (then `stable_last.index == unstable.offset() - 1`).
    stable_last: EntryId,
    /// Used as `first_index` when storage cannot say (see the type's docs).
    storage_first_fallback: u64,
}

impl<S: Storage> RaftLog<S> {
    /// A log over `storage`, with everything stored considered committed and applied up to the
    /// storage's snapshot. `max_applying_ents_size` bounds the bytes of committed entries handed
    /// out and not yet acknowledged (`u64::MAX`: no limit).
    pub(crate) fn new(storage: S, max_applying_ents_size: u64) -> Result<Self, StorageError> {
        let first = storage.first_index()?;
        let last = storage.last_index()?;
        if first == 0 || first > last.saturating_add(1) {
            return Err(StorageError::Other(format!(
                "storage reports first index {first} and last index {last}"
            )));
        }
        let last_term = storage.term(last)?;
        let log = RaftLog {
            storage,
            unstable: Unstable::new(last.saturating_add(1)),
            committed: first - 1,
            applying: first - 1,
            applied: first - 1,
            max_applying_ents_size,
            applying_ents_size: 0,
            applying_ents_paused: false,
            stable_last: EntryId::new(last_term, last),
            storage_first_fallback: first,
        };
        log.debug_check();
        Ok(log)
    }

    fn debug_check(&self) {
        debug_assert!(
            self.applied <= self.applying
                && self.applying <= self.committed
                && self.committed <= self.last_index(),
            "raft log invariant violated: applied {} <= applying {} <= committed {} <= last {}",
            self.applied,
            self.applying,
            self.committed,
            self.last_index()
        );
        debug_assert!(
            self.unstable
                .snapshot()
                .map_or(true, |s| self.committed >= s.index()),
            "committed {} below the unstable snapshot",
            self.committed
        );
    }

    /// The storage.
    pub(crate) fn store(&self) -> &S {
        &self.storage
    }

    /// The storage, for the host to persist into or compact.
    pub(crate) fn store_mut(&mut self) -> &mut S {
        &mut self.storage
    }

    /// The unstable part of the log.
    #[cfg(test)]
    pub(crate) fn unstable(&self) -> &Unstable {
        &self.unstable
    }

    /// The commit index.
    pub(crate) fn committed(&self) -> u64 {
        self.committed
    }

    /// The applied index.
    pub(crate) fn applied(&self) -> u64 {
        self.applied
    }

    /// The highest index handed out for applying.
    #[cfg(test)]
    pub(crate) fn applying(&self) -> u64 {
        self.applying
    }

    /// The byte budget for committed entries in flight to the application.
    pub(crate) fn max_applying_ents_size(&self) -> u64 {
        self.max_applying_ents_size
    }

    /// Whether handing out committed entries is paused until some are acknowledged.
    #[cfg(test)]
    pub(crate) fn applying_ents_paused(&self) -> bool {
        self.applying_ents_paused
    }

    /// Appends the leader's entries `a` if they attach to this log (the entry before them
    /// matches), and advances the commit index to `min(committed, last new index)`.
    ///
    /// Returns `Ok(None)` if `a.prev` does not match (the leader must back up), and
    /// `Ok(Some(last new index))` otherwise. Entries already present are kept; from the first
    /// conflicting entry on, the log's tail is replaced.
    ///
    /// Errors (log unchanged): a conflict at or below the commit index, or entries whose
    /// indices do not follow `a.prev` one by one.
    pub(crate) fn maybe_append(
        &mut self,
        a: LogSlice,
        committed: u64,
    ) -> Result<Option<u64>, LogError> {
        if !self.match_term(a.prev) {
            return Ok(None);
        }
        check_consecutive(Some(a.prev.index), &a.entries)?;
        let last_new = a.last_index();
        let conflict = self.find_conflict(&a.entries);
        if conflict != 0 && conflict <= self.committed {
            return Err(LogError::ConflictWithCommitted {
                index: conflict,
                committed: self.committed,
            });
        }
        let to_commit = committed.min(last_new);
        // After the append the log ends at `last_new` if anything conflicted, and otherwise
        // already contains all of `a`; either way `to_commit <= last_new <= last index`.
        debug_assert!(conflict != 0 || last_new <= self.last_index());
        if conflict != 0 {
            let skip = (conflict - a.prev.index - 1) as usize;
            let mut entries = a.entries;
            entries.drain(..skip);
            // `conflict > committed`, so this appends after a committed index and attaches
            // within the log: it cannot fail.
            self.unstable.truncate_and_append_owned(entries);
        }
        if to_commit > self.committed {
            self.committed = to_commit;
        }
        self.debug_check();
        Ok(Some(last_new))
    }

    /// Checks that entries starting at `from` may be appended: not over committed entries, and
    /// not leaving a gap after the last entry.
    fn check_append_at(&self, from: u64) -> Result<(), LogError> {
        let Some(after) = from.checked_sub(1) else {
            return Err(LogError::InvalidEntries("entry with index 0".into()));
        };
        if after < self.committed {
            return Err(LogError::AppendBelowCommitted {
                after,
                committed: self.committed,
            });
        }
        let last = self.last_index();
        if after > last {
            return Err(LogError::InvalidEntries(format!(
                "append at {from} leaves a gap after last index {last}"
            )));
        }
        Ok(())
    }

    /// Appends `ents` (consecutive indices) to the unstable log, replacing any entries at the
    /// same or higher indices, and returns the new last index.
    ///
    /// Errors (log unchanged): the first entry would overwrite a committed one or leave a gap,
    /// or the indices are not consecutive.
    #[cfg(test)]
    pub(crate) fn append(&mut self, ents: &[Entry]) -> Result<u64, LogError> {
        let Some(first) = ents.first() else {
            return Ok(self.last_index());
        };
        self.check_append_at(first.index)?;
        check_consecutive(None, ents)?;
        self.unstable.truncate_and_append(ents);
        self.debug_check();
        Ok(self.last_index())
    }

    /// Like [`RaftLog::append`], taking the entries by value so that they enter the log without
    /// being copied (the leader's proposals, on the hot path).
    pub(crate) fn append_owned(&mut self, ents: Vec<Entry>) -> Result<u64, LogError> {
        let Some(first) = ents.first() else {
            return Ok(self.last_index());
        };
        self.check_append_at(first.index)?;
        check_consecutive(None, &ents)?;
        self.unstable.truncate_and_append_owned(ents);
        self.debug_check();
        Ok(self.last_index())
    }

    /// The index of the first entry of `ents` that is not in this log: either it conflicts (same
    /// index, other term) or it is beyond the last index. 0 if the log holds all of `ents`.
    /// `ents` must have consecutive indices.
    pub(crate) fn find_conflict(&self, ents: &[Entry]) -> u64 {
        ents.iter()
            .map(EntryId::from)
            .find(|&id| !self.match_term(id))
            .map_or(0, |id| id.index)
    }

    /// A guess at where this log stops agreeing with another log of which only one entry
    /// `(index, term)` is known: the largest index `<= index` whose term is `<= term` or
    /// unknown (compacted or not stored), with that term (0 if unknown).
    ///
    /// Leaders and followers use it to skip over a whole run of mismatching entries per
    /// rejected append, rather than backing up one entry at a time.
    pub(crate) fn find_conflict_by_term(&self, index: u64, term: u64) -> (u64, u64) {
        let mut index = index;
        while index > 0 {
            match self.term(index) {
                // Unknown: it might match, so stop here.
                Err(_) => return (index, 0),
                Ok(ours) if ours <= term => return (index, ours),
                Ok(_) => index -= 1,
            }
        }
        (0, 0)
    }

    /// The entries the host should persist next (not already handed out).
    pub(crate) fn next_unstable_ents(&self) -> &[Entry] {
        self.unstable.next_entries()
    }

    /// Whether there are entries to hand to the host for persisting.
    pub(crate) fn has_next_unstable_ents(&self) -> bool {
        !self.next_unstable_ents().is_empty()
    }

    /// Whether there are unstable entries, handed out or not.
    pub(crate) fn has_next_or_in_progress_unstable_ents(&self) -> bool {
        !self.unstable.entries().is_empty()
    }

    /// The committed entries to hand to the application next, within the byte budget (at least
    /// one entry if any is due). With `allow_unstable`, entries not yet persisted locally may be
    /// included (they are committed, so persisted on a quorum).
    ///
    /// Nothing is returned while a snapshot is pending: it must be applied first.
    pub(crate) fn next_committed_ents(&self, allow_unstable: bool) -> Result<Vec<Entry>, LogError> {
        if self.applying_ents_paused || self.has_next_or_in_progress_snapshot() {
            return Ok(Vec::new());
        }
        let lo = self.applying.saturating_add(1);
        let hi = self.max_appliable_index(allow_unstable).saturating_add(1);
        if lo >= hi {
            return Ok(Vec::new());
        }
        let max_size = if self.max_applying_ents_size == u64::MAX {
            // No limit: keep the slice's no-size-computation fast path.
            u64::MAX
        } else {
            self.max_applying_ents_size
                .saturating_sub(self.applying_ents_size)
        };
        if max_size == 0 {
            return Err(LogError::ApplyBudgetExhausted {
                max: self.max_applying_ents_size,
                outstanding: self.applying_ents_size,
            });
        }
        Ok(self.slice(lo, hi, max_size)?)
    }

    /// Whether [`RaftLog::next_committed_ents`] would return something (without reading any
    /// entries).
    pub(crate) fn has_next_committed_ents(&self, allow_unstable: bool) -> bool {
        if self.applying_ents_paused || self.has_next_or_in_progress_snapshot() {
            // A pending snapshot goes first; handing out entries too would leave the
            // application unsure what to apply first.
            return false;
        }
        self.applying < self.max_appliable_index(allow_unstable)
    }

    /// The highest committed index that may be applied: entries not persisted locally count
    /// only with `allow_unstable`.
    fn max_appliable_index(&self, allow_unstable: bool) -> u64 {
        if allow_unstable {
            self.committed
        } else {
            self.committed.min(self.unstable.offset().saturating_sub(1))
        }
    }

    /// The snapshot the host should persist next, if any (not already handed out).
    pub(crate) fn next_unstable_snapshot(&self) -> Option<&Snapshot> {
        self.unstable.next_snapshot()
    }

    /// Whether there is a snapshot to hand to the host.
    pub(crate) fn has_next_unstable_snapshot(&self) -> bool {
        self.unstable.next_snapshot().is_some()
    }

    /// Whether a snapshot is waiting to be persisted, handed out or not.
    pub(crate) fn has_next_or_in_progress_snapshot(&self) -> bool {
        self.unstable.snapshot().is_some()
    }

    /// The latest snapshot: the unstable one if any, else storage's.
    pub(crate) fn snapshot(&self) -> Result<Snapshot, StorageError> {
        match self.unstable.snapshot() {
            Some(s) => Ok(s.clone()),
            None => self.storage.snapshot(),
        }
    }

    /// The index of the first entry that may still be read. See the type's docs for what
    /// happens when storage cannot say.
    pub(crate) fn first_index(&self) -> u64 {
        if let Some(i) = self.unstable.maybe_first_index() {
            return i;
        }
        self.storage
            .first_index()
            .unwrap_or(self.storage_first_fallback)
    }

    /// The index of the last entry. Never reads storage (see the type's docs).
    pub(crate) fn last_index(&self) -> u64 {
        self.unstable
            .maybe_last_index()
            .unwrap_or_else(|| self.unstable.offset().saturating_sub(1))
    }

    /// Advances the commit index to `to` (never lowers it).
    ///
    /// Errors (nothing changes): `to` is beyond the last index.
    pub(crate) fn commit_to(&mut self, to: u64) -> Result<(), LogError> {
        if to <= self.committed {
            return Ok(());
        }
        let last_index = self.last_index();
        if to > last_index {
            return Err(LogError::CommitOutOfRange {
                to_commit: to,
                last_index,
            });
        }
        self.committed = to;
        self.debug_check();
        Ok(())
    }

    /// The application applied everything up to `i`, which releases `size` bytes of the apply
    /// budget (and may lift the pause).
    ///
    /// Errors (nothing changes): `i` is below the applied index or above the commit index.
    pub(crate) fn applied_to(&mut self, i: u64, size: u64) -> Result<(), LogError> {
        if i > self.committed || i < self.applied {
            return Err(LogError::AppliedOutOfRange {
                applied: i,
                prev_applied: self.applied,
                committed: self.committed,
            });
        }
        self.applied = i;
        self.applying = self.applying.max(i);
        // Saturating: a host that over-reports must not wrap the counter.
        self.applying_ents_size = self.applying_ents_size.saturating_sub(size);
        self.applying_ents_paused = self.applying_ents_size >= self.max_applying_ents_size;
        self.debug_check();
        Ok(())
    }

    /// Committed entries up to `i` totalling `size` bytes were handed to the application.
    ///
    /// Pauses handing out more when the outstanding bytes reach the budget, or when `i` is short
    /// of what could have been handed out (the batch was cut by the budget, so the next entry
    /// would exceed it).
    ///
    /// `i` comes from entries this log returned, so it is within `[applied, committed]`; a call
    /// outside that range is a bug in the caller and is ignored in release builds.
    pub(crate) fn accept_applying(&mut self, i: u64, size: u64, allow_unstable: bool) {
        debug_assert!(
            self.applied <= i && i <= self.committed,
            "applying({i}) is out of range [applied({}), committed({})]",
            self.applied,
            self.committed
        );
        if i < self.applied || i > self.committed {
            return;
        }
        self.applying = i;
        self.applying_ents_size = self.applying_ents_size.saturating_add(size);
        self.applying_ents_paused = self.applying_ents_size >= self.max_applying_ents_size
            || i < self.max_appliable_index(allow_unstable);
        self.debug_check();
    }

    /// The host persisted entries up to `id`. Ignored if `id` is not (or no longer) an unstable
    /// entry, e.g. because the tail was replaced while the write was in flight.
    pub(crate) fn stable_to(&mut self, id: EntryId) {
        if self.unstable.stable_to(id) {
            self.stable_last = id;
        }
    }

    /// The host persisted the snapshot at `index`. Ignored unless it is the unstable snapshot.
    pub(crate) fn stable_snap_to(&mut self, index: u64) {
        let Some(snap_id) = self
            .unstable
            .snapshot()
            .filter(|s| s.index() == index)
            .map(|s| EntryId::new(s.term(), s.index()))
        else {
            return;
        };
        self.unstable.stable_snap_to(index);
        self.storage_first_fallback = index.saturating_add(1);
        if self.unstable.offset() == index.saturating_add(1) {
            // No entry after the snapshot was persisted yet: the snapshot is storage's end.
            self.stable_last = snap_id;
        }
    }

    /// Everything currently unstable has been handed to the host for persisting.
    pub(crate) fn accept_unstable(&mut self) {
        self.unstable.accept_in_progress();
    }

    /// The id of the last entry. Never reads storage (see the type's docs).
    pub(crate) fn last_entry_id(&self) -> EntryId {
        let index = self.last_index();
        if let Some(term) = self.unstable.maybe_term(index) {
            return EntryId::new(term, index);
        }
        debug_assert_eq!(self.stable_last.index, index, "stale stable_last");
        self.stable_last
    }

    /// The term of the entry at `i`, valid for `[first_index() - 1, last_index()]`: below that
    /// [`StorageError::Compacted`], above it [`StorageError::Unavailable`]. Other storage errors
    /// are passed on.
    pub(crate) fn term(&self, i: u64) -> Result<u64, StorageError> {
        // The unstable part first: it needs no storage access, and whatever it knows is within
        // the valid range.
        if let Some(t) = self.unstable.maybe_term(i) {
            return Ok(t);
        }
        // The entry before the first one is compacted, but its term is kept for matching.
        if i < self.first_index().saturating_sub(1) {
            return Err(StorageError::Compacted);
        }
        if i > self.last_index() {
            return Err(StorageError::Unavailable);
        }
        self.storage.term(i)
    }

    /// The entries from `i` to the end, within `max_size` bytes (at least one). Empty if `i` is
    /// beyond the last index.
    pub(crate) fn entries(&self, i: u64, max_size: u64) -> Result<Vec<Entry>, StorageError> {
        let last = self.last_index();
        if i > last {
            return Ok(Vec::new());
        }
        self.slice(i, last.saturating_add(1), max_size)
    }

    /// All entries of the log (empty if storage fails to produce them).
    #[cfg(test)]
    pub(crate) fn all_entries(&self) -> Vec<Entry> {
        self.entries(self.first_index(), u64::MAX)
            .unwrap_or_default()
    }

    /// Whether a log ending with `their` is at least as up to date as this one: a later last
    /// term wins, and with equal last terms the longer log wins (ties count as up to date).
    pub(crate) fn is_up_to_date(&self, their: EntryId) -> bool {
        let our = self.last_entry_id();
        their.term > our.term || (their.term == our.term && their.index >= our.index)
    }

    /// Whether this log holds the entry `id`.
    pub(crate) fn match_term(&self, id: EntryId) -> bool {
        self.term(id.index).is_ok_and(|t| t == id.term)
    }

    /// Commits up to `at` if that advances the commit index and this log holds `at`. A term of
    /// 0 never matches (a real leader has term >= 1). Returns whether the commit index moved.
    pub(crate) fn maybe_commit(&mut self, at: EntryId) -> bool {
        if at.term != 0 && at.index > self.committed && self.match_term(at) {
            // `match_term` implies `at.index <= last_index()`.
            self.committed = at.index;
            self.debug_check();
            return true;
        }
        false
    }

    /// Replaces the log with snapshot `s`, which becomes the commit index. The caller has
    /// checked that `s` is newer than the commit index.
    pub(crate) fn restore(&mut self, s: Snapshot) {
        self.committed = s.index();
        self.unstable.restore(s);
        self.debug_check();
    }

    /// Visits the entries in `[lo, hi)` in pages of at most `page_size` bytes (a page holds one
    /// entry at least), in order. Stops at the first error, from the log or from `f`; a
    /// caller-defined error type lets `f` break out early.
    pub(crate) fn scan<E, F>(&self, lo: u64, hi: u64, page_size: u64, mut f: F) -> Result<(), E>
    where
        E: From<LogError>,
        F: FnMut(&[Entry]) -> Result<(), E>,
    {
        let mut lo = lo;
        while lo < hi {
            let ents = self
                .slice(lo, hi, page_size)
                .map_err(|e| E::from(LogError::Storage(e)))?;
            if ents.is_empty() {
                return Err(E::from(LogError::Storage(StorageError::Other(format!(
                    "got 0 entries in [{lo}, {hi})"
                )))));
            }
            f(&ents)?;
            lo += ents.len() as u64;
        }
        Ok(())
    }

    /// The entries in `[lo, hi)`, within `max_size` bytes (at least one if the range is not
    /// empty).
    ///
    /// Errors: [`StorageError::Compacted`] if `lo` is below the first index;
    /// [`StorageError::InvalidRequest`] if `lo > hi` or `hi` is beyond the last index plus one;
    /// storage errors, including storage answering something other than the requested range.
    pub(crate) fn slice(
        &self,
        lo: u64,
        hi: u64,
        max_size: u64,
    ) -> Result<Vec<Entry>, StorageError> {
        self.check_bounds(lo, hi)?;
        if lo == hi {
            return Ok(Vec::new());
        }
        let offset = self.unstable.offset();
        if lo >= offset {
            let ents = self.unstable.slice(lo, hi);
            return Ok(ents[..limit_size(ents, max_size)].to_vec());
        }

        let cut = hi.min(offset);
        let mut ents = self.storage.entries(lo, cut, max_size)?;
        check_storage_answer(&ents, lo, cut)?;
        if hi <= offset {
            return Ok(ents);
        }
        // Storage stopped short of `cut`: the size limit is reached.
        if (ents.len() as u64) < cut - lo {
            return Ok(ents);
        }
        let unstable = self.unstable.slice(offset, hi);
        if max_size == u64::MAX {
            ents.extend_from_slice(unstable);
            return Ok(ents);
        }
        let size = entries_size(&ents);
        if size >= max_size {
            return Ok(ents);
        }
        let take = limit_size(unstable, max_size - size);
        // `limit_size` lets a single entry exceed the budget; here the budget is shared with
        // the stored part, which already guarantees progress, so such an entry is left out.
        if take == 1 && size.saturating_add(unstable[0].encoded_len() as u64) > max_size {
            return Ok(ents);
        }
        ents.reserve_exact(take);
        ents.extend_from_slice(&unstable[..take]);
        Ok(ents)
    }

    /// `first_index() <= lo <= hi <= last_index() + 1`, else the matching error.
    fn check_bounds(&self, lo: u64, hi: u64) -> Result<(), StorageError> {
        if lo > hi {
            return Err(StorageError::InvalidRequest(format!(
                "invalid slice {lo} > {hi}"
            )));
        }
        let first = self.first_index();
        if lo < first {
            return Err(StorageError::Compacted);
        }
        let last = self.last_index();
        if hi > last.saturating_add(1) {
            return Err(StorageError::InvalidRequest(format!(
                "slice[{lo},{hi}) out of bound [{first},{last}]"
            )));
        }
        Ok(())
    }

    /// Maps "out of bounds" term lookups to term 0 (unknown), passing other errors on.
    #[cfg(test)]
    pub(crate) fn zero_term_on_out_of_bounds(
        r: Result<u64, StorageError>,
    ) -> Result<u64, StorageError> {
        match r {
            Err(StorageError::Compacted | StorageError::Unavailable) => Ok(0),
            other => other,
        }
    }
}

impl<S: Storage> fmt::Display for RaftLog<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "committed={}, applied={}, applying={}, unstable.offset={}, \
             unstable.offsetInProgress={}, len(unstable.Entries)={}",
            self.committed,
            self.applied,
            self.applying,
            self.unstable.offset(),
            self.unstable.offset_in_progress(),
            self.unstable.entries().len()
        )
    }
}

/// Checks that `ents` have consecutive indices, following `prev` if given.
fn check_consecutive(prev: Option<u64>, ents: &[Entry]) -> Result<(), LogError> {
    let mut expected = match (prev, ents.first()) {
        (_, None) => return Ok(()),
        (Some(p), Some(_)) => p.checked_add(1),
        (None, Some(first)) => Some(first.index),
    };
    for e in ents {
        if expected != Some(e.index) {
            return Err(LogError::InvalidEntries(format!(
                "index {} where {} was expected",
                e.index,
                expected.map_or_else(|| "nothing".to_string(), |i| i.to_string())
            )));
        }
        expected = e.index.checked_add(1);
    }
    Ok(())
}

/// Checks that storage answered a request for `[lo, hi)` with a non-empty prefix of it.
fn check_storage_answer(ents: &[Entry], lo: u64, hi: u64) -> Result<(), StorageError> {
    let ok = match (ents.first(), ents.last()) {
        (Some(first), Some(last)) => {
            first.index == lo
                && ents.len() as u64 <= hi - lo
                && last.index == lo + ents.len() as u64 - 1
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(StorageError::Other(format!(
            "storage answered entries [{lo}, {hi}) with {} entries starting at {:?}",
            ents.len(),
            ents.first().map(|e| e.index)
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use bytes::Bytes;

    use super::*;
    use crate::test_util::{ents, snap};

    type EntriesResult = Result<Vec<Entry>, StorageError>;
    use crate::pb::EntryType;
    use crate::storage::MemoryStorage;

    const NO_LIMIT: u64 = u64::MAX;

    /// `to - from` entries at consecutive indices from `first`, with terms `from..to`.
    fn term_range(first: u64, from: u64, to: u64) -> Vec<Entry> {
        (from..to)
            .zip(first..)
            .map(|(term, index)| Entry {
                term,
                index,
                entry_type: EntryType::EntryNormal as i32,
                ..Entry::default()
            })
            .collect()
    }

    fn id(term: u64, index: u64) -> EntryId {
        EntryId::new(term, index)
    }

    fn new_log(storage: MemoryStorage) -> RaftLog<MemoryStorage> {
        RaftLog::new(storage, NO_LIMIT).unwrap()
    }

    /// A log whose entries 1..=terms.len() are unstable.
    fn log_with(terms: &[u64]) -> RaftLog<MemoryStorage> {
        let mut log = new_log(MemoryStorage::new());
        log.append(&ents(1, terms)).unwrap();
        log
    }

    fn storage_with_snapshot(index: u64, term: u64) -> MemoryStorage {
        let mut s = MemoryStorage::new();
        s.apply_snapshot(snap(index, term)).unwrap();
        s
    }

    /// Everything observable about a log's state, to check that refused calls change nothing.
    fn state(log: &RaftLog<MemoryStorage>) -> (Unstable, [u64; 5], bool, EntryId) {
        (
            log.unstable.clone(),
            [
                log.committed,
                log.applying,
                log.applied,
                log.applying_ents_size,
                log.last_index(),
            ],
            log.applying_ents_paused,
            log.stable_last,
        )
    }

    #[test]
    fn find_conflict() {
        let cases = [
            (vec![], 0),
            // No conflict.
            (ents(1, &[1, 2, 3]), 0),
            (ents(2, &[2, 3]), 0),
            (ents(3, &[3]), 0),
            // No conflict, but new entries.
            (ents(1, &[1, 2, 3, 4, 4]), 4),
            (ents(2, &[2, 3, 4, 5]), 4),
            (ents(3, &[3, 4, 4]), 4),
            (ents(4, &[4, 4]), 4),
            // Conflicts with existing entries.
            (ents(1, &[4, 4]), 1),
            (ents(2, &[1, 4, 4]), 2),
            (ents(3, &[1, 2, 4, 4]), 3),
        ];
        for (i, (input, want)) in cases.into_iter().enumerate() {
            let log = log_with(&[1, 2, 3]);
            assert_eq!(log.find_conflict(&input), want, "case {i}");
        }
    }

    #[test]
    fn find_conflict_by_term() {
        // (snapshot (index, term), terms after it, index, term, want index)
        let cases = [
            // Log starts at index 1.
            ((0, 0), vec![2, 2, 5, 5, 5], 100, 2, 100), // Unavailable
            ((0, 0), vec![2, 2, 5, 5, 5], 5, 6, 5),
            ((0, 0), vec![2, 2, 5, 5, 5], 5, 5, 5),
            ((0, 0), vec![2, 2, 5, 5, 5], 5, 4, 2),
            ((0, 0), vec![2, 2, 5, 5, 5], 5, 2, 2),
            ((0, 0), vec![2, 2, 5, 5, 5], 5, 1, 0),
            ((0, 0), vec![2, 2, 5, 5, 5], 1, 2, 1),
            ((0, 0), vec![2, 2, 5, 5, 5], 1, 1, 0),
            ((0, 0), vec![2, 2, 5, 5, 5], 0, 0, 0),
            // Log with compacted entries.
            ((10, 3), vec![3, 3, 4, 4, 4], 30, 3, 30), // Unavailable
            ((10, 3), vec![3, 3, 4, 4, 4], 14, 9, 14),
            ((10, 3), vec![3, 3, 4, 4, 4], 14, 4, 14),
            ((10, 3), vec![3, 3, 4, 4, 4], 14, 3, 12),
            ((10, 3), vec![3, 3, 4, 4, 4], 14, 2, 9),
            ((10, 3), vec![3, 3, 4, 4, 4], 11, 5, 11),
            ((10, 3), vec![3, 3, 4, 4, 4], 10, 5, 10),
            ((10, 3), vec![3, 3, 4, 4, 4], 10, 3, 10),
            ((10, 3), vec![3, 3, 4, 4, 4], 10, 2, 9),
            ((10, 3), vec![3, 3, 4, 4, 4], 9, 2, 9), // Compacted
            ((10, 3), vec![3, 3, 4, 4, 4], 4, 2, 4), // Compacted
            ((10, 3), vec![3, 3, 4, 4, 4], 0, 0, 0), // Compacted
        ];
        for (i, ((si, st), terms, index, term, want)) in cases.into_iter().enumerate() {
            let mut log = new_log(storage_with_snapshot(si, st));
            log.append(&ents(si + 1, &terms)).unwrap();
            let (gi, gt) = log.find_conflict_by_term(index, term);
            assert_eq!(gi, want, "case {i}");
            let want_term =
                RaftLog::<MemoryStorage>::zero_term_on_out_of_bounds(log.term(gi)).unwrap();
            assert_eq!(gt, want_term, "case {i}");
        }
    }

    #[test]
    fn is_up_to_date() {
        let log = log_with(&[1, 2, 3]);
        let last = log.last_index();
        let cases = [
            // Greater term: index ignored.
            (last - 1, 4, true),
            (last, 4, true),
            (last + 1, 4, true),
            // Smaller term: index ignored.
            (last - 1, 2, false),
            (last, 2, false),
            (last + 1, 2, false),
            // Equal term: equal or larger index wins.
            (last - 1, 3, false),
            (last, 3, true),
            (last + 1, 3, true),
        ];
        for (index, term, want) in cases {
            assert_eq!(
                log.is_up_to_date(id(term, index)),
                want,
                "({index}, {term})"
            );
        }
    }

    #[test]
    fn append() {
        // (to append, returned last index, all entries after, unstable offset)
        let cases = [
            (vec![], 2, ents(1, &[1, 2]), 3),
            (ents(3, &[2]), 3, ents(1, &[1, 2, 2]), 3),
            // Conflicts with index 1.
            (ents(1, &[2]), 1, ents(1, &[2]), 1),
            // Conflicts with index 2.
            (ents(2, &[3, 3]), 3, ents(1, &[1, 3, 3]), 2),
        ];
        for (i, (input, windex, wents, woffset)) in cases.into_iter().enumerate() {
            for owned in [false, true] {
                let mut storage = MemoryStorage::new();
                storage.append(&ents(1, &[1, 2])).unwrap();
                let mut log = new_log(storage);
                let got = if owned {
                    log.append_owned(input.clone())
                } else {
                    log.append(&input)
                };
                assert_eq!(got, Ok(windex), "case {i}");
                assert_eq!(log.entries(1, NO_LIMIT), Ok(wents.clone()), "case {i}");
                assert_eq!(log.unstable.offset(), woffset, "case {i}");
            }
        }
    }

    #[test]
    fn append_below_committed_is_refused_and_changes_nothing() {
        let mut log = log_with(&[1, 2, 3]);
        log.commit_to(2).unwrap();
        let before = state(&log);
        assert_eq!(
            log.append(&ents(2, &[4])),
            Err(LogError::AppendBelowCommitted {
                after: 1,
                committed: 2
            })
        );
        assert_eq!(
            log.append_owned(ents(1, &[4])),
            Err(LogError::AppendBelowCommitted {
                after: 0,
                committed: 2
            })
        );
        assert_eq!(state(&log), before);
        // Right after the commit index is fine.
        assert_eq!(log.append(&ents(3, &[4])), Ok(3));
    }

    #[test]
    fn append_with_gap_or_bad_indices_is_refused_and_changes_nothing() {
        let mut log = log_with(&[1, 2, 3]);
        let before = state(&log);
        let mut not_consecutive = ents(4, &[3, 3, 3]);
        not_consecutive[1].index = 9;
        let bad: [Vec<Entry>; 3] = [ents(5, &[3]), not_consecutive, ents(0, &[1])];
        for input in bad {
            assert!(
                matches!(log.append(&input), Err(LogError::InvalidEntries(_))),
                "{input:?}"
            );
            assert!(
                matches!(
                    log.append_owned(input.clone()),
                    Err(LogError::InvalidEntries(_))
                ),
                "{input:?}"
            );
            assert_eq!(state(&log), before);
        }
    }

    #[test]
    fn maybe_append() {
        let (last_index, last_term, commit) = (3u64, 3u64, 1u64);
        struct Case {
            prev: EntryId,
            committed: u64,
            ents: Vec<Entry>,
            want: Result<Option<u64>, LogError>,
            wcommit: u64,
        }
        let c = |prev, committed, ents, want, wcommit| Case {
            prev,
            committed,
            ents,
            want,
            wcommit,
        };
        let cases = [
            // Does not match: term differs.
            c(
                id(last_term - 1, last_index),
                last_index,
                ents(last_index + 1, &[4]),
                Ok(None),
                commit,
            ),
            // Does not match: index out of bounds.
            c(
                id(last_term, last_index + 1),
                last_index,
                ents(last_index + 2, &[4]),
                Ok(None),
                commit,
            ),
            // Matches the last entry.
            c(
                id(last_term, last_index),
                last_index,
                vec![],
                Ok(Some(last_index)),
                last_index,
            ),
            // Commit not beyond the last new index.
            c(
                id(last_term, last_index),
                last_index + 1,
                vec![],
                Ok(Some(last_index)),
                last_index,
            ),
            c(
                id(last_term, last_index),
                last_index - 1,
                vec![],
                Ok(Some(last_index)),
                last_index - 1,
            ),
            // Commit never decreases.
            c(
                id(last_term, last_index),
                0,
                vec![],
                Ok(Some(last_index)),
                commit,
            ),
            c(id(0, 0), last_index, vec![], Ok(Some(0)), commit),
            c(
                id(last_term, last_index),
                last_index,
                ents(last_index + 1, &[4]),
                Ok(Some(last_index + 1)),
                last_index,
            ),
            c(
                id(last_term, last_index),
                last_index + 1,
                ents(last_index + 1, &[4]),
                Ok(Some(last_index + 1)),
                last_index + 1,
            ),
            c(
                id(last_term, last_index),
                last_index + 2,
                ents(last_index + 1, &[4]),
                Ok(Some(last_index + 1)),
                last_index + 1,
            ),
            c(
                id(last_term, last_index),
                last_index + 2,
                ents(last_index + 1, &[4, 4]),
                Ok(Some(last_index + 2)),
                last_index + 2,
            ),
            // Matches an entry in the middle.
            c(
                id(last_term - 1, last_index - 1),
                last_index,
                ents(last_index, &[4]),
                Ok(Some(last_index)),
                last_index,
            ),
            c(
                id(last_term - 2, last_index - 2),
                last_index,
                ents(last_index - 1, &[4]),
                Ok(Some(last_index - 1)),
                last_index - 1,
            ),
            // Conflicts with a committed entry (etcd panics).
            c(
                id(last_term - 3, last_index - 3),
                last_index,
                ents(last_index - 2, &[4]),
                Err(LogError::ConflictWithCommitted {
                    index: last_index - 2,
                    committed: commit,
                }),
                commit,
            ),
            c(
                id(last_term - 2, last_index - 2),
                last_index,
                ents(last_index - 1, &[4, 4]),
                Ok(Some(last_index)),
                last_index,
            ),
        ];
        for (i, tt) in cases.into_iter().enumerate() {
            let a = LogSlice {
                term: 100,
                prev: tt.prev,
                entries: tt.ents.clone(),
            };
            assert_eq!(a.validate(), Ok(()), "case {i}");
            let mut log = log_with(&[1, 2, 3]);
            log.committed = commit;
            let before = state(&log);
            let got = log.maybe_append(a, tt.committed);
            assert_eq!(got, tt.want, "case {i}");
            assert_eq!(log.committed, tt.wcommit, "case {i}");
            match got {
                Ok(Some(_)) if !tt.ents.is_empty() => {
                    let last = log.last_index();
                    let lo = last - tt.ents.len() as u64 + 1;
                    assert_eq!(log.slice(lo, last + 1, NO_LIMIT), Ok(tt.ents), "case {i}");
                }
                Ok(Some(_)) => {}
                _ => assert_eq!(
                    state(&log),
                    before,
                    "case {i}: refused call changed the log"
                ),
            }
        }
    }

    #[test]
    fn maybe_append_with_non_consecutive_entries_is_refused_and_changes_nothing() {
        let mut log = log_with(&[1, 2, 3]);
        let before = state(&log);
        for bad in [ents(5, &[3]), ents(3, &[3, 3])] {
            let a = LogSlice {
                term: 3,
                prev: id(3, 3),
                entries: bad,
            };
            assert!(a.validate().is_err());
            assert!(matches!(
                log.maybe_append(a, 3),
                Err(LogError::InvalidEntries(_))
            ));
            assert_eq!(state(&log), before);
        }
    }

    #[test]
    fn maybe_append_moves_new_entries_without_copying_payloads() {
        let mut log = log_with(&[1]);
        let payload = Bytes::from(vec![1u8; 32]);
        let mut new = ents(2, &[1, 1]);
        new[1].data = payload.clone();
        let a = LogSlice {
            term: 1,
            prev: id(1, 1),
            entries: new,
        };
        assert_eq!(log.maybe_append(a, 0), Ok(Some(3)));
        assert_eq!(log.next_unstable_ents()[2].data.as_ptr(), payload.as_ptr());
    }

    #[test]
    fn log_slice_validate() {
        let ok = LogSlice {
            term: 3,
            prev: id(1, 1),
            entries: ents(2, &[1, 2, 3]),
        };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(ok.last_index(), 4);
        assert_eq!(ok.last_entry_id(), id(3, 4));
        let empty = LogSlice {
            term: 3,
            prev: id(2, 7),
            entries: vec![],
        };
        assert_eq!(empty.validate(), Ok(()));
        assert_eq!(empty.last_entry_id(), id(2, 7));
        let bad = [
            LogSlice {
                term: 3,
                prev: id(2, 1),
                entries: ents(2, &[1]),
            },
            LogSlice {
                term: 3,
                prev: id(1, 1),
                entries: ents(3, &[1]),
            },
            LogSlice {
                term: 2,
                prev: id(1, 1),
                entries: ents(2, &[3]),
            },
        ];
        for s in bad {
            assert!(s.validate().is_err(), "{s:?}");
        }
    }

    #[test]
    fn compaction_side_effects() {
        // 1000 entries: 750 stable, 250 unstable.
        let (last_index, unstable_index) = (1000u64, 750u64);
        let mut storage = MemoryStorage::new();
        storage
            .append(&term_range(1, 1, unstable_index + 1))
            .unwrap();
        let mut log = new_log(storage);
        log.append(&term_range(
            unstable_index + 1,
            unstable_index + 1,
            last_index + 1,
        ))
        .unwrap();
        assert!(log.maybe_commit(log.last_entry_id()));
        log.applied_to(log.committed(), 0).unwrap();

        let offset = 500;
        log.store_mut().compact(offset).unwrap();
        assert_eq!(log.last_index(), last_index);
        for j in offset..=log.last_index() {
            assert_eq!(log.term(j), Ok(j));
            assert!(log.match_term(id(j, j)));
        }
        let unstable = log.next_unstable_ents();
        assert_eq!(unstable.len(), 250);
        assert_eq!(unstable[0].index, 751);

        let prev = log.last_index();
        log.append(&ents(prev + 1, &[prev + 1])).unwrap();
        assert_eq!(log.last_index(), prev + 1);
        assert_eq!(log.entries(log.last_index(), NO_LIMIT).unwrap().len(), 1);
    }

    /// The setup of etcd's committed-entries tests: snapshot at 3, entry 4 stable, 5 and 6
    /// unstable, committed 5, then `applied_to(applied)` and `accept_applying(applying)`.
    fn committed_log(max_size: u64) -> RaftLog<MemoryStorage> {
        let mut storage = storage_with_snapshot(3, 1);
        let all = ents(4, &[1, 1, 1]);
        storage.append(&all[..1]).unwrap();
        let mut log = RaftLog::new(storage, max_size).unwrap();
        log.append(&all).unwrap();
        log.stable_to(id(1, 4));
        assert!(log.maybe_commit(id(1, 5)));
        log
    }

    /// (applied, applying, allow unstable, paused, pending snapshot, expected entries)
    fn committed_cases() -> Vec<(u64, u64, bool, bool, bool, Vec<Entry>)> {
        let e = ents(4, &[1, 1, 1]);
        vec![
            (3, 3, true, false, false, e[..2].to_vec()),
            (3, 4, true, false, false, e[1..2].to_vec()),
            (3, 5, true, false, false, vec![]),
            (4, 4, true, false, false, e[1..2].to_vec()),
            (4, 5, true, false, false, vec![]),
            (5, 5, true, false, false, vec![]),
            // Unstable entries not allowed.
            (3, 3, false, false, false, e[..1].to_vec()),
            (3, 4, false, false, false, vec![]),
            (3, 5, false, false, false, vec![]),
            (4, 4, false, false, false, vec![]),
            (4, 5, false, false, false, vec![]),
            (5, 5, false, false, false, vec![]),
            // Paused.
            (3, 3, true, true, false, vec![]),
            // Snapshot pending.
            (3, 3, true, false, true, vec![]),
        ]
    }

    #[test]
    fn next_committed_ents_and_has_next_committed_ents() {
        for (i, (applied, applying, allow, paused, pending, want)) in
            committed_cases().into_iter().enumerate()
        {
            let mut log = committed_log(NO_LIMIT);
            log.applied_to(applied, 0).unwrap();
            log.accept_applying(applying, 0, allow);
            log.applying_ents_paused = paused;
            if pending {
                log.restore(snap(4, 1));
            }
            assert_eq!(
                log.has_next_committed_ents(allow),
                !want.is_empty(),
                "case {i}"
            );
            assert_eq!(log.next_committed_ents(allow), Ok(want), "case {i}");
        }
    }

    #[test]
    fn accept_applying_pauses_at_the_budget_or_a_short_batch() {
        let max = 100;
        // (index, allow unstable, size, paused)
        let cases = [
            (3, true, max - 1, true),
            (3, true, max, true),
            (3, true, max + 1, true),
            (4, true, max - 1, true),
            (4, true, max, true),
            (4, true, max + 1, true),
            (5, true, max - 1, false),
            (5, true, max, true),
            (5, true, max + 1, true),
            // Unstable entries not allowed.
            (3, false, max - 1, true),
            (3, false, max, true),
            (3, false, max + 1, true),
            (4, false, max - 1, false),
            (4, false, max, true),
            (4, false, max + 1, true),
            (5, false, max - 1, false),
            (5, false, max, true),
            (5, false, max + 1, true),
        ];
        for (i, (index, allow, size, paused)) in cases.into_iter().enumerate() {
            let mut log = committed_log(max);
            log.applied_to(3, 0).unwrap();
            log.accept_applying(index, size, allow);
            assert_eq!(log.applying_ents_paused(), paused, "case {i}");
            assert_eq!(log.applying(), index, "case {i}");
        }
    }

    #[test]
    fn applied_to_releases_budget() {
        let (max, overshoot) = (100u64, 5u64);
        // (index, size, outstanding after, paused)
        let cases = [
            // Some of the in-flight entries applied (applying = 5).
            (4, overshoot - 1, max + 1, true),
            (4, overshoot, max, true),
            (4, overshoot + 1, max - 1, false),
            // All of them.
            (5, overshoot - 1, max + 1, true),
            (5, overshoot, max, true),
            (5, overshoot + 1, max - 1, false),
            // All outstanding bytes.
            (4, max + overshoot, 0, false),
            // More than outstanding: no underflow.
            (4, max + overshoot + 1, 0, false),
        ];
        for (i, (index, size, wsize, paused)) in cases.into_iter().enumerate() {
            let mut log = committed_log(max);
            log.applied_to(3, 0).unwrap();
            log.accept_applying(5, max + overshoot, false);
            log.applied_to(index, size).unwrap();
            assert_eq!(log.applied(), index, "case {i}");
            assert_eq!(log.applying(), 5, "case {i}");
            assert_eq!(log.applying_ents_size, wsize, "case {i}");
            assert_eq!(log.applying_ents_paused(), paused, "case {i}");
        }
    }

    #[test]
    fn applied_to_out_of_range_is_refused_and_changes_nothing() {
        let mut log = committed_log(100);
        log.applied_to(4, 0).unwrap();
        let before = state(&log);
        assert_eq!(
            log.applied_to(6, 0),
            Err(LogError::AppliedOutOfRange {
                applied: 6,
                prev_applied: 4,
                committed: 5
            })
        );
        assert_eq!(
            log.applied_to(3, 0),
            Err(LogError::AppliedOutOfRange {
                applied: 3,
                prev_applied: 4,
                committed: 5
            })
        );
        assert_eq!(state(&log), before);
    }

    #[test]
    fn committed_entries_are_paged_by_the_apply_budget() {
        // Entries 1..=10 committed and stable; the budget fits two entries at a time.
        let all = ents(1, &[1; 10]);
        let size = all[0].encoded_len() as u64;
        let mut storage = MemoryStorage::new();
        storage.append(&all).unwrap();
        let mut log = RaftLog::new(storage, 2 * size).unwrap();
        assert_eq!(log.max_applying_ents_size(), 2 * size);
        log.commit_to(10).unwrap();

        let mut applied = Vec::new();
        while log.has_next_committed_ents(false) {
            let batch = log.next_committed_ents(false).unwrap();
            assert_eq!(batch.len(), 2);
            let last = batch.last().unwrap().index;
            let bytes = entries_size(&batch);
            log.accept_applying(last, bytes, false);
            // The budget is used up: nothing more until this batch is acknowledged.
            assert!(log.applying_ents_paused());
            assert!(!log.has_next_committed_ents(false));
            assert_eq!(log.next_committed_ents(false), Ok(vec![]));
            log.applied_to(last, bytes).unwrap();
            applied.extend(batch);
        }
        assert_eq!(applied, all);
        assert_eq!(log.applied(), 10);
    }

    #[test]
    fn short_batch_pauses_until_acknowledged() {
        // A batch cut by the budget pauses even though bytes remain: the next entry would not
        // have fit.
        let all = ents(1, &[1; 4]);
        let size = all[0].encoded_len() as u64;
        let mut storage = MemoryStorage::new();
        storage.append(&all).unwrap();
        let mut log = RaftLog::new(storage, 3 * size - 1).unwrap();
        log.commit_to(4).unwrap();
        let batch = log.next_committed_ents(true).unwrap();
        assert_eq!(batch, all[..2]);
        log.accept_applying(2, entries_size(&batch), true);
        assert!(log.applying_ents_paused());
        log.applied_to(2, entries_size(&batch)).unwrap();
        assert!(!log.applying_ents_paused());
        assert_eq!(log.next_committed_ents(true), Ok(all[2..].to_vec()));
    }

    #[test]
    fn zero_apply_budget_is_an_error_not_a_panic() {
        let mut storage = MemoryStorage::new();
        storage.append(&ents(1, &[1])).unwrap();
        let mut log = RaftLog::new(storage, 0).unwrap();
        log.commit_to(1).unwrap();
        assert_eq!(
            log.next_committed_ents(true),
            Err(LogError::ApplyBudgetExhausted {
                max: 0,
                outstanding: 0
            })
        );
    }

    #[test]
    fn next_unstable_ents() {
        let previous = ents(1, &[1, 2]);
        // (first unstable index, expected)
        for (unstable, want) in [(3u64, vec![]), (1, previous.clone())] {
            let mut storage = MemoryStorage::new();
            storage
                .append(&previous[..(unstable - 1) as usize])
                .unwrap();
            let mut log = new_log(storage);
            log.append(&previous[(unstable - 1) as usize..]).unwrap();
            let next = log.next_unstable_ents().to_vec();
            if let Some(last) = next.last() {
                log.stable_to(EntryId::from(last));
            }
            assert_eq!(next, want);
            assert_eq!(log.unstable.offset(), 3);
            assert!(!log.has_next_unstable_ents());
        }
    }

    #[test]
    fn accept_unstable_marks_entries_in_progress() {
        let mut log = log_with(&[1, 1]);
        assert!(log.has_next_unstable_ents());
        log.accept_unstable();
        assert!(!log.has_next_unstable_ents());
        assert!(log.has_next_or_in_progress_unstable_ents());
        log.append(&ents(3, &[1])).unwrap();
        assert_eq!(log.next_unstable_ents(), ents(3, &[1]).as_slice());
        log.stable_to(id(1, 3));
        assert!(!log.has_next_or_in_progress_unstable_ents());
    }

    #[test]
    fn commit_to() {
        for (to, want) in [(3, 3), (1, 2)] {
            let mut log = log_with(&[1, 2, 3]);
            log.committed = 2;
            assert_eq!(log.commit_to(to), Ok(()));
            assert_eq!(log.committed(), want);
        }
    }

    #[test]
    fn commit_beyond_last_index_is_refused_and_changes_nothing() {
        let mut log = log_with(&[1, 2, 3]);
        log.committed = 2;
        let before = state(&log);
        assert_eq!(
            log.commit_to(4),
            Err(LogError::CommitOutOfRange {
                to_commit: 4,
                last_index: 3
            })
        );
        assert_eq!(state(&log), before);
    }

    #[test]
    fn maybe_commit_needs_a_matching_entry_and_a_real_term() {
        let mut log = log_with(&[1, 2, 3]);
        assert!(!log.maybe_commit(id(2, 3)));
        assert!(!log.maybe_commit(id(3, 4)));
        assert!(!log.maybe_commit(id(0, 0)));
        assert_eq!(log.committed(), 0);
        assert!(log.maybe_commit(id(2, 2)));
        assert!(!log.maybe_commit(id(1, 1)));
        assert_eq!(log.committed(), 2);
    }

    #[test]
    fn stable_to() {
        // (index, term, unstable offset after)
        let cases = [(1, 1, 2), (2, 2, 3), (2, 1, 1), (3, 1, 1)];
        for (index, term, want) in cases {
            let mut log = log_with(&[1, 2]);
            log.stable_to(id(term, index));
            assert_eq!(log.unstable.offset(), want, "({index}, {term})");
        }
    }

    #[test]
    fn stable_to_with_snapshot() {
        let (si, st) = (5u64, 2u64);
        // (index, term, new entries, unstable offset after)
        let cases = [
            (si + 1, st, vec![], si + 1),
            (si, st, vec![], si + 1),
            (si - 1, st, vec![], si + 1),
            (si + 1, st + 1, vec![], si + 1),
            (si, st + 1, vec![], si + 1),
            (si - 1, st + 1, vec![], si + 1),
            (si + 1, st, ents(si + 1, &[st]), si + 2),
            (si, st, ents(si + 1, &[st]), si + 1),
            (si - 1, st, ents(si + 1, &[st]), si + 1),
            (si + 1, st + 1, ents(si + 1, &[st]), si + 1),
            (si, st + 1, ents(si + 1, &[st]), si + 1),
            (si - 1, st + 1, ents(si + 1, &[st]), si + 1),
        ];
        for (i, (index, term, new, want)) in cases.into_iter().enumerate() {
            let mut log = new_log(storage_with_snapshot(si, st));
            log.append(&new).unwrap();
            log.stable_to(id(term, index));
            assert_eq!(log.unstable.offset(), want, "case {i}");
        }
    }

    #[test]
    fn compaction() {
        // (last index, compactions, entries left after each (None: refused))
        let cases: [(u64, Vec<u64>, Vec<Option<usize>>); 3] = [
            // Beyond the last index.
            (1000, vec![1001], vec![None]),
            (
                1000,
                vec![300, 500, 800, 900],
                vec![Some(700), Some(500), Some(200), Some(100)],
            ),
            // Below the first index.
            (1000, vec![300, 299], vec![Some(700), None]),
        ];
        for (last, compactions, left) in cases {
            let mut storage = MemoryStorage::new();
            storage.append(&term_range(1, 1, last + 1)).unwrap();
            let mut log = new_log(storage);
            log.commit_to(last).unwrap();
            log.applied_to(log.committed(), 0).unwrap();
            for (c, want) in compactions.into_iter().zip(left) {
                match log.store_mut().compact(c) {
                    Ok(()) => assert_eq!(Some(log.all_entries().len()), want, "compact {c}"),
                    Err(_) => assert_eq!(want, None, "compact {c}"),
                }
            }
        }
    }

    #[test]
    fn new_log_starts_at_the_storage_snapshot() {
        let (index, term) = (1000, 1000);
        let log = new_log(storage_with_snapshot(index, term));
        assert!(log.all_entries().is_empty());
        assert_eq!(log.first_index(), index + 1);
        assert_eq!(log.committed(), index);
        assert_eq!(log.applied(), index);
        assert_eq!(log.unstable.offset(), index + 1);
        assert_eq!(log.term(index), Ok(term));
        assert_eq!(log.last_entry_id(), id(term, index));
    }

    #[test]
    fn restore_installs_an_unstable_snapshot() {
        let mut log = log_with(&[1, 1, 2]);
        log.restore(snap(10, 3));
        assert_eq!(log.committed(), 10);
        assert_eq!(log.first_index(), 11);
        assert_eq!(log.last_entry_id(), id(3, 10));
        assert!(log.has_next_unstable_snapshot());
        assert!(!log.has_next_or_in_progress_unstable_ents());
        assert_eq!(log.snapshot().unwrap().index(), 10);
        log.accept_unstable();
        assert!(log.unstable().snapshot_in_progress());
        assert!(!log.has_next_unstable_snapshot());
        assert!(log.has_next_or_in_progress_snapshot());
        // The host persists it; from now on storage knows.
        let s = log.next_unstable_snapshot().cloned();
        assert!(s.is_none());
        log.store_mut().apply_snapshot(snap(10, 3)).unwrap();
        log.stable_snap_to(10);
        assert!(!log.has_next_or_in_progress_snapshot());
        assert_eq!(log.first_index(), 11);
        assert_eq!(log.last_entry_id(), id(3, 10));
        assert_eq!(log.snapshot().unwrap().index(), 10);
    }

    #[test]
    fn snapshot_then_entries_persisted_in_either_order() {
        for snapshot_first in [true, false] {
            let mut log = new_log(MemoryStorage::new());
            log.restore(snap(10, 3));
            log.append(&ents(11, &[3, 4])).unwrap();
            log.accept_unstable();
            log.store_mut().apply_snapshot(snap(10, 3)).unwrap();
            log.store_mut().append(&ents(11, &[3, 4])).unwrap();
            if snapshot_first {
                log.stable_snap_to(10);
                log.stable_to(id(4, 12));
            } else {
                log.stable_to(id(4, 12));
                log.stable_snap_to(10);
            }
            assert_eq!(
                log.last_entry_id(),
                id(4, 12),
                "snapshot first: {snapshot_first}"
            );
            assert_eq!(log.all_entries(), ents(11, &[3, 4]));
        }
    }

    #[test]
    fn check_bounds() {
        let (offset, num) = (100u64, 100u64);
        let mut log = new_log(storage_with_snapshot(offset, 0));
        log.append(&term_range(offset + 1, offset + 1, offset + num + 1))
            .unwrap();
        let first = offset + 1;
        let compacted = Err(StorageError::Compacted);
        let cases = [
            (first - 2, first + 1, Some(compacted.clone())),
            (first - 1, first + 1, Some(compacted)),
            (first, first, Some(Ok(()))),
            (first + num / 2, first + num / 2, Some(Ok(()))),
            (first + num - 1, first + num - 1, Some(Ok(()))),
            (first + num, first + num, Some(Ok(()))),
            // Beyond the last index (etcd panics): invalid request.
            (first + num, first + num + 1, None),
            (first + num + 1, first + num + 1, None),
            // Inverted (etcd panics): invalid request.
            (first + 1, first, None),
        ];
        for (lo, hi, want) in cases {
            let got = log.check_bounds(lo, hi);
            match want {
                Some(want) => assert_eq!(got, want, "[{lo}, {hi})"),
                None => assert!(
                    matches!(got, Err(StorageError::InvalidRequest(_))),
                    "[{lo}, {hi}): {got:?}"
                ),
            }
        }
    }

    #[test]
    fn term() {
        let (offset, num) = (100u64, 100u64);
        let mut log = new_log(storage_with_snapshot(offset, 1));
        log.append(&term_range(offset + 1, 1, num)).unwrap();
        let cases = [
            (offset - 1, Err(StorageError::Compacted)),
            (offset, Ok(1)),
            (offset + num / 2, Ok(num / 2)),
            (offset + num - 1, Ok(num - 1)),
            (offset + num, Err(StorageError::Unavailable)),
            (u64::MAX, Err(StorageError::Unavailable)),
        ];
        for (index, want) in cases {
            assert_eq!(log.term(index), want, "term({index})");
        }
    }

    #[test]
    fn term_with_unstable_snapshot() {
        let storage_snap = 100u64;
        let unstable_snap = storage_snap + 5;
        let mut log = new_log(storage_with_snapshot(storage_snap, 1));
        log.restore(snap(unstable_snap, 1));
        let cases = [
            // Not from storage.
            (storage_snap, Err(StorageError::Compacted)),
            // Not from the gap between storage and the unstable snapshot.
            (storage_snap + 1, Err(StorageError::Compacted)),
            (unstable_snap - 1, Err(StorageError::Compacted)),
            // From the unstable snapshot.
            (unstable_snap, Ok(1)),
            // Nothing after it.
            (unstable_snap + 1, Err(StorageError::Unavailable)),
        ];
        for (index, want) in cases {
            assert_eq!(log.term(index), want, "term({index})");
        }
    }

    #[test]
    fn slice() {
        // Indices and terms in 201..300 all encode in the same number of bytes, so every entry
        // has the same size and the limits below count entries.
        let (offset, num) = (200u64, 100u64);
        let last = offset + num;
        let half = offset + num / 2;
        let range = |from: u64, to: u64| term_range(from, from, to);
        let size = range(half, half + 1)[0].encoded_len() as u64;
        assert!(range(offset + 1, last)
            .iter()
            .all(|e| e.encoded_len() as u64 == size));

        let mut storage = storage_with_snapshot(offset, 0);
        storage.append(&range(offset + 1, half)).unwrap();
        let mut log = new_log(storage);
        log.append(&range(half, last)).unwrap();

        let cases: Vec<(u64, u64, u64, EntriesResult)> = vec![
            // Compacted.
            (
                offset - 1,
                offset + 1,
                NO_LIMIT,
                Err(StorageError::Compacted),
            ),
            (offset, offset + 1, NO_LIMIT, Err(StorageError::Compacted)),
            // No limit.
            (offset + 1, offset + 1, NO_LIMIT, Ok(vec![])),
            (
                offset + 1,
                half - 1,
                NO_LIMIT,
                Ok(range(offset + 1, half - 1)),
            ),
            (offset + 1, half, NO_LIMIT, Ok(range(offset + 1, half))),
            (
                offset + 1,
                half + 1,
                NO_LIMIT,
                Ok(range(offset + 1, half + 1)),
            ),
            (offset + 1, last, NO_LIMIT, Ok(range(offset + 1, last))),
            (half - 1, half, NO_LIMIT, Ok(range(half - 1, half))),
            (half - 1, half + 1, NO_LIMIT, Ok(range(half - 1, half + 1))),
            (half - 1, last, NO_LIMIT, Ok(range(half - 1, last))),
            (half, half + 1, NO_LIMIT, Ok(range(half, half + 1))),
            (half, last, NO_LIMIT, Ok(range(half, last))),
            (last - 1, last, NO_LIMIT, Ok(range(last - 1, last))),
            // At least one entry.
            (offset + 1, last, 0, Ok(range(offset + 1, offset + 2))),
            (half - 1, half + 1, 0, Ok(range(half - 1, half))),
            (half, last, 0, Ok(range(half, half + 1))),
            (half + 1, last, 0, Ok(range(half + 1, half + 2))),
            // Low limit.
            (
                offset + 1,
                last,
                size - 1,
                Ok(range(offset + 1, offset + 2)),
            ),
            (half - 1, half + 1, size - 1, Ok(range(half - 1, half))),
            (half, last, size - 1, Ok(range(half, half + 1))),
            // Just enough for one.
            (offset + 1, last, size, Ok(range(offset + 1, offset + 2))),
            (half - 1, half + 1, size, Ok(range(half - 1, half))),
            (half, last, size, Ok(range(half, half + 1))),
            // Not enough for two.
            (
                offset + 1,
                last,
                size + 1,
                Ok(range(offset + 1, offset + 2)),
            ),
            (half - 1, half + 1, size + 1, Ok(range(half - 1, half))),
            (half, last, size + 1, Ok(range(half, half + 1))),
            // Enough for two.
            (
                offset + 1,
                last,
                size * 2,
                Ok(range(offset + 1, offset + 3)),
            ),
            (half - 2, half + 1, size * 2, Ok(range(half - 2, half))),
            (half - 1, half + 1, size * 2, Ok(range(half - 1, half + 1))),
            (half, last, size * 2, Ok(range(half, half + 2))),
            // Not enough for three.
            (half - 2, half + 1, size * 3 - 1, Ok(range(half - 2, half))),
            // Enough for three.
            (half - 1, half + 2, size * 3, Ok(range(half - 1, half + 2))),
        ];
        for (lo, hi, max, want) in cases {
            assert_eq!(log.slice(lo, hi, max), want, "slice({lo}, {hi}, {max})");
        }
        // Where etcd panics: inverted range, or beyond the last index.
        for (lo, hi) in [(half, half - 1), (last, last + 1)] {
            assert!(matches!(
                log.slice(lo, hi, NO_LIMIT),
                Err(StorageError::InvalidRequest(_))
            ));
        }
    }

    #[test]
    fn slice_shares_payloads() {
        let payload = Bytes::from(vec![9u8; 100]);
        let mut e = ents(1, &[1, 1]);
        e[0].data = payload.clone();
        e[1].data = payload.clone();
        let mut storage = MemoryStorage::new();
        storage.append(&e[..1]).unwrap();
        let mut log = new_log(storage);
        log.append(&e[1..]).unwrap();
        let got = log.slice(1, 3, NO_LIMIT).unwrap();
        assert!(got.iter().all(|g| g.data.as_ptr() == payload.as_ptr()));
    }

    #[derive(Debug, PartialEq)]
    enum ScanError {
        Break,
        Log(LogError),
    }

    impl From<LogError> for ScanError {
        fn from(e: LogError) -> Self {
            ScanError::Log(e)
        }
    }

    #[test]
    fn scan() {
        let (offset, num) = (47u64, 20u64);
        let last = offset + num;
        let half = offset + num / 2;
        let range = |from: u64, to: u64| term_range(from, from, to);
        let size = entries_size(&range(half, half + 1));

        let mut storage = storage_with_snapshot(offset, 0);
        storage.append(&range(offset + 1, half)).unwrap();
        let mut log = new_log(storage);
        log.append(&range(half, last)).unwrap();

        // scan() visits exactly what slice() returns, on every input.
        for page in [0, 1, 10, 100, size, size + 1] {
            for lo in offset + 1..last {
                for hi in lo..=last {
                    let mut got = Vec::new();
                    log.scan(lo, hi, page, |e: &[Entry]| -> Result<(), ScanError> {
                        assert!(e.len() == 1 || entries_size(e) <= page);
                        got.extend_from_slice(e);
                        Ok(())
                    })
                    .unwrap();
                    assert_eq!(
                        Ok(got),
                        log.slice(lo, hi, NO_LIMIT),
                        "[{lo}, {hi}) @ {page}"
                    );
                }
            }
        }

        // The callback's error stops the scan and is returned.
        let mut calls = 0;
        let got = log.scan(offset + 1, half, 0, |_: &[Entry]| {
            calls += 1;
            if calls == 2 {
                Err(ScanError::Break)
            } else {
                Ok(())
            }
        });
        assert_eq!(got, Err(ScanError::Break));
        assert_eq!(calls, 2);

        // Pages are filled up to the limit, not one entry each.
        log.scan(
            offset + 1,
            offset + 11,
            size * 2,
            |e: &[Entry]| -> Result<(), ScanError> {
                assert_eq!(e.len(), 2);
                assert_eq!(entries_size(e), size * 2);
                Ok(())
            },
        )
        .unwrap();

        // Errors of the log itself are reported through the caller's type.
        let got = log.scan(offset - 1, half, 0, |_: &[Entry]| Ok(()));
        assert_eq!(
            got,
            Err(ScanError::Log(LogError::Storage(StorageError::Compacted)))
        );
        let got: Result<(), Error> = log.scan(offset + 1, half, 0, |_| Ok(()));
        assert_eq!(got, Ok(()));
    }

    #[test]
    fn errors_convert_to_crate_errors() {
        let m = Message {
            msg_type: crate::pb::MessageType::MsgApp as i32,
            from: 7,
            ..Message::default()
        };
        let conflict = LogError::ConflictWithCommitted {
            index: 2,
            committed: 3,
        };
        assert_eq!(
            conflict.clone().for_message(&m),
            Error::InvalidMessage {
                msg_type: "MsgApp".into(),
                from: 7,
                reason: "entry 2 conflict with committed entry [committed(3)]".into(),
            }
        );
        assert!(matches!(Error::from(conflict), Error::CorruptState(_)));
        assert_eq!(
            LogError::Storage(StorageError::Unavailable).for_message(&m),
            Error::Storage(StorageError::Unavailable)
        );
        let misuse = LogError::AppliedOutOfRange {
            applied: 1,
            prev_applied: 2,
            committed: 3,
        };
        assert!(matches!(Error::from(misuse), Error::Misuse(_)));
    }

    /// A storage whose calls can be made to fail.
    #[derive(Debug, Default)]
    struct Flaky {
        inner: MemoryStorage,
        fail_index_queries: Cell<bool>,
        fail_all: Cell<bool>,
    }

    impl Flaky {
        fn broken(&self) -> Result<(), StorageError> {
            if self.fail_all.get() {
                Err(StorageError::Other("disk on fire".into()))
            } else {
                Ok(())
            }
        }

        fn index_query(&self) -> Result<(), StorageError> {
            self.broken()?;
            if self.fail_index_queries.get() {
                Err(StorageError::Other("index unknown".into()))
            } else {
                Ok(())
            }
        }
    }

    impl Storage for Flaky {
        fn initial_state(&self) -> Result<crate::storage::RaftState, StorageError> {
            self.broken()?;
            self.inner.initial_state()
        }
        fn entries(&self, lo: u64, hi: u64, max: u64) -> Result<Vec<Entry>, StorageError> {
            self.broken()?;
            self.inner.entries(lo, hi, max)
        }
        fn term(&self, i: u64) -> Result<u64, StorageError> {
            self.broken()?;
            self.inner.term(i)
        }
        fn first_index(&self) -> Result<u64, StorageError> {
            self.index_query()?;
            self.inner.first_index()
        }
        fn last_index(&self) -> Result<u64, StorageError> {
            self.index_query()?;
            self.inner.last_index()
        }
        fn snapshot(&self) -> Result<Snapshot, StorageError> {
            self.broken()?;
            self.inner.snapshot()
        }
    }

    #[test]
    fn new_fails_on_storage_errors() {
        let s = Flaky::default();
        s.fail_index_queries.set(true);
        assert!(RaftLog::new(s, NO_LIMIT).is_err());
    }

    #[test]
    fn failing_index_queries_fall_back_to_known_values() {
        let mut inner = MemoryStorage::new();
        inner.apply_snapshot(snap(5, 2)).unwrap();
        inner.append(&ents(6, &[2, 3])).unwrap();
        let mut log = RaftLog::new(
            Flaky {
                inner,
                ..Flaky::default()
            },
            NO_LIMIT,
        )
        .unwrap();
        log.append(&ents(8, &[3])).unwrap();
        log.stable_to(id(3, 8));
        log.store_mut().inner.append(&ents(8, &[3])).unwrap();

        log.store().fail_index_queries.set(true);
        assert_eq!(log.first_index(), 6);
        assert_eq!(log.last_index(), 8);
        assert_eq!(log.last_entry_id(), id(3, 8));
        assert_eq!(log.term(7), Ok(3));
        assert_eq!(log.slice(6, 9, NO_LIMIT), Ok(ents(6, &[2, 3, 3])));

        // Compaction behind the log's back: the fallback is stale (too low), and storage
        // reports the compaction itself.
        log.store_mut().inner.compact(7).unwrap();
        assert_eq!(log.term(6), Err(StorageError::Compacted));
        assert_eq!(log.slice(6, 9, NO_LIMIT), Err(StorageError::Compacted));
        assert_eq!(log.term(7), Ok(3));
    }

    #[test]
    fn storage_failures_are_reported_not_panics() {
        let mut inner = MemoryStorage::new();
        inner.append(&ents(1, &[1, 1, 2])).unwrap();
        let mut log = RaftLog::new(
            Flaky {
                inner,
                ..Flaky::default()
            },
            NO_LIMIT,
        )
        .unwrap();
        log.commit_to(3).unwrap();
        log.store().fail_all.set(true);
        let broken = Err(StorageError::Other("disk on fire".into()));
        assert_eq!(log.term(2), broken);
        assert!(!log.match_term(id(1, 2)));
        assert_eq!(log.find_conflict_by_term(3, 2), (3, 0));
        assert_eq!(
            log.slice(1, 3, NO_LIMIT),
            broken.clone().map(|_: u64| vec![])
        );
        assert_eq!(
            log.next_committed_ents(true),
            Err(LogError::Storage(StorageError::Other(
                "disk on fire".into()
            )))
        );
        assert!(log.snapshot().is_err());
        assert_eq!(
            RaftLog::<Flaky>::zero_term_on_out_of_bounds(log.term(2)),
            Err(StorageError::Other("disk on fire".into()))
        );
        // Known without storage.
        assert_eq!(log.last_entry_id(), id(2, 3));
        assert!(log.is_up_to_date(id(2, 3)));
        assert!(!log.is_up_to_date(id(1, 9)));
    }

    /// A storage that answers `entries` with something other than what was asked.
    #[derive(Debug, Default)]
    struct Liar(MemoryStorage);

    impl Storage for Liar {
        fn initial_state(&self) -> Result<crate::storage::RaftState, StorageError> {
            self.0.initial_state()
        }
        fn entries(&self, lo: u64, hi: u64, max: u64) -> Result<Vec<Entry>, StorageError> {
            let mut e = self.0.entries(lo, hi, max)?;
            e.extend(ents(hi, &[9]));
            Ok(e)
        }
        fn term(&self, i: u64) -> Result<u64, StorageError> {
            self.0.term(i)
        }
        fn first_index(&self) -> Result<u64, StorageError> {
            self.0.first_index()
        }
        fn last_index(&self) -> Result<u64, StorageError> {
            self.0.last_index()
        }
        fn snapshot(&self) -> Result<Snapshot, StorageError> {
            self.0.snapshot()
        }
    }

    #[test]
    fn storage_answering_the_wrong_range_is_an_error() {
        let mut inner = MemoryStorage::new();
        inner.append(&ents(1, &[1, 1])).unwrap();
        let log = RaftLog::new(Liar(inner), NO_LIMIT).unwrap();
        assert!(matches!(
            log.slice(1, 2, NO_LIMIT),
            Err(StorageError::Other(_))
        ));
    }

    #[test]
    fn unlimited_slice_across_storage_and_unstable() {
        let mut storage = MemoryStorage::new();
        storage.append(&ents(1, &[1, 1])).unwrap();
        let mut log = new_log(storage);
        log.append_owned(ents(3, &[2, 2])).unwrap();
        assert_eq!(log.entries(1, NO_LIMIT), Ok(ents(1, &[1, 1, 2, 2])));
        assert_eq!(log.entries(5, NO_LIMIT), Ok(vec![]));
        assert_eq!(
            log.to_string(),
            "committed=0, applied=0, applying=0, unstable.offset=3, \
             unstable.offsetInProgress=3, len(unstable.Entries)=2"
        );
    }
}
