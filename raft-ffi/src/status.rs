//! Status codes and the mapping from raft-core's typed errors to them.

use std::ffi::c_char;

use raft_core::{ConfigError, Error, StorageError};

/// The result of every fallible call: `RAFT_STATUS_OK` (0) or the reason the call failed.
///
/// The numbers are part of the ABI: each is fixed forever and never reused for another meaning.
/// A call that fails writes none of its out-parameters and, unless the code is
/// `RAFT_STATUS_PANIC`, leaves the handle exactly as it was. The handle's last-error message
/// (`raft_node_last_error`, `raft_storage_last_error`, `raft_config_last_error`) says more.
///
/// Functions return this type as a plain `int32_t`; `raft_status_str` accepts any integer, so a
/// code from a newer library version is still printable.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)] // C naming: the type appears in raft.h as raft_status
pub enum raft_status {
    /// Success.
    Ok = 0,
    /// A pointer argument that must not be NULL was NULL (or a buffer pointer was NULL with a
    /// non-zero length).
    NullArgument = 1,
    /// The library hit an internal bug and caught it. The handle the call was made on is now
    /// poisoned: every later call on it returns `RAFT_STATUS_POISONED`; free it.
    Panic = 2,
    /// The handle was poisoned by an earlier `RAFT_STATUS_PANIC`. Only `_free` works on it.
    Poisoned = 3,
    /// An argument is out of its domain (unknown enum value, a storage view where an owned
    /// storage is required, ...).
    InvalidArgument = 4,
    /// The configuration cannot run; `raft_config_validate` tells why.
    InvalidConfig = 5,
    /// The bytes are not a valid protobuf encoding of the expected message.
    Decode = 6,
    /// The message decodes but cannot be valid Raft (for example an unknown message type).
    InvalidMessage = 7,
    /// The message is addressed to another node id.
    WrongRecipient = 8,
    /// A local-only message type (MsgHup, MsgBeat, ...) arrived through `raft_node_step`.
    StepLocalMessage = 9,
    /// A response came from a node this node does not track.
    StepPeerNotFound = 10,
    /// The proposal was dropped: no known leader, a leader transfer is under way, or the
    /// uncommitted-size limit was reached. Retry later.
    ProposalDropped = 11,
    /// The membership change cannot be applied; the configuration is unchanged.
    ConfChange = 12,
    /// The call came out of order (for example two Readies without an advance).
    Misuse = 13,
    /// `raft_node_advance` got a Ready that another node produced, or an older Ready.
    ReadyMismatch = 14,
    /// The Ready was already passed to `raft_node_advance`; its contents are gone.
    ReadyConsumed = 15,
    /// An index argument is past the end of the list it selects from.
    OutOfRange = 16,
    /// Storage: the index is older than the first available entry (compacted away).
    StorageCompacted = 20,
    /// Storage: the index is not in storage (yet).
    StorageUnavailable = 21,
    /// Storage: the snapshot is older than the one already held.
    StorageSnapshotOutOfDate = 22,
    /// Storage: the snapshot is temporarily unavailable.
    StorageSnapshotTemporarilyUnavailable = 23,
    /// Storage: the request does not fit the log (a gap when appending, compacting past the
    /// last index, ...). Storage is unchanged.
    StorageInvalidRequest = 24,
    /// Storage: any other storage failure.
    StorageOther = 25,
    /// The storage a node was created from contradicts itself.
    CorruptState = 26,
    /// An error this version of the C layer does not classify; the last-error message says what.
    UnknownError = 99,
}

impl raft_status {
    /// Every defined code, for `raft_status_str` and the tests.
    pub(crate) const ALL: [raft_status; 25] = [
        raft_status::Ok,
        raft_status::NullArgument,
        raft_status::Panic,
        raft_status::Poisoned,
        raft_status::InvalidArgument,
        raft_status::InvalidConfig,
        raft_status::Decode,
        raft_status::InvalidMessage,
        raft_status::WrongRecipient,
        raft_status::StepLocalMessage,
        raft_status::StepPeerNotFound,
        raft_status::ProposalDropped,
        raft_status::ConfChange,
        raft_status::Misuse,
        raft_status::ReadyMismatch,
        raft_status::ReadyConsumed,
        raft_status::OutOfRange,
        raft_status::StorageCompacted,
        raft_status::StorageUnavailable,
        raft_status::StorageSnapshotOutOfDate,
        raft_status::StorageSnapshotTemporarilyUnavailable,
        raft_status::StorageInvalidRequest,
        raft_status::StorageOther,
        raft_status::CorruptState,
        raft_status::UnknownError,
    ];

