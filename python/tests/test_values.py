"""Value types: construction, equality, encoding, decoding, repr, pickling, immutability."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import raft_core as rc
from _strategies import any_value, everything

VALUE_TYPES = [
    rc.Entry,
    rc.HardState,
    rc.ConfState,
    rc.Snapshot,
    rc.Message,
    rc.ConfChange,
    rc.ConfChangeSingle,
    rc.ConfChangeV2,
]


@given(any_value)
def test_bytes_round_trip(value: Any) -> None:
    again = type(value).from_bytes(bytes(value))
    assert again == value
    assert hash(again) == hash(value)
    assert bytes(again) == bytes(value)


@given(any_value)
def test_repr_evaluates_back_to_an_equal_value(value: Any) -> None:
    namespace = {name: getattr(rc, name) for name in rc.__all__}
    assert eval(repr(value), namespace) == value  # noqa: S307 - our own repr, on purpose


@given(any_value)
def test_pickle_and_copy(value: Any) -> None:
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.copy(value) == value
    assert copy.deepcopy(value) == value


@given(everything.messages)
def test_message_fields_read_back(m: rc.Message) -> None:
    again = rc.Message.from_bytes(bytes(m))
    for field in ("type", "to", "from_", "term", "log_term", "index", "commit", "vote",
                  "reject", "reject_hint", "context", "entries", "snapshot", "responses"):
        assert getattr(again, field) == getattr(m, field), field


@given(everything.entries)
def test_entry_fields_read_back(e: rc.Entry) -> None:
    again = rc.Entry.from_bytes(bytes(e))
    assert (again.index, again.term, again.type, again.data) == (e.index, e.term, e.type, e.data)


@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_decode_error(data: bytes) -> None:
    for cls in VALUE_TYPES:
        try:
            value = cls.from_bytes(data)
        except rc.DecodeError as e:
            assert isinstance(e, ValueError)
            assert isinstance(e, rc.RaftError)
        else:
            assert isinstance(value, cls)


def test_garbage_is_a_decode_error() -> None:
    with pytest.raises(rc.DecodeError, match="Message"):
        rc.Message.from_bytes(b"\xff\xff\xff")
    # A truncated but otherwise valid encoding.
    data = bytes(rc.Message(rc.MessageType.APP, entries=[rc.Entry(index=1, data=b"abc")]))
    with pytest.raises(rc.DecodeError):
        rc.Message.from_bytes(data[:-1])


def test_decode_accepts_bytes_like() -> None:
    m = rc.Message(rc.MessageType.HEARTBEAT, to=2, from_=1, term=5)
    raw = bytes(m)
    assert rc.Message.from_bytes(bytearray(raw)) == m
    assert rc.Message.from_bytes(memoryview(raw)) == m


def test_defaults_and_field_values() -> None:
    e = rc.Entry()
    assert (e.index, e.term, e.type, e.data) == (0, 0, rc.EntryType.NORMAL, b"")
    assert isinstance(e.type, rc.EntryType)
    m = rc.Message(rc.MessageType.APP, to=2, from_=1, entries=[e])
    assert m.type is rc.MessageType.APP
    assert m.entries == (e,)
    assert m.snapshot is None
    assert m.responses == ()
    s = rc.Snapshot(index=5, term=2, conf_state=rc.ConfState([1, 2], [3]), data=b"app")
    assert (s.index, s.term, s.data) == (5, 2, b"app")
    assert s.conf_state == rc.ConfState(voters=[1, 2], learners=[3])
    assert s.conf_state.voters == (1, 2)


def test_ids_accept_any_iterable_but_not_strings() -> None:
    assert rc.ConfState({3}, range(4, 6)).learners == (4, 5)
    with pytest.raises(TypeError):
        rc.ConfState("123")
    with pytest.raises(TypeError):
        rc.ConfState([1, "2"])
    with pytest.raises(OverflowError):
        rc.ConfState([-1])
    with pytest.raises(OverflowError):
        rc.HardState(term=2**64)


def test_payloads_must_be_bytes_like() -> None:
    with pytest.raises(TypeError, match="bytes"):
        rc.Entry(data="text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Entry"):
        rc.Message(rc.MessageType.APP, entries=[rc.HardState()])  # type: ignore[list-item]
    assert rc.Entry(data=bytearray(b"ab")).data == b"ab"
    assert rc.Entry(data=memoryview(b"ab")).data == b"ab"


def test_values_are_immutable() -> None:
    e = rc.Entry(index=1)
    with pytest.raises(AttributeError):
        e.index = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        e.extra = 1  # type: ignore[attr-defined]


def test_equality_is_by_type_and_meaning() -> None:
    assert rc.HardState() != rc.ConfState()
    assert rc.Entry() != 0
    assert rc.Entry(index=1) != rc.Entry(index=2)
    # The same snapshot with and without the empty metadata spelled out on the wire.
    assert rc.Snapshot.from_bytes(b"") == rc.Snapshot()
    assert hash(rc.Snapshot.from_bytes(b"")) == hash(rc.Snapshot())
    assert len({rc.HardState(term=1), rc.HardState(term=1), rc.HardState(term=2)}) == 2


def test_unknown_enum_values_survive() -> None:
    m = rc.Message(99, to=1)
    assert m.type == 99
    assert m.type.name == "UNKNOWN_99"
    assert rc.Message.from_bytes(bytes(m)).type == 99
    assert repr(m).startswith("Message(MessageType(99),")


def test_reprs() -> None:
    assert repr(rc.HardState(term=3, vote=1, commit=17)) == "HardState(term=3, vote=1, commit=17)"
    assert repr(rc.Entry(index=2, term=1, data=b"x")) == "Entry(index=2, term=1, data=b'x')"
    assert (
        repr(rc.Message(rc.MessageType.VOTE, to=2, from_=1, term=2, log_term=1, index=3))
        == "Message(MessageType.VOTE, to=2, from_=1, term=2, log_term=1, index=3)"
    )


def test_conf_change_helpers() -> None:
    cc = rc.ConfChange(rc.ConfChangeType.ADD_NODE, 4, context=b"ctx")
    v2 = cc.as_v2()
    assert v2.changes == (rc.ConfChangeSingle(rc.ConfChangeType.ADD_NODE, 4),)
    assert v2.context == b"ctx"
    assert not v2.enters_joint
    parsed = rc.ConfChangeV2.parse("v1 l2 r3 u4")
    assert [c.type for c in parsed.changes] == [
        rc.ConfChangeType.ADD_NODE,
        rc.ConfChangeType.ADD_LEARNER_NODE,
        rc.ConfChangeType.REMOVE_NODE,
        rc.ConfChangeType.UPDATE_NODE,
    ]
    assert str(parsed) == "v1 l2 r3 u4"
    assert parsed.enters_joint
    assert rc.ConfChangeV2().leaves_joint
    with pytest.raises(ValueError):
        rc.ConfChangeV2.parse("x1")


def test_entry_conf_change_decodes_its_payload() -> None:
    cc = rc.ConfChange(rc.ConfChangeType.REMOVE_NODE, 3)
    v2 = rc.ConfChangeV2.parse("v4 v5")
    assert rc.Entry(type=rc.EntryType.CONF_CHANGE, data=bytes(cc)).conf_change() == cc
    assert rc.Entry(type=rc.EntryType.CONF_CHANGE_V2, data=bytes(v2)).conf_change() == v2
    assert rc.Entry(data=b"app").conf_change() is None
    with pytest.raises(rc.DecodeError):
        rc.Entry(type=rc.EntryType.CONF_CHANGE, data=b"\xff").conf_change()


@pytest.mark.parametrize("cls", VALUE_TYPES)
def test_public_classes_document_themselves(cls: type) -> None:
    assert cls.__module__ == "raft_core"
    assert cls.__doc__ and len(cls.__doc__) > 20


def _chain(depth: int, *, snapshot: bool) -> rc.Message:
    m = rc.Message(rc.MessageType.APP, snapshot=rc.Snapshot(index=1) if snapshot else None)
    for _ in range(depth - 1):
        m = rc.Message(rc.MessageType.STORAGE_APPEND, responses=[m])
    return m


@pytest.mark.parametrize(("snapshot", "deepest"), [(False, 101), (True, 98)])
def test_nesting_is_limited_to_what_decodes(snapshot: bool, deepest: int) -> None:
    # The deepest message we can build is exactly the deepest the decoder reads back.
    m = _chain(deepest, snapshot=snapshot)
    assert rc.Message.from_bytes(bytes(m)) == m
    with pytest.raises(ValueError, match="nest deeper"):
        rc.Message(rc.MessageType.STORAGE_APPEND, responses=[m])


def test_hostile_nesting_is_a_decode_error() -> None:
    # 10,000 levels of `responses` (field 14), built by hand: refused, no stack overflow.
    data = b""
    for _ in range(10_000):
        data = b"\x72" + _varint(len(data)) + data
    with pytest.raises(rc.DecodeError):
        rc.Message.from_bytes(data)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
