//! Applying membership changes to the running node.

use super::{Raft, StateRole, NONE};
use crate::confchange::Changer;
use crate::error::Result;
use crate::pb::{ConfChangeV2, ConfState};
use crate::storage::Storage;
use crate::tracker::{ProgressMap, TrackerConfig};

impl<S: Storage> Raft<S> {
    /// Applies a committed configuration change. An invalid change is refused with an error and
    /// leaves the configuration unchanged (etcd panics here).
    pub(crate) fn apply_conf_change(&mut self, cc: &ConfChangeV2) -> Result<ConfState> {
        let changer = Changer {
            tracker: &self.trk,
            last_index: self.raft_log.last_index(),
        };
        let (cfg, progress) = if cc.leave_joint() {
            changer.leave_joint()?
        } else if let Some(auto_leave) = cc.enter_joint() {
            changer.enter_joint(auto_leave, &cc.changes)?
        } else {
            changer.simple(&cc.changes)?
        };
        Ok(self.switch_to_config(cfg, progress))
    }

    /// Installs a new configuration and reacts to it: a removed or demoted leader may step down,
    /// a leader commits what the new quorum allows and probes new members, and a leadership
    /// transfer to a node that is no longer a voter is abandoned.
    pub(crate) fn switch_to_config(
        &mut self,
        cfg: TrackerConfig,
        progress: ProgressMap,
    ) -> ConfState {
        self.trk.config = cfg;
        self.trk.progress = progress;
        let cs = self.trk.conf_state();
        let me = self.trk.progress.get(&self.id).map(|pr| pr.is_learner);
        self.is_learner = me == Some(true);

        if (me.is_none() || self.is_learner) && self.state == StateRole::Leader {
            // Removed or demoted while leading. Without step_down_on_removal the node keeps
            // leading (heartbeating, dropping proposals) until someone else wins an election.
            if self.step_down_on_removal {
                self.become_follower(self.term, NONE);
            }
            return cs;
        }
        if self.state != StateRole::Leader || cs.voters.is_empty() {
            return cs;
        }
        if self.maybe_commit() {
            // The new quorum may already cover more entries.
            self.bcast_append();
        } else {
            // Probe newly added members now rather than at the next heartbeat or proposal.
            let ids: Vec<u64> = self
                .trk
                .progress
                .keys()
                .copied()
                .filter(|&id| id != self.id)
                .collect();
            for id in ids {
                self.maybe_send_append(id, false);
            }
        }
        if self.lead_transferee != NONE && !self.trk.config.voters.contains(self.lead_transferee) {
            self.abort_leader_transfer();
        }
        cs
    }
}
