"""raft_core.Cluster: determinism, faults, membership, views and errors of the simulator."""

from __future__ import annotations

import threading

import pytest

import raft_core as rc


def run_script(seed: int) -> rc.Cluster:
    c = rc.Cluster(5, seed=seed, loss=0.05, max_delay=2)
    leader = c.run_until_leader(500)
    c.propose(b"a")
    c.partition([leader])
    c.run(60)
    c.heal()
    c.run(60)
    return c


def test_same_seed_same_trace() -> None:
    a, b = run_script(11), run_script(11)
    assert a.trace == b.trace
    assert a.trace_digest == b.trace_digest
    assert [v.term for v in a.nodes] == [v.term for v in b.nodes]


def test_different_seed_different_trace() -> None:
    assert run_script(11).trace_digest != run_script(12).trace_digest


def test_elects_and_replicates() -> None:
    c = rc.Cluster(3, seed=1)
    assert c.leader is None
    leader = c.run_until_leader(500)
    assert c.leader == leader
    assert [v.role for v in c.nodes].count(rc.Role.LEADER) == 1
    assert c.propose(b"x=1") == leader
    c.propose(bytearray(b"x=2"))
    c.run(5)
    for v in c.nodes:
        assert c.applied(v.id) == [b"x=1", b"x=2"]
        assert v.commit_index >= v.applied_index > 0
        assert v.status == "up"
        assert v.leader == leader
    kinds = {e.kind for e in c.trace}
    assert {"role_change", "leader_elected", "commit", "propose"} <= kinds


def test_partition_the_leader_away_and_heal() -> None:
    c = rc.Cluster(5, seed=3)
    old = c.run_until_leader(500)
    old_term = c.node(old).term
    c.partition([old])
    c.run(100)
    new = c.leader
    assert new is not None and new != old
    assert c.node(new).term > old_term
    # The old leader, alone, still thinks it leads (no check_quorum) but cannot commit.
    assert c.node(old).role == rc.Role.LEADER
    c.propose(b"after")  # goes to the leader with the highest term
    c.run(5)
    assert b"after" not in c.applied(old)
    c.heal()
    c.run(30)
    assert c.leader == new
    assert c.node(old).role == rc.Role.FOLLOWER
    assert all(c.applied(v.id) == [b"after"] for v in c.nodes)
    assert c.leaders_by_term[c.node(new).term] == new
    assert any(e.kind == "partition" for e in c.trace)


def test_crash_and_restart_keeps_what_was_persisted() -> None:
    c = rc.Cluster(3, seed=5)
    leader = c.run_until_leader(500)
    c.propose(b"one")
    c.run(3)
    follower = next(v.id for v in c.nodes if v.id != leader)
    c.crash(follower)
    assert c.node(follower).status == "down"
    assert c.node(follower).role is None
    with pytest.raises(rc.MisuseError, match="down"):
        c.crash(follower)
    c.propose(b"two")
    c.run(3)
    assert c.applied(leader) == [b"one", b"two"]
    c.restart(follower)
    with pytest.raises(rc.MisuseError, match="already running"):
        c.restart(follower)
    c.run(10)
    assert c.applied(follower) == [b"one", b"two"]
    assert c.stats["crashes"] == 1


def test_membership_add_learner_promote_remove() -> None:
    c = rc.Cluster(3, seed=8)
    c.run_until_leader(500)
    c.propose(b"before")
    c.run(3)
    c.add_learner(4)
    c.run(20)
    assert c.node(4).is_learner and not c.node(4).is_voter
    assert c.applied(4) == [b"before"]
    c.add_voter(4)
    c.run(20)
    assert c.node(4).is_voter
    victim = next(v.id for v in c.nodes if v.id != c.leader and v.id != 4)
    c.remove(victim)
    c.run(30)
    assert c.node(victim).status == "removed"
    with pytest.raises(rc.MisuseError):
        c.restart(victim)
    c.propose(b"after")
    c.run(5)
    running = [v.id for v in c.nodes if v.status == "up"]
    assert len(running) == 3
    assert all(c.applied(i) == [b"before", b"after"] for i in running)


def test_joint_change_and_transfer() -> None:
    c = rc.Cluster(3, seed=9)
    c.run_until_leader(500)
    c.change_membership("v4 r3")
    c.run(40)
    assert c.node(4).is_voter
    assert c.node(3).status == "removed"
    target = next(v.id for v in c.nodes if v.status == "up" and v.id != c.leader)
    c.transfer_leader(target)
    c.run(20)
    assert c.leader == target


def test_network_settings() -> None:
    c = rc.Cluster(3, seed=2)
    assert c.network == {"loss": 0.0, "duplicate": 0.0, "max_delay": 0}
    c.set_network(loss=0.2, max_delay=4)
    c.set_network(duplicate=0.1)
    assert c.network == {"loss": 0.2, "duplicate": 0.1, "max_delay": 4}
    with pytest.raises(rc.ConfigError):
        c.set_network(loss=1.5)
    c.run_until_leader(1000)


