//! The workloads, written once over [`BenchNode`] so that every Rust implementation runs the very
//! same host loop (monomorphised, so the abstraction costs nothing at run time). The Go program in
//! `bench/etcd` mirrors this file step for step.

use std::time::{Duration, Instant};

use crate::alloc;

/// Payload size of every proposal (issue 7: 128 bytes).
pub const ENTRY_BYTES: usize = 128;

/// The knobs every implementation is given the same values for.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Per-message size limit for appends (and, as in etcd, for committed entries per Ready).
    pub max_msg_bytes: u64,
    /// Append messages in flight per follower.
    pub max_inflight_msgs: usize,
    /// Election timeout in ticks.
    pub election_tick: usize,
    /// Heartbeat interval in ticks.
    pub heartbeat_tick: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_msg_bytes: 1 << 20,
            max_inflight_msgs: 256,
            election_tick: 10,
            heartbeat_tick: 1,
        }
    }
}

/// The pattern the payload tails are cut from: proposal `seq` carries the 120 bytes starting at
/// `seq % 64`, so consecutive payloads differ everywhere while building and checking one is a
/// single copy or compare (harness work that is the same for every implementation is kept small,
/// so it does not flatten the ratios).
static FILL: [u8; 184] = {
    let mut f = [0u8; 184];
    let mut i = 0;
    while i < 184 {
        f[i] = (i as u8).wrapping_mul(37).wrapping_add(11);
        i += 1;
    }
    f
};

#[inline]
fn tail(seq: u64) -> &'static [u8] {
    let at = (seq % 64) as usize;
    &FILL[at..at + ENTRY_BYTES - 8]
}

/// The payload of proposal number `seq` (0-based): `seq` in the first 8 bytes (little endian),
/// then a tail that depends on `seq`.
pub fn payload(seq: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(ENTRY_BYTES);
    v.extend_from_slice(&seq.to_le_bytes());
    v.extend_from_slice(tail(seq));
    v
}

/// Checks that one node applies exactly proposals 0, 1, 2, … in order, byte for byte.
#[derive(Debug, Default)]
pub struct Checker {
    next: u64,
    error: Option<String>,
}

impl Checker {
    /// Records one applied normal entry. Empty entries (a new leader's) are not proposals and are
    /// skipped by the caller's contract: pass only non-empty data.
    #[inline]
    pub fn apply(&mut self, data: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let seq = self.next;
        let ok =
            data.len() == ENTRY_BYTES && data[..8] == seq.to_le_bytes() && data[8..] == *tail(seq);
        if ok {
            self.next += 1;
        } else {
            self.error = Some(format!(
                "applied entry #{seq} is not proposal {seq} (len {}, first bytes {:?})",
                data.len(),
                &data[..data.len().min(8)]
            ));
        }
    }

    /// How many proposals were applied in order so far.
    pub fn applied(&self) -> u64 {
        self.next
    }

    /// Ok when exactly `want` proposals were applied in order and nothing else.
    pub fn verdict(&self, want: u64) -> Result<(), String> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.next != want {
            return Err(format!("applied {} proposals, want {want}", self.next));
        }
        Ok(())
    }
}

/// One Raft node as the workloads drive it: the host side of Ready handling, written by each
/// implementation module the way a careful host would for that library.
pub trait BenchNode {
    /// The library's message type.
    type Msg;
    /// The destination of `m`.
    fn to(m: &Self::Msg) -> u64;
    /// Starts an election.
    fn campaign(&mut self) -> Result<(), String>;
    /// Whether this node is the leader.
    fn is_leader(&self) -> bool;
    /// Whether this node is a follower that knows leader `lead`.
    fn is_follower_of(&self, lead: u64) -> bool;
    /// Proposes `data`.
    fn propose(&mut self, data: Vec<u8>) -> Result<(), String>;
    /// Whether a Ready is pending.
    fn has_ready(&self) -> bool;
    /// Takes one Ready and handles it completely: persist to the library's in-memory storage,
    /// queue messages in `out`, apply committed normal entries through `check`, advance.
    fn handle_ready(&mut self, out: &mut Vec<Self::Msg>, check: &mut Checker)
        -> Result<(), String>;
    /// Steps a message from a peer.
    fn step(&mut self, m: Self::Msg) -> Result<(), String>;
    /// One logical clock tick.
    fn tick(&mut self);
    /// A heartbeat from leader 1 in term 1 to node 2, in the library's message type (W3 setup).
    fn w3_heartbeat() -> Self::Msg;
}

