//! The unstable part of the log: entries (and possibly a snapshot) this node has accepted but
//! the host has not yet confirmed as persisted.
//!
//! The log a node sees is "storage, then unstable": the unstable entries start at `offset` and
//! either extend the stored log or replace its tail (a new leader may overwrite entries that were
//! never committed). When the host reports that it persisted a prefix, that prefix leaves the
//! unstable log and is read from storage from then on.
//!
//! Writes can be pipelined: entries handed to the host but not yet confirmed are "in progress"
//! and are not handed out again, yet remain readable here until confirmed.

use crate::pb::{Entry, Snapshot};
use crate::raft_log::EntryId;

/// Entries and snapshot awaiting persistence, plus how much of them is already being persisted.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Unstable {
    /// A snapshot received from the leader and not yet persisted. When present, it precedes
    /// `entries`: `offset == snapshot.index + 1` at the time it was installed.
    snapshot: Option<Box<Snapshot>>,
    /// Whether `snapshot` has been handed to the host for persisting.
    snapshot_in_progress: bool,
    /// The entries not yet persisted; `entries[k]` has index `offset + k`.
    entries: Vec<Entry>,
    /// The index of `entries[0]` (or where it would be when `entries` is empty). Everything
    /// below it is in storage or in the snapshot.
    offset: u64,
    /// One past the last entry handed to the host for persisting (exclusive, like `offset`).
    /// Invariant: `offset <= offset_in_progress <= offset + entries.len()`.
    offset_in_progress: u64,
}

/// How much of its buffer the entry vector may leave unused before it is reallocated smaller.
/// Idle Raft groups should not hold on to the high-water mark of a past burst.
const SHRINK_FACTOR: usize = 2;

impl Unstable {
    /// An empty unstable log whose next entry will have index `offset`.
    pub(crate) fn new(offset: u64) -> Self {
        Unstable {
            offset,
            offset_in_progress: offset,
            ..Unstable::default()
        }
    }

    /// The index of the first unstable entry (or of the next one, if there is none).
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// One past the last entry being persisted.
    pub(crate) fn offset_in_progress(&self) -> u64 {
        self.offset_in_progress
    }

