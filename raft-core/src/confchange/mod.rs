//! Membership changes: validating and applying `ConfChangeSingle`s to a tracker's configuration,
//! either one voter at a time ([`Changer::simple`]) or through joint consensus
//! ([`Changer::enter_joint`] / [`Changer::leave_joint`]), and rebuilding a configuration from a
//! `ConfState` ([`restore`]).
//!
//! Every operation works on a copy and returns the new configuration and progress map, or an
//! error leaving the tracker untouched; the caller installs the result. Invalid requests are
//! errors, never panics.

mod changer;
mod restore;

pub use changer::Changer;
pub use restore::restore;

use crate::pb::{ConfChangeSingle, ConfChangeType};

/// Why a membership change was refused. The messages are etcd's, word for word, because they
/// appear in etcd's test corpus and in logs operators compare.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfChangeError {
    /// Entering a joint configuration while already in one.
    #[error("config is already joint")]
    AlreadyJoint,
    /// Entering a joint configuration from a configuration without voters (only simple changes
    /// may bootstrap an empty configuration).
    #[error("can't make a zero-voter config joint")]
    ZeroVoterJoint,
    /// Leaving a joint configuration while not in one.
    #[error("can't leave a non-joint config")]
    NotJoint,
    /// A simple change requested while a joint configuration is active.
    #[error("can't apply simple config change in joint config")]
    SimpleInJoint,
    /// A simple change that adds or removes more than one voter in total, which could let two
    /// disjoint majorities exist; such changes need joint consensus.
    #[error("more than one voter changed without entering joint config")]
    TooManyVoterChanges,
    /// The change would leave the incoming configuration without voters.
    #[error("removed all voters")]
    RemovedAllVoters,
    /// A change whose type value is not a known `ConfChangeType`.
    #[error("unexpected conf type {0}")]
    UnknownChangeType(i32),
    /// A member of the configuration has no progress entry.
    #[error("no progress for {0}")]
    MissingProgress(u64),
    /// A staged learner that is not a voter of the outgoing configuration.
    #[error("{0} is in LearnersNext, but not Voters[1]")]
    LearnerNextNotOutgoingVoter(u64),
    /// A staged learner whose progress already says learner.
    #[error("{0} is in LearnersNext, but is already marked as learner")]
    LearnerNextAlreadyLearner(u64),
    /// A learner that also votes in the outgoing configuration.
    #[error("{0} is in Learners and Voters[1]")]
    LearnerIsOutgoingVoter(u64),
    /// A learner that also votes in the incoming configuration.
    #[error("{0} is in Learners and Voters[0]")]
    LearnerIsIncomingVoter(u64),
    /// A learner whose progress does not say learner.
    #[error("{0} is in Learners, but is not marked as learner")]
    LearnerNotMarked(u64),
    /// Staged learners outside a joint configuration.
    #[error("cfg.LearnersNext must be nil when not joint")]
    LearnersNextOutsideJoint,
    /// `auto_leave` set outside a joint configuration.
    #[error("AutoLeave must be false when not joint")]
    AutoLeaveOutsideJoint,
}

/// The changes as etcd's `confchange.Describe` prints them: space-separated `Type(node)` items,
/// e.g. `ConfChangeAddNode(1) ConfChangeRemoveNode(2)`. An unknown type prints as its number.
pub fn describe(ccs: &[ConfChangeSingle]) -> String {
    let mut out = String::new();
    for cc in ccs {
        if !out.is_empty() {
            out.push(' ');
        }
        match ConfChangeType::try_from(cc.change_type) {
            Ok(t) => out.push_str(type_name(t)),
            Err(_) => out.push_str(&cc.change_type.to_string()),
        }
        out.push('(');
        out.push_str(&cc.node_id.to_string());
        out.push(')');
    }
    out
}

fn type_name(t: ConfChangeType) -> &'static str {
    match t {
        ConfChangeType::ConfChangeAddNode => "ConfChangeAddNode",
        ConfChangeType::ConfChangeRemoveNode => "ConfChangeRemoveNode",
        ConfChangeType::ConfChangeUpdateNode => "ConfChangeUpdateNode",
        ConfChangeType::ConfChangeAddLearnerNode => "ConfChangeAddLearnerNode",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_names_each_change() {
        let ccs = ConfChangeSingle::parse_list("v1 l2 r3 u4").unwrap();
        assert_eq!(
            describe(&ccs),
            "ConfChangeAddNode(1) ConfChangeAddLearnerNode(2) ConfChangeRemoveNode(3) \
             ConfChangeUpdateNode(4)"
        );
        assert_eq!(describe(&[]), "");
        let odd = ConfChangeSingle {
            change_type: 9,
            node_id: 5,
        };
        assert_eq!(describe(&[odd]), "9(5)");
    }

    #[test]
    fn error_texts_are_etcds() {
        assert_eq!(
            ConfChangeError::UnknownChangeType(7).to_string(),
            "unexpected conf type 7"
        );
        assert_eq!(
            ConfChangeError::LearnerNextNotOutgoingVoter(3).to_string(),
            "3 is in LearnersNext, but not Voters[1]"
        );
        assert_eq!(
            ConfChangeError::MissingProgress(12).to_string(),
            "no progress for 12"
        );
    }
}
