//! Validation and application of membership changes.

use super::ConfChangeError;
use crate::pb::{ConfChangeSingle, ConfChangeType};
use crate::tracker::{Progress, ProgressMap, ProgressTracker, TrackerConfig};

type Outcome = Result<(TrackerConfig, ProgressMap), ConfChangeError>;

/// Computes configurations that result from membership changes, refusing invalid ones before
/// they reach the active configuration.
///
/// The changer only reads `tracker`; each method returns the new configuration and progress map
/// for the caller to install. `last_index` is the leader's last log index, the position from
/// which newly added peers are probed.
#[derive(Clone, Copy, Debug)]
pub struct Changer<'a> {
    /// The tracker holding the configuration the changes apply to.
    pub tracker: &'a ProgressTracker,
    /// The last log index; new peers start probing at `max(last_index, 1)`.
    pub last_index: u64,
}

impl<'a> Changer<'a> {
    /// A changer over `tracker` for a log ending at `last_index`.
    pub fn new(tracker: &'a ProgressTracker, last_index: u64) -> Self {
        Changer {
            tracker,
            last_index,
        }
    }

    /// Enters a joint configuration: the current voters become the outgoing half, and `ccs` are
    /// applied to a copy of them that becomes the incoming half (`C_old,new` of the Raft thesis,
    /// §4.3). `auto_leave` records whether the joint state should be left automatically.
    ///
    /// Voters demoted to learners stay voters of the outgoing half meanwhile and are staged in
    /// `learners_next`.
    pub fn enter_joint(&self, auto_leave: bool, ccs: &[ConfChangeSingle]) -> Outcome {
        let (mut cfg, mut prs) = self.check_and_copy()?;
        if cfg.is_joint() {
            return Err(ConfChangeError::AlreadyJoint);
        }
        if cfg.voters.incoming.is_empty() {
            // An empty configuration may be populated by simple changes (bootstrap, tests), but
            // a joint configuration with an empty old half would commit on the new half alone.
            return Err(ConfChangeError::ZeroVoterJoint);
        }
        cfg.voters.outgoing = cfg.voters.incoming.clone();
        self.apply(&mut cfg, &mut prs, ccs)?;
        cfg.auto_leave = auto_leave;
        check_and_return(cfg, prs)
    }

    /// Leaves a joint configuration: the incoming half alone decides from now on, staged
    /// learners become learners, and peers that were only outgoing voters lose their progress.
    pub fn leave_joint(&self) -> Outcome {
        let (mut cfg, mut prs) = self.check_and_copy()?;
        if !cfg.is_joint() {
            return Err(ConfChangeError::NotJoint);
        }
        for id in std::mem::take(&mut cfg.learners_next) {
            cfg.learners.insert(id);
            if let Some(pr) = prs.get_mut(&id) {
                pr.is_learner = true;
            }
        }
        for &id in cfg.voters.outgoing.iter() {
            if !cfg.voters.incoming.contains(&id) && !cfg.learners.contains(&id) {
                prs.remove(&id);
            }
        }
        cfg.voters.outgoing.clear();
        cfg.auto_leave = false;
        check_and_return(cfg, prs)
    }

    /// Applies `ccs` without joint consensus. Allowed only outside a joint configuration and
    /// only if, in total, at most one voter is added or removed: any two majorities of
    /// configurations differing by one voter intersect, so no split decision is possible.
    pub fn simple(&self, ccs: &[ConfChangeSingle]) -> Outcome {
        let (mut cfg, mut prs) = self.check_and_copy()?;
        if cfg.is_joint() {
            return Err(ConfChangeError::SimpleInJoint);
        }
        self.apply(&mut cfg, &mut prs, ccs)?;
        let before = self.tracker.config.voters.incoming.ids();
        if before
            .symmetric_difference(cfg.voters.incoming.ids())
            .nth(1)
            .is_some()
        {
            return Err(ConfChangeError::TooManyVoterChanges);
        }
        check_and_return(cfg, prs)
    }

