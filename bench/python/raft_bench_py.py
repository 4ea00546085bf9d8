#!/usr/bin/env python3
"""raft-bench-py: issue 7's W4 row for the Python package (``import raft_core``).

Runs W1 or W2 of bench/README.md with every node a ``raft_core.Node`` driven the way the
package's README host loop prescribes: persist into ``node.storage``, send ``bytes(message)``,
step the bytes into the destination, apply committed entries, advance. The loop is a
step-for-step copy of bench/src/workload.rs (same config, rounds, stall rule and checks), so its
figure over raft-core's is the cost of the Python front door.

    python raft_bench_py.py --workload w1|w2 [--voters N] [--batch B] [--n N]
                            [--max-msg-bytes N] [--impl raft-core-py] [--inject-fault]

Prints the same RESULT lines as raft-bench with impl=raft-core-py and exits 0 only when every
node applied exactly proposals 0, 1, 2, ... in order, byte for byte. ``--inject-fault`` makes
proposal n/2 carry the next proposal's payload, so the check must fail (bench-smoke proves it).
No peak_heap figure: Python objects and the Rust heap are not counted together.
"""

from __future__ import annotations

import sys
import time

from raft_core import EntryType, Node, Role

IMPL = "raft-core-py"
ENTRY_BYTES = 128
# Same pattern as workload.rs: proposal seq = seq (8 bytes LE) + FILL[seq % 64:][:120].
FILL = bytes(((i * 37) + 11) & 0xFF for i in range(184))
TAILS = [FILL[at : at + ENTRY_BYTES - 8] for at in range(64)]
NORMAL = EntryType.NORMAL


class BenchError(Exception):
    pass


def payload(seq: int) -> bytes:
    return seq.to_bytes(8, "little") + TAILS[seq % 64]


class Checker:
    """Checks that one node applies exactly proposals 0, 1, 2, ... in order."""

    __slots__ = ("next", "error")

    def __init__(self) -> None:
        self.next = 0
        self.error: str | None = None

    def apply(self, data: bytes) -> None:
        if self.error is not None:
            return
        seq = self.next
        if data == payload(seq):
            self.next = seq + 1
        else:
            self.error = f"applied entry #{seq} is not proposal {seq} (len {len(data)})"

    def verdict(self, want: int, node_id: int) -> None:
        if self.error is not None:
            raise BenchError(f"node {node_id}: {self.error}")
        if self.next != want:
            raise BenchError(f"node {node_id}: applied {self.next} proposals, want {want}")


class Counters:
    __slots__ = ("readies", "msgs", "rounds")

    def __init__(self) -> None:
        self.readies = self.msgs = self.rounds = 0


def make_node(node_id: int, voters: list[int], max_msg_bytes: int) -> Node:
    return Node(
        node_id,
        voters=voters,
        election_tick=10,
        heartbeat_tick=1,
        pre_vote=False,
        check_quorum=False,
        max_size_per_msg=max_msg_bytes,
        max_inflight_msgs=256,
    )


def handle_ready(node: Node, storage: object, out: list[tuple[int, bytes]], check: Checker) -> None:
    """One Ready: persist, send (as bytes), apply, advance."""
    rd = node.ready()
    snap = rd.snapshot
    if snap is not None:
        storage.apply_snapshot(snap)  # type: ignore[attr-defined]
    entries = rd.entries
    if entries:
        storage.append(entries)  # type: ignore[attr-defined]
    hs = rd.hard_state
    if hs is not None:
        storage.set_hard_state(hs)  # type: ignore[attr-defined]
    for m in rd.messages:
        out.append((m.to, bytes(m)))
    for e in rd.committed_entries:
        if e.type == NORMAL:
            data = e.data
            if data:
                check.apply(data)
    node.advance(rd)


def ready_all(nodes, storages, checks, out, c) -> None:
    for node, storage, check in zip(nodes, storages, checks):
        while node.has_ready():
            handle_ready(node, storage, out, check)
            c.readies += 1


def deliver_all(nodes, box, c) -> None:
    for to, data in box:
        if not 1 <= to <= len(nodes):
            raise BenchError(f"message to unknown node {to}")
        c.msgs += 1
        nodes[to - 1].step(data)
    box.clear()


def elect(nodes, storages, checks) -> None:
    c = Counters()
    out: list[tuple[int, bytes]] = []
    nodes[0].campaign()
    for _ in range(10_000):
        ready_all(nodes, storages, checks, out, c)
        if not out:
            if nodes[0].role != Role.LEADER:
                raise BenchError("node 1 did not become leader")
            return
        deliver_all(nodes, out, c)
    raise BenchError("cluster did not settle")


