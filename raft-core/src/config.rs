//! Node configuration and its validation.

use crate::error::ConfigError;

/// How read-only queries (`RawNode::read_index`) are served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReadOnlyOption {
    /// Confirm leadership with a round of heartbeats before answering (linearizable).
    #[default]
    Safe,
    /// Answer from the leader's lease. Relies on bounded clock drift; requires `check_quorum`.
    LeaseBased,
}

/// The highest node ids are reserved for the local storage threads of etcd's asynchronous
/// storage-write protocol, so they cannot name a node.
pub const LOCAL_APPEND_THREAD: u64 = u64::MAX;
/// See [`LOCAL_APPEND_THREAD`].
pub const LOCAL_APPLY_THREAD: u64 = u64::MAX - 1;

/// Everything a node needs to know that is not in its storage. Field meanings and defaults follow
/// etcd's `raft.Config`; [`Config::validate`] applies etcd's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// This node's id. Never 0, never reused for another node.
    pub id: u64,
    /// Ticks a follower waits without hearing from a leader before campaigning. The actual
    /// timeout is drawn at random from `[election_tick, 2 * election_tick - 1]`. Must exceed
    /// `heartbeat_tick`; etcd suggests ten times it.
    pub election_tick: usize,
    /// Ticks between a leader's heartbeats.
    pub heartbeat_tick: usize,
    /// The index the application has applied up to, for a restarted node. Entries at or below it
    /// are never handed out again.
    pub applied: u64,
    /// The most bytes of entries (protobuf-encoded size) one append message carries; at least one
    /// entry is always sent. `u64::MAX` means unlimited, 0 means one entry per message.
    pub max_size_per_msg: u64,
    /// The most bytes of committed entries one `Ready` hands out. 0 means `max_size_per_msg`.
    pub max_committed_size_per_ready: u64,
    /// The most payload bytes a leader keeps uncommitted before it drops proposals. 0 means
    /// unlimited.
    pub max_uncommitted_entries_size: u64,
    /// The most append messages in flight to one follower in the replicate state.
    pub max_inflight_msgs: usize,
    /// The most payload bytes in flight to one follower. 0 means unlimited.
    pub max_inflight_bytes: u64,
    /// A leader steps down when it has not heard from a quorum within an election timeout, and
    /// followers ignore vote requests while they believe a leader is alive.
    pub check_quorum: bool,
    /// Run a pre-vote round before a real election, so a partitioned node cannot disrupt the
    /// cluster by inflating terms (Raft thesis §9.6).
    pub pre_vote: bool,
    /// How read-only queries are served.
    pub read_only_option: ReadOnlyOption,
    /// Followers drop proposals instead of forwarding them to the leader.
    pub disable_proposal_forwarding: bool,
    /// Skip the leader's checks on proposed configuration changes (one pending change at a
    /// time, leave a joint configuration before another change). For hosts that validate
    /// changes themselves.
    pub disable_conf_change_validation: bool,
    /// A leader removed from (or demoted in) the configuration steps down when the change is
    /// applied.
    pub step_down_on_removal: bool,
    /// etcd's asynchronous storage-write protocol: instead of calling `advance`, the host handles
    /// the `MsgStorageAppend` and `MsgStorageApply` messages in each Ready on its own storage and
    /// apply threads and steps their responses back in (see etcd's `Config.AsyncStorageWrites`).
    pub async_storage_writes: bool,
    /// Seed of the node's random number generator (the randomized election timeout). The same
    /// seed and inputs give the same behaviour. Give each node a different seed.
    pub seed: u64,
}

impl Config {
    /// A configuration with etcd's customary values: election tick 10, heartbeat tick 1,
    /// unlimited message size, 256 messages in flight, everything else off; the seed is the id.
    pub fn new(id: u64) -> Self {
        Config {
            id,
            election_tick: 10,
            heartbeat_tick: 1,
            applied: 0,
            max_size_per_msg: u64::MAX,
            max_committed_size_per_ready: 0,
            max_uncommitted_entries_size: 0,
            max_inflight_msgs: 256,
            max_inflight_bytes: 0,
            check_quorum: false,
            pre_vote: false,
            read_only_option: ReadOnlyOption::Safe,
            disable_proposal_forwarding: false,
            disable_conf_change_validation: false,
            step_down_on_removal: false,
            async_storage_writes: false,
            seed: id,
        }
    }

