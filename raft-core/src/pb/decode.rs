//! Decoding untrusted bytes into wire types, with a typed error and no panics.

use prost::Message as _;

/// How deeply `Message.responses` may nest. etcd only ever nests one level (a storage message
/// carrying its responses); prost's own recursion limit stops hostile input far below any stack
/// limit, and this constant documents the bound for hosts.
pub const MAX_MESSAGE_DEPTH: usize = 100;

/// Bytes that are not a valid encoding of the expected wire type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {type_name}: {reason}")]
pub struct DecodeError {
    /// The wire type that was expected (`"Message"`, `"ConfChangeV2"`, …).
    pub type_name: &'static str,
    /// What was wrong with the bytes, as the protobuf decoder reported it.
    pub reason: String,
}

impl DecodeError {
    pub(crate) fn new(type_name: &'static str, err: prost::DecodeError) -> Self {
        DecodeError {
            type_name,
            reason: err.to_string(),
        }
    }
}

/// Decodes a `raftpb.Message` from untrusted bytes.
pub fn decode_message(bytes: &[u8]) -> Result<super::Message, DecodeError> {
    super::Message::decode(bytes).map_err(|e| DecodeError::new("Message", e))
}

/// Decodes a `raftpb.Message` from an owned buffer. Entry payloads, contexts and snapshot data
/// become slices of `bytes` rather than copies, which matters for hosts that receive messages
/// into a buffer they can hand over (one copy into a `Bytes` instead of one per payload).
pub fn decode_message_owned(bytes: bytes::Bytes) -> Result<super::Message, DecodeError> {
    super::Message::decode(bytes).map_err(|e| DecodeError::new("Message", e))
}

macro_rules! impl_decode_from {
    ($($ty:ident),*) => {$(
        impl super::$ty {
            /// Decodes this wire type from untrusted bytes.
            pub fn decode_from(bytes: &[u8]) -> Result<Self, DecodeError> {
                <Self as prost::Message>::decode(bytes)
                    .map_err(|e| DecodeError::new(stringify!($ty), e))
            }
        }
    )*};
}

impl_decode_from!(
    Entry,
    Snapshot,
    SnapshotMetadata,
    Message,
    HardState,
    ConfState,
    ConfChange,
    ConfChangeSingle,
    ConfChangeV2
);
