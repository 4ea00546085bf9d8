//! Helpers on the membership-change wire types: the v1/v2 bridge, the joint-consensus reading of a
//! `ConfChangeV2`, and the compact text form (`v1 l2 r3 u4`) etcd's tests and logs use.

use super::{
    ConfChange, ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, EntryType,
};
use bytes::Bytes;
use prost::Message as _;

/// Either kind of membership change. The state machine works on [`ConfChangeV2`] only; a v1
/// change is its single-change special case.
pub trait ConfChangeI {
    /// The change in v2 form.
    fn as_v2(&self) -> ConfChangeV2;
    /// The change in v1 form, when it is one.
    fn as_v1(&self) -> Option<&ConfChange>;
    /// The entry type and payload that carry this change in the log.
    fn to_entry_payload(&self) -> (EntryType, Bytes);
}

impl ConfChangeI for ConfChange {
    fn as_v2(&self) -> ConfChangeV2 {
        ConfChangeV2 {
            transition: ConfChangeTransition::ConfChangeTransitionAuto as i32,
            changes: vec![ConfChangeSingle {
                change_type: self.change_type,
                node_id: self.node_id,
            }],
            context: self.context.clone(),
        }
    }

    fn as_v1(&self) -> Option<&ConfChange> {
        Some(self)
    }

    fn to_entry_payload(&self) -> (EntryType, Bytes) {
        (
            EntryType::EntryConfChange,
            Bytes::from(self.encode_to_vec()),
        )
    }
}

impl ConfChangeI for ConfChangeV2 {
    fn as_v2(&self) -> ConfChangeV2 {
        self.clone()
    }

    fn as_v1(&self) -> Option<&ConfChange> {
        None
    }

    fn to_entry_payload(&self) -> (EntryType, Bytes) {
        (
            EntryType::EntryConfChangeV2,
            Bytes::from(self.encode_to_vec()),
        )
    }
}

impl ConfChangeV2 {
    /// Whether applying this change enters a joint configuration, and if so whether that
    /// configuration is left automatically: `Some(auto_leave)` or `None` for a simple change.
    ///
    /// A change is joint when its transition asks for it or when it changes more than one node.
    /// An unknown transition value is treated like `Auto` here; validation rejects it before use.
    pub fn enter_joint(&self) -> Option<bool> {
        let transition = ConfChangeTransition::try_from(self.transition)
            .unwrap_or(ConfChangeTransition::ConfChangeTransitionAuto);
        if transition == ConfChangeTransition::ConfChangeTransitionAuto && self.changes.len() <= 1 {
            return None;
        }
        Some(transition != ConfChangeTransition::ConfChangeTransitionJointExplicit)
    }

    /// Whether this is the empty change that means "leave the joint configuration".
    pub fn leave_joint(&self) -> bool {
        self.transition == ConfChangeTransition::ConfChangeTransitionAuto as i32
            && self.changes.is_empty()
    }
}

/// Why a textual change list such as `v1 l2 r3` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfChangeParseError {
    /// A token shorter than two characters.
    #[error("unknown token {0}")]
    UnknownToken(String),
    /// A token whose first letter is not one of `v`, `l`, `r`, `u`.
    #[error("unknown input: {0}")]
    UnknownKind(String),
    /// A token whose node id is not a number.
    #[error("invalid node id in {0}")]
    BadNodeId(String),
}

impl ConfChangeSingle {
    /// Parses etcd's compact change list: space-separated tokens `v<id>` (add voter), `l<id>`
    /// (add learner), `r<id>` (remove) and `u<id>` (update).
    pub fn parse_list(s: &str) -> Result<Vec<ConfChangeSingle>, ConfChangeParseError> {
        s.split_whitespace()
            .map(|tok| {
                if tok.len() < 2 {
                    return Err(ConfChangeParseError::UnknownToken(tok.to_owned()));
                }
                let change_type = match &tok[..1] {
                    "v" => ConfChangeType::ConfChangeAddNode,
                    "l" => ConfChangeType::ConfChangeAddLearnerNode,
                    "r" => ConfChangeType::ConfChangeRemoveNode,
                    "u" => ConfChangeType::ConfChangeUpdateNode,
                    _ => return Err(ConfChangeParseError::UnknownKind(tok.to_owned())),
                };
                let node_id = tok[1..]
                    .parse::<u64>()
                    .map_err(|_| ConfChangeParseError::BadNodeId(tok.to_owned()))?;
                Ok(ConfChangeSingle::new(change_type, node_id))
            })
            .collect()
    }

    /// Renders changes in the compact form [`ConfChangeSingle::parse_list`] reads.
    pub fn list_to_string(changes: &[ConfChangeSingle]) -> String {
        let mut out = String::new();
        for (i, cc) in changes.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let letter = match ConfChangeType::try_from(cc.change_type) {
                Ok(ConfChangeType::ConfChangeAddNode) => "v",
                Ok(ConfChangeType::ConfChangeAddLearnerNode) => "l",
                Ok(ConfChangeType::ConfChangeRemoveNode) => "r",
                Ok(ConfChangeType::ConfChangeUpdateNode) => "u",
                Err(_) => "unknown",
            };
            out.push_str(letter);
            out.push_str(&cc.node_id.to_string());
        }
        out
    }
}