    /// Checks etcd's rules, in etcd's order. Nothing is modified: the zero-means-default fields
    /// are resolved by the `effective_*` accessors.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.id == 0 {
            return Err(ConfigError::ZeroId);
        }
        if self.id == LOCAL_APPEND_THREAD || self.id == LOCAL_APPLY_THREAD {
            return Err(ConfigError::LocalTargetId);
        }
        if self.heartbeat_tick == 0 {
            return Err(ConfigError::HeartbeatTick);
        }
        if self.election_tick <= self.heartbeat_tick {
            return Err(ConfigError::ElectionTick {
                election: self.election_tick,
                heartbeat: self.heartbeat_tick,
            });
        }
        if self.max_inflight_msgs == 0 {
            return Err(ConfigError::MaxInflightMsgs);
        }
        if self.max_inflight_bytes != 0 && self.max_inflight_bytes < self.max_size_per_msg {
            return Err(ConfigError::MaxInflightBytes);
        }
        if self.read_only_option == ReadOnlyOption::LeaseBased && !self.check_quorum {
            return Err(ConfigError::LeaseReadWithoutCheckQuorum);
        }
        if self.effective_max_committed_size_per_ready() == 0 {
            return Err(ConfigError::ZeroCommittedSizePerReady);
        }
        Ok(())
    }

    /// `max_committed_size_per_ready`, with 0 meaning `max_size_per_msg`.
    pub fn effective_max_committed_size_per_ready(&self) -> u64 {
        if self.max_committed_size_per_ready == 0 {
            self.max_size_per_msg
        } else {
            self.max_committed_size_per_ready
        }
    }

    /// `max_uncommitted_entries_size`, with 0 meaning unlimited.
    pub fn effective_max_uncommitted_entries_size(&self) -> u64 {
        if self.max_uncommitted_entries_size == 0 {
            u64::MAX
        } else {
            self.max_uncommitted_entries_size
        }
    }

    /// `max_inflight_bytes`, with 0 meaning unlimited.
    pub fn effective_max_inflight_bytes(&self) -> u64 {
        if self.max_inflight_bytes == 0 {
            u64::MAX
        } else {
            self.max_inflight_bytes
        }
    }
}

impl Default for Config {
    /// `Config::new(1)`.
    fn default() -> Self {
        Config::new(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Config::new(1).validate(), Ok(()));
    }

    #[test]
    fn each_rule_has_its_error() {
        type Mutation = Box<dyn Fn(&mut Config)>;
        let cases: Vec<(Mutation, ConfigError)> = vec![
            (Box::new(|c| c.id = 0), ConfigError::ZeroId),
            (Box::new(|c| c.id = u64::MAX), ConfigError::LocalTargetId),
            (
                Box::new(|c| c.id = u64::MAX - 1),
                ConfigError::LocalTargetId,
            ),
            (
                Box::new(|c| c.heartbeat_tick = 0),
                ConfigError::HeartbeatTick,
            ),
            (
                Box::new(|c| c.election_tick = 1),
                ConfigError::ElectionTick {
                    election: 1,
                    heartbeat: 1,
                },
            ),
            (
                Box::new(|c| c.max_inflight_msgs = 0),
                ConfigError::MaxInflightMsgs,
            ),
            (
                Box::new(|c| {
                    c.max_size_per_msg = 1024;
                    c.max_inflight_bytes = 1023;
                }),
                ConfigError::MaxInflightBytes,
            ),
            (
                Box::new(|c| c.read_only_option = ReadOnlyOption::LeaseBased),
                ConfigError::LeaseReadWithoutCheckQuorum,
            ),
            (
                Box::new(|c| {
                    c.max_size_per_msg = 0;
                    c.max_committed_size_per_ready = 0;
                }),
                ConfigError::ZeroCommittedSizePerReady,
            ),
        ];
        for (mutate, want) in cases {
            let mut c = Config::new(1);
            mutate(&mut c);
            assert_eq!(c.validate(), Err(want));
        }
    }

    #[test]
    fn zero_means_default() {
        let mut c = Config::new(1);
        c.max_size_per_msg = 4096;
        assert_eq!(c.effective_max_committed_size_per_ready(), 4096);
        assert_eq!(c.effective_max_uncommitted_entries_size(), u64::MAX);
        assert_eq!(c.effective_max_inflight_bytes(), u64::MAX);
        c.max_committed_size_per_ready = 10;
        c.max_uncommitted_entries_size = 20;
        c.max_inflight_bytes = 8192;
        assert_eq!(c.effective_max_committed_size_per_ready(), 10);
        assert_eq!(c.effective_max_uncommitted_entries_size(), 20);
        assert_eq!(c.effective_max_inflight_bytes(), 8192);
    }
}
