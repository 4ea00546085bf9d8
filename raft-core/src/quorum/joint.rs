//! Joint consensus: two majorities that must both agree.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::{AckedIndexer, MajorityConfig, VoteResult};

/// The voters of a (possibly) joint configuration.
///
/// Outside a membership change `outgoing` is empty and, because the empty majority commits
/// everything and wins every vote, the pair behaves exactly like `incoming` alone. During a
/// change, `outgoing` holds the old voters and every decision needs both majorities.
#[derive(Clone, Default, PartialEq, Eq, Debug, Hash)]
pub struct JointConfig {
    /// The new (or only) voter set. Configuration changes are always applied to this half.
    pub incoming: MajorityConfig,
    /// The voter set being left; empty unless the configuration is joint.
    pub outgoing: MajorityConfig,
}

impl JointConfig {
    /// A non-joint configuration with the given voters.
    pub fn new(incoming: MajorityConfig) -> Self {
        JointConfig {
            incoming,
            outgoing: MajorityConfig::default(),
        }
    }

    /// Whether a membership change is in progress (the outgoing half is non-empty).
    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Every voter of either half, without duplicates, in ascending order (no allocation).
    pub fn iter_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.incoming.union(&self.outgoing).copied()
    }

    /// Every voter of either half.
    pub fn ids(&self) -> BTreeSet<u64> {
        self.iter_ids().collect()
    }

    /// Whether `id` votes in either half.
    pub fn contains(&self, id: u64) -> bool {
        self.incoming.contains(&id) || self.outgoing.contains(&id)
    }

    /// The highest index committed in *both* halves: the smaller of the two majorities' committed
    /// indexes (`u64::MAX` only when both halves are empty).
    pub fn committed_index(&self, acked: &(impl AckedIndexer + ?Sized)) -> u64 {
        let incoming = self.incoming.committed_index(acked);
        let outgoing = self.outgoing.committed_index(acked);
        incoming.min(outgoing)
    }

    /// The election outcome under joint consensus: won only if both halves won, lost as soon as
    /// either half lost, pending otherwise.
    pub fn vote_result(&self, votes: &BTreeMap<u64, bool>) -> VoteResult {
        self.vote_result_with(|id| votes.get(&id).copied())
    }

    /// Like [`JointConfig::vote_result`] with votes supplied by a function (`None` = not voted).
    pub fn vote_result_with(&self, vote_of: impl Fn(u64) -> Option<bool>) -> VoteResult {
        combine(
            self.incoming.vote_result_with(&vote_of),
            self.outgoing.vote_result_with(&vote_of),
        )
    }

    /// The bar chart of [`MajorityConfig::describe`] over the union of both halves (etcd draws
    /// joint configurations this way).
    pub fn describe(&self, acked: &(impl AckedIndexer + ?Sized)) -> String {
        MajorityConfig::from(self.ids()).describe(acked)
    }
}

/// Combines the two halves' outcomes: agreement stands, a loss anywhere is final, and one win with
/// one pending is still pending.
fn combine(a: VoteResult, b: VoteResult) -> VoteResult {
    match (a, b) {
        _ if a == b => a,
        (VoteResult::Lost, _) | (_, VoteResult::Lost) => VoteResult::Lost,
        _ => VoteResult::Pending,
    }
}

/// `(1 2 3)&&(1 2)` while joint, `(1 2 3)` otherwise (etcd's `JointConfig.String`).
impl fmt::Display for JointConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.incoming)?;
        if !self.outgoing.is_empty() {
            write!(f, "&&{}", self.outgoing)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joint(inc: &[u64], out: &[u64]) -> JointConfig {
        JointConfig {
            incoming: inc.iter().copied().collect(),
            outgoing: out.iter().copied().collect(),
        }
    }

    #[test]
    fn committed_is_the_minimum_of_both_halves() {
        let l: BTreeMap<u64, u64> = [(1, 10), (2, 20), (3, 30), (4, 5)].into_iter().collect();
        // (1 2 3) commits 20, (3 4) commits 5.
        assert_eq!(joint(&[1, 2, 3], &[3, 4]).committed_index(&l), 5);
        assert_eq!(joint(&[3, 4], &[1, 2, 3]).committed_index(&l), 5);
        // An empty half does not constrain.
        assert_eq!(joint(&[1, 2, 3], &[]).committed_index(&l), 20);
        assert_eq!(joint(&[], &[]).committed_index(&l), u64::MAX);
    }

    #[test]
    fn vote_needs_both_halves() {
        let votes: BTreeMap<u64, bool> = [(1, true), (2, true), (4, false), (5, false)]
            .into_iter()
            .collect();
        // Incoming (1 2 3) won, outgoing (3 4 5) lost.
        assert_eq!(
            joint(&[1, 2, 3], &[3, 4, 5]).vote_result(&votes),
            VoteResult::Lost
        );
        // Incoming won, outgoing (3 4 6) pending.
        assert_eq!(
            joint(&[1, 2, 3], &[3, 4, 6]).vote_result(&votes),
            VoteResult::Pending
        );
        assert_eq!(
            joint(&[1, 2, 3], &[1, 2]).vote_result(&votes),
            VoteResult::Won
        );
        assert_eq!(joint(&[], &[]).vote_result(&votes), VoteResult::Won);
    }

    #[test]
    fn display_and_ids() {
        assert_eq!(joint(&[1, 2, 3], &[]).to_string(), "(1 2 3)");
        assert_eq!(joint(&[1, 2, 3], &[1, 11]).to_string(), "(1 2 3)&&(1 b)");
        assert_eq!(joint(&[], &[]).to_string(), "()");
        let j = joint(&[3, 1], &[2, 3]);
        assert_eq!(j.ids().into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(j.contains(2) && j.contains(1) && !j.contains(4));
        assert!(j.is_joint() && !joint(&[1], &[]).is_joint());
    }
}