    /// All unstable entries, including those being persisted.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The unstable snapshot, whether or not it is being persisted.
    pub(crate) fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_deref()
    }

    /// Whether the snapshot has been handed to the host.
    #[cfg(test)]
    pub(crate) fn snapshot_in_progress(&self) -> bool {
        self.snapshot_in_progress
    }

    /// The capacity of the entry buffer (for memory tests).
    #[cfg(test)]
    pub(crate) fn entries_capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// One past the last unstable entry.
    fn end(&self) -> u64 {
        self.offset.saturating_add(self.entries.len() as u64)
    }

    fn debug_check(&self) {
        debug_assert!(
            self.offset <= self.offset_in_progress && self.offset_in_progress <= self.end(),
            "unstable: offset {} <= in progress {} <= end {} violated",
            self.offset,
            self.offset_in_progress,
            self.end()
        );
    }

    /// The first index of the log if the unstable snapshot determines it (the index right after
    /// the snapshot); `None` otherwise, in which case storage knows.
    pub(crate) fn maybe_first_index(&self) -> Option<u64> {
        self.snapshot.as_ref().map(|s| s.index().saturating_add(1))
    }

    /// The last index of the log if the unstable part determines it: the last entry, or else
    /// the snapshot's index.
    pub(crate) fn maybe_last_index(&self) -> Option<u64> {
        if !self.entries.is_empty() {
            return Some(self.end() - 1);
        }
        self.snapshot.as_deref().map(Snapshot::index)
    }

    /// The term of the entry at `index` if the unstable part holds it (as an entry or as the
    /// snapshot's last index).
    pub(crate) fn maybe_term(&self, index: u64) -> Option<u64> {
        if index < self.offset {
            return self
                .snapshot
                .as_deref()
                .filter(|s| s.index() == index)
                .map(Snapshot::term);
        }
        let pos = usize::try_from(index - self.offset).ok()?;
        self.entries.get(pos).map(|e| e.term)
    }

    /// The entries not yet handed to the host (empty if all are in progress).
    pub(crate) fn next_entries(&self) -> &[Entry] {
        let in_progress = (self.offset_in_progress - self.offset) as usize;
        self.entries.get(in_progress..).unwrap_or_default()
    }

    /// The snapshot, if there is one and it has not been handed to the host yet.
    pub(crate) fn next_snapshot(&self) -> Option<&Snapshot> {
        self.snapshot
            .as_deref()
            .filter(|_| !self.snapshot_in_progress)
    }

    /// Marks everything currently unstable as handed to the host, so that it is not handed out
    /// again.
    pub(crate) fn accept_in_progress(&mut self) {
        self.offset_in_progress = self.end();
        if self.snapshot.is_some() {
            self.snapshot_in_progress = true;
        }
        self.debug_check();
    }

    /// The host persisted entries up to and including `id`: drop them from the unstable log.
    ///
    /// Returns whether the call had an effect. It has none when `id` is not an unstable entry
    /// (already stable, beyond the log, or the snapshot's index) or when its term differs from
    /// the unstable entry at that index: the unstable tail was replaced while the write was in
    /// flight, and what got persisted is not what the log holds now.
    pub(crate) fn stable_to(&mut self, id: EntryId) -> bool {
        let EntryId { term, index } = id;
        if index < self.offset {
            // Already stable, or the index of the unstable snapshot: not an unstable entry.
            return false;
        }
        match self.maybe_term(index) {
            Some(t) if t == term => {}
            _ => return false,
        }
        let count = (index + 1 - self.offset) as usize;
        self.entries.drain(..count);
        self.offset = index + 1;
        self.offset_in_progress = self.offset_in_progress.max(self.offset);
        self.shrink_entries();
        self.debug_check();
        true
    }

    /// Releases memory the entry buffer no longer needs: all of it when empty, or the unused
    /// part when most of the buffer is unused.
    fn shrink_entries(&mut self) {
        if self.entries.is_empty() {
            self.entries = Vec::new();
        } else if self.entries.len() * SHRINK_FACTOR < self.entries.capacity() {
            self.entries.shrink_to_fit();
        }
    }

    /// The host persisted the snapshot at `index`: drop it if it is the unstable one. Returns
    /// whether it was.
    pub(crate) fn stable_snap_to(&mut self, index: u64) -> bool {
        if self.snapshot.as_ref().is_some_and(|s| s.index() == index) {
            self.snapshot = None;
            self.snapshot_in_progress = false;
            return true;
        }
        false
    }

    /// Replaces everything with `snap`: the log now starts right after it.
    pub(crate) fn restore(&mut self, snap: Snapshot) {
        self.offset = snap.index().saturating_add(1);
        self.offset_in_progress = self.offset;
        self.entries = Vec::new();
        self.snapshot = Some(Box::new(snap));
        self.snapshot_in_progress = false;
    }

    /// Makes room for entries starting at `from`: keeps the unstable entries below `from` and
    /// discards the rest. Returns false, changing nothing, if `from` would leave a gap after the
    /// last unstable entry (the caller checks against the whole log first).
    fn truncate_for(&mut self, from: u64) -> bool {
        let end = self.end();
        if from == end {
            return true;
        }
        if from > end {
            debug_assert!(false, "append at {from} leaves a gap after {}", end - 1);
            return false;
        }
        if from <= self.offset {
            // The new entries replace everything unstable (and possibly a stored suffix, which
            // the host overwrites when it persists them).
            self.entries.clear();
            self.offset = from;
            self.offset_in_progress = from;
        } else {
            self.entries.truncate((from - self.offset) as usize);
            // Entries at or after `from` that were being persisted are superseded.
            self.offset_in_progress = self.offset_in_progress.min(from);
        }
        true
    }

    /// Appends `ents` (consecutive, non-empty) at `ents[0].index`, replacing any unstable
    /// entries at or after it.
    #[cfg(test)]
    pub(crate) fn truncate_and_append(&mut self, ents: &[Entry]) {
        let Some(first) = ents.first() else { return };
        if self.truncate_for(first.index) {
            self.entries.extend_from_slice(ents);
        }
        self.debug_check();
    }

    /// Like [`Unstable::truncate_and_append`], but takes the entries by value. When nothing
    /// unstable is kept before them, the vector itself becomes the unstable log, so proposals and
    /// replicated entries usually enter the log without being copied.
    pub(crate) fn truncate_and_append_owned(&mut self, mut ents: Vec<Entry>) {
        let Some(first) = ents.first() else { return };
        if self.truncate_for(first.index) {
            if self.entries.is_empty() {
                self.entries = ents;
            } else {
                self.entries.append(&mut ents);
            }
        }
        self.debug_check();
    }

    /// The unstable entries in `[lo, hi)`. The caller guarantees
    /// `offset <= lo <= hi <= offset + entries.len()`; outside that range the result is empty.
    pub(crate) fn slice(&self, lo: u64, hi: u64) -> &[Entry] {
        debug_assert!(
            self.offset <= lo && lo <= hi && hi <= self.end(),
            "unstable.slice[{lo},{hi}) out of bound [{},{}]",
            self.offset,
            self.end()
        );
        let (Some(lo), Some(hi)) = (lo.checked_sub(self.offset), hi.checked_sub(self.offset))
        else {
            return &[];
        };
        self.entries
            .get(lo as usize..hi as usize)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{ents, snap};

    fn unstable(entries: Vec<Entry>, offset: u64, snapshot: Option<Snapshot>) -> Unstable {
        Unstable {
            entries,
            offset,
            offset_in_progress: offset,
            snapshot: snapshot.map(Box::new),
            snapshot_in_progress: false,
        }
    }

    #[test]
    fn maybe_first_index_comes_from_the_snapshot_only() {
        let cases = [
            (ents(5, &[1]), 5, None, None),
            (vec![], 0, None, None),
            (ents(5, &[1]), 5, Some(snap(4, 1)), Some(5)),
            (vec![], 5, Some(snap(4, 1)), Some(5)),
        ];
        for (e, off, s, want) in cases {
            assert_eq!(unstable(e, off, s).maybe_first_index(), want);
        }
    }

    #[test]
    fn maybe_last_index_prefers_entries_then_snapshot() {
        let cases = [
            (ents(5, &[1]), 5, None, Some(5)),
            (ents(5, &[1]), 5, Some(snap(4, 1)), Some(5)),
            (vec![], 5, Some(snap(4, 1)), Some(4)),
            (vec![], 0, None, None),
        ];
        for (e, off, s, want) in cases {
            assert_eq!(unstable(e, off, s).maybe_last_index(), want);
        }
    }

    #[test]
    fn maybe_term_from_entries_or_snapshot() {
        let cases = [
            (ents(5, &[1]), 5, None, 5, Some(1)),
            (ents(5, &[1]), 5, None, 6, None),
            (ents(5, &[1]), 5, None, 4, None),
            (ents(5, &[1]), 5, Some(snap(4, 1)), 5, Some(1)),
            (ents(5, &[1]), 5, Some(snap(4, 1)), 6, None),
            (ents(5, &[1]), 5, Some(snap(4, 1)), 4, Some(1)),
            (ents(5, &[1]), 5, Some(snap(4, 1)), 3, None),
            (vec![], 5, Some(snap(4, 1)), 5, None),
            (vec![], 5, Some(snap(4, 1)), 4, Some(1)),
            (vec![], 0, None, 5, None),
            (ents(5, &[1]), 5, None, u64::MAX, None),
        ];
        for (e, off, s, idx, want) in cases {
            assert_eq!(unstable(e, off, s).maybe_term(idx), want, "term({idx})");
        }
    }

    #[test]
    fn restore_replaces_everything_with_the_snapshot() {
        let mut u = Unstable {
            entries: ents(5, &[1]),
            offset: 5,
            offset_in_progress: 6,
            snapshot: Some(Box::new(snap(4, 1))),
            snapshot_in_progress: true,
        };
        let s = snap(6, 2);
        u.restore(s.clone());
        assert_eq!(u.offset, 7);
        assert_eq!(u.offset_in_progress, 7);
        assert!(u.entries.is_empty());
        assert_eq!(u.snapshot.as_deref(), Some(&s));
        assert!(!u.snapshot_in_progress);
    }

    #[test]
    fn next_entries_skips_those_in_progress() {
        let cases = [(5, ents(5, &[1, 1])), (6, ents(6, &[1])), (7, vec![])];
        for (in_progress, want) in cases {
            let u = Unstable {
                offset_in_progress: in_progress,
                ..unstable(ents(5, &[1, 1]), 5, None)
            };
            assert_eq!(u.next_entries(), want.as_slice());
        }
    }

    #[test]
    fn next_snapshot_only_when_not_in_progress() {
        let s = snap(4, 1);
        let cases = [
            (None, false, None),
            (Some(s.clone()), false, Some(&s)),
            (Some(s.clone()), true, None),
        ];
        for (snapshot, in_progress, want) in cases {
            let u = Unstable {
                snapshot: snapshot.map(Box::new),
                snapshot_in_progress: in_progress,
                ..Unstable::default()
            };
            assert_eq!(u.next_snapshot(), want);
        }
    }

    #[test]
    fn accept_in_progress_marks_everything() {
        // (entries, snapshot?, offset_in_progress, snapshot_in_progress) -> (oip, sip)
        let cases = [
            (vec![], false, 5, false, 5, false),
            (ents(5, &[1]), false, 5, false, 6, false),
            (ents(5, &[1, 1]), false, 5, false, 7, false),
            (ents(5, &[1, 1]), false, 6, false, 7, false),
            (ents(5, &[1, 1]), false, 7, false, 7, false),
            (vec![], true, 5, false, 5, true),
            (ents(5, &[1]), true, 5, false, 6, true),
            (ents(5, &[1, 1]), true, 5, false, 7, true),
            (ents(5, &[1, 1]), true, 6, false, 7, true),
            (ents(5, &[1, 1]), true, 7, false, 7, true),
            (vec![], true, 5, true, 5, true),
            (ents(5, &[1]), true, 5, true, 6, true),
            (ents(5, &[1, 1]), true, 5, true, 7, true),
            (ents(5, &[1, 1]), true, 6, true, 7, true),
            (ents(5, &[1, 1]), true, 7, true, 7, true),
        ];
        for (i, (e, has_snap, oip, sip, woip, wsip)) in cases.into_iter().enumerate() {
            let mut u = Unstable {
                entries: e,
                offset: 5,
                offset_in_progress: oip,
                snapshot: has_snap.then(|| Box::new(snap(4, 1))),
                snapshot_in_progress: sip,
            };
            u.accept_in_progress();
            assert_eq!(u.offset_in_progress, woip, "case {i}");
            assert_eq!(u.snapshot_in_progress, wsip, "case {i}");
        }
    }

    #[test]
    fn stable_to_drops_persisted_prefix_and_ignores_mismatches() {
        struct Case {
            entries: Vec<Entry>,
            offset: u64,
            in_progress: u64,
            snap: Option<Snapshot>,
            index: u64,
            term: u64,
            woffset: u64,
            win_progress: u64,
            wlen: usize,
        }
        let c =
            |entries, offset, in_progress, snap, index, term, woffset, win_progress, wlen| Case {
                entries,
                offset,
                in_progress,
                snap,
                index,
                term,
                woffset,
                win_progress,
                wlen,
            };
        let cases = [
            c(vec![], 0, 0, None, 5, 1, 0, 0, 0),
            // Stable to the first entry.
            c(ents(5, &[1]), 5, 6, None, 5, 1, 6, 6, 0),
            c(ents(5, &[1, 1]), 5, 6, None, 5, 1, 6, 6, 1),
            // In progress ahead of the stable point stays in progress.
            c(ents(5, &[1, 1]), 5, 7, None, 5, 1, 6, 7, 1),
            // Term mismatch: ignored.
            c(ents(6, &[2]), 6, 7, None, 6, 1, 6, 7, 1),
            // Already stable: ignored.
            c(ents(5, &[1]), 5, 6, None, 4, 1, 5, 6, 1),
            c(ents(5, &[1]), 5, 6, None, 4, 2, 5, 6, 1),
            // With a snapshot.
            c(ents(5, &[1]), 5, 6, Some(snap(4, 1)), 5, 1, 6, 6, 0),
            c(ents(5, &[1, 1]), 5, 6, Some(snap(4, 1)), 5, 1, 6, 6, 1),
            c(ents(5, &[1, 1]), 5, 7, Some(snap(4, 1)), 5, 1, 6, 7, 1),
            c(ents(6, &[2]), 6, 7, Some(snap(5, 1)), 6, 1, 6, 7, 1),
            // The snapshot's own index matches, but is not an entry: ignored.
            c(ents(5, &[1]), 5, 6, Some(snap(4, 1)), 4, 1, 5, 6, 1),
            c(ents(5, &[2]), 5, 6, Some(snap(4, 2)), 4, 1, 5, 6, 1),
        ];
        for (i, tt) in cases.into_iter().enumerate() {
            let mut u = Unstable {
                entries: tt.entries,
                offset: tt.offset,
                offset_in_progress: tt.in_progress,
                snapshot: tt.snap.map(Box::new),
                snapshot_in_progress: false,
            };
            let changed = u.stable_to(EntryId::new(tt.term, tt.index));
            assert_eq!(u.offset, tt.woffset, "case {i}");
            assert_eq!(u.offset_in_progress, tt.win_progress, "case {i}");
            assert_eq!(u.entries.len(), tt.wlen, "case {i}");
            assert_eq!(changed, tt.woffset != tt.offset, "case {i}");
        }
    }

    #[test]
    fn stable_to_releases_the_buffer_when_mostly_unused() {
        let mut u = Unstable::new(1);
        u.truncate_and_append(&ents(1, &[1; 64]));
        // Half kept: no reallocation needed yet.
        assert!(u.stable_to(EntryId::new(1, 16)));
        let cap = u.entries_capacity();
        assert!(cap >= 48);
        // Only 8 of >= 48 slots used: shrunk.
        assert!(u.stable_to(EntryId::new(1, 56)));
        assert!(u.entries_capacity() < cap);
        assert_eq!(u.entries_capacity(), 8);
        // Empty: no buffer at all.
        assert!(u.stable_to(EntryId::new(1, 64)));
        assert_eq!(u.entries_capacity(), 0);
        assert_eq!(u.offset, 65);
    }

    #[test]
    fn stable_snap_to_only_matches_the_unstable_snapshot() {
        let mut u = unstable(vec![], 5, Some(snap(4, 1)));
        u.snapshot_in_progress = true;
        assert!(!u.stable_snap_to(3));
        assert!(u.snapshot.is_some());
        assert!(u.stable_snap_to(4));
        assert!(u.snapshot.is_none());
        assert!(!u.snapshot_in_progress);
        assert!(!u.stable_snap_to(4));
    }

    #[test]
    fn truncate_and_append_cases() {
        // (entries, offset, in progress, to append) -> (offset, in progress, entries)
        let cases = [
            // Append to the end.
            (
                ents(5, &[1]),
                5,
                5,
                ents(6, &[1, 1]),
                5,
                5,
                ents(5, &[1, 1, 1]),
            ),
            (
                ents(5, &[1]),
                5,
                6,
                ents(6, &[1, 1]),
                5,
                6,
                ents(5, &[1, 1, 1]),
            ),
            // Replace the unstable entries.
            (
                ents(5, &[1]),
                5,
                5,
                ents(5, &[2, 2]),
                5,
                5,
                ents(5, &[2, 2]),
            ),
            (
                ents(5, &[1]),
                5,
                5,
                ents(4, &[2, 2, 2]),
                4,
                4,
                ents(4, &[2, 2, 2]),
            ),
            (
                ents(5, &[1]),
                5,
                6,
                ents(5, &[2, 2]),
                5,
                5,
                ents(5, &[2, 2]),
            ),
            // Truncate the existing entries and append.
            (
                ents(5, &[1, 1, 1]),
                5,
                5,
                ents(6, &[2]),
                5,
                5,
                ents(5, &[1, 2]),
            ),
            (
                ents(5, &[1, 1, 1]),
                5,
                5,
                ents(7, &[2, 2]),
                5,
                5,
                ents(5, &[1, 1, 2, 2]),
            ),
            (
                ents(5, &[1, 1, 1]),
                5,
                6,
                ents(6, &[2]),
                5,
                6,
                ents(5, &[1, 2]),
            ),
            (
                ents(5, &[1, 1, 1]),
                5,
                7,
                ents(6, &[2]),
                5,
                6,
                ents(5, &[1, 2]),
            ),
        ];
        for (i, (e, off, oip, add, woff, woip, want)) in cases.into_iter().enumerate() {
            for owned in [false, true] {
                let mut u = Unstable {
                    entries: e.clone(),
                    offset: off,
                    offset_in_progress: oip,
                    snapshot: None,
                    snapshot_in_progress: false,
                };
                if owned {
                    u.truncate_and_append_owned(add.clone());
                } else {
                    u.truncate_and_append(&add);
                }
                assert_eq!(u.offset, woff, "case {i} owned={owned}");
                assert_eq!(u.offset_in_progress, woip, "case {i} owned={owned}");
                assert_eq!(u.entries, want, "case {i} owned={owned}");
            }
        }
    }

    #[test]
    fn owned_append_to_an_empty_log_adopts_the_vector() {
        let mut u = Unstable::new(5);
        let add = ents(5, &[1, 1]);
        let ptr = add.as_ptr();
        u.truncate_and_append_owned(add);
        assert_eq!(u.entries.as_ptr(), ptr);
    }

    #[test]
    fn slice_returns_the_requested_range() {
        let u = unstable(ents(5, &[1, 2, 3]), 5, None);
        assert_eq!(u.slice(5, 8), ents(5, &[1, 2, 3]).as_slice());
        assert_eq!(u.slice(6, 7), ents(6, &[2]).as_slice());
        assert!(u.slice(8, 8).is_empty());
    }
}
