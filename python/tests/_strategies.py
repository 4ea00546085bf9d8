"""Hypothesis strategies for raft_core's value types.

Values cover the whole range the wire allows: 64-bit ids and indices, enum numbers this
version does not know, empty and binary payloads, nested messages.
"""

from __future__ import annotations

from hypothesis import strategies as st

import raft_core as rc

u64 = st.integers(min_value=0, max_value=2**64 - 1)
small_ids = st.integers(min_value=1, max_value=2**64 - 1)
payload = st.binary(max_size=48)
i32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)


def wire_enum(enum_cls: type, unknown: bool) -> st.SearchStrategy[int]:
    known = st.sampled_from(list(enum_cls))
    return st.one_of(known, i32) if unknown else known


hard_states = st.builds(rc.HardState, term=u64, vote=u64, commit=u64)

id_lists = st.lists(small_ids, max_size=5)

conf_states = st.builds(
    rc.ConfState,
    id_lists,
    id_lists,
    voters_outgoing=id_lists,
    learners_next=id_lists,
    auto_leave=st.booleans(),
)

snapshots = st.builds(
    rc.Snapshot,
    data=payload,
    index=u64,
    term=u64,
    conf_state=st.one_of(st.none(), conf_states),
)


class Strategies:
    """Strategies for the types with enum fields. With ``unknown=True`` the enum fields also
    take numbers this version does not name (which the protobuf package cannot represent)."""

    def __init__(self, unknown: bool) -> None:
        self.entries = st.builds(
            rc.Entry,
            index=u64,
            term=u64,
            data=payload,
            type=wire_enum(rc.EntryType, unknown),
        )
        self.conf_changes = st.builds(
            rc.ConfChange,
            wire_enum(rc.ConfChangeType, unknown),
            u64,
            context=payload,
            id=u64,
        )
        self.conf_change_singles = st.builds(
            rc.ConfChangeSingle, wire_enum(rc.ConfChangeType, unknown), u64
        )
        self.conf_changes_v2 = st.builds(
            rc.ConfChangeV2,
            st.lists(self.conf_change_singles, max_size=4),
            transition=wire_enum(rc.ConfChangeTransition, unknown),
            context=payload,
        )
        # Storage messages carry responses one level deep; two levels exercise the recursion.
        leaf = self._message(unknown, st.just([]))
        middle = self._message(unknown, st.lists(leaf, max_size=1))
        self.messages = self._message(unknown, st.lists(middle, max_size=2))

    def _message(
        self, unknown: bool, responses: st.SearchStrategy[list[rc.Message]]
    ) -> st.SearchStrategy[rc.Message]:
        return st.builds(
            rc.Message,
            wire_enum(rc.MessageType, unknown),
            to=u64,
            from_=u64,
            term=u64,
            log_term=u64,
            index=u64,
            entries=st.lists(self.entries, max_size=3),
            commit=u64,
            vote=u64,
            snapshot=st.one_of(st.none(), snapshots),
            reject=st.booleans(),
            reject_hint=u64,
            context=payload,
            responses=responses,
        )


everything = Strategies(unknown=True)
known = Strategies(unknown=False)

any_value = st.one_of(
    everything.entries,
    hard_states,
    conf_states,
    snapshots,
    everything.conf_changes,
    everything.conf_change_singles,
    everything.conf_changes_v2,
    everything.messages,
)
