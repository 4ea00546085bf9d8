//! `raft_config`: node configuration with etcd's defaults, set field by field.

#![allow(non_camel_case_types)] // C naming: the type appears in raft.h as raft_config

use std::ffi::c_char;

use raft_core::{Config, ReadOnlyOption};

use crate::handle::{free_raw, into_raw, with_mut, with_ref, write_out, Handle, HandleState};
use crate::status::{raft_status, Failure};
use crate::types::raft_read_only_option;

/// Configuration for a new node. Opaque.
///
/// Created with etcd's defaults by `raft_config_new`; each `raft_config_set_*` changes one
/// field; `raft_node_new` / `raft_node_new_from_storage` copy it, so one config can create many
/// nodes and may be freed right after. Setters do not validate: `raft_config_validate` (also run
/// by the node constructors) checks the whole configuration and records why it is invalid.
///
/// Thread safety: setters and `raft_config_validate` need exclusive access; a config that is not
/// being changed may be read by several threads (for example to create nodes) at once.
///
/// Methods: `raft_config_new`, `raft_config_free`, `raft_config_validate`,
/// `raft_config_last_error`, `raft_config_set_election_tick`, `raft_config_set_heartbeat_tick`,
/// `raft_config_set_applied`, `raft_config_set_max_size_per_msg`,
/// `raft_config_set_max_committed_size_per_ready`,
/// `raft_config_set_max_uncommitted_entries_size`, `raft_config_set_max_inflight_msgs`,
/// `raft_config_set_max_inflight_bytes`, `raft_config_set_check_quorum`,
/// `raft_config_set_pre_vote`, `raft_config_set_read_only_option`,
/// `raft_config_set_disable_proposal_forwarding`, `raft_config_set_step_down_on_removal`,
/// `raft_config_set_batch_append`, `raft_config_set_seed`.
pub struct raft_config {
    state: HandleState,
    pub(crate) config: Config,
}

impl Handle for raft_config {
    unsafe fn state_ptr(this: *const Self) -> *const HandleState {
        // SAFETY: caller guarantees `this` is live; no reference to the handle is created.
        unsafe { std::ptr::addr_of!((*this).state) }
    }
}

impl std::fmt::Debug for raft_config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("raft_config")
            .field("id", &self.config.id)
            .finish_non_exhaustive()
    }
}

ffi_fn! {
    /// Creates a configuration for node `id` with etcd's defaults (election tick 10, heartbeat
    /// tick 1, 256 in-flight messages, ...). Writes the new handle to `*out`; free it with
    /// `raft_config_free`. `id` 0 is accepted here and rejected by validation.
    fn raft_config_new(id: u64, out: *mut *mut raft_config) -> raft_status {
        let cfg = raft_config { state: HandleState::default(), config: Config::new(id) };
        // SAFETY: `out` is non-NULL (macro) and C promises it is writable.
        unsafe { write_out(out, into_raw(cfg)) };
        Ok(())
    }
}

ffi_fn! {
    /// Frees a configuration. NULL is a no-op. Nodes created from it are unaffected.
    fn raft_config_free(config: *mut raft_config) -> () {
        // SAFETY: C promises `config` came from raft_config_new and is freed once.
        unsafe { free_raw(config) }
    } ?= ();
}

ffi_fn! {
    /// Checks the configuration. On failure returns `RAFT_STATUS_INVALID_CONFIG` and keeps the
    /// reason for `raft_config_last_error`.
    fn raft_config_validate(config: *mut raft_config) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe { with_mut(config, |c| c.config.validate().map_err(Failure::from)) }
    }
}

ffi_fn! {
    /// Why the last `raft_config_validate` on this config failed, or "" if it succeeded. The
    /// string is owned by the config and valid until its next mutating call or free. A NULL
    /// config gives "".
    fn raft_config_last_error(config: *const raft_config) -> *const c_char {
        // SAFETY: C promises a live handle.
        unsafe { (*config).state.last_error().as_ptr() }
    } ?= c"".as_ptr();
}

