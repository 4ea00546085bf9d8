//! Quorum arithmetic: which log index a group of voters has committed and who won an election.
//!
//! A [`MajorityConfig`] is one set of voters deciding by simple majority. A [`JointConfig`] is the
//! pair of majorities that must *both* agree while a membership change is in flight (Raft thesis
//! §4.3). Nothing here knows about progress tracking or messages; callers supply acknowledged
//! indexes through [`AckedIndexer`] and votes as a map, so the same code serves the leader's hot
//! path, status reporting and the conformance harness.

mod joint;
mod majority;

use std::collections::BTreeMap;
use std::fmt;

pub use joint::JointConfig;
pub(crate) use majority::quorum_index;
pub use majority::MajorityConfig;

/// The outcome of counting votes against a configuration.
///
/// The discriminants match etcd's `VoteResult` so that the numeric form is interchangeable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum VoteResult {
    /// Neither the "yes" nor the "no" side can be sure of a quorum yet: the votes still missing
    /// decide.
    Pending = 1,
    /// A quorum can no longer vote "yes", whatever the missing voters say.
    Lost = 2,
    /// A quorum voted "yes".
    Won = 3,
}

impl fmt::Display for VoteResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VoteResult::Pending => "VotePending",
            VoteResult::Lost => "VoteLost",
            VoteResult::Won => "VoteWon",
        })
    }
}

/// A source of "highest log index this voter is known to hold".
///
/// `None` means the voter has not reported anything, which differs from having acknowledged index
/// 0 only in how [`MajorityConfig::describe`] draws it; for commit computations both count as 0.
pub trait AckedIndexer {
    /// The index acknowledged by `voter_id`, if it reported one.
    fn acked_index(&self, voter_id: u64) -> Option<u64>;
}

impl AckedIndexer for BTreeMap<u64, u64> {
    fn acked_index(&self, voter_id: u64) -> Option<u64> {
        self.get(&voter_id).copied()
    }
}

impl<T: AckedIndexer + ?Sized> AckedIndexer for &T {
    fn acked_index(&self, voter_id: u64) -> Option<u64> {
        (**self).acked_index(voter_id)
    }
}

/// Renders a commit index the way etcd's `quorum.Index` prints: `u64::MAX` (the committed index
/// of an empty configuration, meaning "no constraint") as `∞`, anything else in decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayIndex(pub u64);

impl fmt::Display for DisplayIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == u64::MAX {
            f.write_str("∞")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vote_result_names_and_numbers_match_etcd() {
        assert_eq!(VoteResult::Pending.to_string(), "VotePending");
        assert_eq!(VoteResult::Lost.to_string(), "VoteLost");
        assert_eq!(VoteResult::Won.to_string(), "VoteWon");
        assert_eq!(
            [VoteResult::Pending, VoteResult::Lost, VoteResult::Won].map(|v| v as u8),
            [1, 2, 3]
        );
    }

    #[test]
    fn display_index_uses_infinity_for_max() {
        assert_eq!(DisplayIndex(u64::MAX).to_string(), "∞");
        assert_eq!(DisplayIndex(0).to_string(), "0");
        assert_eq!(
            DisplayIndex(u64::MAX - 1).to_string(),
            "18446744073709551614"
        );
    }
}
