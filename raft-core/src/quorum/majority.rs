//! A single majority configuration.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::ops::Deref;

use super::{AckedIndexer, VoteResult};

/// Up to this many voters, [`quorum_index`] works in a stack buffer. Larger groups are rare in
/// practice (etcd makes the same bet) and pay one small allocation per call.
const STACK_VOTERS: usize = 7;

/// A set of voters that decides by simple majority (`len / 2 + 1`).
///
/// The empty configuration is legal and acts as the neutral element of a [`super::JointConfig`]:
/// it has committed everything (`u64::MAX`) and wins every vote, so a joint configuration with an
/// empty half behaves exactly like its other half.
#[derive(Clone, Default, PartialEq, Eq, Debug, Hash)]
pub struct MajorityConfig(BTreeSet<u64>);

impl MajorityConfig {
    /// The empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a voter; returns whether it was new.
    pub fn insert(&mut self, id: u64) -> bool {
        self.0.insert(id)
    }

    /// Removes a voter; returns whether it was present.
    pub fn remove(&mut self, id: u64) -> bool {
        self.0.remove(&id)
    }

    /// Removes every voter.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The voters, in ascending order.
    pub fn ids(&self) -> &BTreeSet<u64> {
        &self.0
    }

    /// The voters as a sorted vector (the form `ConfState` carries).
    pub fn to_vec(&self) -> Vec<u64> {
        self.0.iter().copied().collect()
    }

    /// How many "yes" answers make a decision: `len / 2 + 1`.
    pub fn quorum(&self) -> usize {
        self.0.len() / 2 + 1
    }

    /// The highest index acknowledged by a quorum of this configuration, or `u64::MAX` when the
    /// configuration is empty. Voters that have not reported count as having acknowledged 0.
    ///
    /// Allocation-free for up to seven voters.
    pub fn committed_index(&self, acked: &(impl AckedIndexer + ?Sized)) -> u64 {
        quorum_index(
            self.0.len(),
            self.0.iter().filter_map(|&id| acked.acked_index(id)),
        )
    }

    /// Counts `votes` (`true` = granted) of this configuration's voters; votes of non-members are
    /// ignored. An empty configuration wins.
    pub fn vote_result(&self, votes: &BTreeMap<u64, bool>) -> VoteResult {
        self.vote_result_with(|id| votes.get(&id).copied())
    }

    /// Like [`MajorityConfig::vote_result`], with the vote of each voter supplied by a function
    /// (`None` = not voted yet), so that callers need not build a map first.
    pub fn vote_result_with(&self, vote_of: impl Fn(u64) -> Option<bool>) -> VoteResult {
        if self.0.is_empty() {
            return VoteResult::Won;
        }
        let (mut granted, mut missing) = (0usize, 0usize);
        for &id in &self.0 {
            match vote_of(id) {
                Some(true) => granted += 1,
                Some(false) => {}
                None => missing += 1,
            }
        }
        let q = self.quorum();
        if granted >= q {
            VoteResult::Won
        } else if granted + missing >= q {
            VoteResult::Pending
        } else {
            VoteResult::Lost
        }
    }

    /// A multi-line picture of the acknowledged indexes, identical to etcd's
    /// `MajorityConfig.Describe`: one line per voter in id order, with a bar whose length is the
    /// voter's rank by index (equal indexes share a bar) and `?` for voters without a report.
    pub fn describe(&self, acked: &(impl AckedIndexer + ?Sized)) -> String {
        if self.0.is_empty() {
            return "<empty majority quorum>".to_owned();
        }
        struct Row {
            id: u64,
            idx: u64,
            reported: bool,
            bar: usize,
        }
        let n = self.0.len();
        let mut rows: Vec<Row> = self
            .0
            .iter()
            .map(|&id| {
                let found = acked.acked_index(id);
                Row {
                    id,
                    idx: found.unwrap_or(0),
                    reported: found.is_some(),
                    bar: 0,
                }
            })
            .collect();
        // Rank by index (ties broken by id), giving equal indexes the same bar length.
        rows.sort_by_key(|r| (r.idx, r.id));
        for i in 1..rows.len() {
            let (prev_idx, prev_bar) = (rows[i - 1].idx, rows[i - 1].bar);
            rows[i].bar = if prev_idx < rows[i].idx { i } else { prev_bar };
        }
        rows.sort_by_key(|r| r.id);

        let mut out = String::new();
        out.push_str(&" ".repeat(n));
        out.push_str("    idx\n");
        for r in &rows {
            if r.reported {
                out.push_str(&"x".repeat(r.bar));
                out.push('>');
                out.push_str(&" ".repeat(n - r.bar));
            } else {
                out.push('?');
                out.push_str(&" ".repeat(n));
            }
            // Writing to a String cannot fail.
            let _ = writeln!(out, " {:5}    (id={:x})", r.idx, r.id);
        }
        out
    }
}

/// The index at quorum position among `n` voters, given the acknowledged indexes of those that
/// reported (at most `n` values; the rest count as 0). `u64::MAX` when `n == 0`.
///
/// Sorting ascending, the committed index is the one that `n / 2 + 1` voters have reached, i.e.
/// position `n - (n / 2 + 1)`.
pub(crate) fn quorum_index(n: usize, acked: impl Iterator<Item = u64>) -> u64 {
    if n == 0 {
        return u64::MAX;
    }
    let mut stack = [0u64; STACK_VOTERS];
    let mut heap: Vec<u64>;
    let buf: &mut [u64] = if n <= STACK_VOTERS {
        &mut stack[..n]
    } else {
        heap = vec![0; n];
        &mut heap
    };
    for (slot, idx) in buf.iter_mut().zip(acked) {
        *slot = idx;
    }
    let pos = n - (n / 2 + 1);
    // `pos < n == buf.len()` because `n / 2 + 1 >= 1`.
    *buf.select_nth_unstable(pos).1
}

