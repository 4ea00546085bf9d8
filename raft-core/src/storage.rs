//! The host's stable storage as Raft sees it: the [`Storage`] trait, and [`MemoryStorage`], an
//! in-memory implementation used by tests, examples and hosts that keep the log in RAM.
//!
//! Raft never writes to storage itself. The host persists what `Ready` hands it (entries, hard
//! state, snapshot) and Raft reads it back through [`Storage`]: entries it must send to lagging
//! followers or apply, terms it must compare, and the snapshot it must ship when a follower is
//! too far behind.

use bytes::Bytes;
use prost::Message as _;

use crate::error::StorageError;
use crate::pb::{ConfState, Entry, HardState, Snapshot, SnapshotMetadata};

/// What a node persisted before it (re)started: its hard state and its membership configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaftState {
    /// Term, vote and commit index as last persisted; all zero when nothing was persisted yet.
    pub hard_state: HardState,
    /// The membership configuration as of the latest snapshot (empty if none was persisted).
    pub conf_state: ConfState,
}

/// Read access to the log and state the host has persisted.
///
/// The log held by a storage is the contiguous range `[first_index, last_index]`, preceded by a
/// snapshot that covers everything up to `first_index - 1`. The term of that snapshot's last entry
/// stays queryable so that appends right after the snapshot can still be matched.
///
/// Errors: [`StorageError::Compacted`] and [`StorageError::Unavailable`] are part of the protocol
/// (Raft reacts to them, e.g. by sending a snapshot instead of entries). Any other error makes the
/// Raft operation that hit it fail without changing the node; nothing panics.
pub trait Storage {
    /// The persisted hard state and configuration, read once when a node starts.
    fn initial_state(&self) -> Result<RaftState, StorageError>;

    /// The entries in `[lo, hi)`, in order.
    ///
    /// The total of `entry.encoded_len()` over the returned entries is at most `max_size`
    /// (`u64::MAX` for no limit), except that at least one entry is returned if the range is
    /// not empty, so that progress is possible with oversized entries.
    ///
    /// Returns [`StorageError::Compacted`] if `lo` is at or below the snapshot index, and
    /// [`StorageError::Unavailable`] if some entry in the range is not stored.
    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>, StorageError>;

    /// The term of the entry at `idx`, which must be in `[first_index() - 1, last_index()]`.
    fn term(&self, idx: u64) -> Result<u64, StorageError>;

    /// The index of the first entry that may be available through [`Storage::entries`]. With an
    /// empty log this is `last_index() + 1`.
    fn first_index(&self) -> Result<u64, StorageError>;

    /// The index of the last stored entry (the snapshot index if the log is empty).
    fn last_index(&self) -> Result<u64, StorageError>;

    /// The latest snapshot. A storage that is still producing one returns
    /// [`StorageError::SnapshotTemporarilyUnavailable`] and Raft retries later.
    fn snapshot(&self) -> Result<Snapshot, StorageError>;
}

/// A reference or a box to a storage is a storage: every call goes to the pointee.
macro_rules! forward_storage {
    ($($ptr:ty),*) => {$(
        impl<S: Storage + ?Sized> Storage for $ptr {
            fn initial_state(&self) -> Result<RaftState, StorageError> {
                (**self).initial_state()
            }
            fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>, StorageError> {
                (**self).entries(lo, hi, max_size)
            }
            fn term(&self, idx: u64) -> Result<u64, StorageError> {
                (**self).term(idx)
            }
            fn first_index(&self) -> Result<u64, StorageError> {
                (**self).first_index()
            }
            fn last_index(&self) -> Result<u64, StorageError> {
                (**self).last_index()
            }
            fn snapshot(&self) -> Result<Snapshot, StorageError> {
                (**self).snapshot()
            }
        }
    )*};
}

forward_storage!(&S, Box<S>);

/// How many of `entries`, taken from the front, fit in `max_size` bytes of encoded size: at least
/// one (if there is any), then as many as keep the running total within the limit.
///
/// `u64::MAX` means "no limit" and skips the size computation entirely (no sum of encoded sizes
/// can reach it), which keeps unlimited reads on hot paths free of per-entry work.
pub(crate) fn limit_size(entries: &[Entry], max_size: u64) -> usize {
    if max_size == u64::MAX || entries.len() <= 1 {
        return entries.len();
    }
    let mut total = 0u64;
    for (count, entry) in entries.iter().enumerate() {
        total = total.saturating_add(entry.encoded_len() as u64);
        if count > 0 && total > max_size {
            return count;
        }
    }
    entries.len()
}

