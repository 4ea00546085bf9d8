//! `raft-bench`: one workload, one implementation, one run; prints `RESULT key=value …` lines.
//! `bench/harness.py` runs it many times, alternating implementations, and builds the table.
//!
//! ```text
//! raft-bench --impl raft-core|raft-core-batch|raft-rs|raft-rs-batch --workload w1|w2|w3 [options]
//!   --voters N (w1, default 3)   --batch B (w1, default 64)   --n N (w1/w2 proposals)
//!   --groups G (w3, 10000)       --ticks T (w3, 2000)         --max-msg-bytes N (1048576)
//! ```
//! Exit status 0 only when the run's own correctness check passed; a failed run prints a
//! `RESULT … status=FAILED` line and no figure.

mod alloc;
mod core_impl;
mod rs_impl;
mod workload;

use std::process::ExitCode;

use core_impl::CoreNode;
use rs_impl::RsNode;
use workload::{BenchNode, Limits, W1Outcome};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// Parsed command line.
#[derive(Debug)]
struct Args {
    imp: String,
    workload: String,
    voters: u64,
    batch: u64,
    n: Option<u64>,
    groups: usize,
    ticks: u64,
    limits: Limits,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        imp: String::new(),
        workload: String::new(),
        voters: 3,
        batch: 64,
        n: None,
        groups: 10_000,
        ticks: 2_000,
        limits: Limits::default(),
    };
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |s: String| s.parse::<u64>().map_err(|e| format!("{s}: {e}"));
        match flag.as_str() {
            "--impl" => a.imp = val()?,
            "--workload" => a.workload = val()?,
            "--voters" => a.voters = num(val()?)?,
            "--batch" => a.batch = num(val()?)?,
            "--n" => a.n = Some(num(val()?)?),
            "--groups" => a.groups = num(val()?)? as usize,
            "--ticks" => a.ticks = num(val()?)?,
            "--max-msg-bytes" => a.limits.max_msg_bytes = num(val()?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.imp.is_empty() || a.workload.is_empty() {
        return Err("--impl and --workload are required".into());
    }
    Ok(a)
}

/// Builds node `id` of a cluster of `voters` for one implementation.
type MakeNode<'a, N> = &'a dyn Fn(u64, &[u64]) -> Result<N, String>;

/// Builds a node of the chosen implementation and hands it to `f`, so each workload is written
/// once and monomorphised per implementation.
trait WithImpl {
    type Out;
    fn run<N: BenchNode>(self, make: MakeNode<'_, N>) -> Self::Out;
}

fn dispatch<W: WithImpl>(imp: &str, l: Limits, w: W) -> Result<W::Out, String> {
    match imp {
        "raft-core" => Ok(w.run(&|id, v: &[u64]| CoreNode::new(id, v, &l, false))),
        "raft-core-batch" => Ok(w.run(&|id, v: &[u64]| CoreNode::new(id, v, &l, true))),
        "raft-rs" => Ok(w.run(&|id, v: &[u64]| RsNode::new(id, v, &l, false))),
        "raft-rs-batch" => Ok(w.run(&|id, v: &[u64]| RsNode::new(id, v, &l, true))),
        other => Err(format!(
            "unknown --impl {other} (raft-core, raft-core-batch, raft-rs, raft-rs-batch; etcd is bench/etcd)"
        )),
    }
}

struct W1 {
    voters: u64,
    n: u64,
    batch: u64,
}
impl WithImpl for W1 {
    type Out = Result<W1Outcome, String>;
    fn run<N: BenchNode>(self, make: MakeNode<'_, N>) -> Self::Out {
        let ids: Vec<u64> = (1..=self.voters).collect();
        let nodes = ids
            .iter()
            .map(|&id| make(id, &ids))
            .collect::<Result<Vec<N>, String>>()?;
        workload::w1(nodes, self.n, self.batch)
    }
}

struct W2 {
    n: u64,
}
impl WithImpl for W2 {
    type Out = Result<(std::time::Duration, workload::Counters), String>;
    fn run<N: BenchNode>(self, make: MakeNode<'_, N>) -> Self::Out {
        workload::w2(make(1, &[1])?, self.n)
    }
}

struct W3 {
    groups: usize,
    ticks: u64,
}
impl WithImpl for W3 {
    type Out = Result<workload::W3Outcome, String>;
    fn run<N: BenchNode>(self, make: MakeNode<'_, N>) -> Self::Out {
        workload::w3(|| make(2, &[1, 2, 3]), self.groups, self.ticks)
    }
}

fn result_line(a: &Args, case: &str, metric: &str, value: f64, unit: &str, extra: &str) {
    println!(
        "RESULT workload={} case={case} metric={metric} impl={} value={value:.3} unit={unit} status=ok{extra}",
        a.workload, a.imp
    );
}

fn run(a: &Args) -> Result<(), String> {
    let l = a.limits;
    match a.workload.as_str() {
        "w1" => {
            let n = a.n.unwrap_or(200_000);
            let o = dispatch(
                &a.imp,
                l,
                W1 {
                    voters: a.voters,
                    n,
                    batch: a.batch,
                },
            )??;
            let case = format!("v{}.b{}", a.voters, a.batch);
            let secs = o.elapsed.as_secs_f64();
            let extra = format!(
                " n={n} secs={secs:.4} rounds={} readies={} msgs={}",
                o.counters.rounds, o.counters.readies, o.counters.msgs
            );
            result_line(a, &case, "throughput", n as f64 / secs, "entries/s", &extra);
            result_line(
                a,
                &case,
                "peak_heap",
                o.peak_bytes as f64,
                "bytes",
                &format!(" n={n}"),
            );
        }
        "w2" => {
            let n = a.n.unwrap_or(500_000);
            let (d, c) = dispatch(&a.imp, l, W2 { n })??;
            let secs = d.as_secs_f64();
            let extra = format!(" n={n} secs={secs:.4} readies={}", c.readies);
            result_line(a, "v1", "throughput", n as f64 / secs, "ops/s", &extra);
        }
        "w3" => {
            let mut l = l;
            // Far beyond the ticks we give, so the followers stay idle (checked afterwards).
            l.election_tick = 1_000_000;
            let w = W3 {
                groups: a.groups,
                ticks: a.ticks,
            };
            let o = dispatch(&a.imp, l, w)??;
            let extra = format!(" groups={} ticks={}", a.groups, a.ticks);
            result_line(
                a,
                "g",
                "bytes_per_group",
                o.bytes_per_group,
                "bytes",
                &extra,
            );
            result_line(a, "g", "tick_ns_per_group", o.ns_per_tick, "ns", &extra);
        }
        other => return Err(format!("unknown --workload {other} (w1, w2, w3)")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let a = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("raft-bench: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let e = e.replace(char::is_whitespace, "_");
            println!(
                "RESULT workload={} impl={} status=FAILED reason={e}",
                a.workload, a.imp
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rust_impl_passes_every_workload_at_a_tiny_size() {
        for imp in ["raft-core", "raft-core-batch", "raft-rs", "raft-rs-batch"] {
            let l = Limits::default();
            for (voters, batch) in [(3, 1), (5, 7)] {
                let w = W1 {
                    voters,
                    n: 200,
                    batch,
                };
                let o = dispatch(imp, l, w).unwrap();
                assert!(o.is_ok(), "{imp} w1 v{voters} b{batch}: {o:?}");
            }
            assert!(dispatch(imp, l, W2 { n: 200 }).unwrap().is_ok(), "{imp} w2");
            let mut l3 = l;
            l3.election_tick = 1_000;
            let w = W3 {
                groups: 20,
                ticks: 10,
            };
            let o = dispatch(imp, l3, w).unwrap().unwrap();
            assert!(o.bytes_per_group > 0.0, "{imp} w3 counted no memory");
        }
    }

    #[test]
    fn w3_detects_a_group_that_left_the_follower_state() {
        // Ticking past the election timeout makes the followers campaign: the check must fail.
        let l = Limits {
            election_tick: 3,
            ..Limits::default()
        };
        let w = W3 {
            groups: 5,
            ticks: 10,
        };
        assert!(dispatch("raft-core", l, w).unwrap().is_err());
    }

    #[test]
    fn unknown_impl_is_refused() {
        assert!(dispatch("nope", Limits::default(), W2 { n: 1 }).is_err());
    }
}
