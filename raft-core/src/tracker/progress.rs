//! What the leader knows about one follower's log, and the transitions that update it.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use super::{Inflights, ProgressState};

/// The leader's view of one peer (voter or learner).
///
/// Invariants the transitions maintain (fields are public for the state machine and tests, so
/// they are documented here rather than enforced by the type):
/// * `matched < next` (hence `next >= 1`);
/// * in [`ProgressState::Snapshot`], `next == pending_snapshot + 1` and
///   `sent_commit == pending_snapshot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The highest index known to be identical in the follower's and the leader's logs.
    pub matched: u64,
    /// The next index to send. Entries in `(matched, next)` are already in flight.
    pub next: u64,
    /// The highest commit index sent to the follower. Usually grows, but regresses with `next`
    /// on rejections and probes, since what was sent may never have been applied.
    pub sent_commit: u64,
    /// How entries are being sent.
    pub state: ProgressState,
    /// In [`ProgressState::Snapshot`], the leader's last index when it decided a snapshot was
    /// needed (the index of the `MsgSnap` it sent); 0 otherwise. Replication resumes on an
    /// acknowledgement that reconnects the follower to the log, not necessarily at this index,
    /// because the host may deliver snapshots from elsewhere.
    pub pending_snapshot: u64,
    /// Whether the follower was heard from recently (reset every election timeout when
    /// CheckQuorum is on; always true for the leader itself).
    pub recent_active: bool,
    /// Appends are throttled: in Probe after a probe was sent, in Replicate when the inflight
    /// window is full. Cleared by any sign of progress (an acknowledgement, a heartbeat
    /// response), which lets one more append out.
    pub msg_app_flow_paused: bool,
    /// The appends in flight (used in Replicate).
    pub inflights: Inflights,
    /// Whether this peer is a learner.
    pub is_learner: bool,
}

impl Progress {
    /// A probing, inactive, non-learner progress that will send from `next`, with an inflight
    /// window of `max_inflight` messages and `max_inflight_bytes` bytes (0 = unlimited).
    pub fn new(next: u64, max_inflight: usize, max_inflight_bytes: u64) -> Self {
        Progress {
            matched: 0,
            next,
            sent_commit: 0,
            state: ProgressState::Probe,
            pending_snapshot: 0,
            recent_active: false,
            msg_app_flow_paused: false,
            inflights: Inflights::new(max_inflight, max_inflight_bytes),
            is_learner: false,
        }
    }

    /// Enters `state`, clearing everything that belonged to the previous state: the pause flag,
    /// the pending snapshot and the inflight window.
    pub fn reset_state(&mut self, state: ProgressState) {
        self.msg_app_flow_paused = false;
        self.pending_snapshot = 0;
        self.state = state;
        self.inflights.reset();
    }

    /// Enters Probe. `next` restarts right after `matched`, or after the pending snapshot when
    /// leaving Snapshot (the snapshot is assumed delivered, so probing starts past it).
    pub fn become_probe(&mut self) {
        let after_snapshot = if self.state == ProgressState::Snapshot {
            self.pending_snapshot.saturating_add(1)
        } else {
            0
        };
        self.reset_state(ProgressState::Probe);
        self.next = self.matched.saturating_add(1).max(after_snapshot);
        self.clamp_sent_commit();
    }

    /// Enters Replicate, streaming from right after `matched`.
    pub fn become_replicate(&mut self) {
        self.reset_state(ProgressState::Replicate);
        self.next = self.matched.saturating_add(1);
    }

    /// Enters Snapshot for a snapshot at `snapshot_index`. The snapshot carries everything up to
    /// that index, commit included, hence `sent_commit`.
    pub fn become_snapshot(&mut self, snapshot_index: u64) {
        self.reset_state(ProgressState::Snapshot);
        self.pending_snapshot = snapshot_index;
        self.next = snapshot_index.saturating_add(1);
        self.sent_commit = snapshot_index;
    }

