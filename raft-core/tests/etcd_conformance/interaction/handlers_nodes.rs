//! Commands that create nodes or call one node's API: `add-nodes`, `campaign`, `propose`,
//! `propose-conf-change`, `tick-election`, `tick-heartbeat`, `set-randomized-election-timeout`,
//! `transfer-leadership`, `forget-leader`, `report-unreachable`.

use std::collections::VecDeque;

use raft_core::pb::{
    ConfChange, ConfChangeSingle, ConfChangeTransition, ConfChangeV2, ConfState, Snapshot,
    SnapshotMetadata,
};
use raft_core::{Config, MemoryStorage, RawNode, ReadOnlyOption, Storage};

use super::args::{
    first_as_int, first_as_node_idx, id_to_idx, node_idxs, parse_go_bool, required_val, scan_bool,
    scan_u64,
};
use super::env::{CmdError, CmdResult, EnvStorage, InteractionEnv, Node};
use crate::datadriven::Directive;

/// etcd's test config stub: small tick counts and no size or inflight limits, so scenarios show
/// protocol behaviour rather than flow control unless they ask for it.
fn config_stub() -> Config {
    let mut cfg = Config::new(1);
    cfg.election_tick = 3;
    cfg.heartbeat_tick = 1;
    cfg.applied = 0;
    cfg.max_size_per_msg = u64::MAX;
    cfg.max_committed_size_per_ready = 0;
    cfg.max_uncommitted_entries_size = 0;
    cfg.max_inflight_msgs = i32::MAX as usize;
    cfg.max_inflight_bytes = 0;
    cfg.check_quorum = false;
    cfg.pre_vote = false;
    cfg.read_only_option = ReadOnlyOption::Safe;
    cfg.disable_proposal_forwarding = false;
    cfg.disable_conf_change_validation = false;
    cfg.step_down_on_removal = false;
    cfg.async_storage_writes = false;
    cfg
}

impl InteractionEnv {
    /// `add-nodes N [voters=(..)] [learners=(..)] [index=I] [content=X] [option=value ...]`:
    /// creates N nodes with the next free ids, bootstrapped from a snapshot when one is
    /// described.
    pub(super) fn handle_add_nodes(&mut self, d: &Directive) -> CmdResult {
        let n = first_as_int(d)?;
        let mut cs = ConfState::default();
        let mut index = 0;
        let mut content = Vec::new();
        let mut cfg = config_stub();
        for arg in d.args.iter().skip(1) {
            for val in &arg.vals {
                let key = arg.key.as_str();
                match key {
                    "voters" => cs.voters.push(scan_u64(key, val)?),
                    "learners" => cs.learners.push(scan_u64(key, val)?),
                    "inflight" => {
                        cfg.max_inflight_msgs = usize::try_from(scan_u64(key, val)?)
                            .map_err(|e| CmdError::Harness(e.to_string()))?;
                    }
                    "index" => {
                        index = scan_u64(key, val)?;
                        cfg.applied = index;
                    }
                    "content" => content = val.as_bytes().to_vec(),
                    "async-storage-writes" => cfg.async_storage_writes = scan_bool(key, val)?,
                    "prevote" => cfg.pre_vote = scan_bool(key, val)?,
                    "checkquorum" => cfg.check_quorum = scan_bool(key, val)?,
                    "max-committed-size-per-ready" => {
                        cfg.max_committed_size_per_ready = scan_u64(key, val)?;
                    }
                    "disable-conf-change-validation" => {
                        cfg.disable_conf_change_validation = scan_bool(key, val)?;
                    }
                    "read-only" => {
                        cfg.read_only_option = match val.as_str() {
                            "safe" => ReadOnlyOption::Safe,
                            "lease-based" => ReadOnlyOption::LeaseBased,
                            other => {
                                return Err(CmdError::Node(format!(
                                    "invalid read-only option {other:?}"
                                )))
                            }
                        };
                    }
                    "step-down-on-removal" => cfg.step_down_on_removal = scan_bool(key, val)?,
                    _ => {}
                }
            }
        }
        let bootstrap = index != 0 || !content.is_empty() || cs != ConfState::default();
        let snap = Snapshot {
            data: content.into(),
            metadata: Some(SnapshotMetadata {
                conf_state: Some(cs),
                index,
                // A bootstrap snapshot is at term 1, like etcd's harness makes it.
                term: u64::from(bootstrap),
            }),
        };
        for _ in 0..n {
            self.add_node(&cfg, &snap, bootstrap)?;
        }
        Ok(())
    }

    /// Creates one node with the next id.
    fn add_node(&mut self, template: &Config, snap: &Snapshot, bootstrap: bool) -> CmdResult {
        let id = self.nodes.len() as u64 + 1;
        let mut mem = MemoryStorage::new();
        if bootstrap {
            // MemoryStorage cannot represent a bootstrap at index 1 (its dummy entry is there).
            if snap.index() <= 1 {
                return Err(CmdError::Node(
                    "index must be specified as > 1 due to bootstrap".into(),
                ));
            }
            mem.apply_snapshot(snap.clone()).map_err(CmdError::node)?;
            let fi = mem.first_index().map_err(CmdError::node)?;
            let want = snap.index() + 1;
            if fi != want {
                return Err(CmdError::Node(format!(
                    "failed to establish first index {want}; got {fi}"
                )));
            }
        }
        let mut cfg = template.clone();
        cfg.id = id;
        let storage = EnvStorage {
            mem,
            history: vec![snap.clone()],
        };
        let rn = RawNode::new(&cfg, storage).map_err(CmdError::node)?;
        self.nodes.push(Node {
            rn,
            cfg,
            append_work: VecDeque::new(),
            apply_work: VecDeque::new(),
        });
        Ok(())
    }

