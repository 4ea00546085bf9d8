//! Rebuilding a tracker configuration from a `ConfState` (after a restart or a snapshot).

use super::{Changer, ConfChangeError};
use crate::pb::{ConfChangeSingle, ConfChangeType, ConfState};
use crate::tracker::{ProgressMap, TrackerConfig};

/// Builds the configuration `cs` describes, starting from `changer`'s tracker (which should hold
/// the empty configuration), and returns it with fresh progress entries probing from
/// `changer.last_index`.
///
/// The configuration is reached through ordinary validated changes, so a `ConfState` that could
/// not have been produced by valid changes is refused with the error the offending step raises:
///
/// 1. a non-joint state is built voter by voter, then learner by learner, with simple changes;
/// 2. a joint state first builds the outgoing voters with simple changes, then enters the joint
///    configuration with one change list that removes them, adds the incoming voters, the
///    learners and the staged learners (outgoing voters being demoted end up in
///    `learners_next` by the usual rules).
pub fn restore(
    changer: Changer<'_>,
    cs: &ConfState,
) -> Result<(TrackerConfig, ProgressMap), ConfChangeError> {
    let mut tracker = changer.tracker.clone();
    let last_index = changer.last_index;
    let mut step = |op: &dyn Fn(&Changer<'_>) -> Result<(TrackerConfig, ProgressMap), _>| {
        let (cfg, prs) = op(&Changer::new(&tracker, last_index))?;
        tracker.config = cfg;
        tracker.progress = prs;
        Ok::<(), ConfChangeError>(())
    };

    let add = |kind: ConfChangeType, ids: &[u64]| {
        ids.iter()
            .map(move |&id| ConfChangeSingle::new(kind, id))
            .collect::<Vec<_>>()
    };
    let mut incoming = add(ConfChangeType::ConfChangeRemoveNode, &cs.voters_outgoing);
    incoming.extend(add(ConfChangeType::ConfChangeAddNode, &cs.voters));
    incoming.extend(add(ConfChangeType::ConfChangeAddLearnerNode, &cs.learners));
    incoming.extend(add(
        ConfChangeType::ConfChangeAddLearnerNode,
        &cs.learners_next,
    ));

    if cs.voters_outgoing.is_empty() {
        // `incoming` holds no removals here; apply it one change at a time.
        for cc in &incoming {
            step(&|c| c.simple(std::slice::from_ref(cc)))?;
        }
    } else {
        for cc in add(ConfChangeType::ConfChangeAddNode, &cs.voters_outgoing) {
            step(&|c| c.simple(&[cc]))?;
        }
        step(&|c| c.enter_joint(cs.auto_leave, &incoming))?;
    }
    Ok((tracker.config, tracker.progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::ProgressTracker;

    fn cs(
        voters: &[u64],
        learners: &[u64],
        outgoing: &[u64],
        next: &[u64],
        auto: bool,
    ) -> ConfState {
        ConfState {
            voters: voters.to_vec(),
            learners: learners.to_vec(),
            voters_outgoing: outgoing.to_vec(),
            learners_next: next.to_vec(),
            auto_leave: auto,
        }
    }

    fn round_trip(state: &ConfState) -> ConfState {
        let tracker = ProgressTracker::new(20, 0);
        let (cfg, prs) = restore(Changer::new(&tracker, 10), state).unwrap();
        let mut t = ProgressTracker::new(20, 0);
        t.config = cfg;
        t.progress = prs;
        t.conf_state()
    }

    #[test]
    fn restores_etcds_examples() {
        for state in [
            cs(&[], &[], &[], &[], false),
            cs(&[1, 2, 3], &[], &[], &[], false),
            cs(&[1, 2, 3], &[4, 5, 6], &[], &[], false),
            cs(&[1, 2, 3], &[5], &[1, 2, 4, 6], &[4], false),
            cs(&[1, 2, 3], &[5], &[1, 2, 4, 6], &[4], true),
        ] {
            assert_eq!(round_trip(&state), state);
        }
    }

    #[test]
    fn new_progress_probes_from_last_index() {
        let tracker = ProgressTracker::new(20, 0);
        let (_, prs) = restore(
            Changer::new(&tracker, 10),
            &cs(&[1, 2], &[3], &[], &[], false),
        )
        .unwrap();
        assert!(prs
            .values()
            .all(|pr| pr.next == 10 && pr.matched == 0 && pr.recent_active));
        assert!(prs[&3].is_learner);
    }

    #[test]
    fn impossible_states_are_refused() {
        let tracker = ProgressTracker::new(20, 0);
        let restore = |s: &ConfState| restore(Changer::new(&tracker, 10), s);
        // Learners without voters.
        assert_eq!(
            restore(&cs(&[], &[1], &[], &[], false)),
            Err(ConfChangeError::RemovedAllVoters)
        );
        // A staged learner that is not an outgoing voter becomes a plain learner, which differs
        // from the input; a staged learner without a joint config cannot be expressed.
        let odd = cs(&[1], &[], &[], &[2], false);
        let (cfg, _) = restore(&odd).unwrap();
        assert!(cfg.learners_next.is_empty());
        // auto_leave without a joint configuration is dropped by simple changes.
        let (cfg, _) = restore(&cs(&[1], &[], &[], &[], true)).unwrap();
        assert!(!cfg.auto_leave);
    }
}
