"""Wire compatibility against an independent implementation.

The reference codec is the `protobuf` package running code that grpcio-tools' protoc generates
from include/raft.proto at test time (see the `raftpb` fixture). Our bytes must decode there with
every field intact, and bytes that codec produces must decode here with every field intact.
"""

from __future__ import annotations

import types
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import raft_core as rc
from _strategies import conf_states, hard_states, i32, known, payload, snapshots, u64

# --- field-by-field views of both sides -------------------------------------------------------


def ours_entry(e: rc.Entry) -> tuple[Any, ...]:
    return (e.term, e.index, int(e.type), e.data)


def theirs_entry(e: Any) -> tuple[Any, ...]:
    return (e.Term, e.Index, e.Type, e.Data)


def ours_conf_state(c: rc.ConfState) -> tuple[Any, ...]:
    return (c.voters, c.learners, c.voters_outgoing, c.learners_next, c.auto_leave)


def theirs_conf_state(c: Any) -> tuple[Any, ...]:
    return (
        tuple(c.voters),
        tuple(c.learners),
        tuple(c.voters_outgoing),
        tuple(c.learners_next),
        c.auto_leave,
    )


def ours_snapshot(s: rc.Snapshot) -> tuple[Any, ...]:
    return (s.data, s.index, s.term, ours_conf_state(s.conf_state))


def theirs_snapshot(s: Any) -> tuple[Any, ...]:
    m = s.metadata
    return (s.data, m.index, m.term, theirs_conf_state(m.conf_state))


def ours_message(m: rc.Message) -> tuple[Any, ...]:
    return (
        int(m.type), m.to, m.from_, m.term, m.log_term, m.index,
        tuple(ours_entry(e) for e in m.entries),
        m.commit, m.vote,
        None if m.snapshot is None else ours_snapshot(m.snapshot),
        m.reject, m.reject_hint, m.context,
        tuple(ours_message(r) for r in m.responses),
    )  # fmt: skip


def theirs_message(m: Any) -> tuple[Any, ...]:
    return (
        m.type, m.to, getattr(m, "from"), m.term, m.logTerm, m.index,
        tuple(theirs_entry(e) for e in m.entries),
        m.commit, m.vote,
        theirs_snapshot(m.snapshot) if m.HasField("snapshot") else None,
        m.reject, m.rejectHint, m.context,
        tuple(theirs_message(r) for r in m.responses),
    )  # fmt: skip


# --- ours -> protobuf ---------------------------------------------------------------------------


@given(known.messages)
def test_our_messages_decode_with_protobuf(raftpb: types.ModuleType, m: rc.Message) -> None:
    theirs = raftpb.Message.FromString(bytes(m))
    assert theirs_message(theirs) == ours_message(m)


@given(known.entries)
def test_our_entries_decode_with_protobuf(raftpb: types.ModuleType, e: rc.Entry) -> None:
    assert theirs_entry(raftpb.Entry.FromString(bytes(e))) == ours_entry(e)


@given(snapshots)
def test_our_snapshots_decode_with_protobuf(raftpb: types.ModuleType, s: rc.Snapshot) -> None:
    assert theirs_snapshot(raftpb.Snapshot.FromString(bytes(s))) == ours_snapshot(s)


@given(hard_states)
def test_our_hard_states_decode_with_protobuf(
    raftpb: types.ModuleType, h: rc.HardState
) -> None:
    theirs = raftpb.HardState.FromString(bytes(h))
    assert (theirs.term, theirs.vote, theirs.commit) == (h.term, h.vote, h.commit)


@given(conf_states)
def test_our_conf_states_decode_with_protobuf(
    raftpb: types.ModuleType, c: rc.ConfState
) -> None:
    assert theirs_conf_state(raftpb.ConfState.FromString(bytes(c))) == ours_conf_state(c)


@given(known.conf_changes)
def test_our_conf_changes_decode_with_protobuf(
    raftpb: types.ModuleType, c: rc.ConfChange
) -> None:
    theirs = raftpb.ConfChange.FromString(bytes(c))
    assert (theirs.type, theirs.node_id, theirs.context, theirs.id) == (
        int(c.type), c.node_id, c.context, c.id,
    )  # fmt: skip


