"""A 3-node cluster driven from plain Python: election, replication, partition, healing."""

from __future__ import annotations

import types

import pytest

import raft_core as rc
from _cluster import Cluster


def test_elects_one_leader_and_everyone_agrees() -> None:
    c = Cluster()
    leader = c.elect()
    c.tick(2)
    for node in c.nodes.values():
        assert node.leader_id == leader.id
        assert node.term == leader.term
        assert node.role == (rc.Role.LEADER if node is leader else rc.Role.FOLLOWER)
    st = leader.status
    assert st.role == rc.Role.LEADER
    assert st.conf_state.voters == (1, 2, 3)
    assert set(st.progress) == {1, 2, 3}
    assert all(p.state == rc.ProgressState.REPLICATE for p in st.progress.values())
    assert c.nodes[leader.id % 3 + 1].status.progress == {}


def test_replicates_entries_in_order_to_every_node() -> None:
    c = Cluster()
    leader = c.elect()
    payloads = [f"cmd {i}".encode() for i in range(20)]
    for p in payloads:
        leader.propose(p)
    c.settle()
    c.tick(2)
    for node in c.nodes.values():
        assert c.applied[node.id] == payloads
        assert node.commit_index == leader.commit_index
        # What the host persisted is what the node reports.
        assert node.storage.hard_state.commit == node.commit_index
        assert node.storage.last_index == leader.last_index
    # The logs are identical entry for entry.
    logs = [
        n.storage.entries(n.storage.first_index, n.storage.last_index + 1)
        for n in c.nodes.values()
    ]
    assert logs[0] == logs[1] == logs[2]


def test_followers_forward_proposals_to_the_leader() -> None:
    c = Cluster()
    leader = c.elect()
    follower = next(n for n in c.nodes.values() if n is not leader)
    follower.propose(b"via follower")
    c.settle()
    c.tick(2)
    assert all(log == [b"via follower"] for log in c.applied.values())


def test_survives_a_partition_and_heals() -> None:
    c = Cluster()
    old = c.elect()
    old.propose(b"before")
    c.settle()
    c.tick(2)

    # Cut the leader off. The other two elect a new leader in a higher term.
    c.down = {old.id}
    rest = set(c.nodes) - c.down
    new = c.elect(rest)
    assert new.id != old.id
    assert new.term > old.term

    # The old leader still accepts a proposal, but it can never commit: it has no quorum.
    if old.role == rc.Role.LEADER:
        old.propose(b"lost")
    new.propose(b"during")
    c.settle()
    c.tick(3)
    assert c.applied[new.id] == [b"before", b"during"]
    assert c.applied[old.id] == [b"before"]
    assert c.dropped > 0

    # check_quorum: the isolated leader has stepped down by now.
    c.tick(20)
    assert old.role != rc.Role.LEADER

    # Heal: the old leader learns the new term, drops its uncommitted entry, catches up.
    c.down = set()
    c.tick_until(lambda: c.applied[old.id] == [b"before", b"during"])
    c.tick(3)
    assert c.applied[1] == c.applied[2] == c.applied[3] == [b"before", b"during"]
    assert {n.leader_id for n in c.nodes.values()} == {new.id}
    assert len({n.term for n in c.nodes.values()}) == 1


def test_lagging_follower_catches_up_from_a_snapshot() -> None:
    c = Cluster()
    leader = c.elect()
    lagging = next(i for i in c.nodes if i != leader.id)
    c.down = {lagging}
    payloads = [f"p{i}".encode() for i in range(10)]
    for p in payloads:
        leader.propose(p)
    c.settle()
    c.tick(2)
    # The leader snapshots what it applied and drops the log before it.
    applied = leader.applied_index
    snap = leader.storage.create_snapshot(
        applied, leader.status.conf_state, c.snapshot_data(leader.id)
    )
    assert snap.index == applied
    leader.storage.compact(applied)
    with pytest.raises(rc.CompactedError):
        leader.storage.entries(1, applied)

    c.down = set()
    c.tick_until(lambda: c.applied[lagging] == payloads)
    assert c.snapshots_sent >= 1
    assert c.nodes[lagging].storage.snapshot().index == applied
    leader.propose(b"after")
    c.settle()
    c.tick(2)
    assert c.applied[lagging] == [*payloads, b"after"]


