//! Builders shared by the unit tests of the log and storage modules.

use crate::pb::{Entry, Snapshot, SnapshotMetadata};

/// Entries at consecutive indices from `first`, one per term given.
pub(crate) fn ents(first: u64, terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .zip(first..)
        .map(|(&term, index)| Entry {
            term,
            index,
            ..Entry::default()
        })
        .collect()
}

/// A snapshot covering up to `(index, term)`, with no configuration and no data.
pub(crate) fn snap(index: u64, term: u64) -> Snapshot {
    Snapshot {
        metadata: Some(SnapshotMetadata {
            index,
            term,
            conf_state: None,
        }),
        ..Snapshot::default()
    }
}