def test_errors_are_raft_errors() -> None:
    with pytest.raises(rc.ConfigError):
        rc.Cluster(0)
    with pytest.raises(rc.ConfigError):
        rc.Cluster(3, election_tick=1, heartbeat_tick=1)
    c = rc.Cluster(3, seed=1)
    with pytest.raises(rc.ProposalDropped):
        c.propose(b"nobody leads yet")
    with pytest.raises(rc.MisuseError, match="no node 9"):
        c.node(9)
    with pytest.raises(TypeError):
        c.propose("text")  # type: ignore[arg-type]
    c.partition([1], [2], [3])
    with pytest.raises(rc.NoLeaderError, match="30 ticks"):
        c.run_until_leader(30)


def test_liveness_violation_raises_safety_violation_with_recipe() -> None:
    c = rc.Cluster(3, seed=4)
    c.partition([1], [2], [3])
    c.run(50)
    with pytest.raises(rc.SafetyViolation) as info:
        c.check_liveness(0)
    v = info.value
    assert isinstance(v, rc.RaftError)
    assert v.invariant == "liveness"
    assert v.seed == 4
    assert v.step > 0
    assert v.last_events and all(isinstance(e, rc.TraceEvent) for e in v.last_events)
    lines = v.reproduce.splitlines()
    assert lines[0] == "import raft_core"
    assert lines[1].startswith("c = raft_core.Cluster(3, seed=4")
    assert lines[2:] == ["c.partition([1], [2], [3])", "c.run(50)", "c.check_liveness(0)"]
    assert "exec() this exception's .reproduce:\n      import raft_core\n      c = " in str(v)
    # The cluster stays stopped there, and says so.
    assert c.violation is not None and c.violation.step == v.step
    with pytest.raises(rc.SafetyViolation):
        c.run(1)
    # The recipe is Python that replays the violation exactly.
    scope: dict[str, object] = {}
    with pytest.raises(rc.SafetyViolation) as again:
        exec(v.reproduce, scope)  # noqa: S102 - the recipe is ours
    assert again.value.step == v.step and again.value.invariant == v.invariant


def test_views_and_repr() -> None:
    c = rc.Cluster(3, seed=1, learners=1)
    leader = c.run_until_leader(500)
    views = c.nodes
    assert [v.id for v in views] == [1, 2, 3, 4]
    assert views[3].is_learner
    assert views == c.nodes  # value equality
    assert f"leader={leader}" in repr(c)
    assert repr(c).startswith("Cluster(nodes=4, seed=1")
    assert "role=Role.LEADER" in repr(c.node(leader))
    ev = c.trace[0]
    assert set(ev.as_dict()) == {"step", "tick", "node", "kind", "term", "detail"}
    assert repr(ev).startswith("TraceEvent(step=")
    html = c._repr_html_()
    assert html.count("<tr") == 5 and "<b>Cluster</b>" in html and "leader" in html


def test_shared_between_threads() -> None:
    c = rc.Cluster(3, seed=6)
    c.run_until_leader(500)
    start = c.now
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            for _ in range(20):
                c.run(10)
                c.propose(b"t")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def reader() -> None:
        try:
            for _ in range(200):
                assert len(c.nodes) == 3
                _ = c.trace
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=runner) for _ in range(3)] + [
        threading.Thread(target=reader)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert c.now == start + 3 * 20 * 10
    c.run(5)
    assert all(c.applied(v.id) == [b"t"] * 60 for v in c.nodes)


def test_trace_limit_keeps_the_newest() -> None:
    full = rc.Cluster(3, seed=2)
    short = rc.Cluster(3, seed=2, trace_limit=5)
    for c in (full, short):
        c.run_until_leader(500)
        c.propose(b"x")
        c.run(10)
    assert short.trace == full.trace[-5:]
    assert short.trace_digest == full.trace_digest


def test_recipe_merges_runs_and_long_recipes_stay_out_of_the_message() -> None:
    c = rc.Cluster(3, seed=4)
    c.partition([1], [2], [3])
    for _ in range(30):
        c.run(1)
    for i in range(150):
        with pytest.raises(rc.ProposalDropped):
            c.propose(b"%d" % i)
    with pytest.raises(rc.SafetyViolation) as info:
        c.check_liveness(0)
    v = info.value
    assert "\nc.run(30)\n" in v.reproduce
    assert "try:\n    c.propose(b'7')\nexcept raft_core.RaftError:\n    pass\n" in v.reproduce
    assert len(v.reproduce) > 2000
    assert v.reproduce not in str(v) and "in this exception's .reproduce" in str(v)
    with pytest.raises(rc.SafetyViolation) as again:
        exec(v.reproduce, {})  # noqa: S102 - the recipe is ours
    assert again.value.step == v.step
