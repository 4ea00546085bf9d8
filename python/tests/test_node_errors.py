"""Bad input raises the documented exception and leaves the node (and its storage) unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import raft_core as rc
from _cluster import Cluster, observable_state
from _strategies import everything


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    leader = c.elect()
    leader.propose(b"x")
    c.settle()
    c.tick(2)
    return c


def leader_of(c: Cluster) -> rc.Node:
    (leader,) = c.leaders()
    return leader


def follower_of(c: Cluster) -> rc.Node:
    return next(n for n in c.nodes.values() if n.role == rc.Role.FOLLOWER)


def assert_refused(
    node: rc.Node, exc: type[BaseException], call: Callable[[], object], match: str | None = None
) -> None:
    before = observable_state(node)
    with pytest.raises(exc, match=match):
        call()
    assert observable_state(node) == before


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"id": 0}, "none as id"),
        ({"id": 2**64 - 1}, "local target"),
        ({"heartbeat_tick": 0}, "heartbeat tick"),
        ({"election_tick": 1, "heartbeat_tick": 1}, "election tick"),
        ({"max_inflight_msgs": 0}, "inflight"),
        ({"read_only_option": rc.ReadOnlyOption.LEASE_BASED, "check_quorum": False}, "CheckQuorum"),
        ({"read_only_option": 7}, "ReadOnlyOption"),
    ],
)
def test_invalid_config_is_a_config_error(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"id": 1, "voters": [1, 2, 3]} | kwargs
    storage = rc.MemoryStorage()
    with pytest.raises(rc.ConfigError, match=match) as info:
        rc.Node(storage=storage, **args)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    # The caller's storage was not touched.
    assert storage.conf_state == rc.ConfState()


def test_wrong_argument_types_are_type_errors() -> None:
    with pytest.raises(TypeError):
        rc.Node("1", [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rc.Node(1, "123")
    with pytest.raises(TypeError):
        rc.Node(1, [1], storage=object())  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        rc.Node(-1, [1])


def test_conflicting_voters_leave_storage_unchanged() -> None:
    storage = rc.MemoryStorage(rc.ConfState([1, 2, 3]))
    with pytest.raises(rc.ConfigError):
        rc.Node(1, [1, 2], storage=storage)
    assert storage.conf_state == rc.ConfState([1, 2, 3])


# --- step ---------------------------------------------------------------------------------------


def test_garbage_bytes(cluster: Cluster) -> None:
    node = follower_of(cluster)
    assert_refused(node, rc.DecodeError, lambda: node.step(b"\xff\xff\xff"))
    assert_refused(node, rc.DecodeError, lambda: node.step(bytearray(b"\x0a\x05ab")))


def test_wrong_types_for_step(cluster: Cluster) -> None:
    node = follower_of(cluster)
    assert_refused(node, TypeError, lambda: node.step(42))  # type: ignore[arg-type]
    assert_refused(node, TypeError, lambda: node.step("text"))  # type: ignore[arg-type]
    assert_refused(node, TypeError, lambda: node.step(rc.Entry()))  # type: ignore[arg-type]


def test_refused_messages(cluster: Cluster) -> None:
    node = follower_of(cluster)
    term = node.term
    cases: list[tuple[rc.Message, type[rc.StepError]]] = [
        (rc.Message(rc.MessageType.HUP, to=node.id, from_=2), rc.LocalMessageError),
        (rc.Message(rc.MessageType.APP_RESP, to=node.id, from_=9, term=term), rc.PeerNotFoundError),
        (rc.Message(99, to=node.id, from_=2, term=term), rc.InvalidMessageError),
        (rc.Message(rc.MessageType.HEARTBEAT, to=77, from_=2, term=term), rc.InvalidMessageError),
        (rc.Message(rc.MessageType.APP, to=node.id, from_=2, term=0), rc.InvalidMessageError),
    ]
    for m, exc in cases:
        assert_refused(node, exc, lambda m=m: node.step(m))  # type: ignore[misc]
        assert_refused(node, exc, lambda m=m: node.step(bytes(m)))  # type: ignore[misc]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=80))
def test_arbitrary_bytes_never_escape_the_hierarchy(cluster: Cluster, data: bytes) -> None:
    node = follower_of(cluster)
    try:
        node.step(data)
    except rc.RaftError:
        pass


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=everything.messages)
def test_arbitrary_messages_never_escape_the_hierarchy(cluster: Cluster, m: rc.Message) -> None:
    for node in cluster.nodes.values():
        try:
            node.step(m)
        except rc.RaftError as e:
            assert not isinstance(e, rc.InternalError)


# --- proposals and the Ready protocol -------------------------------------------------------------


def test_proposal_without_leader_is_dropped() -> None:
    node = rc.Node(1, [1, 2, 3])
    assert node.leader_id is None
    assert_refused(node, rc.ProposalDropped, lambda: node.propose(b"x"))


def test_proposal_payload_types(cluster: Cluster) -> None:
    leader = leader_of(cluster)
    assert_refused(leader, TypeError, lambda: leader.propose("text"))  # type: ignore[arg-type]
    assert_refused(leader, TypeError, lambda: leader.propose(None))  # type: ignore[arg-type]


def test_ready_twice_without_advance() -> None:
    node = rc.Node(1, [1])
    node.campaign()
    rd = node.ready()
    assert_refused(node, rc.MisuseError, node.ready)
    node.advance(rd)


def test_advance_twice(cluster: Cluster) -> None:
    node = rc.Node(1, [1])
    node.campaign()
    rd = node.ready()
    node.advance(rd)
    assert_refused(node, rc.MisuseError, lambda: node.advance(rd), match="already advanced")


def test_advance_with_another_nodes_ready_keeps_both_usable() -> None:
    a, b = rc.Node(1, [1]), rc.Node(1, [1])
    a.campaign()
    b.campaign()
    rd_a = a.ready()
    rd_b = b.ready()
    assert_refused(b, rc.MisuseError, lambda: b.advance(rd_a), match="another node")
    # Both Readys still work with their own node.
    a.advance(rd_a)
    b.advance(rd_b)


def test_advance_with_a_stale_ready() -> None:
    node = rc.Node(1, [1])
    node.campaign()
    rd = node.ready()
    node.advance(rd)
    node.propose(b"x") if node.role == rc.Role.LEADER else None
    assert_refused(node, rc.MisuseError, lambda: node.advance(rd))


def test_advance_needs_a_ready() -> None:
    node = rc.Node(1, [1])
    assert_refused(node, TypeError, lambda: node.advance(None))  # type: ignore[arg-type]


# --- membership ---------------------------------------------------------------------------------


def test_invalid_conf_change_is_refused(cluster: Cluster) -> None:
    node = follower_of(cluster)
    # Leaving a joint configuration that was never entered.
    assert_refused(
        node, rc.ConfChangeError, lambda: node.apply_conf_change(rc.ConfChangeV2()), "joint"
    )
    assert_refused(
        node, TypeError, lambda: node.apply_conf_change("v4")  # type: ignore[arg-type]
    )
    assert_refused(
        node, TypeError, lambda: node.propose_conf_change(rc.Entry())  # type: ignore[arg-type]
    )


# --- storage --------------------------------------------------------------------------------------


def storage_with(n: int) -> rc.MemoryStorage:
    s = rc.MemoryStorage()
    s.append([rc.Entry(index=i, term=1) for i in range(1, n + 1)])
    return s


def storage_state(s: rc.MemoryStorage) -> tuple[object, ...]:
    return (s.first_index, s.last_index, s.hard_state, s.snapshot(),
            s.entries(s.first_index, s.last_index + 1) if s.last_index >= s.first_index else [])


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda s: s.append([rc.Entry(index=9, term=1)]), rc.StorageRequestError),
        (lambda s: s.append([rc.Entry(index=5, term=1), rc.Entry(index=7, term=1)]),
         rc.StorageRequestError),
        (lambda s: s.compact(9), rc.StorageRequestError),
        (lambda s: s.create_snapshot(9), rc.StorageRequestError),
        (lambda s: s.term(9), rc.UnavailableError),
        (lambda s: s.entries(2, 9), rc.UnavailableError),
        (lambda s: s.append([1]), TypeError),
    ],
)
def test_storage_errors(call: Callable[[rc.MemoryStorage], object], exc: type[Exception]) -> None:
    s = storage_with(4)
    before = storage_state(s)
    with pytest.raises(exc):
        call(s)
    assert storage_state(s) == before


def test_compacted_and_out_of_date() -> None:
    s = storage_with(5)
    s.create_snapshot(3, rc.ConfState([1]), b"state")
    s.compact(3)
    with pytest.raises(rc.CompactedError):
        s.compact(2)
    with pytest.raises(rc.CompactedError):
        s.entries(2, 4)
    before = storage_state(s)
    with pytest.raises(rc.SnapshotOutOfDateError):
        s.apply_snapshot(rc.Snapshot(index=2, term=1))
    assert storage_state(s) == before
    assert s.snapshot() == rc.Snapshot(index=3, term=1, conf_state=rc.ConfState([1]), data=b"state")
