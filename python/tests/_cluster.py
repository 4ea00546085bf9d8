"""A small test harness: N nodes, a lossy in-memory network, the host loop from the README."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import raft_core as rc

Transport = Callable[[rc.Message], "rc.Message | bytes"]


class Cluster:
    """Nodes 1..n with MemoryStorage, driven exactly as the README's host loop drives them."""

    def __init__(
        self,
        n: int = 3,
        *,
        transport: Transport | None = None,
        **node_options: object,
    ) -> None:
        ids = list(range(1, n + 1))
        self.nodes = {i: rc.Node(i, ids, **node_options) for i in ids}  # type: ignore[arg-type]
        self.applied: dict[int, list[bytes]] = {i: [] for i in ids}
        self.in_flight: list[rc.Message] = []
        self.down: set[int] = set()
        self.sent = 0
        self.dropped = 0
        self.ignored = 0
        self.snapshots_sent = 0
        # How a message crosses the network; by default as its encoding.
        self.transport: Transport = transport or (lambda m: bytes(m))

    def handle_ready(self, node: rc.Node) -> None:
        rd = node.ready()
        if rd.snapshot is not None:
            node.storage.apply_snapshot(rd.snapshot)
            # The application state is the list of applied payloads (see `snapshot_data`).
            data = rd.snapshot.data
            self.applied[node.id] = data.split(b"\n") if data else []
        node.storage.append(rd.entries)
        if rd.hard_state is not None:
            node.storage.set_hard_state(rd.hard_state)
        self.in_flight.extend(rd.messages)
        for e in rd.committed_entries:
            if e.type == rc.EntryType.NORMAL and e.data:
                self.applied[node.id].append(e.data)
            elif (cc := e.conf_change()) is not None:
                node.apply_conf_change(cc)
        node.advance(rd)

    def settle(self) -> None:
        for _ in range(10_000):
            for node in self.nodes.values():
                while node.has_ready():
                    self.handle_ready(node)
            if not self.in_flight:
                return
            batch, self.in_flight = self.in_flight, []
            for m in batch:
                self.sent += 1
                if m.from_ in self.down or m.to in self.down or m.to not in self.nodes:
                    self.dropped += 1
                    continue
                try:
                    self.nodes[m.to].step(self.transport(m))
                except rc.PeerNotFoundError:
                    # A late reply from a node that was removed: hosts ignore these.
                    self.ignored += 1
                if m.type == rc.MessageType.SNAP:
                    # The contract: report the outcome of every snapshot sent.
                    self.nodes[m.from_].report_snapshot(m.to, success=True)
                    self.snapshots_sent += 1
        raise AssertionError("the cluster never went quiet")

    def snapshot_data(self, node_id: int) -> bytes:
        return b"\n".join(self.applied[node_id])

    def tick(self, times: int = 1) -> None:
        for _ in range(times):
            for node in self.nodes.values():
                node.tick()
            self.settle()

    def tick_until(self, done: Callable[[], bool], limit: int = 300) -> int:
        for ticks in range(1, limit + 1):
            self.tick()
            if done():
                return ticks
        raise AssertionError(f"condition not reached within {limit} ticks")

    def leaders(self, among: Iterable[int] | None = None) -> list[rc.Node]:
        ids = self.nodes if among is None else among
        return [self.nodes[i] for i in ids if self.nodes[i].role == rc.Role.LEADER]

    def elect(self, among: Iterable[int] | None = None) -> rc.Node:
        ids = list(self.nodes if among is None else among)
        self.tick_until(lambda: len(self.leaders(ids)) == 1)
        (leader,) = self.leaders(ids)
        return leader


def observable_state(node: rc.Node) -> tuple[object, ...]:
    """Everything a host can see of a node, for "the node is unchanged" assertions."""
    st = node.status
    return (
        node.term,
        node.vote,
        node.role,
        node.leader_id,
        node.commit_index,
        node.applied_index,
        node.last_index,
        node.has_ready(),
        repr(st),
        st.conf_state,
        {i: repr(p) for i, p in st.progress.items()},
        node.storage.hard_state,
        node.storage.last_index,
    )
