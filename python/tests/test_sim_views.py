"""Cluster.trace_frame() and Cluster.plot(): optional pandas and matplotlib, and the
ImportError that names the extra when they are missing."""

from __future__ import annotations

import sys

import pytest

import raft_core as rc


@pytest.fixture
def cluster() -> rc.Cluster:
    c = rc.Cluster(5, seed=21)
    old = c.run_until_leader(500)
    c.propose(b"one")
    c.partition([old])
    c.run(80)
    c.heal()
    c.run(20)
    return c


def test_trace_frame_without_pandas(cluster: rc.Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'raft_core\[pandas\]'"):
        cluster.trace_frame()


def test_plot_without_matplotlib(cluster: rc.Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'raft_core\[plot\]'"):
        cluster.plot()


def test_trace_frame(cluster: rc.Cluster) -> None:
    pd = pytest.importorskip("pandas")
    df = cluster.trace_frame()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["step", "tick", "node", "kind", "term", "detail"]
    assert len(df) == len(cluster.trace)
    elected = df[df.kind == "leader_elected"]
    assert elected.term.is_monotonic_increasing
    assert set(elected.node) == set(cluster.leaders_by_term.values())


def test_plot(cluster: rc.Cluster) -> None:
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig = cluster.plot()
    try:
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == [f"node {i}" for i in range(1, 6)]
        # One role band per node at least, and a term label for each election.
        assert len(ax.collections) >= 5
        labels = {t.get_text() for t in ax.texts}
        assert {f"term {term}" for term in cluster.leaders_by_term} <= labels
        fig2, ax2 = plt.subplots()
        assert cluster.plot(ax=ax2) is fig2
        plt.close(fig2)
    finally:
        plt.close(fig)
