//! The leader's bookkeeping: the active membership configuration and each peer's replication
//! progress, from which the committed index and election outcomes follow.

mod inflights;
mod progress;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use inflights::Inflights;
pub use progress::{describe_progress_map, Progress, ProgressMap};
pub use state::ProgressState;

use crate::pb::ConfState;
use crate::quorum::{JointConfig, MajorityConfig, VoteResult};

/// The membership configuration: who votes (possibly jointly), who learns.
///
/// Invariants (checked by [`crate::confchange`] on every change):
/// * `learners` is disjoint from both voter halves, so a peer's role never depends on which half
///   is asked;
/// * `learners_next` holds voters of the outgoing half being demoted: they cannot be learners
///   while they still vote in the old configuration, so they become learners when the joint
///   configuration is left; it is empty outside a joint configuration;
/// * `auto_leave` is false outside a joint configuration.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct TrackerConfig {
    /// The voters.
    pub voters: JointConfig,
    /// Whether the joint configuration should be left automatically once it is committed
    /// (otherwise the application proposes an empty `ConfChangeV2` to leave).
    pub auto_leave: bool,
    /// The learners.
    pub learners: BTreeSet<u64>,
    /// Outgoing voters that become learners when the joint configuration is left.
    pub learners_next: BTreeSet<u64>,
}

impl TrackerConfig {
    /// Whether the configuration is joint (a membership change is in progress).
    pub fn is_joint(&self) -> bool {
        self.voters.is_joint()
    }
}

/// Writes `(1 2 3)` for a set, ids in hexadecimal like etcd.
fn write_set(f: &mut fmt::Formatter<'_>, ids: &BTreeSet<u64>) -> fmt::Result {
    f.write_str("(")?;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        write!(f, "{id:x}")?;
    }
    f.write_str(")")
}

/// etcd's `Config.String()`: `voters=(1 2 3)&&(1) learners=(4) learners_next=(5) autoleave`,
/// where empty learner sets and a false `auto_leave` are omitted.
impl fmt::Display for TrackerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "voters={}", self.voters)?;
        if !self.learners.is_empty() {
            f.write_str(" learners=")?;
            write_set(f, &self.learners)?;
        }
        if !self.learners_next.is_empty() {
            f.write_str(" learners_next=")?;
            write_set(f, &self.learners_next)?;
        }
        if self.auto_leave {
            f.write_str(" autoleave")?;
        }
        Ok(())
    }
}

/// The active configuration, the progress of every member, and the votes of the current
/// election.
#[derive(Clone, Debug)]
pub struct ProgressTracker {
    /// The active configuration. Replace it together with `progress` (as produced by
    /// [`crate::confchange::Changer`]) so that every member has a progress entry.
    pub config: TrackerConfig,
    /// The progress of every voter and learner.
    pub progress: ProgressMap,
    /// Votes received in the current election (`true` = granted); first answer per peer wins.
    votes: BTreeMap<u64, bool>,
    /// Inflight message limit for progress entries created for new peers.
    max_inflight: usize,
    /// Inflight byte limit for progress entries created for new peers (0 = unlimited).
    max_inflight_bytes: u64,
}

impl ProgressTracker {
    /// An empty tracker whose new peers get inflight windows of `max_inflight` messages and
    /// `max_inflight_bytes` bytes (0 = unlimited).
    pub fn new(max_inflight: usize, max_inflight_bytes: u64) -> Self {
        ProgressTracker {
            config: TrackerConfig::default(),
            progress: ProgressMap::new(),
            votes: BTreeMap::new(),
            max_inflight,
            max_inflight_bytes,
        }
    }

    /// The inflight message limit for new peers.
    pub fn max_inflight(&self) -> usize {
        self.max_inflight
    }

    /// The inflight byte limit for new peers (0 = unlimited).
    pub fn max_inflight_bytes(&self) -> u64 {
        self.max_inflight_bytes
    }

    /// The active configuration as a `ConfState`, every id list sorted ascending.
    pub fn conf_state(&self) -> ConfState {
        ConfState {
            voters: self.config.voters.incoming.to_vec(),
            learners: self.config.learners.iter().copied().collect(),
            voters_outgoing: self.config.voters.outgoing.to_vec(),
            learners_next: self.config.learners_next.iter().copied().collect(),
            auto_leave: self.config.auto_leave,
        }
    }