    /// Records that an append of `entries` consecutive entries starting at `next`, carrying
    /// `bytes` of payload, was sent.
    ///
    /// In Replicate, `next` advances and the message joins the inflight window; the flow pauses
    /// if the window is now full. In Probe, a non-empty append is the probe and pauses the flow.
    /// Appends are never sent in Snapshot (etcd panics); debug builds assert this and release
    /// builds leave the progress unchanged.
    pub fn sent_entries(&mut self, entries: usize, bytes: u64) {
        debug_assert!(
            self.state != ProgressState::Snapshot,
            "sending append in unhandled state {}",
            self.state
        );
        match self.state {
            ProgressState::Replicate => {
                if entries > 0 {
                    self.next = self.next.saturating_add(entries as u64);
                    self.inflights.add(self.next - 1, bytes);
                }
                self.msg_app_flow_paused = self.inflights.full();
            }
            ProgressState::Probe => {
                if entries > 0 {
                    self.msg_app_flow_paused = true;
                }
            }
            ProgressState::Snapshot => {}
        }
    }

    /// Whether sending commit index `index` could advance the follower's commit: it must be
    /// newer than what was sent, and what was sent must not already cover everything in flight
    /// (`next - 1`).
    pub fn can_bump_commit(&self, index: u64) -> bool {
        index > self.sent_commit && self.sent_commit < self.next.saturating_sub(1)
    }

    /// Records that commit index `commit` was sent to the follower.
    pub fn record_sent_commit(&mut self, commit: u64) {
        self.sent_commit = commit;
    }

    /// Handles an acknowledgement of index `n`. Returns `false` (and changes nothing) when the
    /// acknowledgement is stale, i.e. not beyond `matched`; otherwise raises `matched` (and
    /// `next` if needed) and unpauses the flow.
    pub fn maybe_update(&mut self, n: u64) -> bool {
        if n <= self.matched {
            return false;
        }
        self.matched = n;
        self.next = self.next.max(n.saturating_add(1));
        self.msg_app_flow_paused = false;
        true
    }

    /// Handles a rejection of the append at index `rejected`, where the follower suggests its
    /// log matches up to `match_hint`. Returns `false` (and changes nothing) for a stale
    /// rejection; otherwise lowers `next` and returns `true`.
    ///
    /// In Replicate a rejection is stale if it is at or below `matched`; a genuine one restarts
    /// from `matched + 1`. In Probe and Snapshot only the probe at `next - 1` is outstanding, so
    /// any other index is stale; a genuine one moves `next` to `min(rejected, match_hint + 1)`
    /// but never below `matched + 1`, and unpauses the flow so the next probe goes out.
    pub fn maybe_decr_to(&mut self, rejected: u64, match_hint: u64) -> bool {
        if self.state == ProgressState::Replicate {
            if rejected <= self.matched {
                return false;
            }
            self.next = self.matched.saturating_add(1);
            self.clamp_sent_commit();
            return true;
        }
        if self.next.checked_sub(1) != Some(rejected) {
            return false;
        }
        self.next = rejected
            .min(match_hint.saturating_add(1))
            .max(self.matched.saturating_add(1));
        self.clamp_sent_commit();
        self.msg_app_flow_paused = false;
        true
    }

    /// A commit index beyond `next - 1` may not have reached the follower's log; forget it.
    fn clamp_sent_commit(&mut self) {
        self.sent_commit = self.sent_commit.min(self.next.saturating_sub(1));
    }

    /// Whether appends to this follower are throttled: always while a snapshot is pending,
    /// otherwise when the flow is paused.
    pub fn is_paused(&self) -> bool {
        match self.state {
            ProgressState::Probe | ProgressState::Replicate => self.msg_app_flow_paused,
            ProgressState::Snapshot => true,
        }
    }
}

/// etcd's `Progress.String()`:
/// `StateReplicate match=1 next=2[ learner][ paused][ pendingSnap=N][ inactive][ inflight=N[full]]`.
impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} match={} next={}",
            self.state, self.matched, self.next
        )?;
        if self.is_learner {
            f.write_str(" learner")?;
        }
        if self.is_paused() {
            f.write_str(" paused")?;
        }
        if self.pending_snapshot > 0 {
            write!(f, " pendingSnap={}", self.pending_snapshot)?;
        }
        if !self.recent_active {
            f.write_str(" inactive")?;
        }
        let n = self.inflights.count();
        if n > 0 {
            write!(f, " inflight={n}")?;
            if self.inflights.full() {
                f.write_str("[full]")?;
            }
        }
        Ok(())
    }
}

/// The progress of every tracked peer, by node id.
pub type ProgressMap = BTreeMap<u64, Progress>;

