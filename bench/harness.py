#!/usr/bin/env python3
"""Runs the raft-bench workloads for every implementation, alternating, and writes the table.

    python3 bench/harness.py [--runs 5] [--workload w1.v3.b64,w2] [--impl raft-core,etcd]
                             [--smoke] [--out bench/results]

Each run is one process that runs one workload for one implementation and prints RESULT lines
(see bench/README.md). Runs alternate: in round r the implementations start at offset r, so drift
in machine load spreads over all of them. A run that fails its own correctness check makes that
figure FAILED for that implementation, and the harness exits non-zero.

Adding a row (e.g. W4, raft-core through the C ABI): add an entry to IMPLS with a function that
builds the command line for a figure, and, if it has a target, a TARGETS entry. The program must
print the same RESULT lines.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUST_BIN = os.environ.get("RAFT_BENCH_BIN", "raft-bench")
GO_BIN = os.environ.get("ETCD_BENCH_BIN", "etcd-bench")
# W4 front doors (set when those programs exist; rows are skipped otherwise).
C_BIN = os.environ.get("RAFT_BENCH_C_BIN", "")
PY_BENCH = os.environ.get("RAFT_BENCH_PY", "")
# The interpreter that has raft_core installed (mk/bench.mk passes the venv's).
PY_EXE = os.environ.get("RAFT_BENCH_PYTHON", sys.executable)

# Figures: id -> (workload args, metrics it yields). Full sizes are the defaults of the programs.
FIGURES = {
    "w1.v3.b1": ["--workload", "w1", "--voters", "3", "--batch", "1"],
    "w1.v3.b64": ["--workload", "w1", "--voters", "3", "--batch", "64"],
    "w1.v5.b1": ["--workload", "w1", "--voters", "5", "--batch", "1"],
    "w1.v5.b64": ["--workload", "w1", "--voters", "5", "--batch", "64"],
    "w2": ["--workload", "w2"],
    "w3": ["--workload", "w3"],
}
SMOKE_ARGS = {"w1": ["--n", "3000"], "w2": ["--n", "3000"], "w3": ["--groups", "300", "--ticks", "20"]}

# Metric -> (unit, which way is better).
METRICS = {
    "throughput": "higher",
    "peak_heap": "lower",
    "bytes_per_group": "lower",
    "tick_ns_per_group": "lower",
}


def rust(name):
    return lambda fig_args: [RUST_BIN, "--impl", name] + fig_args


IMPLS = {
    # name: (command builder, figures it runs, role)
    "raft-core": (rust("raft-core"), set(FIGURES), "ours"),
    # raft-core with its opt-in batch_append (the counterpart of raft-rs's option).
    "raft-core-batch": (rust("raft-core-batch"), set(FIGURES), "ours"),
    "raft-rs": (rust("raft-rs"), set(FIGURES), "raft-rs"),
    "raft-rs-batch": (rust("raft-rs-batch"), set(FIGURES), "raft-rs"),
    "etcd": (lambda a: [GO_BIN] + a, set(FIGURES), "etcd"),
}
if C_BIN:
    IMPLS["raft-core-c"] = (lambda a: [C_BIN] + a, {"w1.v3.b64", "w2"}, "front-door")
    # The C ABI with batch_append, against raft-core-batch: the same work through the ABI.
    IMPLS["raft-core-c-batch"] = (
        lambda a: [C_BIN, "--impl", "raft-core-c-batch"] + a,
        {"w1.v3.b64"},
        "front-door",
    )
if PY_BENCH:
    IMPLS["raft-core-py"] = (lambda a: [PY_EXE, PY_BENCH] + a, {"w1.v3.b64", "w2"}, "front-door")

# Targets of issue 7, point 5: (figure prefix, metric, compared with, factor). For "higher"
# metrics ours >= factor x peer; for "lower" ones ours <= peer / factor. "abs" is an absolute cap.
TARGETS = [
    ("w1", "throughput", "raft-rs", 2.0),
    ("w1", "throughput", "etcd", 3.0),
    ("w2", "throughput", "raft-rs", 2.0),
    ("w2", "throughput", "etcd", 3.0),
    ("w1", "peak_heap", "raft-rs", 1.0),
    ("w3", "bytes_per_group", "abs", 1000.0),
    ("w3", "tick_ns_per_group", "raft-rs", 1.0),
    # W4 (rows appear when the front doors exist): front door vs raft-core direct.
    ("w1.v3.b64", "throughput", "raft-core-c:raft-core", 0.6),
    ("w1.v3.b64", "throughput", "raft-core-c-batch:raft-core-batch", 0.6),
    ("w2", "throughput", "raft-core-py:raft-core", 0.1),
]


def parse_result(line):
    kv = {}
    for tok in line.split()[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            kv[k] = v
    return kv


def run_once(impl, fig, smoke):
    build, _, _ = IMPLS[impl]
    args = list(FIGURES[fig])
    if smoke:
        args += SMOKE_ARGS[args[1]]
    cmd = build(args)
    p = subprocess.run(cmd, capture_output=True, text=True)
    results = []
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            print(line, flush=True)
            results.append(parse_result(line))
    ok = p.returncode == 0 and results and all(r.get("status") == "ok" for r in results)
    if not ok:
        sys.stderr.write(f"FAILED: {' '.join(cmd)} (exit {p.returncode})\n{p.stderr[-2000:]}\n")
        return None
    return results


def fmt(v, metric):
    if metric == "throughput":
        return f"{v / 1e6:.3f} M" if v >= 1e6 else f"{v / 1e3:.1f} k"
    if metric == "peak_heap":
        return f"{v / (1 << 20):.1f} MiB"
    if metric == "bytes_per_group":
        return f"{v:.0f} B"
    return f"{v:.1f} ns"


UNITS = {"throughput": "per s", "peak_heap": "", "bytes_per_group": "", "tick_ns_per_group": ""}


def advantage(ours, peer, metric):
    """How many times better ours is (>1 = raft-core better), whatever the metric's direction."""
    if ours is None or peer is None or ours == 0 or peer == 0:
        return None
    return ours / peer if METRICS[metric] == "higher" else peer / ours