    /// `campaign ID`
    pub(super) fn handle_campaign(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        self.node(idx)?.rn.campaign().map_err(CmdError::node)
    }

    /// `propose ID data`
    pub(super) fn handle_propose(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let data = match d.args.as_slice() {
            [_, data] if data.vals.is_empty() => data.key.clone(),
            _ => {
                return Err(CmdError::Harness(
                    "propose: expected exactly one key with no vals".into(),
                ))
            }
        };
        self.node(idx)?
            .rn
            .propose(data.into_bytes())
            .map_err(CmdError::node)
    }

    /// `propose-conf-change ID [v1=bool] [transition=auto|implicit|explicit]` with the changes
    /// (`v1 l2 r3 u4`) as input.
    pub(super) fn handle_propose_conf_change(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let mut v1 = false;
        let mut transition = ConfChangeTransition::ConfChangeTransitionAuto;
        for arg in d.args.iter().skip(1) {
            for val in &arg.vals {
                match arg.key.as_str() {
                    "v1" => {
                        v1 = parse_go_bool(val).ok_or_else(|| {
                            CmdError::Node(format!(
                                "strconv.ParseBool: parsing {val:?}: invalid syntax"
                            ))
                        })?;
                    }
                    "transition" => {
                        transition = match val.as_str() {
                            "auto" => ConfChangeTransition::ConfChangeTransitionAuto,
                            "implicit" => ConfChangeTransition::ConfChangeTransitionJointImplicit,
                            "explicit" => ConfChangeTransition::ConfChangeTransitionJointExplicit,
                            other => {
                                return Err(CmdError::Node(format!("unknown transition {other}")))
                            }
                        };
                    }
                    other => return Err(CmdError::Node(format!("unknown command {other}"))),
                }
            }
        }
        let changes = ConfChangeSingle::parse_list(&d.input).map_err(CmdError::node)?;
        let node = self.node(idx)?;
        if v1 {
            let only = match changes.as_slice() {
                [only] if transition == ConfChangeTransition::ConfChangeTransitionAuto => *only,
                [_, _, ..] | [_] => {
                    return Err(CmdError::Node(
                        "v1 conf change can only have one operation and no transition".into(),
                    ))
                }
                [] => {
                    return Err(CmdError::Harness(
                        "v1 conf change needs one operation".into(),
                    ))
                }
            };
            let cc = ConfChange {
                change_type: only.change_type,
                node_id: only.node_id,
                ..Default::default()
            };
            node.rn.propose_conf_change(&cc).map_err(CmdError::node)
        } else {
            let cc = ConfChangeV2 {
                transition: transition as i32,
                changes,
                ..Default::default()
            };
            node.rn.propose_conf_change(&cc).map_err(CmdError::node)
        }
    }

    /// `tick-election ID` / `tick-heartbeat ID`: one election or heartbeat interval of ticks.
    pub(super) fn handle_tick(&mut self, d: &Directive, election: bool) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let node = self.node(idx)?;
        let ticks = if election {
            node.cfg.election_tick
        } else {
            node.cfg.heartbeat_tick
        };
        for _ in 0..ticks {
            node.rn.tick();
        }
        Ok(())
    }

    /// `set-randomized-election-timeout ID timeout=N`
    pub(super) fn handle_set_randomized_election_timeout(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let timeout = scan_u64("timeout", required_val(d, "timeout")?)?;
        if timeout == 0 {
            return Err(CmdError::Harness("timeout must not be zero".into()));
        }
        let timeout = usize::try_from(timeout).map_err(|e| CmdError::Harness(e.to_string()))?;
        self.node(idx)?.rn.set_randomized_election_timeout(timeout);
        Ok(())
    }

    /// `transfer-leadership from=A to=B`
    pub(super) fn handle_transfer_leadership(&mut self, d: &Directive) -> CmdResult {
        let from = scan_u64("from", required_val(d, "from")?)?;
        let to = scan_u64("to", required_val(d, "to")?)?;
        let n = self.nodes.len() as u64;
        if from == 0 || from > n {
            return Err(CmdError::Harness(
                r#"expected valid "from" argument"#.into(),
            ));
        }
        if to == 0 || to > n {
            return Err(CmdError::Harness(r#"expected valid "to" argument"#.into()));
        }
        self.node(id_to_idx(from)?)?.rn.transfer_leader(to);
        Ok(())
    }

    /// `forget-leader ID`. Like etcd's harness, the call's result is not printed.
    pub(super) fn handle_forget_leader(&mut self, d: &Directive) -> CmdResult {
        let idx = first_as_node_idx(d)?;
        let _ignored = self.node(idx)?.rn.forget_leader();
        Ok(())
    }

    /// `report-unreachable A B`: A learns that B could not be reached.
    pub(super) fn handle_report_unreachable(&mut self, d: &Directive) -> CmdResult {
        let idxs = node_idxs(d)?;
        let [reporter, unreachable] = idxs.as_slice() else {
            return Err(CmdError::Node(
                "must specify exactly two node indexes: node on which to report, and reported node"
                    .into(),
            ));
        };
        let unreachable_id = self.node(*unreachable)?.cfg.id;
        self.node(*reporter)?.rn.report_unreachable(unreachable_id);
        Ok(())
    }
}