/// Renders a progress map like etcd's `ProgressMap.String()`: one `id: progress` line per peer in
/// ascending id order (ids in decimal), each ending in a newline.
pub fn describe_progress_map(progress: &ProgressMap) -> String {
    let mut out = String::new();
    for (id, pr) in progress {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{id}: {pr}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(state: ProgressState, matched: u64, next: u64) -> Progress {
        Progress {
            matched,
            next,
            state,
            ..Progress::new(next, 256, 0)
        }
    }

    #[test]
    fn display_with_every_flag() {
        let mut inflights = Inflights::new(1, 0);
        inflights.add(123, 1);
        let pr = Progress {
            matched: 1,
            next: 2,
            sent_commit: 0,
            state: ProgressState::Snapshot,
            pending_snapshot: 123,
            recent_active: false,
            msg_app_flow_paused: true,
            inflights,
            is_learner: true,
        };
        assert_eq!(
            pr.to_string(),
            "StateSnapshot match=1 next=2 learner paused pendingSnap=123 inactive inflight=1[full]"
        );
        let mut quiet = progress(ProgressState::Replicate, 3, 4);
        quiet.recent_active = true;
        assert_eq!(quiet.to_string(), "StateReplicate match=3 next=4");
        quiet.inflights.add(4, 10);
        assert_eq!(
            quiet.to_string(),
            "StateReplicate match=3 next=4 inflight=1"
        );
    }

    #[test]
    fn progress_map_lines_are_sorted_decimal() {
        let mut m = ProgressMap::new();
        m.insert(10, progress(ProgressState::Probe, 0, 1));
        m.insert(2, progress(ProgressState::Replicate, 4, 5));
        assert_eq!(
            describe_progress_map(&m),
            "2: StateReplicate match=4 next=5 inactive\n10: StateProbe match=0 next=1 inactive\n"
        );
        assert_eq!(describe_progress_map(&ProgressMap::new()), "");
    }

    #[test]
    fn is_paused_by_state() {
        for (state, paused, want) in [
            (ProgressState::Probe, false, false),
            (ProgressState::Probe, true, true),
            (ProgressState::Replicate, false, false),
            (ProgressState::Replicate, true, true),
            (ProgressState::Snapshot, false, true),
            (ProgressState::Snapshot, true, true),
        ] {
            let mut pr = progress(state, 0, 1);
            pr.msg_app_flow_paused = paused;
            assert_eq!(pr.is_paused(), want, "{state} paused={paused}");
        }
    }

    #[test]
    fn update_and_decrement_unpause() {
        let mut pr = progress(ProgressState::Probe, 0, 2);
        pr.msg_app_flow_paused = true;
        assert!(pr.maybe_decr_to(1, 1));
        assert!(!pr.msg_app_flow_paused);
        pr.msg_app_flow_paused = true;
        assert!(pr.maybe_update(2));
        assert!(!pr.msg_app_flow_paused);
    }

    #[test]
    fn become_probe_restarts_after_match_or_snapshot() {
        let mut pr = progress(ProgressState::Replicate, 1, 5);
        pr.sent_commit = 4;
        pr.become_probe();
        assert_eq!(
            (pr.state, pr.matched, pr.next, pr.sent_commit),
            (ProgressState::Probe, 1, 2, 1)
        );

        // Leaving Snapshot after the snapshot was delivered: probe past it.
        let mut pr = progress(ProgressState::Probe, 1, 5);
        pr.become_snapshot(10);
        pr.become_probe();
        assert_eq!(
            (pr.state, pr.next, pr.pending_snapshot),
            (ProgressState::Probe, 11, 0)
        );
        assert_eq!(pr.sent_commit, 10);

        // A failed snapshot (pending reset to 0) probes from match + 1.
        let mut pr = progress(ProgressState::Snapshot, 1, 5);
        pr.pending_snapshot = 0;
        pr.become_probe();
        assert_eq!(pr.next, 2);
    }

    #[test]
    fn become_replicate_and_snapshot() {
        let mut pr = progress(ProgressState::Probe, 1, 5);
        pr.inflights.add(3, 1);
        pr.msg_app_flow_paused = true;
        pr.become_replicate();
        assert_eq!(
            (pr.state, pr.matched, pr.next),
            (ProgressState::Replicate, 1, 2)
        );
        assert_eq!(pr.inflights.count(), 0);
        assert!(!pr.msg_app_flow_paused);

        pr.become_snapshot(10);
        assert_eq!(pr.state, ProgressState::Snapshot);
        assert_eq!(
            (pr.matched, pr.pending_snapshot, pr.next, pr.sent_commit),
            (1, 10, 11, 10)
        );
        assert!(pr.is_paused());
    }

    #[test]
    fn maybe_update_never_regresses() {
        let (m, n) = (3, 5);
        for (update, want_m, want_n, want_ok) in [
            (m - 1, m, n, false),
            (m, m, n, false),
            (m + 1, m + 1, n, true),
            (m + 2, m + 2, n + 1, true),
        ] {
            let mut pr = progress(ProgressState::Probe, m, n);
            assert_eq!(pr.maybe_update(update), want_ok, "update {update}");
            assert_eq!((pr.matched, pr.next), (want_m, want_n), "update {update}");
        }
    }

    #[test]
    fn maybe_decr_to_cases() {
        use ProgressState::{Probe, Replicate};
        // (state, match, next, rejected, hint, changed, want next)
        for (state, m, n, rejected, hint, want, want_next) in [
            (Replicate, 5, 10, 5, 5, false, 10),
            (Replicate, 5, 10, 4, 4, false, 10),
            (Replicate, 5, 10, 9, 9, true, 6),
            (Probe, 0, 0, 0, 0, false, 0),
            (Probe, 0, 10, 5, 5, false, 10),
            (Probe, 0, 10, 9, 9, true, 9),
            (Probe, 0, 2, 1, 1, true, 1),
            (Probe, 0, 1, 0, 0, true, 1),
            (Probe, 0, 10, 9, 2, true, 3),
            (Probe, 0, 10, 9, 0, true, 1),
        ] {
            let mut pr = progress(state, m, n);
            assert_eq!(
                pr.maybe_decr_to(rejected, hint),
                want,
                "{state} {m} {n} {rejected}"
            );
            assert_eq!(
                (pr.matched, pr.next),
                (m, want_next),
                "{state} {m} {n} {rejected}"
            );
        }
    }

    #[test]
    fn rejections_regress_sent_commit() {
        let mut pr = progress(ProgressState::Replicate, 5, 10);
        pr.sent_commit = 9;
        assert!(pr.maybe_decr_to(9, 9));
        assert_eq!(pr.sent_commit, 5);

        let mut pr = progress(ProgressState::Probe, 0, 10);
        pr.sent_commit = 8;
        assert!(pr.maybe_decr_to(9, 2));
        assert_eq!((pr.next, pr.sent_commit), (3, 2));
    }

    #[test]
    fn sent_entries_by_state() {
        let mut pr = progress(ProgressState::Replicate, 0, 1);
        pr.inflights = Inflights::new(2, 0);
        pr.sent_entries(3, 30);
        assert_eq!(
            (pr.next, pr.inflights.count(), pr.msg_app_flow_paused),
            (4, 1, false)
        );
        pr.sent_entries(0, 0);
        assert_eq!(
            (pr.next, pr.inflights.count()),
            (4, 1),
            "empty append is not tracked"
        );
        pr.sent_entries(2, 20);
        assert_eq!(pr.next, 6);
        assert!(pr.msg_app_flow_paused, "window full pauses the flow");
        assert_eq!(
            pr.inflights.iter().collect::<Vec<_>>(),
            vec![(3, 30), (5, 20)]
        );

        let mut pr = progress(ProgressState::Probe, 0, 1);
        pr.sent_entries(0, 0);
        assert!(!pr.msg_app_flow_paused, "an empty probe does not pause");
        pr.sent_entries(1, 10);
        assert!(pr.msg_app_flow_paused);
        assert_eq!(pr.next, 1, "probing does not advance next");
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn sent_entries_in_snapshot_is_ignored_in_release() {
        let mut pr = progress(ProgressState::Probe, 0, 1);
        pr.become_snapshot(10);
        let before = pr.clone();
        pr.sent_entries(5, 50);
        assert_eq!(pr, before);
    }

    #[test]
    fn can_bump_commit_until_next_minus_one_was_sent() {
        let mut pr = progress(ProgressState::Replicate, 0, 6);
        assert!(pr.can_bump_commit(3));
        pr.record_sent_commit(3);
        assert!(!pr.can_bump_commit(3));
        assert!(pr.can_bump_commit(4));
        pr.record_sent_commit(5);
        assert!(
            !pr.can_bump_commit(9),
            "commit 5 already covers everything up to next-1"
        );
    }
}