def summarize(samples):
    """samples: {(fig, metric): {impl: [values] or None when failed}} -> medians etc."""
    table = {}
    for key, per_impl in samples.items():
        row = {}
        for impl, vals in per_impl.items():
            if vals is None:
                row[impl] = {"status": "FAILED"}
            else:
                row[impl] = {
                    "status": "ok",
                    "median": statistics.median(vals),
                    "min": min(vals),
                    "max": max(vals),
                    "runs": vals,
                }
        table[key] = row
    return table


def best_of_role(row, role, metric):
    """The better of an implementation group's medians (raft-rs: default vs batch_append)."""
    cands = [(i, r) for i, r in row.items() if IMPLS[i][2] == role and r["status"] == "ok"]
    if not cands:
        return None, None
    pick = max if METRICS[metric] == "higher" else min
    name, r = pick(cands, key=lambda c: c[1]["median"])
    return name, r["median"]


def evaluate(table):
    verdicts = []
    for (fig, metric), row in sorted(table.items()):
        _, ours = best_of_role(row, "ours", metric)
        for prefix, m, peer, factor in TARGETS:
            if m != metric or not fig.startswith(prefix):
                continue
            if peer == "abs":
                if ours is None:
                    continue
                met = ours <= factor
                verdicts.append((fig, metric, f"<= {factor:.0f}", f"{ours:.0f}", met))
                continue
            if ":" in peer:  # front door vs direct
                door, base = peer.split(":")
                d = row.get(door, {}).get("median")
                b = row.get(base, {}).get("median")
                adv = advantage(d, b, metric)
                if adv is None:
                    continue
                verdicts.append((fig, metric, f"{door} >= {factor}x {base}", f"{adv:.2f}x", adv >= factor))
                continue
            name, pv = best_of_role(row, peer, metric)
            adv = advantage(ours, pv, metric)
            if adv is None:
                continue
            verdicts.append((fig, metric, f">= {factor}x {name}", f"{adv:.2f}x", adv >= factor))
    return verdicts


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cpus"


