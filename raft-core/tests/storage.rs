//! `MemoryStorage` through the public API, as a host uses it: bootstrap, persist, snapshot,
//! compact, restart. Plus a property test: random operations never panic, every refused
//! operation leaves the storage unchanged, and the log always reads back as one contiguous run.

use bytes::Bytes;
use proptest::prelude::*;
use raft_core::pb::{ConfState, Entry, HardState, Snapshot, SnapshotMetadata};
use raft_core::{MemoryStorage, Storage, StorageError};

fn ents(first: u64, terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .zip(first..)
        .map(|(&term, index)| Entry {
            term,
            index,
            data: Bytes::from(format!("e{index}")),
            ..Entry::default()
        })
        .collect()
}

fn voters(ids: &[u64]) -> ConfState {
    ConfState {
        voters: ids.to_vec(),
        ..ConfState::default()
    }
}

#[test]
fn host_lifecycle() {
    let mut s = MemoryStorage::new_with_conf_state(voters(&[1, 2, 3]));
    assert_eq!(s.initial_state().unwrap().conf_state, voters(&[1, 2, 3]));

    // Persist what Ready hands out.
    s.append(&ents(1, &[1, 1, 2])).unwrap();
    let hs = HardState {
        term: 2,
        vote: 1,
        commit: 3,
    };
    s.set_hard_state(hs);
    assert_eq!(s.hard_state(), hs);
    assert_eq!(s.initial_state().unwrap().hard_state, hs);

    // A new leader overwrites the uncommitted tail.
    s.append(&ents(3, &[3, 3])).unwrap();
    assert_eq!(s.last_index(), Ok(4));
    assert_eq!(s.term(3), Ok(3));

    // Snapshot at the applied index, then compact.
    let snap = s
        .create_snapshot(3, Some(voters(&[1, 2])), Bytes::from_static(b"app"))
        .unwrap();
    assert_eq!((snap.index(), snap.term()), (3, 3));
    s.compact(3).unwrap();
    assert_eq!(s.first_index(), Ok(4));
    assert_eq!(s.term(3), Ok(3));
    assert_eq!(s.entries(3, 5, u64::MAX), Err(StorageError::Compacted));
    assert_eq!(s.entries(4, 5, u64::MAX), Ok(ents(4, &[3])));
    assert_eq!(s.initial_state().unwrap().conf_state, voters(&[1, 2]));

    // A clone is an independent copy (a "restart" from the persisted state).
    let restarted = s.clone();
    s.append(&ents(5, &[3])).unwrap();
    assert_eq!(restarted.last_index(), Ok(4));
    assert_eq!(s.last_index(), Ok(5));

    // A leader's snapshot replaces everything.
    let incoming = Snapshot {
        data: Bytes::from_static(b"leader"),
        metadata: Some(SnapshotMetadata {
            conf_state: Some(voters(&[1, 2, 3])),
            index: 10,
            term: 4,
        }),
    };
    s.apply_snapshot(incoming.clone()).unwrap();
    assert_eq!(s.snapshot(), Ok(incoming));
    assert_eq!((s.first_index(), s.last_index()), (Ok(11), Ok(10)));
    assert_eq!(
        s.apply_snapshot(Snapshot::default()),
        Err(StorageError::SnapshotOutOfDate)
    );
}

#[derive(Clone, Debug)]
enum Op {
    Append { start: u64, terms: Vec<u64> },
    Compact(u64),
    CreateSnapshot(u64),
    ApplySnapshot { index: u64, term: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..40, prop::collection::vec(1u64..5, 0..8))
            .prop_map(|(start, terms)| Op::Append { start, terms }),
        1 => (0u64..40).prop_map(Op::Compact),
        1 => (0u64..40).prop_map(Op::CreateSnapshot),
        1 => (0u64..40, 0u64..5).prop_map(|(index, term)| Op::ApplySnapshot { index, term }),
    ]
}

/// The log must read back as one contiguous run from `first_index` to `last_index`.
fn check_shape(s: &MemoryStorage) {
    let first = s.first_index().unwrap();
    let last = s.last_index().unwrap();
    assert!(first >= 1 && first <= last + 1);
    assert!(s.term(first - 1).is_ok());
    assert_eq!(s.term(last + 1), Err(StorageError::Unavailable));
    if first > 1 {
        assert_eq!(s.term(first - 2), Err(StorageError::Compacted));
    }
    if last >= first {
        let all = s.entries(first, last + 1, u64::MAX).unwrap();
        let indices: Vec<u64> = all.iter().map(|e| e.index).collect();
        assert_eq!(indices, (first..=last).collect::<Vec<_>>());
        for e in &all {
            assert_eq!(s.term(e.index), Ok(e.term));
        }
        // A zero budget still yields one entry.
        assert_eq!(s.entries(first, last + 1, 0).unwrap().len(), 1);
    }
}

proptest! {
    #[test]
    fn random_operations_keep_the_storage_consistent(ops in prop::collection::vec(op(), 1..40)) {
        let mut s = MemoryStorage::new();
        for op in ops {
            let before = format!("{s:?}");
            let first = s.first_index().unwrap();
            let result = match &op {
                Op::Append { start, terms } => s.append(&ents(*start, terms)),
                Op::Compact(i) => s.compact(*i),
                Op::CreateSnapshot(i) => s.create_snapshot(*i, None, Bytes::new()).map(|_| ()),
                Op::ApplySnapshot { index, term } => s.apply_snapshot(Snapshot {
                    metadata: Some(SnapshotMetadata { index: *index, term: *term, conf_state: None }),
                    ..Snapshot::default()
                }),
            };
            match result {
                Err(_) => prop_assert_eq!(format!("{s:?}"), before, "{:?} failed but changed the storage", op),
                Ok(()) => {
                    if let Op::Append { start, terms } = &op {
                        // Whatever was not compacted is now the log's tail.
                        let want: Vec<Entry> =
                            ents(*start, terms).into_iter().filter(|e| e.index >= first).collect();
                        if let (Some(lo), Some(hi)) = (want.first(), want.last()) {
                            prop_assert_eq!(s.last_index().unwrap(), hi.index);
                            prop_assert_eq!(s.entries(lo.index, hi.index + 1, u64::MAX).unwrap(), want);
                        }
                    }
                }
            }
            check_shape(&s);
        }
    }
}