macro_rules! setter {
    ($(#[$meta:meta])* $name:ident, $ty:ty, |$c:ident, $v:ident| $apply:expr) => {
        ffi_fn! {
            $(#[$meta])*
            fn $name(config: *mut raft_config, value: $ty) -> raft_status {
                // SAFETY: C promises a live, exclusively used handle.
                unsafe {
                    with_mut(config, |$c| {
                        let $v = value;
                        $apply;
                        Ok(())
                    })
                }
            }
        }
    };
}

setter!(
    /// Ticks without hearing from a leader before a follower campaigns (default 10). Must be
    /// greater than the heartbeat tick.
    raft_config_set_election_tick, usize, |c, v| c.config.election_tick = v
);
setter!(
    /// Ticks between leader heartbeats (default 1).
    raft_config_set_heartbeat_tick, usize, |c, v| c.config.heartbeat_tick = v
);
setter!(
    /// The last applied index when restarting a node (default 0): committed entries up to it
    /// are not handed out again.
    raft_config_set_applied, u64, |c, v| c.config.applied = v
);
setter!(
    /// Upper bound in bytes of the entries in one append message (etcd's MaxSizePerMsg).
    raft_config_set_max_size_per_msg, u64, |c, v| c.config.max_size_per_msg = v
);
setter!(
    /// Upper bound in bytes of the committed entries in one Ready (0 = same as max size per
    /// message).
    raft_config_set_max_committed_size_per_ready, u64, |c, v| c.config.max_committed_size_per_ready = v
);
setter!(
    /// Upper bound in bytes of uncommitted entry payloads a leader accepts (0 = unlimited).
    raft_config_set_max_uncommitted_entries_size, u64, |c, v| c.config.max_uncommitted_entries_size = v
);
setter!(
    /// Maximum append messages in flight to one follower (default 256).
    raft_config_set_max_inflight_msgs, usize, |c, v| c.config.max_inflight_msgs = v
);
setter!(
    /// Maximum bytes of append messages in flight to one follower (0 = unlimited).
    raft_config_set_max_inflight_bytes, u64, |c, v| c.config.max_inflight_bytes = v
);
setter!(
    /// Whether a leader steps down when it has not heard from a quorum for an election timeout.
    raft_config_set_check_quorum, bool, |c, v| c.config.check_quorum = v
);
setter!(
    /// Whether to run a pre-vote round before campaigning (avoids term inflation after
    /// partitions).
    raft_config_set_pre_vote, bool, |c, v| c.config.pre_vote = v
);
setter!(
    /// Whether followers drop proposals instead of forwarding them to the leader.
    raft_config_set_disable_proposal_forwarding, bool, |c, v| c.config.disable_proposal_forwarding = v
);
setter!(
    /// Whether a leader removed from the configuration steps down at once.
    raft_config_set_step_down_on_removal, bool, |c, v| c.config.step_down_on_removal = v
);
setter!(
    /// Whether appends to one follower produced within one Ready travel as one message
    /// (default off, which keeps etcd's exact message sequence). See `Config::batch_append`.
    raft_config_set_batch_append, bool, |c, v| c.config.batch_append = v
);
setter!(
    /// Seed of the node's own random number generator (randomized election timeouts). Same
    /// seed, same inputs, same outputs.
    raft_config_set_seed, u64, |c, v| c.config.seed = v
);

ffi_fn! {
    /// How read-only requests are served: a `raft_read_only_option` value. Any other value
    /// returns `RAFT_STATUS_INVALID_ARGUMENT` and changes nothing.
    fn raft_config_set_read_only_option(config: *mut raft_config, option: i32) -> raft_status {
        let opt = match option {
            x if x == raft_read_only_option::Safe as i32 => ReadOnlyOption::Safe,
            x if x == raft_read_only_option::LeaseBased as i32 => ReadOnlyOption::LeaseBased,
            other => {
                // SAFETY: C promises a live, exclusively used handle.
                return unsafe {
                    with_mut(config, |_| {
                        Err(Failure::new(
                            raft_status::InvalidArgument,
                            format!("unknown read-only option {other}"),
                        ))
                    })
                };
            }
        };
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            with_mut(config, |c| {
                c.config.read_only_option = opt;
                Ok(())
            })
        }
    }
}

/// Copies the configuration for a node constructor, refusing a poisoned handle.
///
/// # Safety
/// `config` must be a live handle.
pub(crate) unsafe fn snapshot_config(config: *const raft_config) -> Result<Config, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { with_ref(config, |c| Ok(c.config.clone())) }
}