/// The total encoded size of `entries`, the unit of every size limit in this crate.
pub(crate) fn entries_size(entries: &[Entry]) -> u64 {
    entries
        .iter()
        .fold(0u64, |acc, e| acc.saturating_add(e.encoded_len() as u64))
}

/// A [`Storage`] that keeps everything in memory.
///
/// It is a plain value: no locks, no interior mutability. Raft reads it through `&self`; the host
/// mutates it through `&mut self` (typically via `RawNode::store_mut`) between Raft calls.
///
/// The log is kept as a vector whose element 0 is a placeholder ("dummy") entry carrying only the
/// index and term of the last compacted entry (0/0 for a fresh storage). That makes
/// `term(first_index - 1)` answerable after compaction, and keeps index arithmetic uniform:
/// the entry with index `i` lives at position `i - entries[0].index`.
///
/// Where etcd's `MemoryStorage` panics (appending with a gap, compacting or snapshotting beyond
/// the last index, reading beyond the last index) this one returns an error and changes nothing.
#[derive(Clone, Debug)]
pub struct MemoryStorage {
    hard_state: HardState,
    snapshot: Snapshot,
    /// `entries[0]` is the dummy entry (index and term of the last compacted entry, no data);
    /// `entries[k]` has index `entries[0].index + k`. Never empty.
    entries: Vec<Entry>,
}

impl Default for MemoryStorage {
    fn default() -> Self {
        MemoryStorage::new()
    }
}

impl MemoryStorage {
    /// An empty storage: no hard state, no snapshot, no entries.
    pub fn new() -> Self {
        MemoryStorage {
            hard_state: HardState::default(),
            snapshot: Snapshot::default(),
            entries: vec![Entry::default()],
        }
    }

    /// An empty storage whose configuration is `cs`, the usual way to bootstrap a fresh cluster
    /// whose members are known up front.
    pub fn new_with_conf_state(cs: ConfState) -> Self {
        let mut storage = MemoryStorage::new();
        storage.set_conf_state(cs);
        storage
    }

    /// The persisted hard state.
    pub fn hard_state(&self) -> HardState {
        self.hard_state
    }

    /// Persists a new hard state (as handed out in `Ready::hard_state`).
    pub fn set_hard_state(&mut self, hs: HardState) {
        self.hard_state = hs;
    }

    /// Replaces the configuration recorded in the snapshot metadata, which is what
    /// [`Storage::initial_state`] reports on restart.
    pub fn set_conf_state(&mut self, cs: ConfState) {
        self.snapshot
            .metadata
            .get_or_insert_with(SnapshotMetadata::default)
            .conf_state = Some(cs);
    }

    /// The index of the dummy entry, i.e. of the last entry folded into the log's beginning.
    fn offset(&self) -> u64 {
        self.entries.first().map_or(0, |e| e.index)
    }

    // Saturating arithmetic: a snapshot index near u64::MAX is absurd but must not panic.
    fn first(&self) -> u64 {
        self.offset().saturating_add(1)
    }

    fn last(&self) -> u64 {
        self.offset()
            .saturating_add(self.entries.len() as u64)
            .saturating_sub(1)
    }

    /// Replaces the whole contents with `snap`: the log becomes empty, starting right after the
    /// snapshot.
    ///
    /// Returns [`StorageError::SnapshotOutOfDate`] unless `snap` is newer than the snapshot held.
    /// The one exception is a storage whose snapshot index is still 0: a host may bootstrap by
    /// applying a snapshot that carries only a configuration (index and term 0).
    pub fn apply_snapshot(&mut self, snap: Snapshot) -> Result<(), StorageError> {
        let current = self.snapshot.index();
        if current != 0 && current >= snap.index() {
            return Err(StorageError::SnapshotOutOfDate);
        }
        let dummy = Entry {
            index: snap.index(),
            term: snap.term(),
            ..Entry::default()
        };
        self.entries = vec![dummy];
        self.snapshot = snap;
        Ok(())
    }