@given(known.conf_changes_v2)
def test_our_conf_changes_v2_decode_with_protobuf(
    raftpb: types.ModuleType, c: rc.ConfChangeV2
) -> None:
    theirs = raftpb.ConfChangeV2.FromString(bytes(c))
    assert theirs.transition == int(c.transition)
    assert theirs.context == c.context
    assert [(x.type, x.node_id) for x in theirs.changes] == [
        (int(x.type), x.node_id) for x in c.changes
    ]


# --- protobuf -> ours ---------------------------------------------------------------------------

# Only values the protobuf package can hold: it drops unknown proto2 enum numbers into unknown
# fields, so those are covered by the ours -> theirs direction above.
known_message_types = st.sampled_from([int(t) for t in rc.MessageType])
known_entry_types = st.sampled_from([int(t) for t in rc.EntryType])


@st.composite
def their_messages(draw: st.DrawFn, raftpb: types.ModuleType, depth: int = 1) -> Any:
    m = raftpb.Message()
    # proto2: set a field or leave it absent; both must decode to the same values on our side.
    for name, strat in [
        ("type", known_message_types), ("to", u64), ("term", u64), ("logTerm", u64),
        ("index", u64), ("commit", u64), ("vote", u64), ("reject", st.booleans()),
        ("rejectHint", u64), ("context", payload),
    ]:  # fmt: skip
        if draw(st.booleans()):
            setattr(m, name, draw(strat))
    if draw(st.booleans()):
        setattr(m, "from", draw(u64))
    for _ in range(draw(st.integers(0, 3))):
        e = m.entries.add()
        e.Term, e.Index = draw(u64), draw(u64)
        e.Type, e.Data = draw(known_entry_types), draw(payload)
    if draw(st.booleans()):
        snap = m.snapshot
        snap.data = draw(payload)
        if draw(st.booleans()):
            snap.metadata.index, snap.metadata.term = draw(u64), draw(u64)
            snap.metadata.conf_state.voters.extend(draw(st.lists(u64, max_size=4)))
            snap.metadata.conf_state.learners.extend(draw(st.lists(u64, max_size=4)))
            snap.metadata.conf_state.auto_leave = draw(st.booleans())
    if depth > 0:
        for _ in range(draw(st.integers(0, 2))):
            m.responses.append(draw(their_messages(raftpb, depth - 1)))
    return m


@given(st.data())
def test_protobuf_messages_decode_with_ours(raftpb: types.ModuleType, data: st.DataObject) -> None:
    theirs = data.draw(their_messages(raftpb))
    ours = rc.Message.from_bytes(theirs.SerializeToString())
    assert ours_message(ours) == theirs_message(theirs)


@given(st.lists(u64, max_size=6), st.lists(u64, max_size=6))
def test_packed_repeated_ids_are_accepted(
    raftpb: types.ModuleType, voters: list[int], learners: list[int]
) -> None:
    # proto2 repeated scalars are unpacked on the wire, but decoders must accept packed ones.
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            b = n & 0x7F
            n >>= 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def packed(tag: int, ids: list[int]) -> bytes:
        body = b"".join(varint(i) for i in ids)
        return varint(tag << 3 | 2) + varint(len(body)) + body

    raw = packed(1, voters) + packed(2, learners)
    ours = rc.ConfState.from_bytes(raw)
    assert ours.voters == tuple(voters)
    assert ours.learners == tuple(learners)
    theirs = raftpb.ConfState.FromString(raw)
    assert theirs_conf_state(theirs) == ours_conf_state(ours)


@given(i32)
def test_unknown_enum_numbers_pass_through_protobuf(raftpb: types.ModuleType, n: int) -> None:
    # protobuf keeps an unknown proto2 enum value as an unknown field and re-emits it.
    ours = rc.Message(n, to=7)
    again = rc.Message.from_bytes(raftpb.Message.FromString(bytes(ours)).SerializeToString())
    assert again == ours