def test_restart_from_storage() -> None:
    c = Cluster()
    leader = c.elect()
    for p in (b"a", b"b"):
        leader.propose(p)
    c.settle()
    c.tick(2)
    follower = next(n for n in c.nodes.values() if n is not leader)
    storage = follower.storage
    restarted = rc.Node(follower.id, storage=storage)
    assert restarted.storage is storage
    assert restarted.term == follower.term
    assert restarted.commit_index == follower.commit_index
    assert restarted.role == rc.Role.FOLLOWER
    assert restarted.status.conf_state.voters == (1, 2, 3)
    # Passing the same voters again is fine; passing different ones is refused.
    rc.Node(follower.id, [3, 2, 1], storage=storage)
    with pytest.raises(rc.ConfigError, match="already holds a configuration"):
        rc.Node(follower.id, [1, 2], storage=storage)


def test_membership_change_adds_and_removes_a_learner() -> None:
    c = Cluster()
    leader = c.elect()
    leader.propose(b"before")
    # Node 4 starts with the configuration the cluster was bootstrapped with (it is not a member
    # of it, so it never campaigns) and replays the log from the leader.
    c.nodes[4] = rc.Node(4, [1, 2, 3])
    c.applied[4] = []
    leader.propose_conf_change(rc.ConfChange(rc.ConfChangeType.ADD_LEARNER_NODE, 4))
    c.settle()
    c.tick(3)
    for node in c.nodes.values():
        assert node.status.conf_state == rc.ConfState([1, 2, 3], [4]), node
    assert c.applied[4] == [b"before"]
    assert c.nodes[4].role == rc.Role.FOLLOWER
    assert leader.status.progress[4].is_learner

    leader.propose_conf_change(rc.ConfChangeV2.parse("r4"))
    c.settle()
    c.tick(3)
    for i in (1, 2, 3):
        assert c.nodes[i].status.conf_state == rc.ConfState([1, 2, 3])
    assert 4 not in leader.status.progress
    # Node 4 answered heartbeats until it learned it was removed; the leader refused those.
    assert c.ignored > 0


def test_cluster_runs_over_protobuf_reencoded_bytes(raftpb: types.ModuleType) -> None:
    """Every message crosses the network re-encoded by the protobuf package: the node must
    accept bytes built by an independent implementation, and ours must decode there."""
    decoded_types: set[int] = set()

    def via_protobuf(m: rc.Message) -> bytes:
        theirs = raftpb.Message.FromString(bytes(m))
        decoded_types.add(theirs.type)
        assert (theirs.to, getattr(theirs, "from"), theirs.term) == (m.to, m.from_, m.term)
        return bytes(theirs.SerializeToString())

    c = Cluster(transport=via_protobuf)
    leader = c.elect()
    for p in (b"one", b"two"):
        leader.propose(p)
    c.settle()
    c.tick(2)
    assert all(log == [b"one", b"two"] for log in c.applied.values())
    assert {
        rc.MessageType.PRE_VOTE,
        rc.MessageType.VOTE,
        rc.MessageType.APP,
        rc.MessageType.APP_RESP,
        rc.MessageType.HEARTBEAT,
    } <= decoded_types


def test_ready_contents_single_node() -> None:
    node = rc.Node(1, [1])
    assert not node.has_ready()
    node.campaign()
    seen_leader = False
    prev = rc.HardState()
    for _ in range(5):
        if not node.has_ready():
            break
        rd = node.ready()
        assert repr(rd).startswith("Ready(")
        if rd.soft_state is not None and rd.soft_state.role == rc.Role.LEADER:
            assert rd.soft_state.leader_id == 1
            seen_leader = True
        hs = rd.hard_state or prev
        # An fsync is needed exactly when entries, the term or the vote change.
        assert rd.must_sync == bool(rd.entries or (hs.term, hs.vote) != (prev.term, prev.vote))
        prev = hs
        node.storage.append(rd.entries)
        if rd.hard_state is not None:
            node.storage.set_hard_state(rd.hard_state)
        node.advance(rd)
        # The Ready's contents stay readable after advance.
        assert isinstance(rd.messages, list)
    assert seen_leader
    assert node.role == rc.Role.LEADER
    assert node.leader_id == 1
    assert node.vote == 1

    node.read_index(b"req-1")
    reads: list[rc.ReadState] = []
    while node.has_ready():
        rd = node.ready()
        reads.extend(rd.read_states)
        node.storage.append(rd.entries)
        node.advance(rd)
    assert [r.context for r in reads] == [b"req-1"]
    assert reads[0].index == node.commit_index