    /// Records a snapshot of the application state at `index` (which must be stored and newer
    /// than the current snapshot) and returns it. Pass the configuration as of `index` in `cs`
    /// if it changed since the last snapshot; `None` keeps the recorded one.
    ///
    /// The log is not compacted; call [`MemoryStorage::compact`] for that.
    pub fn create_snapshot(
        &mut self,
        index: u64,
        cs: Option<ConfState>,
        data: Bytes,
    ) -> Result<Snapshot, StorageError> {
        if index <= self.snapshot.index() {
            return Err(StorageError::SnapshotOutOfDate);
        }
        if index > self.last() {
            return Err(StorageError::InvalidRequest(format!(
                "snapshot {index} is out of bound lastindex({})",
                self.last()
            )));
        }
        // The entry at `index` may already be compacted away (compaction moves the log's start
        // without taking a snapshot); its term is then unknown.
        let term = self.term(index)?;
        let meta = self
            .snapshot
            .metadata
            .get_or_insert_with(SnapshotMetadata::default);
        meta.index = index;
        meta.term = term;
        if let Some(cs) = cs {
            meta.conf_state = Some(cs);
        }
        self.snapshot.data = data;
        Ok(self.snapshot.clone())
    }

    /// Discards the entries before `compact_index`; the entry at `compact_index` becomes the new
    /// dummy entry (only its index and term are kept).
    ///
    /// Returns [`StorageError::Compacted`] if `compact_index` is already compacted, and
    /// [`StorageError::InvalidRequest`] if it is beyond the last index. The host must not compact
    /// beyond what it has applied.
    pub fn compact(&mut self, compact_index: u64) -> Result<(), StorageError> {
        let offset = self.offset();
        if compact_index <= offset {
            return Err(StorageError::Compacted);
        }
        if compact_index > self.last() {
            return Err(StorageError::InvalidRequest(format!(
                "compact {compact_index} is out of bound lastindex({})",
                self.last()
            )));
        }
        let drop = (compact_index - offset) as usize;
        self.entries.drain(..drop);
        // The entry now at position 0 is the one at `compact_index`: strip it to a placeholder
        // so its payload is released.
        if let Some(dummy) = self.entries.first_mut() {
            *dummy = Entry {
                index: dummy.index,
                term: dummy.term,
                ..Entry::default()
            };
        }
        // Compaction usually follows a long run of appends; give the memory back once most of
        // the buffer is unused.
        if self.entries.len() * 2 < self.entries.capacity() {
            self.entries.shrink_to_fit();
        }
        Ok(())
    }

    /// Appends `entries` (consecutive indices), replacing any stored entries at the same or
    /// higher indices: a log suffix that conflicts with what the leader sent is discarded.
    ///
    /// Entries at or below the compaction point are skipped silently (they are already covered
    /// by the snapshot). Returns [`StorageError::InvalidRequest`] and changes nothing if the
    /// entries would leave a gap after the last stored entry, or their indices are not
    /// consecutive.
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), StorageError> {
        let Some(head) = entries.first() else {
            return Ok(());
        };
        if let Some(pos) = entries
            .windows(2)
            .position(|w| w[0].index.checked_add(1) != Some(w[1].index))
        {
            return Err(StorageError::InvalidRequest(format!(
                "entries to append are not consecutive: index {} follows {}",
                entries[pos + 1].index,
                entries[pos].index
            )));
        }
        let first = self.first();
        // Consecutive indices were checked above, so this cannot overflow.
        let incoming_last = head.index + entries.len() as u64 - 1;
        if incoming_last < first {
            // Everything offered is already compacted.
            return Ok(());
        }
        let entries = if head.index < first {
            &entries[(first - head.index) as usize..]
        } else {
            entries
        };
        let start = entries[0].index;
        if start > self.last().saturating_add(1) {
            return Err(StorageError::InvalidRequest(format!(
                "missing log entry [last: {}, append at: {start}]",
                self.last()
            )));
        }
        // `start >= first > offset`, so the position is at least 1 and the dummy survives.
        let pos = (start - self.offset()) as usize;
        self.entries.truncate(pos);
        self.entries.extend_from_slice(entries);
        Ok(())
    }
}