def w1(nodes, n: int, batch: int, fault: int) -> tuple[float, Counters]:
    if batch == 0:
        raise BenchError("batch must be at least 1")
    storages = [node.storage for node in nodes]
    checks = [Checker() for _ in nodes]
    elect(nodes, storages, checks)
    c = Counters()
    out: list[tuple[int, bytes]] = []
    inflight: list[tuple[int, bytes]] = []
    proposed = 0
    idle_rounds = 0
    leader = nodes[0]
    start = time.perf_counter()
    while True:
        k = min(batch, n - proposed)
        for seq in range(proposed, proposed + k):
            leader.propose(payload(seq + 1 if seq == fault else seq))
        proposed += k
        ready_all(nodes, storages, checks, out, c)
        c.rounds += 1
        if not out:
            if proposed == n and all(ch.next >= n for ch in checks):
                break
            for i, ch in enumerate(checks):
                if ch.error is not None:
                    ch.verdict(ch.next, i + 1)
            idle_rounds += 1
            if idle_rounds > 1_000:
                raise BenchError(f"stalled: applied {[ch.next for ch in checks]} of {n}")
            if proposed == n:
                leader.tick()
            continue
        idle_rounds = 0
        out, inflight = inflight, out
        deliver_all(nodes, inflight, c)
    secs = time.perf_counter() - start
    for i, ch in enumerate(checks):
        ch.verdict(n, i + 1)
    return secs, c


def w2(node: Node, n: int, fault: int) -> tuple[float, Counters]:
    nodes, storages, checks = [node], [node.storage], [Checker()]
    elect(nodes, storages, checks)
    c = Counters()
    out: list[tuple[int, bytes]] = []
    storage, check = storages[0], checks[0]
    propose, has_ready = node.propose, node.has_ready
    start = time.perf_counter()
    for seq in range(n):
        propose(payload(seq + 1 if seq == fault else seq))
        while has_ready():
            handle_ready(node, storage, out, check)
            c.readies += 1
        # A single voter sends nothing; anything here would be a bug in the setup.
        if out:
            raise BenchError("single voter produced messages")
    secs = time.perf_counter() - start
    c.rounds = n
    check.verdict(n, 1)
    return secs, c


def parse(argv: list[str]) -> dict:
    a = {"workload": "", "voters": 3, "batch": 64, "n": None, "max_msg_bytes": 1 << 20, "fault": False}
    names = {"--voters": "voters", "--batch": "batch", "--n": "n", "--max-msg-bytes": "max_msg_bytes"}
    it = iter(argv)
    for flag in it:
        if flag == "--inject-fault":
            a["fault"] = True
            continue
        val = next(it, None)
        if val is None:
            raise BenchError(f"{flag} needs a value")
        if flag == "--workload":
            a["workload"] = val
        elif flag == "--impl":
            if val != IMPL:
                raise BenchError(f"--impl {val}: this program is {IMPL}")
        elif flag in names:
            if not val.isdigit():
                raise BenchError(f"bad value for {flag}: {val}")
            a[names[flag]] = int(val)
        else:
            raise BenchError(f"unknown argument {flag}")
    if not a["workload"]:
        raise BenchError("--workload is required")
    return a


def run(a: dict) -> None:
    if a["workload"] == "w1":
        n = a["n"] if a["n"] is not None else 200_000
        ids = list(range(1, a["voters"] + 1))
        nodes = [make_node(i, ids, a["max_msg_bytes"]) for i in ids]
        secs, c = w1(nodes, n, a["batch"], n // 2 if a["fault"] else -1)
        print(
            f"RESULT workload=w1 case=v{a['voters']}.b{a['batch']} metric=throughput impl={IMPL} "
            f"value={n / secs:.3f} unit=entries/s status=ok n={n} secs={secs:.4f} "
            f"rounds={c.rounds} readies={c.readies} msgs={c.msgs}"
        )
    elif a["workload"] == "w2":
        n = a["n"] if a["n"] is not None else 500_000
        secs, c = w2(make_node(1, [1], a["max_msg_bytes"]), n, n // 2 if a["fault"] else -1)
        print(
            f"RESULT workload=w2 case=v1 metric=throughput impl={IMPL} value={n / secs:.3f} "
            f"unit=ops/s status=ok n={n} secs={secs:.4f} readies={c.readies}"
        )
    else:
        raise BenchError(f"unknown --workload {a['workload']} (w1, w2)")


def main() -> int:
    try:
        a = parse(sys.argv[1:])
    except BenchError as e:
        print(f"raft-bench-py: {e}", file=sys.stderr)
        return 2
    try:
        run(a)
    except Exception as e:  # any library error fails the run, reported like raft-bench does
        reason = "_".join(f"{type(e).__name__}: {e}".split())
        print(f"RESULT workload={a['workload']} impl={IMPL} status=FAILED reason={reason}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
