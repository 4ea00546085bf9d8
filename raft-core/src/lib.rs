#![doc = include_str!("docs/host_loop.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod confchange;
pub mod config;
pub mod describe;
mod error;
mod log_unstable;
pub mod pb;
pub mod quorum;
mod raft;
mod raft_log;
mod raw_node;
mod read_only;
mod rng;
pub mod sim;
mod status;
mod storage;
#[cfg(test)]
mod test_util;
pub mod tracker;

pub use config::{Config, ReadOnlyOption};
pub use error::{ConfigError, Error, Result, StorageError};
pub use raft::{ConfChangeRefusal, ConfChangeRefusalReason, StateRole, NONE};
pub use raw_node::{
    is_local_msg, is_response_msg, must_sync, RawNode, ReadState, Ready, SnapshotStatus, SoftState,
};
pub use status::{BasicStatus, Status};
pub use storage::{MemoryStorage, RaftState, Storage};