/// Monotonic time for the measured sections. The core has no clock; the harness does.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

/// Counters of one cluster run, reported beside the figure to explain it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counters {
    /// Readys handled, all nodes.
    pub readies: u64,
    /// Messages delivered between nodes.
    pub msgs: u64,
    /// Host loop rounds.
    pub rounds: u64,
}

/// Handles every pending Ready on every node, then delivers every message produced, repeatedly,
/// until nothing moves (setup only; not timed).
fn settle<N: BenchNode>(
    nodes: &mut [N],
    checks: &mut [Checker],
    c: &mut Counters,
) -> Result<(), String> {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        for (node, check) in nodes.iter_mut().zip(checks.iter_mut()) {
            while node.has_ready() {
                node.handle_ready(&mut out, check)?;
                c.readies += 1;
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        for m in out.drain(..) {
            deliver(nodes, m, c)?;
        }
    }
    Err("cluster did not settle".into())
}

#[inline]
fn deliver<N: BenchNode>(nodes: &mut [N], m: N::Msg, c: &mut Counters) -> Result<(), String> {
    let to = N::to(&m);
    let node = usize::try_from(to)
        .ok()
        .and_then(|t| t.checked_sub(1))
        .and_then(|i| nodes.get_mut(i))
        .ok_or_else(|| format!("message to unknown node {to}"))?;
    c.msgs += 1;
    node.step(m)
}

/// Elects node 1 and lets the cluster settle. Not timed.
fn elect<N: BenchNode>(nodes: &mut [N], checks: &mut [Checker]) -> Result<(), String> {
    let mut c = Counters::default();
    nodes.first_mut().ok_or("no nodes")?.campaign()?;
    settle(nodes, checks, &mut c)?;
    if !nodes[0].is_leader() {
        return Err("node 1 did not become leader".into());
    }
    Ok(())
}

/// What W1 measured.
#[derive(Debug, Clone, Copy)]
pub struct W1Outcome {
    /// Wall time from the first proposal until every node applied the last one.
    pub elapsed: Duration,
    /// Highest live heap during the run, above the live heap at its start.
    pub peak_bytes: usize,
    /// Work counters.
    pub counters: Counters,
}

/// W1: `n` proposals, `batch` per round, into node 1 (the leader) of `nodes`.
///
/// One round: the leader takes the next `batch` proposals; every node handles all its Readys;
/// then every message produced in the round is delivered. Rounds repeat until every proposal was
/// made and every node applied all of them. A round in which nothing is left to deliver but
/// entries are still unapplied ticks the leader (a heartbeat carries the commit index); more than
/// 1,000 such rounds is a stall and fails the run.
pub fn w1<N: BenchNode>(mut nodes: Vec<N>, n: u64, batch: u64) -> Result<W1Outcome, String> {
    if batch == 0 {
        return Err("batch must be at least 1".into());
    }
    let mut checks: Vec<Checker> = nodes.iter().map(|_| Checker::default()).collect();
    elect(&mut nodes, &mut checks)?;
    let mut c = Counters::default();
    let mut out: Vec<N::Msg> = Vec::new();
    let mut inflight: Vec<N::Msg> = Vec::new();
    let mut proposed = 0u64;
    let mut idle_rounds = 0u32;

    let base = alloc::reset_peak();
    let start = now();
    loop {
        let k = batch.min(n - proposed);
        for seq in proposed..proposed + k {
            nodes[0].propose(payload(seq))?;
        }
        proposed += k;
        for (node, check) in nodes.iter_mut().zip(checks.iter_mut()) {
            while node.has_ready() {
                node.handle_ready(&mut out, check)?;
                c.readies += 1;
            }
        }
        c.rounds += 1;
        if out.is_empty() {
            if proposed == n && checks.iter().all(|ch| ch.applied() >= n) {
                break;
            }
            if let Some(e) = checks.iter().find_map(|ch| ch.verdict(ch.applied()).err()) {
                return Err(e);
            }
            idle_rounds += 1;
            if idle_rounds > 1_000 {
                return Err(format!(
                    "stalled: applied {:?} of {n}",
                    checks.iter().map(Checker::applied).collect::<Vec<_>>()
                ));
            }
            if proposed == n {
                nodes[0].tick();
            }
            continue;
        }
        idle_rounds = 0;
        std::mem::swap(&mut out, &mut inflight);
        for m in inflight.drain(..) {
            deliver(&mut nodes, m, &mut c)?;
        }
    }
    let elapsed = start.elapsed();
    let peak_bytes = alloc::peak().saturating_sub(base);
    for (i, ch) in checks.iter().enumerate() {
        ch.verdict(n).map_err(|e| format!("node {}: {e}", i + 1))?;
    }
    drop(nodes);
    Ok(W1Outcome {
        elapsed,
        peak_bytes,
        counters: c,
    })
}

/// W2: a single voter; `n` times propose one entry and handle Readys until none is pending.
pub fn w2<N: BenchNode>(node: N, n: u64) -> Result<(Duration, Counters), String> {
    let mut nodes = vec![node];
    let mut checks = vec![Checker::default()];
    elect(&mut nodes, &mut checks)?;
    let mut c = Counters::default();
    let mut out: Vec<N::Msg> = Vec::new();
    let node = &mut nodes[0];
    let check = &mut checks[0];
    let start = now();
    for seq in 0..n {
        node.propose(payload(seq))?;
        while node.has_ready() {
            node.handle_ready(&mut out, check)?;
            c.readies += 1;
        }
        // A single voter sends nothing; anything here would be a bug in the setup.
        if !out.is_empty() {
            return Err("single voter produced messages".into());
        }
    }
    let elapsed = start.elapsed();
    c.rounds = n;
    check.verdict(n)?;
    Ok((elapsed, c))
}

/// What W3 measured.
#[derive(Debug, Clone, Copy)]
pub struct W3Outcome {
    /// Live heap bytes per group (node, storage, and its slot in the host's vector).
    pub bytes_per_group: f64,
    /// Wall time per tick of one group.
    pub ns_per_tick: f64,
}

/// W3: `groups` idle followers (node 2 of voters {1, 2, 3}, leader 1 known from one heartbeat),
/// then `ticks` rounds of ticking every group once. The election timeout is set far beyond
/// `ticks`, so every group must still be an idle follower at the end (checked).
pub fn w3<N: BenchNode>(
    make: impl Fn() -> Result<N, String>,
    groups: usize,
    ticks: u64,
) -> Result<W3Outcome, String> {
    let before = alloc::live();
    let mut nodes: Vec<N> = Vec::with_capacity(groups);
    let mut check = Checker::default();
    let mut out = Vec::new();
    for _ in 0..groups {
        let mut node = make()?;
        node.step(N::w3_heartbeat())?;
        while node.has_ready() {
            node.handle_ready(&mut out, &mut check)?;
        }
        out.clear();
        nodes.push(node);
    }
    let after = alloc::live();
    let start = now();
    for _ in 0..ticks {
        for node in nodes.iter_mut() {
            node.tick();
        }
    }
    let elapsed = start.elapsed();
    for (i, node) in nodes.iter().enumerate() {
        if !node.is_follower_of(1) || node.has_ready() {
            return Err(format!("group {i} is no longer an idle follower of 1"));
        }
    }
    check.verdict(0)?;
    Ok(W3Outcome {
        bytes_per_group: after.saturating_sub(before) as f64 / groups as f64,
        ns_per_tick: elapsed.as_nanos() as f64 / (groups as f64 * ticks as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checker_accepts_exact_order() {
        let mut c = Checker::default();
        for s in 0..5 {
            c.apply(&payload(s));
        }
        assert_eq!(c.verdict(5), Ok(()));
        assert!(c.verdict(6).is_err(), "a missing proposal must fail");
    }

    #[test]
    fn checker_rejects_reorder_duplicate_and_corruption() {
        let mut c = Checker::default();
        c.apply(&payload(1));
        assert!(c.verdict(1).is_err(), "out of order");

        let mut c = Checker::default();
        c.apply(&payload(0));
        c.apply(&payload(0));
        assert!(c.verdict(2).is_err(), "duplicate");

        let mut c = Checker::default();
        let mut p = payload(0);
        p[100] ^= 1;
        c.apply(&p);
        assert!(c.verdict(1).is_err(), "corrupted byte");

        let mut c = Checker::default();
        c.apply(&payload(0)[..64]);
        assert!(c.verdict(1).is_err(), "truncated");
    }

    #[test]
    fn payloads_differ_beyond_the_sequence_number() {
        // Two payloads must differ in their tails too, or a mix-up of tails would pass.
        let (a, b) = (payload(3), payload(4));
        assert_ne!(a[8..], b[8..]);
    }
}
