//! The application each simulated host runs on top of Raft: a list of applied payloads with a
//! running digest, snapshotted into Raft snapshots.

use bytes::Bytes;

use crate::pb::{ConfState, Entry, Snapshot};

use super::checker::entry_hash;
use super::rng::Fnv;

/// A host's state machine. Only what a Raft snapshot captured survives a crash: on restart the
/// host reloads the storage's snapshot and Raft replays the committed entries after it.
#[derive(Clone, Debug, Default)]
pub(crate) struct App {
    /// The last index applied.
    pub(crate) applied: u64,
    /// Non-empty normal payloads, in log order.
    pub(crate) payloads: Vec<Bytes>,
    /// A hash chain over every applied entry (empty ones and configuration changes included),
    /// so two nodes that applied the same prefix have the same digest.
    pub(crate) digest: u64,
    /// The configuration as of `applied`, stored with snapshots.
    pub(crate) conf_state: ConfState,
    /// A configuration change was applied since the last snapshot.
    pub(crate) conf_changed: bool,
}

impl App {
    pub(crate) fn apply(&mut self, e: &Entry, payload: bool) {
        if payload {
            self.payloads.push(e.data.clone());
        }
        self.digest = Fnv::new().u64(self.digest).u64(entry_hash(e)).finish();
        self.applied = e.index;
    }

    /// Snapshot payload: digest, count, then length-prefixed payloads (little endian).
    pub(crate) fn encode(&self) -> Bytes {
        let size: usize = 16 + self.payloads.iter().map(|p| 4 + p.len()).sum::<usize>();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&self.digest.to_le_bytes());
        out.extend_from_slice(&(self.payloads.len() as u64).to_le_bytes());
        for p in &self.payloads {
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
            out.extend_from_slice(p);
        }
        Bytes::from(out)
    }

    /// The state a snapshot carries. `None` when the data is not one of ours.
    pub(crate) fn from_snapshot(snap: &Snapshot) -> Option<App> {
        let meta = snap.metadata.clone().unwrap_or_default();
        let conf_state = meta.conf_state.unwrap_or_default();
        if snap.data.is_empty() {
            // The bootstrap snapshot: configuration only.
            return Some(App {
                applied: meta.index,
                conf_state,
                ..App::default()
            });
        }
        let d = &snap.data;
        let word = |at: usize| -> Option<u64> {
            let b = d.get(at..at + 8)?;
            Some(u64::from_le_bytes(b.try_into().ok()?))
        };
        let digest = word(0)?;
        let count = word(8)?;
        let mut at = 16usize;
        let mut payloads = Vec::new();
        for _ in 0..count {
            let len = u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize;
            at += 4;
            let end = at.checked_add(len)?;
            d.get(at..end)?;
            payloads.push(d.slice(at..end));
            at = end;
        }
        Some(App {
            applied: meta.index,
            payloads,
            digest,
            conf_state,
            conf_changed: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::SnapshotMetadata;

    #[test]
    fn snapshot_round_trip() {
        let mut app = App::default();
        for (i, p) in [&b"a"[..], b"", b"ccc"].iter().enumerate() {
            let e = Entry {
                index: i as u64 + 1,
                term: 1,
                data: Bytes::copy_from_slice(p),
                ..Default::default()
            };
            app.apply(&e, !p.is_empty());
        }
        let snap = Snapshot {
            data: app.encode(),
            metadata: Some(SnapshotMetadata {
                index: 3,
                term: 1,
                conf_state: Some(ConfState {
                    voters: vec![1],
                    ..Default::default()
                }),
            }),
        };
        let back = App::from_snapshot(&snap).unwrap();
        assert_eq!(back.payloads, app.payloads);
        assert_eq!(back.digest, app.digest);
        assert_eq!(back.applied, 3);
        assert_eq!(back.conf_state.voters, vec![1]);
        let truncated = Snapshot {
            data: snap.data.slice(..snap.data.len() - 1),
            ..snap
        };
        assert!(App::from_snapshot(&truncated).is_none());
    }
}
