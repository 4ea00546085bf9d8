//! The `raftffi.Ready` wire message (`raft-ffi/proto/raft_ready.proto`), written by hand with
//! prost derives like raft-core's own wire types, and checked against the schema in the tests.

use bytes::Bytes;
use prost::Message as _;
use raft_core::pb::{Entry, HardState, Message, Snapshot};
use raft_core::Ready;

use crate::types::raft_role;

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SoftStatePb {
    #[prost(uint64, tag = "1")]
    pub(crate) lead: u64,
    #[prost(int32, tag = "2")]
    pub(crate) role: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ReadStatePb {
    #[prost(uint64, tag = "1")]
    pub(crate) index: u64,
    #[prost(bytes = "bytes", tag = "2")]
    pub(crate) request_ctx: Bytes,
}

#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ReadyPb {
    #[prost(message, optional, tag = "1")]
    pub(crate) soft_state: Option<SoftStatePb>,
    #[prost(message, optional, tag = "2")]
    pub(crate) hard_state: Option<HardState>,
    #[prost(message, repeated, tag = "3")]
    pub(crate) read_states: Vec<ReadStatePb>,
    #[prost(message, repeated, tag = "4")]
    pub(crate) entries: Vec<Entry>,
    #[prost(message, optional, tag = "5")]
    pub(crate) snapshot: Option<Snapshot>,
    #[prost(message, repeated, tag = "6")]
    pub(crate) committed_entries: Vec<Entry>,
    #[prost(message, repeated, tag = "7")]
    pub(crate) messages: Vec<Message>,
    #[prost(bool, tag = "8")]
    pub(crate) must_sync: bool,
}

pub(crate) fn encode(rd: &Ready) -> Vec<u8> {
    ReadyPb {
        soft_state: rd.soft_state.map(|s| SoftStatePb {
            lead: s.lead,
            role: raft_role::from(s.raft_state) as i32,
        }),
        hard_state: rd.hard_state,
        read_states: rd
            .read_states
            .iter()
            .map(|r| ReadStatePb {
                index: r.index,
                request_ctx: r.request_ctx.clone(),
            })
            .collect(),
        entries: rd.entries.clone(),
        snapshot: rd.snapshot.clone().filter(|s| !s.is_empty()),
        committed_entries: rd.committed_entries.clone(),
        messages: rd.messages.clone(),
        must_sync: rd.must_sync,
    }
    .encode_to_vec()
}
