"""A three-node Raft cluster in one process, driven from plain Python.

Each node is a raft_core.Node with its own MemoryStorage. The "network" is a queue of encoded
messages; cutting a link drops what would cross it. The script elects a leader, replicates
entries, partitions the leader away, lets the others elect a new one, heals the partition and
checks that every node applied the same entries in the same order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from raft_core import EntryType, Message, Node, Role

nodes = {i: Node(i, voters=[1, 2, 3]) for i in (1, 2, 3)}
applied: dict[int, list[bytes]] = {i: [] for i in nodes}
network: deque[bytes] = deque()  # messages travel as bytes, as they would over sockets
cut: set[int] = set()  # nodes whose links are down


def handle_ready(node: Node) -> None:
    """One round of the host's contract: persist, send, apply, advance."""
    rd = node.ready()
    # 1. Persist (a real host writes to disk here, and fsyncs if rd.must_sync).
    if rd.snapshot is not None:
        node.storage.apply_snapshot(rd.snapshot)
    node.storage.append(rd.entries)
    if rd.hard_state is not None:
        node.storage.set_hard_state(rd.hard_state)
    # 2. Send, only after persisting: votes and acks promise the state is durable.
    for m in rd.messages:
        network.append(bytes(m))
    # 3. Apply committed entries, in order.
    for entry in rd.committed_entries:
        if entry.type == EntryType.NORMAL and entry.data:
            applied[node.id].append(entry.data)
        elif (change := entry.conf_change()) is not None:
            node.apply_conf_change(change)
    # 4. Hand the Ready back.
    node.advance(rd)


def settle() -> None:
    """Handle every Ready and deliver every message until the cluster is quiet."""
    while True:
        for node in nodes.values():
            while node.has_ready():
                handle_ready(node)
        if not network:
            return
        while network:
            raw = network.popleft()
            m = Message.from_bytes(raw)
            if m.from_ in cut or m.to in cut:
                continue  # the link is down: the message is lost
            nodes[m.to].step(raw)


def tick_until(done: Callable[[], bool], limit: int = 200) -> int:
    """Tick every node and settle, until `done()` is true. Returns the ticks it took."""
    for ticks in range(1, limit + 1):
        for node in nodes.values():
            node.tick()
        settle()
        if done():
            return ticks
    raise RuntimeError("the cluster did not get there in time")


def leader(among: set[int]) -> Node | None:
    found = [nodes[i] for i in among if nodes[i].role == Role.LEADER]
    return found[0] if len(found) == 1 else None


everyone = set(nodes)

ticks = tick_until(lambda: leader(everyone) is not None)
first = leader(everyone)
assert first is not None
print(f"After {ticks} ticks {first!r} leads.")

for payload in (b"x=1", b"y=2", b"z=3"):
    first.propose(payload)
tick_until(lambda: all(len(log) == 3 for log in applied.values()))
print(f"Replicated 3 entries; node 1 applied {applied[1]}.")

old_id = first.id
cut = {old_id}
rest = everyone - cut
ticks = tick_until(lambda: leader(rest) is not None)
second = leader(rest)
assert second is not None
print(f"Cut node {old_id} off; after {ticks} ticks {second!r} leads the other two.")
print(f"  the cut-off node is now {nodes[old_id]!r}")
second.propose(b"w=4")
tick_until(lambda: all(len(applied[i]) == 4 for i in rest))

cut = set()
tick_until(lambda: len(applied[old_id]) == 4)
for node in nodes.values():
    print(f"  {node!r} applied {applied[node.id]}")
assert applied[1] == applied[2] == applied[3] == [b"x=1", b"y=2", b"z=3", b"w=4"]
print("Healed: every node applied the same 4 entries in the same order.")
