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

#[cfg(test)]
mod tests {
    //! The hand-written `ReadyPb` must equal `raft-ffi/proto/raft_ready.proto`: compile the
    //! schema at test time and decode our bytes with a reflection-based codec.

    use std::path::PathBuf;

    use prost_reflect::{DescriptorPool, DynamicMessage, Value};
    use raft_core::pb::{Entry, HardState, Message, MessageType, Snapshot, SnapshotMetadata};
    use raft_core::{ReadState, Ready, SoftState, StateRole};

    use super::*;

    fn ready_descriptor() -> prost_reflect::MessageDescriptor {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let fds = protox::compile(
            [root.join("proto/raft_ready.proto")],
            [root.join("proto"), root.join("../include")],
        )
        .expect("raft_ready.proto compiles");
        DescriptorPool::from_file_descriptor_set(fds)
            .expect("pool")
            .get_message_by_name("raftffi.Ready")
            .expect("raftffi.Ready")
    }

    fn field<'a>(m: &'a DynamicMessage, name: &str) -> std::borrow::Cow<'a, Value> {
        m.get_field_by_name(name).expect(name)
    }

    #[test]
    fn encoding_matches_the_schema() {
        let mut rd = Ready::default();
        rd.soft_state = Some(SoftState {
            lead: 2,
            raft_state: StateRole::Candidate,
        });
        rd.hard_state = Some(HardState {
            term: 5,
            vote: 2,
            commit: 7,
        });
        rd.read_states = vec![ReadState {
            index: 9,
            request_ctx: Bytes::from_static(b"ctx"),
        }];
        rd.entries = vec![Entry {
            term: 5,
            index: 8,
            entry_type: 0,
            data: Bytes::from_static(b"x"),
        }];
        rd.snapshot = Some(Snapshot {
            data: Bytes::from_static(b"snap"),
            metadata: Some(SnapshotMetadata {
                conf_state: None,
                index: 4,
                term: 3,
            }),
        });
        rd.committed_entries = vec![Entry {
            term: 4,
            index: 7,
            entry_type: 0,
            data: Bytes::new(),
        }];
        let mut m = Message::of_type(MessageType::MsgApp);
        m.to = 3;
        rd.messages = vec![m];
        rd.must_sync = true;

        let bytes = encode(&rd);
        let dm = DynamicMessage::decode(ready_descriptor(), bytes.as_slice()).expect("decodes");
        let ss = field(&dm, "soft_state");
        let ss = ss.as_message().expect("soft_state");
        assert_eq!(field(ss, "lead").as_u64(), Some(2));
        assert_eq!(field(ss, "role").as_enum_number(), Some(1));
        let hs = field(&dm, "hard_state");
        let hs = hs.as_message().expect("hard_state");
        assert_eq!(field(hs, "term").as_u64(), Some(5));
        assert_eq!(field(hs, "vote").as_u64(), Some(2));
        assert_eq!(field(hs, "commit").as_u64(), Some(7));
        let list_len = |name: &str| match field(&dm, name).as_ref() {
            Value::List(l) => l.len(),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(list_len("read_states"), 1);
        assert_eq!(list_len("entries"), 1);
        assert_eq!(list_len("committed_entries"), 1);
        assert_eq!(list_len("messages"), 1);
        let snap = field(&dm, "snapshot");
        let snap = snap.as_message().expect("snapshot");
        assert_eq!(
            field(snap, "data").as_bytes().map(|b| b.to_vec()),
            Some(b"snap".to_vec())
        );
        assert_eq!(field(&dm, "must_sync").as_bool(), Some(true));

        // And the schema's own encoding decodes back into ours unchanged.
        let back = ReadyPb::decode(dm.encode_to_vec().as_slice()).expect("round trip");
        assert_eq!(back.encode_to_vec(), bytes);
    }

    #[test]
    fn empty_snapshot_is_left_out() {
        let mut rd = Ready::default();
        rd.snapshot = Some(Snapshot::default());
        let back = ReadyPb::decode(encode(&rd).as_slice()).expect("decodes");
        assert!(back.snapshot.is_none());
    }
}