    /// Applies the changes to the incoming half (the outgoing half, if any, is never modified).
    /// Node id 0 means "this change was cancelled" (etcd's application layer zeroes it) and is
    /// skipped.
    fn apply(
        &self,
        cfg: &mut TrackerConfig,
        prs: &mut ProgressMap,
        ccs: &[ConfChangeSingle],
    ) -> Result<(), ConfChangeError> {
        for cc in ccs {
            if cc.node_id == 0 {
                continue;
            }
            match ConfChangeType::try_from(cc.change_type) {
                Ok(ConfChangeType::ConfChangeAddNode) => self.make_voter(cfg, prs, cc.node_id),
                Ok(ConfChangeType::ConfChangeAddLearnerNode) => {
                    self.make_learner(cfg, prs, cc.node_id)
                }
                Ok(ConfChangeType::ConfChangeRemoveNode) => remove(cfg, prs, cc.node_id),
                Ok(ConfChangeType::ConfChangeUpdateNode) => {}
                Err(_) => return Err(ConfChangeError::UnknownChangeType(cc.change_type)),
            }
        }
        if cfg.voters.incoming.is_empty() {
            return Err(ConfChangeError::RemovedAllVoters);
        }
        Ok(())
    }

    /// Adds `id` as a voter of the incoming half, promoting it if it is a learner (its progress
    /// is kept).
    fn make_voter(&self, cfg: &mut TrackerConfig, prs: &mut ProgressMap, id: u64) {
        let Some(pr) = prs.get_mut(&id) else {
            self.init_progress(cfg, prs, id, false);
            return;
        };
        pr.is_learner = false;
        cfg.learners.remove(&id);
        cfg.learners_next.remove(&id);
        cfg.voters.incoming.insert(id);
    }

    /// Makes `id` a learner: adds a new one, or demotes a voter (keeping its progress). A voter
    /// of the outgoing half cannot be a learner at the same time, so its demotion is staged in
    /// `learners_next` until the joint configuration is left.
    fn make_learner(&self, cfg: &mut TrackerConfig, prs: &mut ProgressMap, id: u64) {
        let Some(pr) = prs.get_mut(&id) else {
            self.init_progress(cfg, prs, id, true);
            return;
        };
        if pr.is_learner {
            return;
        }
        cfg.voters.incoming.remove(id);
        cfg.learners.remove(&id);
        cfg.learners_next.remove(&id);
        if cfg.voters.outgoing.contains(&id) {
            cfg.learners_next.insert(id);
        } else {
            pr.is_learner = true;
            cfg.learners.insert(id);
        }
    }

    /// Tracks a new peer, probed from the last index. It starts out as recently active so that
    /// a CheckQuorum round right after the change does not count it as lost before it had a
    /// chance to answer.
    fn init_progress(
        &self,
        cfg: &mut TrackerConfig,
        prs: &mut ProgressMap,
        id: u64,
        learner: bool,
    ) {
        if learner {
            cfg.learners.insert(id);
        } else {
            cfg.voters.incoming.insert(id);
        }
        let mut pr = Progress::new(
            self.last_index.max(1),
            self.tracker.max_inflight(),
            self.tracker.max_inflight_bytes(),
        );
        pr.is_learner = learner;
        pr.recent_active = true;
        prs.insert(id, pr);
    }

    /// Validates the tracker's current state and returns copies to work on.
    fn check_and_copy(&self) -> Outcome {
        check_invariants(&self.tracker.config, &self.tracker.progress)?;
        Ok((self.tracker.config.clone(), self.tracker.progress.clone()))
    }
}

/// Removes `id` from the incoming half and the learner sets. Its progress is dropped unless it
/// still votes in the outgoing half. Unknown ids are ignored.
fn remove(cfg: &mut TrackerConfig, prs: &mut ProgressMap, id: u64) {
    if !prs.contains_key(&id) {
        return;
    }
    cfg.voters.incoming.remove(id);
    cfg.learners.remove(&id);
    cfg.learners_next.remove(&id);
    if !cfg.voters.outgoing.contains(&id) {
        prs.remove(&id);
    }
}

fn check_and_return(cfg: TrackerConfig, prs: ProgressMap) -> Outcome {
    check_invariants(&cfg, &prs)?;
    Ok((cfg, prs))
}