    /// Whether this is a non-joint configuration with exactly one voter (which can then commit
    /// and win elections alone).
    pub fn is_singleton(&self) -> bool {
        self.config.voters.incoming.len() == 1 && self.config.voters.outgoing.is_empty()
    }

    /// The highest index acknowledged (`matched`) by a quorum of voters; `u64::MAX` when there
    /// are no voters. Voters without a progress entry count as having acknowledged 0.
    ///
    /// This runs on every append acknowledgement, so it does not allocate for up to seven voters
    /// per half and walks each voter set and the progress map in step (both are sorted) instead
    /// of searching the map once per voter.
    pub fn committed(&self) -> u64 {
        let voters = &self.config.voters;
        let incoming = self.committed_in(&voters.incoming);
        if voters.outgoing.is_empty() {
            return incoming;
        }
        incoming.min(self.committed_in(&voters.outgoing))
    }

    fn committed_in(&self, majority: &MajorityConfig) -> u64 {
        let mut prs = self.progress.iter().peekable();
        let acked = majority.iter().filter_map(move |&id| {
            while prs.next_if(|(&pid, _)| pid < id).is_some() {}
            prs.next_if(|(&pid, _)| pid == id).map(|(_, pr)| pr.matched)
        });
        crate::quorum::quorum_index(majority.len(), acked)
    }

    /// Whether the voters that were recently active form a quorum (learners do not count).
    pub fn quorum_active(&self) -> bool {
        let active = |id: u64| {
            self.progress
                .get(&id)
                .filter(|pr| !pr.is_learner)
                .map(|pr| pr.recent_active)
        };
        self.config.voters.vote_result_with(active) == VoteResult::Won
    }

    /// The voters of both halves, sorted, without duplicates.
    pub fn voter_nodes(&self) -> Vec<u64> {
        self.config.voters.iter_ids().collect()
    }

    /// The learners, sorted.
    pub fn learner_nodes(&self) -> Vec<u64> {
        self.config.learners.iter().copied().collect()
    }

    /// Whether `id` is a voter in either half.
    pub fn is_voter(&self, id: u64) -> bool {
        self.config.voters.contains(id)
    }

    /// The progress of peer `id`, if tracked.
    pub fn progress(&self, id: u64) -> Option<&Progress> {
        self.progress.get(&id)
    }

    /// The progress of peer `id` for updating, if tracked.
    pub fn progress_mut(&mut self, id: u64) -> Option<&mut Progress> {
        self.progress.get_mut(&id)
    }

    /// The votes of the current election (`true` = granted).
    pub fn votes(&self) -> &BTreeMap<u64, bool> {
        &self.votes
    }

    /// Forgets all votes, before a new election.
    pub fn reset_votes(&mut self) {
        self.votes.clear();
    }

    /// Records `id`'s answer. Only the first answer of each peer in an election counts, so a
    /// duplicated or reordered response cannot flip a vote.
    pub fn record_vote(&mut self, id: u64, granted: bool) {
        self.votes.entry(id).or_insert(granted);
    }

