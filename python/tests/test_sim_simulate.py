"""raft_core.simulate and raft_core.replay: seed sweeps in Rust, reports, reproduction."""

from __future__ import annotations

import pickle
import threading
import time

import pytest

import raft_core as rc


def test_report_shape_without_faults() -> None:
    r = rc.simulate(range(50), faults=False, sizes=[5], ticks=60, liveness_timeouts=0)
    assert r.seeds_run == 50
    assert r.ok and r.violations == []
    assert r.seeds == list(range(50))
    ttl = r.time_to_leader_ticks
    assert len(ttl) == r.time_to_leader.count == 50
    assert r.time_to_leader_by_seed == ttl
    s = r.time_to_leader
    assert s.min == min(ttl) and s.max == max(ttl)
    assert s.mean == pytest.approx(sum(ttl) / len(ttl))
    assert s.min <= s.p50 <= s.p90 <= s.p99 <= s.max
    # Election timeouts are randomized in [10, 20) ticks: nobody campaigns before tick 10.
    assert s.min >= 10
    assert r.elections >= 50 and r.steps > 0 and r.checks > 0
    assert "seeds_run=50" in repr(r)


def test_longer_election_timeout_takes_longer() -> None:
    fast = rc.simulate(range(100), faults=False, sizes=[5], ticks=80, liveness_timeouts=0)
    slow = rc.simulate(
        range(100), faults=False, sizes=[5], election_tick=30, ticks=200, liveness_timeouts=0
    )
    assert slow.time_to_leader.mean > 2 * fast.time_to_leader.mean


def test_deterministic() -> None:
    a = rc.simulate(range(20), ticks=100)
    b = rc.simulate(range(20), ticks=100)
    assert (a.steps, a.ticks, a.time_to_leader_by_seed) == (
        b.steps,
        b.ticks,
        b.time_to_leader_by_seed,
    )


def test_faulty_sweep_has_no_violations() -> None:
    r = rc.simulate(range(30), ticks=150)
    assert r.ok, [str(v) for v in r.violations]
    assert r.liveness.count == 30


def test_violations_are_reported_and_replayable() -> None:
    # Demanding liveness within one election timeout after healing fails for some seeds (the
    # randomized timeout alone can exceed it): real violations through the real path.
    params = dict(sizes=[5], ticks=60, liveness_timeouts=1, max_loss=0.3)
    r = rc.simulate(range(40), **params)  # type: ignore[arg-type]
    assert r.violations, "expected some seeds to miss the one-timeout liveness bound"
    assert r.seeds_run == 40 == len(r.seeds) + len(r.violations)
    v = r.violations[0]
    assert isinstance(v, rc.SafetyViolation)
    assert v.invariant == "liveness"
    assert v.reproduce.startswith(f"raft_core.replay({v.seed}, sizes=[5], ")
    # One call replays it: the returned cluster stopped at the same step.
    c = eval(v.reproduce, {"raft_core": rc})  # noqa: S307 - the recipe is ours
    assert isinstance(c, rc.Cluster)
    assert c.violation is not None
    assert (c.violation.step, c.violation.invariant) == (v.step, v.invariant)
    assert c.trace[-len(v.last_events):] == v.last_events


def test_replay_of_a_passing_seed() -> None:
    c = rc.replay(3, ticks=50)
    assert c.violation is None and c.seed == 3 and c.now > 50


def test_bad_params() -> None:
    with pytest.raises(TypeError, match="colour"):
        rc.simulate([1], colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="max_loss"):
        rc.simulate([1], max_loss=2.0)
    r = rc.simulate([1], sizes=[])
    assert len(r.violations) == 1 and "sizes" in r.violations[0].description


def test_gil_released_while_simulating() -> None:
    done = threading.Event()
    result: list[rc.SimReport] = []

    def work() -> None:
        result.append(rc.simulate(range(300), faults=False, sizes=[5], ticks=200))
        done.set()

    t = threading.Thread(target=work)
    start = time.monotonic()
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
    took = time.monotonic() - start
    t.join()
    assert result[0].seeds_run == 300
    # Holding the GIL for the whole call would leave this thread at a handful of spins.
    assert took > 0.05, "the sweep was too short to tell"
    assert spins > 10_000


def test_safety_violation_conversion() -> None:
    v = rc._native._violation_for_test(
        42, 7, "election_safety", "two leaders in term 3", [(5, 2, 1, 3), (6, 2, 2, 3)]
    )
    assert type(v) is rc.SafetyViolation
    assert issubclass(rc.SafetyViolation, rc.RaftError)
    assert rc.SafetyViolation.__module__ == "raft_core"
    assert (v.seed, v.step, v.invariant, v.node) == (42, 7, "election_safety", 1)
    assert v.description == "two leaders in term 3"
    assert [(e.step, e.tick, e.node, e.term) for e in v.last_events] == [(5, 2, 1, 3), (6, 2, 2, 3)]
    text = str(v)
    assert "election_safety" in text and "seed 42" in text and "step 7" in text
    assert "reproduce: raft_core.replay(42, sizes=[1, 3, 4, 5, 7]" in text
    assert "step 6 tick 2 node 2 term 3 role_change" in text
    with pytest.raises(rc.RaftError):
        raise v
    # Violations cross process boundaries (multiprocessing sweeps) intact.
    again = pickle.loads(pickle.dumps(v))
    assert type(again) is rc.SafetyViolation and str(again) == str(v)
    assert (again.seed, again.step, again.last_events) == (v.seed, v.step, v.last_events)


def test_stub_keywords_are_the_accepted_ones() -> None:
    # The stub lists simulate()'s keywords by hand; each one must be accepted at runtime, and
    # each must change nothing for an empty seed list.
    import ast
    import importlib.resources

    stub = importlib.resources.files("raft_core").joinpath("_native.pyi").read_text()
    funcs = {
        node.name: node
        for node in ast.parse(stub).body
        if isinstance(node, ast.FunctionDef) and node.name in ("simulate", "replay")
    }
    assert set(funcs) == {"simulate", "replay"}
    sample = {
        "faults": True,
        "sizes": [3],
        "max_learners": 1,
        "pre_vote": None,
        "check_quorum": False,
        "election_tick": 10,
        "max_heartbeat_tick": 2,
        "ticks": 10,
        "proposal_rate": 0.5,
        "max_loss": 0.1,
        "max_duplicate": 0.1,
        "max_delay": 2,
        "partitions": True,
        "crashes": True,
        "churn": True,
        "snapshots": True,
        "liveness_timeouts": 5,
    }
    for func in funcs.values():
        assert [a.arg for a in func.args.kwonlyargs] == list(sample)
    r = rc.simulate([], **sample)  # type: ignore[arg-type]
    assert r.seeds_run == 0 and r.time_to_leader.count == 0
    assert rc.replay(1, **sample).seed == 1  # type: ignore[arg-type]