/// The consistency rules between a configuration and its progress map (see
/// [`TrackerConfig`]'s invariants). The empty configuration is valid: it is where bootstrap
/// starts.
fn check_invariants(cfg: &TrackerConfig, prs: &ProgressMap) -> Result<(), ConfChangeError> {
    let progress_of = |id: u64| prs.get(&id).ok_or(ConfChangeError::MissingProgress(id));
    let members = cfg
        .voters
        .iter_ids()
        .chain(cfg.learners.iter().copied())
        .chain(cfg.learners_next.iter().copied());
    for id in members {
        progress_of(id)?;
    }
    for &id in &cfg.learners_next {
        if !cfg.voters.outgoing.contains(&id) {
            return Err(ConfChangeError::LearnerNextNotOutgoingVoter(id));
        }
        if progress_of(id)?.is_learner {
            return Err(ConfChangeError::LearnerNextAlreadyLearner(id));
        }
    }
    for &id in &cfg.learners {
        if cfg.voters.outgoing.contains(&id) {
            return Err(ConfChangeError::LearnerIsOutgoingVoter(id));
        }
        if cfg.voters.incoming.contains(&id) {
            return Err(ConfChangeError::LearnerIsIncomingVoter(id));
        }
        if !progress_of(id)?.is_learner {
            return Err(ConfChangeError::LearnerNotMarked(id));
        }
    }
    if !cfg.is_joint() {
        if !cfg.learners_next.is_empty() {
            return Err(ConfChangeError::LearnersNextOutsideJoint);
        }
        if cfg.auto_leave {
            return Err(ConfChangeError::AutoLeaveOutsideJoint);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::describe_progress_map;
    use std::collections::BTreeSet;

    fn ccs(s: &str) -> Vec<ConfChangeSingle> {
        ConfChangeSingle::parse_list(s).unwrap()
    }

    fn install(t: &mut ProgressTracker, r: Outcome) {
        let (cfg, prs) = r.unwrap();
        t.config = cfg;
        t.progress = prs;
    }

    fn set(ids: &[u64]) -> BTreeSet<u64> {
        ids.iter().copied().collect()
    }

    #[test]
    fn simple_refuses_two_voter_changes_but_allows_learner_shuffles() {
        let mut t = ProgressTracker::new(10, 0);
        let r = Changer::new(&t, 0).simple(&ccs("v1"));
        install(&mut t, r);
        assert_eq!(
            Changer::new(&t, 1).simple(&ccs("v2 v3")),
            Err(ConfChangeError::TooManyVoterChanges)
        );
        // Adding one voter and any number of learners is fine.
        let r = Changer::new(&t, 1).simple(&ccs("v2 l3 l4"));
        install(&mut t, r);
        assert_eq!(t.config.to_string(), "voters=(1 2) learners=(3 4)");
        // Swapping a voter for another is two voter changes.
        assert_eq!(
            Changer::new(&t, 2).simple(&ccs("r2 v3")),
            Err(ConfChangeError::TooManyVoterChanges)
        );
        // Adding and removing the same voter is no change at all.
        let (cfg, _) = Changer::new(&t, 2).simple(&ccs("v5 r5")).unwrap();
        assert_eq!(cfg, t.config);
    }

    #[test]
    fn errors_leave_nothing_half_applied() {
        let mut t = ProgressTracker::new(10, 0);
        let r = Changer::new(&t, 0).simple(&ccs("v1"));
        install(&mut t, r);
        let before = (t.config.clone(), t.progress.clone());
        for r in [
            Changer::new(&t, 1).simple(&ccs("r1")),
            Changer::new(&t, 1).leave_joint(),
            Changer::new(&t, 1).enter_joint(false, &ccs("r1")),
        ] {
            assert!(r.is_err());
        }
        assert_eq!((t.config.clone(), t.progress.clone()), before);
        assert_eq!(
            Changer::new(&ProgressTracker::new(10, 0), 1).enter_joint(false, &ccs("v1")),
            Err(ConfChangeError::ZeroVoterJoint)
        );
    }

    #[test]
    fn unknown_change_type_is_an_error() {
        let mut t = ProgressTracker::new(10, 0);
        let r = Changer::new(&t, 0).simple(&ccs("v1"));
        install(&mut t, r);
        let bad = ConfChangeSingle {
            change_type: 42,
            node_id: 2,
        };
        assert_eq!(
            Changer::new(&t, 1).simple(&[bad]),
            Err(ConfChangeError::UnknownChangeType(42))
        );
        assert_eq!(
            Changer::new(&t, 1).enter_joint(true, &[bad]),
            Err(ConfChangeError::UnknownChangeType(42))
        );
        // With node id 0 the change is cancelled before its type is looked at (as in etcd).
        let cancelled = ConfChangeSingle {
            change_type: 42,
            node_id: 0,
        };
        assert!(Changer::new(&t, 1).simple(&[cancelled]).is_ok());
    }

    #[test]
    fn demoted_voter_is_staged_in_learners_next_with_progress_kept() {
        let mut t = ProgressTracker::new(10, 0);
        let r = Changer::new(&t, 0).simple(&ccs("v1"));
        install(&mut t, r);
        let r = Changer::new(&t, 1).simple(&ccs("v2"));
        install(&mut t, r);
        let r = Changer::new(&t, 2).simple(&ccs("v3"));
        install(&mut t, r);
        assert!(t.progress_mut(3).unwrap().maybe_update(7));

        let r = Changer::new(&t, 3).enter_joint(false, &ccs("l3 v4"));

        install(&mut t, r);
        assert_eq!(
            t.config.to_string(),
            "voters=(1 2 4)&&(1 2 3) learners_next=(3)"
        );
        let pr3 = t.progress(3).unwrap();
        assert!(!pr3.is_learner, "still votes in the outgoing half");
        assert_eq!(pr3.matched, 7);
        assert!(t.config.learners.is_empty());

        // No simple changes while joint; leaving completes the demotion without losing progress.
        assert_eq!(
            Changer::new(&t, 4).simple(&ccs("v3")),
            Err(ConfChangeError::SimpleInJoint)
        );
        let r = Changer::new(&t, 4).leave_joint();
        install(&mut t, r);
        assert_eq!(t.config.to_string(), "voters=(1 2 4) learners=(3)");
        let pr3 = t.progress(3).unwrap();
        assert!(pr3.is_learner);
        assert_eq!((pr3.matched, pr3.next), (7, 8));
    }

    #[test]
    fn leave_joint_turns_staged_learners_into_learners() {
        let mut t = ProgressTracker::new(10, 0);
        let r = Changer::new(&t, 0).simple(&ccs("v1"));
        install(&mut t, r);
        let r = Changer::new(&t, 1).simple(&ccs("v2"));
        install(&mut t, r);
        let r = Changer::new(&t, 2).enter_joint(true, &ccs("l2 v3 r1"));
        install(&mut t, r);
        assert_eq!(
            t.config.to_string(),
            "voters=(3)&&(1 2) learners_next=(2) autoleave"
        );
        let r = Changer::new(&t, 3).leave_joint();
        install(&mut t, r);
        assert_eq!(t.config.to_string(), "voters=(3) learners=(2)");
        assert_eq!(t.config.learners, set(&[2]));
        assert!(t.progress(2).unwrap().is_learner);
        assert!(
            t.progress(1).is_none(),
            "removed voter's progress is dropped"
        );
        assert_eq!(
            describe_progress_map(&t.progress),
            "2: StateProbe match=0 next=1 learner\n3: StateProbe match=0 next=2\n"
        );
    }

    #[test]
    fn promoting_a_staged_learner_cancels_the_demotion() {
        let mut t = ProgressTracker::new(10, 0);
        let r = Changer::new(&t, 0).simple(&ccs("v1"));
        install(&mut t, r);
        let r = Changer::new(&t, 1).simple(&ccs("v2"));
        install(&mut t, r);
        let r = Changer::new(&t, 2).enter_joint(false, &ccs("l2 v2"));
        install(&mut t, r);
        assert_eq!(t.config.to_string(), "voters=(1 2)&&(1 2)");
        let r = Changer::new(&t, 3).leave_joint();
        install(&mut t, r);
        assert_eq!(t.config.to_string(), "voters=(1 2)");
        assert!(!t.progress(2).unwrap().is_learner);
    }

    #[test]
    fn corrupt_tracker_states_are_reported_not_panicked_on() {
        let mut t = ProgressTracker::new(10, 0);
        t.config.voters.incoming.insert(1);
        assert_eq!(
            Changer::new(&t, 1).simple(&ccs("v2")),
            Err(ConfChangeError::MissingProgress(1))
        );
        t.progress.insert(1, Progress::new(1, 10, 0));
        t.config.learners.insert(1);
        t.progress.get_mut(&1).unwrap().is_learner = true;
        assert_eq!(
            Changer::new(&t, 1).simple(&ccs("v2")),
            Err(ConfChangeError::LearnerIsIncomingVoter(1))
        );
        t.config.learners.clear();
        t.config.learners_next.insert(1);
        assert_eq!(
            Changer::new(&t, 1).simple(&ccs("v2")),
            Err(ConfChangeError::LearnerNextNotOutgoingVoter(1))
        );
        t.config.learners_next.clear();
        t.progress.get_mut(&1).unwrap().is_learner = false;
        t.config.auto_leave = true;
        assert_eq!(
            Changer::new(&t, 1).leave_joint(),
            Err(ConfChangeError::AutoLeaveOutsideJoint)
        );
    }
}
