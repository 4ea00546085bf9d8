"""Pure-Python views of a :class:`raft_core.Cluster`: a pandas trace table, a matplotlib
timeline and the HTML table Jupyter shows.

pandas and matplotlib are optional extras, imported only when these functions run, so
``import raft_core`` never needs them. Without them the functions raise an ImportError that
names the extra to install.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from raft_core._native import Cluster

__all__ = ["plot", "repr_html", "trace_frame"]

_COLUMNS = ["step", "tick", "node", "kind", "term", "detail"]
# Colours of the role bands in plot(): one per role, plus crashed and removed nodes.
_ROLE_COLORS = {
    "follower": "#c6dbef",
    "pre_candidate": "#fdd0a2",
    "candidate": "#fd8d3c",
    "leader": "#31a354",
    "down": "#969696",
    "removed": "#252525",
}


def _require(module: str, extra: str) -> Any:
    """Imports ``module`` or raises an ImportError that says which extra provides it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        raise ImportError(
            f"this needs {module.split('.')[0]}, which raft_core does not install by default: "
            f"pip install 'raft_core[{extra}]'"
        ) from e


def trace_frame(cluster: Cluster) -> Any:
    """The cluster's trace as a pandas DataFrame, one row per event.

    Columns: ``step``, ``tick``, ``node``, ``kind``, ``term``, ``detail``.
    """
    pd = _require("pandas", "pandas")
    rows = [e.as_dict() for e in cluster.trace]
    return pd.DataFrame(rows, columns=_COLUMNS)


def _role_spans(cluster: Cluster) -> tuple[dict[int, list[tuple[int, int, str]]], int]:
    """Per node, the (start tick, end tick, role) intervals the trace shows, and the end time."""
    end = max(cluster.now, 1)
    current: dict[int, tuple[int, str]] = {}
    spans: dict[int, list[tuple[int, int, str]]] = {v.id: [] for v in cluster.nodes}

    def switch(node: int, tick: int, role: str) -> None:
        if node in current:
            start, prev = current[node]
            if prev == role:
                return
            # Zero-length spans are kept: a campaign often starts and ends within one tick.
            spans.setdefault(node, []).append((start, tick, prev))
        current[node] = (tick, role)

    for e in cluster.trace:
        if e.node == 0:
            continue
        if e.kind == "role_change":
            switch(e.node, e.tick, e.detail.split()[0] if e.detail else "follower")
        elif e.kind == "leader_elected":
            switch(e.node, e.tick, "leader")
        elif e.kind == "crash":
            switch(e.node, e.tick, "down")
        elif e.kind == "restart":
            switch(e.node, e.tick, "follower")
        elif e.kind == "decommission":
            switch(e.node, e.tick, "removed")
        elif e.kind == "node_added" and e.node not in current:
            switch(e.node, e.tick, "follower")
    for node, (start, role) in current.items():
        spans.setdefault(node, []).append((start, max(end, start + 1), role))
    return spans, end


def plot(cluster: Cluster, ax: Any = None) -> Any:
    """A timeline of the cluster: one band per node coloured by role over virtual time, each
    node's commit index as a line, and a marker with the term where a leader was elected.

    Returns the matplotlib Figure (drawn on ``ax`` when given).
    """
    plt = _require("matplotlib.pyplot", "plot")
    from matplotlib.patches import Patch  # noqa: PLC0415 - only after the check above

    spans, end = _role_spans(cluster)
    ids = sorted(spans)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 1.0 + 0.6 * max(len(ids), 1)))
    else:
        fig = ax.figure
    campaigning = ("pre_candidate", "candidate")
    for row, node in enumerate(ids):
        # Long spans first; campaigns on top, at least a third of a tick wide so they show.
        ordered = sorted(spans[node], key=lambda span: span[2] in campaigning)
        for start, stop, role in ordered:
            width: float = stop - start
            if role in campaigning:
                width = max(width, 0.35)
            elif width <= 0:
                continue
            ax.broken_barh(
                [(start, width)],
                (row - 0.4, 0.8),
                facecolors=_ROLE_COLORS.get(role, "#ffffff"),
            )
    for e in cluster.trace:
        if e.kind == "leader_elected" and e.node in spans:
            row = ids.index(e.node)
            ax.annotate(f"term {e.term}", (e.tick + 0.5, row + 0.2), va="center", fontsize=8)
    # Commit index, scaled into each node's band, so progress is visible per node.
    commits: dict[int, list[tuple[int, int]]] = {}
    for e in cluster.trace:
        if e.kind == "commit" and e.node in spans and e.detail.startswith("commit="):
            try:
                commits.setdefault(e.node, []).append((e.tick, int(e.detail.split("=")[1])))
            except ValueError:
                continue
    top = max((c for pts in commits.values() for _, c in pts), default=0)
    for node, pts in commits.items():
        row = ids.index(node)
        # From the start, and on to the end: the commit index holds between events.
        pts = [(0, 0), *pts, (end, pts[-1][1])]
        xs = [t for t, _ in pts]
        ys = [row - 0.35 + 0.7 * (c / top if top else 0) for _, c in pts]
        ax.step(xs, ys, where="post", color="black", linewidth=0.8)
    for e in cluster.trace:
        if e.kind in ("partition", "heal"):
            ax.axvline(e.tick, color="red" if e.kind == "partition" else "green", linestyle=":")
    ax.set_yticks(range(len(ids)))
    ax.set_yticklabels([f"node {i}" for i in ids])
    ax.set_xlim(0, end)
    ax.set_xlabel("tick")
    ax.set_title(
        f"seed {cluster.seed}: roles over time (black: commit index; red/green: partition/heal)"
    )
    ax.legend(
        handles=[Patch(color=c, label=r) for r, c in _ROLE_COLORS.items()],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def repr_html(cluster: Cluster) -> str:
    """A compact HTML table of the nodes, for Jupyter."""
    leader = cluster.leader
    head = (
        f"<b>Cluster</b> seed={cluster.seed} tick={cluster.now} "
        f"leader={'none' if leader is None else leader}"
    )
    cells = ["id", "role", "term", "commit", "applied", "last index", "member"]
    rows = []
    for v in cluster.nodes:
        role = v.status if v.role is None else v.role.name.lower()
        member = "voter" if v.is_voter else "learner" if v.is_learner else "-"
        style = ' style="font-weight:bold"' if v.id == leader else ""
        values = [v.id, role, v.term, v.commit_index, v.applied_index, v.last_index, member]
        tds = "".join(f"<td>{html.escape(str(x))}</td>" for x in values)
        rows.append(f"<tr{style}>{tds}</tr>")
    ths = "".join(f"<th>{c}</th>" for c in cells)
    return f"<div>{head}<table><tr>{ths}</tr>{''.join(rows)}</table></div>"