impl Storage for MemoryStorage {
    fn initial_state(&self) -> Result<RaftState, StorageError> {
        let conf_state = self
            .snapshot
            .metadata
            .as_ref()
            .and_then(|m| m.conf_state.clone())
            .unwrap_or_default();
        Ok(RaftState {
            hard_state: self.hard_state,
            conf_state,
        })
    }

    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>, StorageError> {
        let offset = self.offset();
        if lo <= offset {
            return Err(StorageError::Compacted);
        }
        if hi > self.last().saturating_add(1) {
            return Err(StorageError::Unavailable);
        }
        if self.entries.len() == 1 {
            // Only the dummy entry: nothing is stored.
            return Err(StorageError::Unavailable);
        }
        if lo > hi {
            return Err(StorageError::InvalidRequest(format!(
                "invalid entries range [{lo}, {hi})"
            )));
        }
        let range = &self.entries[(lo - offset) as usize..(hi - offset) as usize];
        Ok(range[..limit_size(range, max_size)].to_vec())
    }

    fn term(&self, idx: u64) -> Result<u64, StorageError> {
        let offset = self.offset();
        if idx < offset {
            return Err(StorageError::Compacted);
        }
        usize::try_from(idx - offset)
            .ok()
            .and_then(|pos| self.entries.get(pos))
            .map(|e| e.term)
            .ok_or(StorageError::Unavailable)
    }

    fn first_index(&self) -> Result<u64, StorageError> {
        Ok(self.first())
    }

    fn last_index(&self) -> Result<u64, StorageError> {
        Ok(self.last())
    }

    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        Ok(self.snapshot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::ents;

    type EntriesResult = Result<Vec<Entry>, StorageError>;

    /// A storage whose raw vector is `entries`, dummy included (etcd's tests build
    /// `MemoryStorage{ents: ...}` this way: a compacted log without a snapshot).
    fn raw(entries: Vec<Entry>) -> MemoryStorage {
        MemoryStorage {
            entries,
            ..MemoryStorage::new()
        }
    }

    fn snap(index: u64, term: u64, cs: Option<ConfState>, data: &'static [u8]) -> Snapshot {
        Snapshot {
            data: Bytes::from_static(data),
            metadata: Some(SnapshotMetadata {
                conf_state: cs,
                index,
                term,
            }),
        }
    }

    fn voters(ids: &[u64]) -> ConfState {
        ConfState {
            voters: ids.to_vec(),
            ..ConfState::default()
        }
    }

    #[test]
    fn new_storage_holds_only_the_dummy_entry() {
        let s = MemoryStorage::new();
        assert_eq!(s.first_index(), Ok(1));
        assert_eq!(s.last_index(), Ok(0));
        assert_eq!(s.term(0), Ok(0));
        assert_eq!(s.term(1), Err(StorageError::Unavailable));
        assert_eq!(s.entries(1, 1, u64::MAX), Err(StorageError::Unavailable));
        assert_eq!(s.initial_state(), Ok(RaftState::default()));
        assert!(s.snapshot().unwrap().is_empty());
    }

    #[test]
    fn term_is_answered_from_the_dummy_entry_to_the_last_entry() {
        let s = raw(ents(3, &[3, 4, 5]));
        let cases = [
            (2, Err(StorageError::Compacted)),
            (3, Ok(3)),
            (4, Ok(4)),
            (5, Ok(5)),
            (6, Err(StorageError::Unavailable)),
            (u64::MAX, Err(StorageError::Unavailable)),
        ];
        for (idx, want) in cases {
            assert_eq!(s.term(idx), want, "term({idx})");
        }
    }

    #[test]
    fn entries_respect_range_and_size_limit() {
        let all = ents(3, &[3, 4, 5, 6]);
        let size = |i: usize| all[i].encoded_len() as u64;
        let s = raw(all.clone());
        let cases: Vec<(u64, u64, u64, EntriesResult)> = vec![
            (2, 6, u64::MAX, Err(StorageError::Compacted)),
            (3, 4, u64::MAX, Err(StorageError::Compacted)),
            (4, 5, u64::MAX, Ok(ents(4, &[4]))),
            (4, 6, u64::MAX, Ok(ents(4, &[4, 5]))),
            (4, 7, u64::MAX, Ok(ents(4, &[4, 5, 6]))),
            // Even with a zero budget the first entry is returned.
            (4, 7, 0, Ok(ents(4, &[4]))),
            (4, 7, size(1) + size(2), Ok(ents(4, &[4, 5]))),
            (4, 7, size(1) + size(2) + size(3) / 2, Ok(ents(4, &[4, 5]))),
            (4, 7, size(1) + size(2) + size(3) - 1, Ok(ents(4, &[4, 5]))),
            (4, 7, size(1) + size(2) + size(3), Ok(ents(4, &[4, 5, 6]))),
            (4, 4, u64::MAX, Ok(vec![])),
        ];
        for (lo, hi, max, want) in cases {
            assert_eq!(s.entries(lo, hi, max), want, "entries({lo}, {hi}, {max})");
        }
    }

    #[test]
    fn entries_beyond_last_index_is_unavailable_not_a_panic() {
        // etcd panics here; we report Unavailable.
        let s = raw(ents(3, &[3, 4, 5, 6]));
        assert_eq!(s.entries(4, 8, u64::MAX), Err(StorageError::Unavailable));
        assert_eq!(
            s.entries(4, u64::MAX, u64::MAX),
            Err(StorageError::Unavailable)
        );
    }

    #[test]
    fn entries_with_inverted_range_is_an_invalid_request() {
        let s = raw(ents(3, &[3, 4, 5, 6]));
        assert!(matches!(
            s.entries(6, 5, u64::MAX),
            Err(StorageError::InvalidRequest(_))
        ));
    }

    #[test]
    fn last_index_follows_appends() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        assert_eq!(s.last_index(), Ok(5));
        s.append(&ents(6, &[5])).unwrap();
        assert_eq!(s.last_index(), Ok(6));
    }