def render(table, verdicts, runs, smoke):
    impls = [i for i in IMPLS if any(i in row for row in table.values())]
    out = []
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append(f"Measured {date} on {machine()}; {runs} run(s) per figure, alternating.")
    out.append("Cells: median [min-max]. 'vs X' = how many times better raft-core is than X")
    out.append("(>1 = raft-core better; for memory and tick cost that is X / raft-core).")
    out.append("raft-rs column in the ratio = the better of its default and batch_append configs.")
    out.append("")
    head = ["figure", "metric"] + impls + ["vs raft-rs", "vs etcd"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for (fig, metric), row in sorted(table.items()):
        cells = [fig, metric]
        for i in impls:
            r = row.get(i)
            if r is None:
                cells.append("")
            elif r["status"] != "ok":
                cells.append("FAILED")
            else:
                cells.append(f"{fmt(r['median'], metric)} [{fmt(r['min'], metric)}-{fmt(r['max'], metric)}]")
        _, ours = best_of_role(row, "ours", metric)
        for role in ("raft-rs", "etcd"):
            name, pv = best_of_role(row, role, metric)
            adv = advantage(ours, pv, metric)
            cells.append("" if adv is None else f"{adv:.2f}x" + (f" ({name})" if role == "raft-rs" else ""))
        out.append("| " + " | ".join(cells) + " |")
    if verdicts and not smoke:
        out.append("")
        out.append("| target | figure | metric | measured | met |")
        out.append("|---|---|---|---|---|")
        for fig, metric, want, got, met in verdicts:
            out.append(f"| {want} | {fig} | {metric} | {got} | {'met' if met else 'MISSED'} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workload", default="", help="comma list of figure ids or prefixes (w1, w1.v3.b64, w2, w3)")
    ap.add_argument("--impl", default="", help="comma list of implementations (" + ", ".join(IMPLS) + ")")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one run, nothing written")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    a = ap.parse_args()
    runs = 1 if a.smoke else a.runs
    want_figs = [f for f in FIGURES if not a.workload or any(f.startswith(p) for p in a.workload.split(","))]
    want_impls = [i for i in IMPLS if not a.impl or i in a.impl.split(",")]
    unknown = [i for i in a.impl.split(",") if i and i not in IMPLS]
    if unknown or not want_figs:
        sys.exit(f"harness: unknown implementation {unknown} or no figure matches {a.workload!r}")

    samples = {}
    failed = False
    for fig in want_figs:
        impls = [i for i in want_impls if fig in IMPLS[i][1]]
        for r in range(runs):
            k = r % len(impls)
            for impl in impls[k:] + impls[:k]:
                res = run_once(impl, fig, a.smoke)
                if res is None:
                    failed = True
                for rr in res or []:
                    key = (fig, rr["metric"])
                    slot = samples.setdefault(key, {})
                    if impl in slot and slot[impl] is None:
                        continue
                    slot.setdefault(impl, []).append(float(rr["value"]))
                if res is None:
                    for m in METRICS:
                        if any(k2 == (fig, m) for k2 in samples) or m == "throughput":
                            samples.setdefault((fig, m), {})[impl] = None
    table = summarize(samples)
    verdicts = evaluate(table)
    text = render(table, verdicts, runs, a.smoke)
    print()
    print(text)
    if not a.smoke:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "latest.md"), "w") as f:
            f.write("# Latest benchmark table\n\n" + text)
        blob = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "machine": machine(),
            "runs": runs,
            "figures": {
                f"{fig}:{metric}": row for (fig, metric), row in sorted(table.items())
            },
            "targets": [
                {"target": w, "figure": f, "metric": m, "measured": g, "met": ok}
                for f, m, w, g, ok in verdicts
            ],
        }
        with open(os.path.join(a.out, "latest.json"), "w") as f:
            json.dump(blob, f, indent=1, sort_keys=True)
    if failed:
        sys.exit("harness: at least one run FAILED its correctness check")


if __name__ == "__main__":
    main()