    /// `(granted, rejected, outcome)` of the current election. The counts include only tracked
    /// voters (votes from peers that have since left are informational noise); the outcome is
    /// decided by the joint configuration.
    pub fn tally_votes(&self) -> (usize, usize, VoteResult) {
        let (mut granted, mut rejected) = (0, 0);
        for (id, pr) in &self.progress {
            if pr.is_learner {
                continue;
            }
            match self.votes.get(id) {
                Some(true) => granted += 1,
                Some(false) => rejected += 1,
                None => {}
            }
        }
        (
            granted,
            rejected,
            self.config.voters.vote_result(&self.votes),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(incoming: &[u64], outgoing: &[u64], learners: &[u64]) -> ProgressTracker {
        let mut t = ProgressTracker::new(10, 0);
        t.config.voters.incoming = incoming.iter().copied().collect();
        t.config.voters.outgoing = outgoing.iter().copied().collect();
        t.config.learners = learners.iter().copied().collect();
        for &id in incoming.iter().chain(outgoing).chain(learners) {
            let mut pr = Progress::new(1, 10, 0);
            pr.is_learner = learners.contains(&id);
            t.progress.insert(id, pr);
        }
        t
    }

    #[test]
    fn config_display_matches_etcd() {
        let mut c = TrackerConfig::default();
        assert_eq!(c.to_string(), "voters=()");
        c.voters.incoming = [1, 2, 3].into_iter().collect();
        c.voters.outgoing = [1].into_iter().collect();
        c.learners = [4].into_iter().collect();
        c.learners_next = [5].into_iter().collect();
        c.auto_leave = true;
        assert_eq!(
            c.to_string(),
            "voters=(1 2 3)&&(1) learners=(4) learners_next=(5) autoleave"
        );
        c.learners = [255].into_iter().collect();
        c.learners_next.clear();
        c.auto_leave = false;
        assert_eq!(c.to_string(), "voters=(1 2 3)&&(1) learners=(ff)");
    }

    #[test]
    fn committed_uses_matched_of_voters_only() {
        let mut t = tracker(&[1, 2, 3], &[], &[4]);
        for (id, m) in [(1, 10), (2, 7), (3, 3), (4, 100)] {
            t.progress_mut(id).unwrap().matched = m;
        }
        assert_eq!(t.committed(), 7);
        // A voter without progress counts as 0.
        t.progress.remove(&2);
        assert_eq!(t.committed(), 3);
        assert_eq!(ProgressTracker::new(1, 0).committed(), u64::MAX);
    }

    #[test]
    fn committed_joint_takes_the_minimum() {
        let mut t = tracker(&[1, 2, 3], &[3, 4, 5], &[]);
        for (id, m) in [(1, 10), (2, 10), (3, 10), (4, 2), (5, 1)] {
            t.progress_mut(id).unwrap().matched = m;
        }
        assert_eq!(t.committed(), 2);
        t.progress_mut(5).unwrap().matched = 10;
        assert_eq!(t.committed(), 10);
    }

    #[test]
    fn conf_state_and_node_lists_are_sorted() {
        let mut t = tracker(&[3, 1], &[2, 1], &[9, 7]);
        t.config.learners_next = [2].into_iter().collect();
        t.config.auto_leave = true;
        let cs = t.conf_state();
        assert_eq!(cs.voters, vec![1, 3]);
        assert_eq!(cs.voters_outgoing, vec![1, 2]);
        assert_eq!(cs.learners, vec![7, 9]);
        assert_eq!(cs.learners_next, vec![2]);
        assert!(cs.auto_leave);
        assert_eq!(t.voter_nodes(), vec![1, 2, 3]);
        assert_eq!(t.learner_nodes(), vec![7, 9]);
        assert!(!t.is_singleton());
        assert!(tracker(&[5], &[], &[6]).is_singleton());
        assert!(!tracker(&[5], &[5], &[]).is_singleton());
    }

    #[test]
    fn quorum_active_ignores_learners() {
        let mut t = tracker(&[1, 2, 3], &[], &[4, 5]);
        for id in [1, 4, 5] {
            t.progress_mut(id).unwrap().recent_active = true;
        }
        assert!(!t.quorum_active());
        t.progress_mut(2).unwrap().recent_active = true;
        assert!(t.quorum_active());
    }

    #[test]
    fn votes_first_answer_wins_and_learners_are_not_counted() {
        let mut t = tracker(&[1, 2, 3], &[], &[4]);
        t.record_vote(1, true);
        t.record_vote(1, false);
        t.record_vote(4, true);
        t.record_vote(9, true);
        assert_eq!(t.tally_votes(), (1, 0, VoteResult::Pending));
        t.record_vote(2, false);
        assert_eq!(t.tally_votes(), (1, 1, VoteResult::Pending));
        t.record_vote(3, true);
        assert_eq!(t.tally_votes(), (2, 1, VoteResult::Won));
        t.reset_votes();
        assert_eq!(t.tally_votes(), (0, 0, VoteResult::Pending));
        assert!(t.votes().is_empty());
    }
}
