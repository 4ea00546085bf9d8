"""Raft consensus with etcd/raft's semantics and wire format, driven from Python.

raft_core is a *sans-I/O* state machine: it never sleeps, reads clocks, opens sockets or writes
files. Your program feeds a :class:`Node` ticks, messages from peers and proposals; the node hands
back a :class:`Ready` saying what to persist, what to send and what to apply; you do those things
and call :meth:`Node.advance`. See the README section "Using raft_core from Python".

Messages use etcd's ``raftpb`` wire format, so ``bytes(message)`` can be sent to peers written in
Go (etcd/raft), Rust or C, and ``include/raft.proto`` in the source tree describes the bytes.
"""

from raft_core._enums import (
    ConfChangeTransition,
    ConfChangeType,
    EntryType,
    MessageType,
    ReadOnlyOption,
    Role,
)
from raft_core._native import (
    CompactedError,
    ConfChange,
    ConfChangeError,
    ConfChangeSingle,
    ConfChangeV2,
    ConfigError,
    ConfState,
    CorruptStateError,
    DecodeError,
    Entry,
    HardState,
    InternalError,
    InvalidMessageError,
    LocalMessageError,
    Message,
    MisuseError,
    PeerNotFoundError,
    ProposalDropped,
    RaftError,
    Snapshot,
    SnapshotOutOfDateError,
    SnapshotTemporarilyUnavailableError,
    StepError,
    StorageError,
    StorageRequestError,
    UnavailableError,
    __version__,
)

__all__ = [
    "CompactedError",
    "ConfChange",
    "ConfChangeError",
    "ConfChangeSingle",
    "ConfChangeTransition",
    "ConfChangeType",
    "ConfChangeV2",
    "ConfState",
    "ConfigError",
    "CorruptStateError",
    "DecodeError",
    "Entry",
    "EntryType",
    "HardState",
    "InternalError",
    "InvalidMessageError",
    "LocalMessageError",
    "Message",
    "MessageType",
    "MisuseError",
    "PeerNotFoundError",
    "ProposalDropped",
    "RaftError",
    "ReadOnlyOption",
    "Role",
    "Snapshot",
    "SnapshotOutOfDateError",
    "SnapshotTemporarilyUnavailableError",
    "StepError",
    "StorageError",
    "StorageRequestError",
    "UnavailableError",
    "__version__",
]