    /// A static, NUL-terminated description (C string literal, so no allocation and no lifetime).
    pub(crate) fn describe(self) -> &'static std::ffi::CStr {
        match self {
            raft_status::Ok => c"ok",
            raft_status::NullArgument => c"a required pointer argument was NULL",
            raft_status::Panic => c"internal error (panic caught); the handle is poisoned",
            raft_status::Poisoned => c"the handle is poisoned by an earlier internal error",
            raft_status::InvalidArgument => c"invalid argument",
            raft_status::InvalidConfig => c"invalid configuration",
            raft_status::Decode => c"bytes are not a valid protobuf encoding",
            raft_status::InvalidMessage => c"invalid raft message",
            raft_status::WrongRecipient => c"message is addressed to another node",
            raft_status::StepLocalMessage => c"cannot step a local message",
            raft_status::StepPeerNotFound => c"message from an unknown peer",
            raft_status::ProposalDropped => c"proposal dropped",
            raft_status::ConfChange => c"invalid configuration change",
            raft_status::Misuse => c"API misuse",
            raft_status::ReadyMismatch => c"ready belongs to another node or is stale",
            raft_status::ReadyConsumed => c"ready was already advanced",
            raft_status::OutOfRange => c"index out of range",
            raft_status::StorageCompacted => c"storage: index compacted",
            raft_status::StorageUnavailable => c"storage: entry unavailable",
            raft_status::StorageSnapshotOutOfDate => c"storage: snapshot out of date",
            raft_status::StorageSnapshotTemporarilyUnavailable => {
                c"storage: snapshot temporarily unavailable"
            }
            raft_status::StorageInvalidRequest => c"storage: invalid request",
            raft_status::StorageOther => c"storage: failure",
            raft_status::CorruptState => c"corrupt storage state",
            raft_status::UnknownError => c"unclassified error",
        }
    }
}

/// A failed call: the status returned to C and the message kept as the handle's last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: raft_status,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: raft_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<StorageError> for Failure {
    fn from(e: StorageError) -> Self {
        let status = match &e {
            StorageError::Compacted => raft_status::StorageCompacted,
            StorageError::Unavailable => raft_status::StorageUnavailable,
            StorageError::SnapshotOutOfDate => raft_status::StorageSnapshotOutOfDate,
            StorageError::SnapshotTemporarilyUnavailable => {
                raft_status::StorageSnapshotTemporarilyUnavailable
            }
            StorageError::InvalidRequest(_) => raft_status::StorageInvalidRequest,
            StorageError::Other(_) => raft_status::StorageOther,
            _ => raft_status::UnknownError,
        };
        Failure::new(status, e.to_string())
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::new(raft_status::InvalidConfig, e.to_string())
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::ProposalDropped => raft_status::ProposalDropped,
            Error::StepLocalMsg => raft_status::StepLocalMessage,
            Error::StepPeerNotFound => raft_status::StepPeerNotFound,
            Error::Config(_) => raft_status::InvalidConfig,
            Error::Storage(s) => return Failure::from(s.clone()),
            Error::Decode(_) => raft_status::Decode,
            Error::InvalidMessage { .. } => raft_status::InvalidMessage,
            Error::ConfChange(_) => raft_status::ConfChange,
            Error::Misuse(_) => raft_status::Misuse,
            Error::CorruptState(_) => raft_status::CorruptState,
            _ => raft_status::UnknownError,
        };
        Failure::new(status, e.to_string())
    }
}

impl From<raft_core::pb::DecodeError> for Failure {
    fn from(e: raft_core::pb::DecodeError) -> Self {
        Failure::new(raft_status::Decode, e.to_string())
    }
}

ffi_fn! {
    /// A static, NUL-terminated English description of a status code. Accepts any integer:
    /// an unknown code gives "unknown status code". The pointer is valid for the life of the
    /// process and must not be freed. Thread-safe.
    fn raft_status_str(code: i32) -> *const c_char {
        raft_status::ALL
            .iter()
            .find(|s| **s as i32 == code)
            .map_or(c"unknown status code", |s| s.describe())
            .as_ptr()
    } ?= c"unknown status code".as_ptr();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn codes_and_descriptions_are_distinct() {
        let codes: BTreeSet<i32> = raft_status::ALL.iter().map(|s| *s as i32).collect();
        assert_eq!(codes.len(), raft_status::ALL.len());
        let texts: BTreeSet<&CStr> = raft_status::ALL.iter().map(|s| s.describe()).collect();
        assert_eq!(texts.len(), raft_status::ALL.len());
    }

    #[test]
    fn status_str_covers_every_code_and_unknown_ones() {
        for s in raft_status::ALL {
            // SAFETY: the returned pointer is a static C string.
            let text = unsafe { CStr::from_ptr(raft_status_str(s as i32)) };
            assert_eq!(text, s.describe());
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(raft_status_str(17)) };
        assert_eq!(unknown, c"unknown status code");
    }

    #[test]
    fn storage_errors_map_to_their_codes() {
        assert_eq!(
            Failure::from(StorageError::Compacted).status,
            raft_status::StorageCompacted
        );
        assert_eq!(
            Failure::from(Error::Storage(StorageError::Unavailable)).status,
            raft_status::StorageUnavailable
        );
        assert_eq!(
            Failure::from(Error::ProposalDropped).status,
            raft_status::ProposalDropped
        );
    }
}
