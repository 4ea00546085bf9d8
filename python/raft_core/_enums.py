"""The enumerations of raft_core, as Python ``IntEnum`` classes.

They are plain Python so that they behave exactly like every other enum (``repr``, pickling,
``match`` statements, iteration). Their integer values are etcd's raftpb numbers, so they compare
equal to the numbers on the wire and in etcd's documentation.

The wire enums (``MessageType``, ``EntryType``, ``ConfChangeType``, ``ConfChangeTransition``)
accept values this version does not know, the way protobuf does: ``MessageType(99)`` gives a member
named ``UNKNOWN_99``, so a message from a newer peer can still be decoded, inspected and rejected
with a precise error instead of failing while being read.
"""

from __future__ import annotations

import enum

__all__ = [
    "ConfChangeTransition",
    "ConfChangeType",
    "EntryType",
    "MessageType",
    "ProgressState",
    "ReadOnlyOption",
    "Role",
]


class _WireEnum(enum.IntEnum):
    """An IntEnum that, like a protobuf enum field, keeps values it does not know."""

    @classmethod
    def _missing_(cls, value: object) -> _WireEnum | None:
        if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31:
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None


class MessageType(_WireEnum):
    """The kind of a :class:`Message` (etcd's ``raftpb.MessageType``)."""

    HUP = 0
    BEAT = 1
    PROP = 2
    APP = 3
    APP_RESP = 4
    VOTE = 5
    VOTE_RESP = 6
    SNAP = 7
    HEARTBEAT = 8
    HEARTBEAT_RESP = 9
    UNREACHABLE = 10
    SNAP_STATUS = 11
    CHECK_QUORUM = 12
    TRANSFER_LEADER = 13
    TIMEOUT_NOW = 14
    READ_INDEX = 15
    READ_INDEX_RESP = 16
    PRE_VOTE = 17
    PRE_VOTE_RESP = 18
    STORAGE_APPEND = 19
    STORAGE_APPEND_RESP = 20
    STORAGE_APPLY = 21
    STORAGE_APPLY_RESP = 22
    FORGET_LEADER = 23


class EntryType(_WireEnum):
    """The kind of an :class:`Entry`: an application payload or an encoded membership change."""

    NORMAL = 0
    CONF_CHANGE = 1
    CONF_CHANGE_V2 = 2


class ConfChangeType(_WireEnum):
    """What a single membership change does."""

    ADD_NODE = 0
    REMOVE_NODE = 1
    UPDATE_NODE = 2
    ADD_LEARNER_NODE = 3


class ConfChangeTransition(_WireEnum):
    """How a :class:`ConfChangeV2` is carried out."""

    AUTO = 0
    """A simple change when possible, else joint consensus left automatically."""
    JOINT_IMPLICIT = 1
    """Joint consensus, left automatically once committed."""
    JOINT_EXPLICIT = 2
    """Joint consensus, left when the application proposes an empty ConfChangeV2."""


class Role(enum.IntEnum):
    """The role a :class:`Node` plays (etcd's ``StateType``)."""

    FOLLOWER = 0
    CANDIDATE = 1
    LEADER = 2
    PRE_CANDIDATE = 3


class ReadOnlyOption(enum.IntEnum):
    """How linearizable reads (``Node.read_index``) are served."""

    SAFE = 0
    """Confirm leadership with a quorum round before answering (the default)."""
    LEASE_BASED = 1
    """Trust the leader lease; needs ``check_quorum=True`` and bounded clock drift."""


class ProgressState(enum.IntEnum):
    """How a leader replicates to one member (see ``Status.progress``)."""

    PROBE = 0
    """The member's log position is unknown: one append per heartbeat until it answers."""
    REPLICATE = 1
    """Appends are streamed optimistically."""
    SNAPSHOT = 2
    """The member needs a snapshot; appends wait until it is installed."""