    #[test]
    fn first_index_follows_compaction() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        assert_eq!(s.first_index(), Ok(4));
        s.compact(4).unwrap();
        assert_eq!(s.first_index(), Ok(5));
    }

    #[test]
    fn compact_moves_the_dummy_entry() {
        // (compact index, result, dummy index, dummy term, vector length)
        let cases = [
            (2, Err(StorageError::Compacted), 3, 3, 3),
            (3, Err(StorageError::Compacted), 3, 3, 3),
            (4, Ok(()), 4, 4, 2),
            (5, Ok(()), 5, 5, 1),
        ];
        for (i, want, windex, wterm, wlen) in cases {
            let mut s = raw(ents(3, &[3, 4, 5]));
            assert_eq!(s.compact(i), want, "compact({i})");
            assert_eq!(s.entries[0].index, windex);
            assert_eq!(s.entries[0].term, wterm);
            assert_eq!(s.entries.len(), wlen);
        }
    }

    #[test]
    fn compact_strips_the_payload_of_the_new_dummy_entry() {
        let mut s = MemoryStorage::new();
        let mut e = ents(1, &[1, 1]);
        e[0].data = Bytes::from_static(b"payload");
        e[0].entry_type = crate::pb::EntryType::EntryConfChange as i32;
        s.append(&e).unwrap();
        s.compact(1).unwrap();
        assert_eq!(
            s.entries[0],
            Entry {
                index: 1,
                term: 1,
                ..Entry::default()
            }
        );
    }

    #[test]
    fn compact_beyond_last_index_fails_and_changes_nothing() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        let before = s.clone();
        assert!(matches!(s.compact(6), Err(StorageError::InvalidRequest(_))));
        assert_eq!(s.entries, before.entries);
        assert_eq!(s.snapshot, before.snapshot);
    }

    #[test]
    fn create_snapshot_records_index_term_conf_state_and_data() {
        let cs = voters(&[1, 2, 3]);
        for i in [4, 5] {
            let mut s = raw(ents(3, &[3, 4, 5]));
            let got = s
                .create_snapshot(i, Some(cs.clone()), Bytes::from_static(b"data"))
                .unwrap();
            assert_eq!(got, snap(i, i, Some(cs.clone()), b"data"));
            assert_eq!(s.snapshot(), Ok(got));
            // The log itself is untouched.
            assert_eq!(s.first_index(), Ok(4));
        }
    }

    #[test]
    fn create_snapshot_keeps_conf_state_when_none_given() {
        let mut s = MemoryStorage::new_with_conf_state(voters(&[1]));
        s.append(&ents(1, &[1, 1])).unwrap();
        let got = s.create_snapshot(2, None, Bytes::new()).unwrap();
        assert_eq!(got, snap(2, 1, Some(voters(&[1])), b""));
    }

    #[test]
    fn create_snapshot_not_newer_is_out_of_date() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        s.create_snapshot(4, None, Bytes::new()).unwrap();
        for i in [3, 4] {
            assert_eq!(
                s.create_snapshot(i, None, Bytes::new()),
                Err(StorageError::SnapshotOutOfDate)
            );
        }
    }

    #[test]
    fn create_snapshot_beyond_last_index_fails_and_changes_nothing() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        let before = s.clone();
        assert!(matches!(
            s.create_snapshot(6, Some(voters(&[1])), Bytes::from_static(b"x")),
            Err(StorageError::InvalidRequest(_))
        ));
        assert_eq!(s.snapshot, before.snapshot);
        assert_eq!(s.entries, before.entries);
    }

    #[test]
    fn create_snapshot_of_a_compacted_index_fails_and_changes_nothing() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        let before = s.clone();
        // The snapshot index is 0 but entries up to 3 are gone.
        assert_eq!(
            s.create_snapshot(2, None, Bytes::new()),
            Err(StorageError::Compacted)
        );
        assert_eq!(s.snapshot, before.snapshot);
    }

    #[test]
    fn append_truncates_conflicts_and_skips_compacted_prefix() {
        let cases: Vec<(Vec<Entry>, Vec<Entry>)> = vec![
            // Entirely compacted: ignored.
            (ents(1, &[1, 2]), ents(3, &[3, 4, 5])),
            // Identical.
            (ents(3, &[3, 4, 5]), ents(3, &[3, 4, 5])),
            // Conflict at 4: the suffix is replaced.
            (ents(3, &[3, 6, 6]), ents(3, &[3, 6, 6])),
            // Extends.
            (ents(3, &[3, 4, 5, 5]), ents(3, &[3, 4, 5, 5])),
            // Compacted prefix skipped, then conflict at 4.
            (ents(2, &[3, 3, 5]), ents(3, &[3, 5])),
            // Truncate the existing entries and append.
            (ents(4, &[5]), ents(3, &[3, 5])),
            // Direct append.
            (ents(6, &[5]), ents(3, &[3, 4, 5, 5])),
        ];
        for (input, want) in cases {
            let mut s = raw(ents(3, &[3, 4, 5]));
            assert_eq!(s.append(&input), Ok(()), "append {input:?}");
            assert_eq!(s.entries, want, "append {input:?}");
        }
    }

    #[test]
    fn append_with_gap_fails_and_changes_nothing() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        assert!(matches!(
            s.append(&ents(7, &[5])),
            Err(StorageError::InvalidRequest(_))
        ));
        assert_eq!(s.entries, ents(3, &[3, 4, 5]));
    }

    #[test]
    fn append_non_consecutive_fails_and_changes_nothing() {
        let mut s = raw(ents(3, &[3, 4, 5]));
        let mut input = ents(4, &[4, 4, 4]);
        input[2].index = 9;
        assert!(matches!(
            s.append(&input),
            Err(StorageError::InvalidRequest(_))
        ));
        let wrapping = vec![
            Entry {
                index: u64::MAX,
                ..Entry::default()
            },
            Entry {
                index: 0,
                ..Entry::default()
            },
        ];
        assert!(matches!(
            s.append(&wrapping),
            Err(StorageError::InvalidRequest(_))
        ));
        assert_eq!(s.entries, ents(3, &[3, 4, 5]));
    }

    #[test]
    fn appended_payloads_are_shared_not_copied() {
        let mut s = MemoryStorage::new();
        let payload = Bytes::from(vec![7u8; 64]);
        let mut e = ents(1, &[1]);
        e[0].data = payload.clone();
        s.append(&e).unwrap();
        let read = s.entries(1, 2, u64::MAX).unwrap();
        assert_eq!(read[0].data.as_ptr(), payload.as_ptr());
    }

    #[test]
    fn apply_snapshot_cases() {
        let cs = voters(&[1, 2, 3]);
        let cases: Vec<(&str, Vec<Snapshot>, Result<(), StorageError>)> = vec![
            (
                "normal",
                vec![snap(4, 4, Some(cs.clone()), b"data")],
                Ok(()),
            ),
            (
                "out of date",
                vec![
                    snap(4, 4, Some(cs.clone()), b"data"),
                    snap(3, 3, Some(cs.clone()), b"data"),
                ],
                Err(StorageError::SnapshotOutOfDate),
            ),
            (
                "same index",
                vec![
                    snap(4, 4, Some(cs.clone()), b"data"),
                    snap(4, 4, Some(cs.clone()), b"data"),
                ],
                Err(StorageError::SnapshotOutOfDate),
            ),
            (
                "bootstrap with conf state only",
                vec![snap(0, 0, Some(cs.clone()), b"data")],
                Ok(()),
            ),
            (
                "conf state only, twice",
                vec![
                    snap(0, 0, Some(cs.clone()), b"data"),
                    snap(0, 0, Some(voters(&[1])), b"data"),
                ],
                Ok(()),
            ),
        ];
        for (name, snaps, want) in cases {
            let mut s = MemoryStorage::new();
            let mut got = Ok(());
            for sn in snaps {
                got = s.apply_snapshot(sn);
            }
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn apply_snapshot_resets_the_log_and_reports_the_conf_state() {
        let mut s = MemoryStorage::new();
        s.append(&ents(1, &[1, 2, 3])).unwrap();
        s.set_hard_state(HardState {
            term: 3,
            vote: 1,
            commit: 2,
        });
        let sn = snap(10, 4, Some(voters(&[1, 2])), b"state");
        s.apply_snapshot(sn.clone()).unwrap();
        assert_eq!(s.first_index(), Ok(11));
        assert_eq!(s.last_index(), Ok(10));
        assert_eq!(s.term(10), Ok(4));
        assert_eq!(s.term(9), Err(StorageError::Compacted));
        assert_eq!(s.snapshot(), Ok(sn));
        let st = s.initial_state().unwrap();
        assert_eq!(st.conf_state, voters(&[1, 2]));
        assert_eq!(st.hard_state.commit, 2);
        // The next append must start right after the snapshot.
        assert!(s.append(&ents(12, &[4])).is_err());
        s.append(&ents(11, &[4])).unwrap();
        assert_eq!(s.last_index(), Ok(11));
    }

    #[test]
    fn out_of_date_snapshot_changes_nothing() {
        let mut s = MemoryStorage::new();
        s.apply_snapshot(snap(5, 2, Some(voters(&[1])), b"a"))
            .unwrap();
        s.append(&ents(6, &[2, 2])).unwrap();
        let before = s.clone();
        assert_eq!(
            s.apply_snapshot(snap(5, 3, Some(voters(&[2])), b"b")),
            Err(StorageError::SnapshotOutOfDate)
        );
        assert_eq!(s.entries, before.entries);
        assert_eq!(s.snapshot, before.snapshot);
    }

    #[test]
    fn new_with_conf_state_reports_it() {
        let s = MemoryStorage::new_with_conf_state(voters(&[1, 2]));
        assert_eq!(s.initial_state().unwrap().conf_state, voters(&[1, 2]));
        assert_eq!(s.snapshot().unwrap().index(), 0);
    }

    #[test]
    fn limit_size_keeps_at_least_one_entry() {
        let e = ents(1, &[1, 1, 1]);
        let one = e[0].encoded_len() as u64;
        assert_eq!(limit_size(&[], 0), 0);
        assert_eq!(limit_size(&e, 0), 1);
        assert_eq!(limit_size(&e, one), 1);
        assert_eq!(limit_size(&e, 2 * one - 1), 1);
        assert_eq!(limit_size(&e, 2 * one), 2);
        assert_eq!(limit_size(&e, 3 * one), 3);
        assert_eq!(limit_size(&e, u64::MAX), 3);
        assert_eq!(entries_size(&e), 3 * one);
    }

    #[test]
    fn storage_is_usable_through_references_and_boxes() {
        fn last<S: Storage>(s: S) -> u64 {
            s.last_index().unwrap()
        }
        let mut s = MemoryStorage::new();
        s.append(&ents(1, &[1, 1])).unwrap();
        assert_eq!(last(&s), 2);
        let boxed: Box<dyn Storage> = Box::new(s);
        assert_eq!(last(boxed), 2);
    }
}
