//! Handlers for etcd's quorum datadriven files (`quorum/testdata/*.txt`): the `committed` and
//! `vote` commands over a majority configuration (`cfg=(ids)`) or a joint one (`cfgj=(ids)`, or
//! `cfgj=zero` for a joint configuration whose second half is empty).
//!
//! `idx=(..)` gives the acknowledged index of each distinct voter in order of first appearance
//! in `cfg` then `cfgj` (`_` = nothing acknowledged; 0 is not allowed so that the two cannot be
//! confused); `votes=(..)` likewise gives `y`, `n` or `_`. Like etcd's harness, every case is
//! also computed in ways that must agree (a brute-force commit computation, the majority joined
//! with itself and with the empty majority, lowering indexes that cannot matter, swapping the
//! halves of a joint configuration); any disagreement is printed into the output, which the
//! expected outputs do not contain.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use raft_core::quorum::{AckedIndexer, DisplayIndex, JointConfig, MajorityConfig};

use crate::datadriven::Directive;

/// Parsed arguments of one directive.
#[derive(Default)]
struct Case {
    /// Whether `cfgj` was given (even as `zero`).
    joint: bool,
    ids: Vec<u64>,
    ids_joint: Vec<u64>,
    /// Acknowledged indexes, 0 for `_`.
    idxs: Vec<u64>,
    /// Votes: 0 = `_`, 1 = no, 2 = yes (so that they share the lookup code with indexes).
    votes: Vec<u64>,
}

fn parse_case(d: &Directive) -> Result<Case, String> {
    let mut c = Case::default();
    for arg in &d.args {
        for val in &arg.vals {
            let num = || {
                val.parse::<u64>()
                    .map_err(|e| format!("{d}: bad value {val:?} for {}: {e}", arg.key))
            };
            match arg.key.as_str() {
                "cfg" => c.ids.push(num()?),
                "cfgj" => {
                    c.joint = true;
                    if val == "zero" {
                        if arg.vals.len() != 1 {
                            return Err(format!("{d}: cannot mix 'zero' into configuration"));
                        }
                    } else {
                        c.ids_joint.push(num()?);
                    }
                }
                "idx" => {
                    let n = if val == "_" { 0 } else { num()? };
                    if val != "_" && n == 0 {
                        return Err(format!("{d}: cannot use 0 as idx"));
                    }
                    c.idxs.push(n);
                }
                "votes" => c.votes.push(match val.as_str() {
                    "y" => 2,
                    "n" => 1,
                    "_" => 0,
                    other => return Err(format!("{d}: unknown vote: {other}")),
                }),
                other => return Err(format!("{d}: unknown arg {other}")),
            }
        }
    }
    Ok(c)
}

/// Maps the values to the distinct voters in order of first appearance, dropping zeros (which
/// stand for "no information", not for a value).
fn lookup(vals: &[u64], ids: &[u64], ids_joint: &[u64]) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    let mut vals = vals.iter();
    for &id in ids.iter().chain(ids_joint) {
        if out.contains_key(&id) {
            continue;
        }
        if let Some(&v) = vals.next() {
            out.insert(id, v);
        }
    }
    out.retain(|_, v| *v != 0);
    out
}

/// The committed index by exhaustive search: the largest acknowledged index that at least a
/// majority of the voters have reached (0 if none, `u64::MAX` for no voters).
fn brute_force_committed(c: &MajorityConfig, l: &BTreeMap<u64, u64>) -> u64 {
    if c.is_empty() {
        return u64::MAX;
    }
    let acked: Vec<u64> = c.iter().filter_map(|id| l.acked_index(*id)).collect();
    acked
        .iter()
        .copied()
        .filter(|&cand| acked.iter().filter(|&&a| a >= cand).count() > c.len() / 2)
        .max()
        .unwrap_or(0)
}

