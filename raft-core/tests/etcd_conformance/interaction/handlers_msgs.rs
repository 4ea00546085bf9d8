//! Moving messages between nodes: `deliver-msgs` (deliver or drop what is in flight) and
//! `send-snapshot` (put a hand-made `MsgSnap` in flight).

use raft_core::describe::describe_message;
use raft_core::pb::{Message, MessageType};
use raft_core::Storage;

use super::args::{id_to_idx, node_idxs, scan_u64};
use super::env::{is_local_target, CmdError, CmdResult, InteractionEnv};
use crate::datadriven::Directive;

/// Where `deliver-msgs` sends the messages addressed to one node.
#[derive(Clone, Copy, Debug)]
pub struct Recipient {
    /// The addressee.
    pub id: u64,
    /// Drop its messages instead of delivering them.
    pub drop: bool,
}

/// Looks a message type up by its wire name (`MsgApp`).
fn message_type_by_name(name: &str) -> Option<MessageType> {
    (0..=i32::from(u8::MAX))
        .filter_map(|v| MessageType::try_from(v).ok())
        .find(|t| format!("{t:?}") == name)
}

/// Messages between a node and its own storage threads must never be lost, so dropping skips
/// them (etcd's rule).
fn is_local_msg(m: &Message) -> bool {
    m.from == m.to || is_local_target(m.from) || is_local_target(m.to)
}

impl InteractionEnv {
    /// `deliver-msgs [ID...] [type=MsgX] [drop=(ids)]`
    pub(super) fn handle_deliver_msgs(&mut self, d: &Directive) -> CmdResult {
        let mut typ = None;
        let mut rs: Vec<Recipient> = Vec::new();
        for arg in &d.args {
            if arg.vals.is_empty() {
                let id = scan_u64("recipient", &arg.key)?;
                rs.push(Recipient { id, drop: false });
            }
            for val in &arg.vals {
                match arg.key.as_str() {
                    "drop" => {
                        let id = scan_u64("drop", val)?;
                        if rs.iter().any(|r| r.id == id) {
                            return Err(CmdError::Harness(format!(
                                "can't both deliver and drop msgs to {id}"
                            )));
                        }
                        rs.push(Recipient { id, drop: true });
                    }
                    "type" => {
                        typ = Some(message_type_by_name(val).ok_or_else(|| {
                            CmdError::Harness(format!("unknown message type {val}"))
                        })?);
                    }
                    _ => {}
                }
            }
        }
        if self.deliver_msgs(typ, &rs)? == 0 {
            self.out.line("no messages");
        }
        Ok(())
    }

    /// Delivers (or drops) the in-flight messages for each recipient in turn, keeping the order
    /// of everything else. Returns how many messages were handled. A node's error on a message
    /// is printed, as etcd's harness does, and does not stop delivery.
    pub(super) fn deliver_msgs(
        &mut self,
        typ: Option<MessageType>,
        rs: &[Recipient],
    ) -> Result<usize, CmdError> {
        let mut handled = 0;
        for r in rs {
            let (picked, rest): (Vec<Message>, Vec<Message>) = std::mem::take(&mut self.messages)
                .into_iter()
                .partition(|m| {
                    m.to == r.id
                        && !(r.drop && is_local_msg(m))
                        && typ.map_or(true, |t| m.msg_type == t as i32)
                });
            self.messages = rest;
            handled += picked.len();
            for m in picked {
                if r.drop {
                    self.out.write("dropped: ");
                }
                self.out.line(&describe_message(&m, None));
                if r.drop {
                    continue;
                }
                let to = id_to_idx(m.to)?;
                if let Err(e) = self.node(to)?.rn.step(m) {
                    self.out.line(&e.to_string());
                }
            }
        }
        Ok(handled)
    }

    /// `send-snapshot FROM TO`: queues a `MsgSnap` carrying FROM's latest snapshot.
    pub(super) fn handle_send_snapshot(&mut self, d: &Directive) -> CmdResult {
        let idxs = node_idxs(d)?;
        let [from_idx, to_idx] = idxs.as_slice() else {
            return Err(CmdError::Harness(
                "send-snapshot needs exactly two nodes".into(),
            ));
        };
        let from = self.node(*from_idx)?;
        // etcd's harness discards this command's error, so a failure prints nothing.
        let Ok(snap) = from.rn.store().snapshot() else {
            return Ok(());
        };
        let msg = Message {
            msg_type: MessageType::MsgSnap as i32,
            term: from.rn.term(),
            from: *from_idx as u64 + 1,
            to: *to_idx as u64 + 1,
            snapshot: Some(snap),
            ..Default::default()
        };
        self.out.write(&describe_message(&msg, None));
        self.messages.push(msg);
        Ok(())
    }
}