impl Deref for MajorityConfig {
    type Target = BTreeSet<u64>;

    fn deref(&self) -> &BTreeSet<u64> {
        &self.0
    }
}

impl From<BTreeSet<u64>> for MajorityConfig {
    fn from(ids: BTreeSet<u64>) -> Self {
        MajorityConfig(ids)
    }
}

impl FromIterator<u64> for MajorityConfig {
    fn from_iter<I: IntoIterator<Item = u64>>(iter: I) -> Self {
        MajorityConfig(iter.into_iter().collect())
    }
}

impl Extend<u64> for MajorityConfig {
    fn extend<I: IntoIterator<Item = u64>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl<'a> IntoIterator for &'a MajorityConfig {
    type Item = &'a u64;
    type IntoIter = std::collections::btree_set::Iter<'a, u64>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// `(1 2 3)`: the ids in ascending order, in hexadecimal like etcd's `MajorityConfig.String`.
impl fmt::Display for MajorityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{id:x}")?;
        }
        f.write_char(')')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(ids: &[u64]) -> MajorityConfig {
        ids.iter().copied().collect()
    }

    fn acked(pairs: &[(u64, u64)]) -> BTreeMap<u64, u64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn committed_index_picks_the_quorum_position() {
        assert_eq!(cfg(&[]).committed_index(&acked(&[])), u64::MAX);
        assert_eq!(cfg(&[1]).committed_index(&acked(&[])), 0);
        assert_eq!(cfg(&[1]).committed_index(&acked(&[(1, 5)])), 5);
        // Two voters need both.
        assert_eq!(cfg(&[1, 2]).committed_index(&acked(&[(1, 5), (2, 3)])), 3);
        assert_eq!(cfg(&[1, 2]).committed_index(&acked(&[(1, 5)])), 0);
        // Three voters need two; the missing voter counts as 0.
        assert_eq!(
            cfg(&[1, 2, 3]).committed_index(&acked(&[(1, 5), (3, 7)])),
            5
        );
        // Acknowledgements of non-members are ignored.
        assert_eq!(
            cfg(&[1, 2, 3]).committed_index(&acked(&[(1, 9), (4, 9), (5, 9)])),
            0
        );
    }

    #[test]
    fn committed_index_beyond_the_stack_buffer() {
        let c: MajorityConfig = (1..=9).collect();
        let l: BTreeMap<u64, u64> = (1..=9).map(|id| (id, id * 10)).collect();
        // Nine voters need five: the fifth-highest index is 50.
        assert_eq!(c.committed_index(&l), 50);
    }

    #[test]
    fn vote_result_majorities() {
        let votes = |v: &[(u64, bool)]| v.iter().copied().collect::<BTreeMap<_, _>>();
        assert_eq!(cfg(&[]).vote_result(&votes(&[])), VoteResult::Won);
        assert_eq!(
            cfg(&[1, 2]).vote_result(&votes(&[(1, true)])),
            VoteResult::Pending
        );
        assert_eq!(
            cfg(&[1, 2]).vote_result(&votes(&[(1, false)])),
            VoteResult::Lost
        );
        assert_eq!(
            cfg(&[1, 2, 3]).vote_result(&votes(&[(1, true), (2, true)])),
            VoteResult::Won
        );
        assert_eq!(
            cfg(&[1, 2, 3]).vote_result(&votes(&[(1, true), (2, false)])),
            VoteResult::Pending
        );
        // Votes of non-members do not count.
        assert_eq!(
            cfg(&[1, 2, 3]).vote_result(&votes(&[(1, true), (7, true), (8, true)])),
            VoteResult::Pending
        );
    }

    #[test]
    fn display_is_sorted_hex() {
        assert_eq!(cfg(&[]).to_string(), "()");
        assert_eq!(cfg(&[26, 1, 10]).to_string(), "(1 a 1a)");
    }

    #[test]
    fn describe_matches_etcd_bar_chart() {
        let c = cfg(&[1, 2, 3]);
        assert_eq!(
            c.describe(&acked(&[(1, 101), (2, 102), (3, 103)])),
            "       idx\n>      101    (id=1)\nx>     102    (id=2)\nxx>    103    (id=3)\n"
        );
        assert_eq!(
            c.describe(&acked(&[(1, 100), (2, 100), (3, 100)])),
            "       idx\n>      100    (id=1)\n>      100    (id=2)\n>      100    (id=3)\n"
        );
        assert_eq!(
            c.describe(&acked(&[(1, 100), (2, 102), (3, 102)])),
            "       idx\n>      100    (id=1)\nx>     102    (id=2)\nx>     102    (id=3)\n"
        );
        assert_eq!(
            c.describe(&acked(&[(1, 101), (3, 103)])),
            "       idx\nx>     101    (id=1)\n?        0    (id=2)\nxx>    103    (id=3)\n"
        );
        assert_eq!(cfg(&[]).describe(&acked(&[])), "<empty majority quorum>");
    }
}
