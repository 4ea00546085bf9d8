"""A Node shared between threads: calls serialise, nothing is lost, nothing raises."""

from __future__ import annotations

import threading

import raft_core as rc


def test_concurrent_proposals_and_ready_handling() -> None:
    node = rc.Node(1, [1])
    node.campaign()
    applied: list[bytes] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def host_loop() -> None:
        try:
            while not stop.is_set() or node.has_ready():
                if not node.has_ready():
                    continue
                rd = node.ready()
                node.storage.append(rd.entries)
                if rd.hard_state is not None:
                    node.storage.set_hard_state(rd.hard_state)
                applied.extend(e.data for e in rd.committed_entries if e.data)
                node.advance(rd)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def proposer(k: int) -> None:
        try:
            for i in range(200):
                node.propose(f"{k}:{i}".encode())
                if i % 50 == 0:
                    node.tick()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    loop = threading.Thread(target=host_loop)
    # Wait for leadership before proposing (a one-node cluster elects itself at once).
    while node.role != rc.Role.LEADER:
        if node.has_ready():
            rd = node.ready()
            node.storage.append(rd.entries)
            if rd.hard_state is not None:
                node.storage.set_hard_state(rd.hard_state)
            node.advance(rd)
    loop.start()
    proposers = [threading.Thread(target=proposer, args=(k,)) for k in range(4)]
    for t in proposers:
        t.start()
    for t in proposers:
        t.join()
    stop.set()
    loop.join(timeout=60)
    assert not loop.is_alive()
    assert errors == []
    assert sorted(applied) == sorted(f"{k}:{i}".encode() for k in range(4) for i in range(200))
    # Each proposer's entries were applied in the order it proposed them.
    for k in range(4):
        mine = [a for a in applied if a.startswith(f"{k}:".encode())]
        assert mine == [f"{k}:{i}".encode() for i in range(200)]