/// `l` restricted to the voters of `c`, with `id`'s index replaced by `idx`.
fn overlay(c: &MajorityConfig, l: &BTreeMap<u64, u64>, id: u64, idx: u64) -> BTreeMap<u64, u64> {
    c.iter()
        .filter_map(|&v| {
            if v == id {
                Some((v, idx))
            } else {
                l.get(&v).map(|&i| (v, i))
            }
        })
        .collect()
}

/// Runs one `committed` or `vote` directive and returns its output.
pub fn run(d: &Directive) -> Result<String, String> {
    let case = parse_case(d)?;
    let c: MajorityConfig = case.ids.iter().copied().collect();
    let cj: MajorityConfig = case.ids_joint.iter().copied().collect();
    let joint = |a: &MajorityConfig, b: &MajorityConfig| JointConfig {
        incoming: a.clone(),
        outgoing: b.clone(),
    };

    let input = if d.cmd == "vote" {
        &case.votes
    } else {
        &case.idxs
    };
    let voters = joint(&c, &cj).ids();
    if voters.len() != input.len() {
        // Rendered as Go prints a map[uint64]struct{} and a []Index with %v.
        let voters: Vec<String> = voters.iter().map(|id| format!("{id}:{{}}")).collect();
        let input: Vec<String> = input.iter().map(|&i| DisplayIndex(i).to_string()).collect();
        return Ok(format!(
            "error: mismatched input (explicit or _) for voters map[{}]: [{}]",
            voters.join(" "),
            input.join(" ")
        ));
    }

    let mut out = String::new();
    match d.cmd.as_str() {
        "committed" => {
            let l = lookup(&case.idxs, &case.ids, &case.ids_joint);
            if !case.joint {
                let idx = c.committed_index(&l);
                out.push_str(&c.describe(&l));
                let mut check = |alt: u64, how: &str| {
                    if alt != idx {
                        let _ = writeln!(out, "{} <-- {how}", DisplayIndex(alt));
                    }
                };
                check(brute_force_committed(&c, &l), "via alternative computation");
                check(
                    joint(&c, &MajorityConfig::new()).committed_index(&l),
                    "via zero-joint quorum",
                );
                check(joint(&c, &c).committed_index(&l), "via self-joint quorum");
                for &id in c.iter() {
                    let iidx = l.get(&id).copied().unwrap_or(0);
                    if idx > iidx && iidx > 0 {
                        // The committed index is above this voter's: lowering it further must
                        // not change the result. (etcd prints these without a newline.)
                        let alt = c.committed_index(&overlay(&c, &l, id, iidx - 1));
                        if alt != idx {
                            let _ =
                                write!(out, "{} <-- overlaying {id}->{iidx}", DisplayIndex(alt));
                        }
                        let alt = c.committed_index(&overlay(&c, &l, id, 0));
                        if alt != idx {
                            let _ = write!(out, "{} <-- overlaying {id}->0", DisplayIndex(alt));
                        }
                    }
                }
                let _ = writeln!(out, "{}", DisplayIndex(idx));
            } else {
                let cc = joint(&c, &cj);
                out.push_str(&cc.describe(&l));
                let idx = cc.committed_index(&l);
                let alt = joint(&cj, &c).committed_index(&l);
                if alt != idx {
                    let _ = writeln!(out, "{} <-- via symmetry", DisplayIndex(alt));
                }
                let _ = writeln!(out, "{}", DisplayIndex(idx));
            }
        }
        "vote" => {
            let votes: BTreeMap<u64, bool> = lookup(&case.votes, &case.ids, &case.ids_joint)
                .into_iter()
                .map(|(id, v)| (id, v != 1))
                .collect();
            if !case.joint {
                let _ = writeln!(out, "{}", c.vote_result(&votes));
            } else {
                let r = joint(&c, &cj).vote_result(&votes);
                let alt = joint(&cj, &c).vote_result(&votes);
                if alt != r {
                    let _ = writeln!(out, "{alt} <-- via symmetry");
                }
                let _ = writeln!(out, "{r}");
            }
        }
        other => return Err(format!("{d}: unknown command: {other}")),
    }
    Ok(out)
}
