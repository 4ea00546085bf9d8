//! Human-readable one-line renderings of the wire types and of [`Ready`], in exactly the text
//! etcd's `DescribeX` helpers produce.
//!
//! Why exact: etcd's datadriven scenario tests (our conformance corpus) record these strings as
//! expected output, so every space, bracket and field order here is part of a contract with that
//! corpus. The same strings are handy in logs and debuggers, which is why the module is public.
//!
//! Number formats follow Go's `fmt`: node ids in message headers are hexadecimal (`%x`), all
//! other numbers decimal; lists of ids print as `[1 2 3]`; byte payloads print as a Go quoted
//! string (see [`quote_bytes`]).

use std::fmt::Write as _;

use prost::Message as _;

use crate::pb::{
    ConfChange, ConfChangeI, ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2,
    ConfState, Entry, EntryType, HardState, Message, MessageType, Snapshot,
};
use crate::{Ready, SoftState};

/// Renders the data of a normal entry. Applications that know their payload format can pass one
/// to print something more useful than quoted bytes; `None` means [`quote_bytes`].
pub type EntryFormatter<'a> = &'a dyn Fn(&[u8]) -> String;

/// The pseudo node id etcd uses as the recipient of local "append to storage" work.
const APPEND_THREAD_ID: u64 = u64::MAX;
/// The pseudo node id etcd uses as the recipient of local "apply" work.
const APPLY_THREAD_ID: u64 = u64::MAX - 1;

/// Quotes bytes the way Go's `%q` verb does: a double-quoted string with Go escapes, valid UTF-8
/// printable characters kept as they are, and every byte of an invalid UTF-8 sequence as `\xNN`.
///
/// Go decides printability with its Unicode tables; we approximate that with "not a control
/// character and not whitespace other than the space", plus the common invisible format
/// characters. The corpus only contains ASCII payloads, for which the result is exact.
pub fn quote_bytes(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() + 2);
    out.push('"');
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped_char(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// Appends one character in Go `strconv.Quote` style.
fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Approximates Go's `unicode.IsPrint` (see [`quote_bytes`]).
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

/// Go's `%v` for a slice of ids: `[1 2 3]`, or `[]` when empty.
fn id_list(ids: &[u64]) -> String {
    let mut out = String::from("[");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{id}");
    }
    out.push(']');
    out
}

/// The name Go prints for a message type (`MsgApp`), or the number for a value this library does
/// not know (protobuf-go does the same).
fn message_type_name(raw: i32) -> String {
    match MessageType::try_from(raw) {
        Ok(t) => format!("{t:?}"),
        Err(_) => raw.to_string(),
    }
}

/// The name Go prints for an entry type (`EntryNormal`), or the number when unknown.
fn entry_type_name(raw: i32) -> String {
    match EntryType::try_from(raw) {
        Ok(t) => format!("{t:?}"),
        Err(_) => raw.to_string(),
    }
}

/// `Term:1 Vote:2 Commit:3`; the vote is left out when it is 0 (no vote).
pub fn describe_hard_state(hs: &HardState) -> String {
    let mut out = format!("Term:{}", hs.term);
    if hs.vote != 0 {
        let _ = write!(out, " Vote:{}", hs.vote);
    }
    let _ = write!(out, " Commit:{}", hs.commit);
    out
}

/// `Lead:1 State:StateLeader`.
pub fn describe_soft_state(ss: &SoftState) -> String {
    format!("Lead:{} State:{}", ss.lead, ss.raft_state)
}

/// `Voters:[1 2] VotersOutgoing:[] Learners:[3] LearnersNext:[] AutoLeave:false`.
pub fn describe_conf_state(cs: &ConfState) -> String {
    format!(
        "Voters:{} VotersOutgoing:{} Learners:{} LearnersNext:{} AutoLeave:{}",
        id_list(&cs.voters),
        id_list(&cs.voters_outgoing),
        id_list(&cs.learners),
        id_list(&cs.learners_next),
        cs.auto_leave
    )
}

/// `Index:11 Term:1 ConfState:Voters:[1 2 3] ...`; missing metadata reads as zeros.
pub fn describe_snapshot(snap: &Snapshot) -> String {
    let empty_cs = ConfState::default();
    let cs = snap
        .metadata
        .as_ref()
        .and_then(|m| m.conf_state.as_ref())
        .unwrap_or(&empty_cs);
    format!(
        "Index:{} Term:{} ConfState:{}",
        snap.index(),
        snap.term(),
        describe_conf_state(cs)
    )
}

/// `term/index Type data`: normal data through `f` (default: Go-quoted), conf changes decoded and
/// shown in the compact `v2 l3 r4` form. The data part is left out when it renders empty.
pub fn describe_entry(e: &Entry, f: Option<EntryFormatter<'_>>) -> String {
    let formatted = match EntryType::try_from(e.entry_type) {
        Ok(EntryType::EntryNormal) => match f {
            Some(f) => f(&e.data),
            None => quote_bytes(&e.data),
        },
        Ok(EntryType::EntryConfChange) => match ConfChange::decode(e.data.as_ref()) {
            Ok(cc) => ConfChangeSingle::list_to_string(&cc.as_v2().changes),
            Err(err) => err.to_string(),
        },
        Ok(EntryType::EntryConfChangeV2) => match ConfChangeV2::decode(e.data.as_ref()) {
            Ok(cc) => ConfChangeSingle::list_to_string(&cc.changes),
            Err(err) => err.to_string(),
        },
        Err(_) => String::new(),
    };
    let mut out = format!("{}/{} {}", e.term, e.index, entry_type_name(e.entry_type));
    if !formatted.is_empty() {
        out.push(' ');
        out.push_str(&formatted);
    }
    out
}

/// [`describe_entry`] for each entry, each followed by a newline.
pub fn describe_entries(entries: &[Entry], f: Option<EntryFormatter<'_>>) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&describe_entry(e, f));
        out.push('\n');
    }
    out
}

/// How a message endpoint is named: `None` for 0, `AppendThread`/`ApplyThread` for the local
/// storage pseudo-nodes, otherwise the id in lowercase hexadecimal.
fn describe_target(id: u64) -> String {
    match id {
        0 => "None".to_string(),
        APPEND_THREAD_ID => "AppendThread".to_string(),
        APPLY_THREAD_ID => "ApplyThread".to_string(),
        id => format!("{id:x}"),
    }
}

/// `1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[1/3 EntryNormal ""]`, with optional parts
/// (rejection, commit, vote, entries, snapshot on its own line, nested responses) only when set.
pub fn describe_message(m: &Message, f: Option<EntryFormatter<'_>>) -> String {
    let mut out = String::new();
    write_message(&mut out, "", m, f);
    out
}

/// Writes one message, with `indent` before continuation lines (nested responses add two spaces
/// per level, as etcd does).
fn write_message(out: &mut String, indent: &str, m: &Message, f: Option<EntryFormatter<'_>>) {
    let _ = write!(
        out,
        "{indent}{}->{} {} Term:{} Log:{}/{}",
        describe_target(m.from),
        describe_target(m.to),
        message_type_name(m.msg_type),
        m.term,
        m.log_term,
        m.index
    );
    if m.reject {
        let _ = write!(out, " Rejected (Hint: {})", m.reject_hint);
    }
    if m.commit != 0 {
        let _ = write!(out, " Commit:{}", m.commit);
    }
    if m.vote != 0 {
        let _ = write!(out, " Vote:{}", m.vote);
    }
    match m.entries.as_slice() {
        [] => {}
        [only] => {
            let _ = write!(out, " Entries:[{}]", describe_entry(only, f));
        }
        many => {
            out.push_str(" Entries:[");
            for e in many {
                let _ = write!(out, "\n{indent}  {}", describe_entry(e, f));
            }
            let _ = write!(out, "\n{indent}]");
        }
    }
    if let Some(snap) = m.snapshot.as_ref().filter(|s| !s.is_empty()) {
        let _ = write!(out, "\n{indent}  Snapshot: {}", describe_snapshot(snap));
    }
    if !m.responses.is_empty() {
        out.push_str(" Responses:[");
        let nested = format!("{indent}  ");
        for r in &m.responses {
            out.push('\n');
            write_message(out, &nested, r, f);
        }
        let _ = write!(out, "\n{indent}]");
    }
}

/// The whole of a [`Ready`]: a `Ready MustSync=<bool>:` header followed by each non-empty part
/// on its own line(s), or `<empty Ready>` when nothing is set.
///
/// Read states print like Go's `%v` of etcd's `[]ReadState`: `[{index [bytes of ctx]}]`.
pub fn describe_ready(rd: &Ready, f: Option<EntryFormatter<'_>>) -> String {
    let mut body = String::new();
    if let Some(ss) = &rd.soft_state {
        body.push_str(&describe_soft_state(ss));
        body.push('\n');
    }
    if let Some(hs) = rd.hard_state.as_ref().filter(|hs| !hs.is_empty()) {
        let _ = writeln!(body, "HardState {}", describe_hard_state(hs));
    }
    if !rd.read_states.is_empty() {
        body.push_str("ReadStates [");
        for (i, rs) in rd.read_states.iter().enumerate() {
            if i > 0 {
                body.push(' ');
            }
            let bytes: Vec<u64> = rs.request_ctx.iter().map(|&b| u64::from(b)).collect();
            let _ = write!(body, "{{{} {}}}", rs.index, id_list(&bytes));
        }
        body.push_str("]\n");
    }
    if !rd.entries.is_empty() {
        body.push_str("Entries:\n");
        body.push_str(&describe_entries(&rd.entries, f));
    }
    if let Some(snap) = rd.snapshot.as_ref().filter(|s| !s.is_empty()) {
        let _ = writeln!(body, "Snapshot {}", describe_snapshot(snap));
    }
    if !rd.committed_entries.is_empty() {
        body.push_str("CommittedEntries:\n");
        body.push_str(&describe_entries(&rd.committed_entries, f));
    }
    if !rd.messages.is_empty() {
        body.push_str("Messages:\n");
        for m in &rd.messages {
            body.push_str(&describe_message(m, f));
            body.push('\n');
        }
    }
    if body.is_empty() {
        return "<empty Ready>".to_string();
    }
    format!("Ready MustSync={}:\n{body}", rd.must_sync)
}

/// A stable text form of any conf change (etcd v3.7 `DescribeConfChange`):
/// `transition:ConfChangeTransitionAuto changes:{type:ConfChangeAddNode node_id:2} context:"x"`.
/// Unlike protobuf's text format it never varies between builds, so it is safe in logs and
/// expected test output.
pub fn describe_conf_change(cc: &impl ConfChangeI) -> String {
    let v2 = cc.as_v2();
    let transition = match ConfChangeTransition::try_from(v2.transition) {
        Ok(t) => format!("{t:?}"),
        Err(_) => v2.transition.to_string(),
    };
    let mut out = format!("transition:{transition}");
    for c in &v2.changes {
        let kind = match ConfChangeType::try_from(c.change_type) {
            Ok(t) => format!("{t:?}"),
            Err(_) => c.change_type.to_string(),
        };
        let _ = write!(out, " changes:{{type:{kind} node_id:{}}}", c.node_id);
    }
    if !v2.context.is_empty() {
        let _ = write!(out, " context:{}", quote_bytes(&v2.context));
    }
    out
}

#[cfg(test)]
mod tests {
    //! Expected strings are copied from etcd's scenario files (shared/conformance/etcd-raft).

    use bytes::Bytes;

    use super::*;
    use crate::pb::{ConfChangeTransition, SnapshotMetadata};

    fn entry(term: u64, index: u64, kind: EntryType, data: impl Into<Bytes>) -> Entry {
        Entry {
            term,
            index,
            entry_type: kind as i32,
            data: data.into(),
        }
    }

    fn cc_v2(transition: ConfChangeTransition, list: &str) -> ConfChangeV2 {
        ConfChangeV2 {
            transition: transition as i32,
            changes: ConfChangeSingle::parse_list(list).unwrap_or_default(),
            context: Bytes::new(),
        }
    }

    fn msg(t: MessageType, from: u64, to: u64, term: u64, log_term: u64, index: u64) -> Message {
        Message {
            msg_type: t as i32,
            from,
            to,
            term,
            log_term,
            index,
            ..Default::default()
        }
    }

    #[test]
    fn quoting_matches_go() {
        assert_eq!(quote_bytes(b""), r#""""#);
        assert_eq!(quote_bytes(b"prop_1_12"), r#""prop_1_12""#);
        assert_eq!(
            quote_bytes(b"a\"b\\c\n\t\x01\x7f"),
            r#""a\"b\\c\n\t\x01\x7f""#
        );
        assert_eq!(quote_bytes(b"\xff\xfeok"), r#""\xff\xfeok""#);
        assert_eq!(quote_bytes("héllo".as_bytes()), "\"héllo\"");
        assert_eq!(quote_bytes("\u{feff}".as_bytes()), r#""\ufeff""#);
    }

    #[test]
    fn entries() {
        // campaign.txt
        assert_eq!(
            describe_entry(&entry(1, 3, EntryType::EntryNormal, ""), None),
            r#"1/3 EntryNormal """#
        );
        // confchange_v2_add_double_auto.txt
        let (t, data) =
            cc_v2(ConfChangeTransition::ConfChangeTransitionAuto, "v2 v3").to_entry_payload();
        assert_eq!(
            describe_entry(&entry(1, 4, t, data), None),
            "1/4 EntryConfChangeV2 v2 v3"
        );
        // confchange_v1_add_single.txt
        let v1 = ConfChange {
            change_type: ConfChangeType::ConfChangeAddNode as i32,
            node_id: 2,
            ..Default::default()
        };
        let (t, data) = v1.to_entry_payload();
        assert_eq!(
            describe_entry(&entry(1, 3, t, data), None),
            "1/3 EntryConfChange v2"
        );
        // The leave-joint entry has no changes: nothing after the type.
        let (t, data) = ConfChangeV2::default().to_entry_payload();
        assert_eq!(
            describe_entry(&entry(1, 5, t, data), None),
            "1/5 EntryConfChangeV2"
        );
        let upper = |d: &[u8]| String::from_utf8_lossy(d).to_uppercase();
        assert_eq!(
            describe_entries(
                &[
                    entry(1, 12, EntryType::EntryNormal, "prop_1_12"),
                    entry(1, 13, EntryType::EntryNormal, "x"),
                ],
                Some(&upper)
            ),
            "1/12 EntryNormal PROP_1_12\n1/13 EntryNormal X\n"
        );
    }

    #[test]
    fn hard_state_omits_zero_vote() {
        // snapshot_succeed_via_app_resp.txt
        let hs = HardState {
            term: 1,
            vote: 0,
            commit: 11,
        };
        assert_eq!(describe_hard_state(&hs), "Term:1 Commit:11");
        let hs = HardState {
            term: 1,
            vote: 1,
            commit: 2,
        };
        assert_eq!(describe_hard_state(&hs), "Term:1 Vote:1 Commit:2");
    }

    #[test]
    fn snapshots_and_conf_states() {
        let snap = Snapshot {
            data: Bytes::new(),
            metadata: Some(SnapshotMetadata {
                conf_state: Some(ConfState {
                    voters: vec![1, 2, 3],
                    ..Default::default()
                }),
                index: 11,
                term: 1,
            }),
        };
        assert_eq!(
            describe_snapshot(&snap),
            "Index:11 Term:1 ConfState:Voters:[1 2 3] VotersOutgoing:[] Learners:[] \
             LearnersNext:[] AutoLeave:false"
        );
        let joint = ConfState {
            voters: vec![2, 3],
            voters_outgoing: vec![1, 2],
            learners: vec![],
            learners_next: vec![1],
            auto_leave: true,
        };
        assert_eq!(
            describe_conf_state(&joint),
            "Voters:[2 3] VotersOutgoing:[1 2] Learners:[] LearnersNext:[1] AutoLeave:true"
        );
    }

    #[test]
    fn simple_messages() {
        // campaign.txt
        assert_eq!(
            describe_message(&msg(MessageType::MsgVote, 1, 2, 1, 1, 2), None),
            "1->2 MsgVote Term:1 Log:1/2"
        );
        let mut app = msg(MessageType::MsgApp, 1, 2, 1, 1, 2);
        app.commit = 2;
        app.entries = vec![entry(1, 3, EntryType::EntryNormal, "")];
        assert_eq!(
            describe_message(&app, None),
            r#"1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[1/3 EntryNormal ""]"#
        );
        // probe_and_replicate.txt
        let mut rej = msg(MessageType::MsgAppResp, 2, 1, 8, 6, 20);
        rej.reject = true;
        rej.reject_hint = 19;
        assert_eq!(
            describe_message(&rej, None),
            "2->1 MsgAppResp Term:8 Log:6/20 Rejected (Hint: 19)"
        );
        // Ids print in hex.
        assert_eq!(
            describe_message(&msg(MessageType::MsgHeartbeat, 10, 255, 3, 0, 0), None),
            "a->ff MsgHeartbeat Term:3 Log:0/0"
        );
    }

    #[test]
    fn multi_entry_message_and_snapshot_lines() {
        // campaign_learner_must_vote.txt (multi-entry layout)
        let mut app = msg(MessageType::MsgApp, 2, 3, 2, 1, 3);
        app.commit = 4;
        let (t, data) =
            cc_v2(ConfChangeTransition::ConfChangeTransitionAuto, "v3").to_entry_payload();
        app.entries = vec![
            entry(1, 4, t, data),
            entry(2, 5, EntryType::EntryNormal, ""),
        ];
        assert_eq!(
            describe_message(&app, None),
            "2->3 MsgApp Term:2 Log:1/3 Commit:4 Entries:[\n  1/4 EntryConfChangeV2 v3\n  \
             2/5 EntryNormal \"\"\n]"
        );
        // snapshot_succeed_via_app_resp.txt
        let mut snap_msg = msg(MessageType::MsgSnap, 1, 3, 1, 0, 0);
        snap_msg.snapshot = Some(Snapshot {
            data: Bytes::new(),
            metadata: Some(SnapshotMetadata {
                conf_state: Some(ConfState {
                    voters: vec![1, 2, 3],
                    ..Default::default()
                }),
                index: 11,
                term: 1,
            }),
        });
        assert_eq!(
            describe_message(&snap_msg, None),
            "1->3 MsgSnap Term:1 Log:0/0\n  Snapshot: Index:11 Term:1 ConfState:Voters:[1 2 3] \
             VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false"
        );
    }

    #[test]
    fn storage_messages_with_responses() {
        // async_storage_writes.txt
        let mut append = msg(MessageType::MsgStorageAppend, 1, APPEND_THREAD_ID, 0, 0, 0);
        append.entries = vec![entry(1, 11, EntryType::EntryNormal, "")];
        append.responses = vec![
            msg(MessageType::MsgAppResp, 1, 1, 1, 0, 11),
            msg(
                MessageType::MsgStorageAppendResp,
                APPEND_THREAD_ID,
                1,
                1,
                1,
                11,
            ),
        ];
        assert_eq!(
            describe_message(&append, None),
            "1->AppendThread MsgStorageAppend Term:0 Log:0/0 Entries:[1/11 EntryNormal \"\"] \
             Responses:[\n  1->1 MsgAppResp Term:1 Log:0/11\n  \
             AppendThread->1 MsgStorageAppendResp Term:1 Log:1/11\n]"
        );
        let mut vote = msg(MessageType::MsgStorageAppend, 1, APPEND_THREAD_ID, 1, 0, 0);
        vote.commit = 10;
        vote.vote = 1;
        assert_eq!(
            describe_message(&vote, None),
            "1->AppendThread MsgStorageAppend Term:1 Log:0/0 Commit:10 Vote:1"
        );
        let apply = msg(MessageType::MsgStorageApply, 1, APPLY_THREAD_ID, 0, 0, 0);
        assert_eq!(
            describe_message(&apply, None),
            "1->ApplyThread MsgStorageApply Term:0 Log:0/0"
        );
        assert_eq!(
            describe_message(&msg(MessageType::MsgHup, 0, 0, 0, 0, 0), None),
            "None->None MsgHup Term:0 Log:0/0"
        );
    }

    #[test]
    fn conf_change_description_is_stable() {
        let mut cc = cc_v2(
            ConfChangeTransition::ConfChangeTransitionJointExplicit,
            "v2 l3",
        );
        assert_eq!(
            describe_conf_change(&cc),
            "transition:ConfChangeTransitionJointExplicit changes:{type:ConfChangeAddNode \
             node_id:2} changes:{type:ConfChangeAddLearnerNode node_id:3}"
        );
        cc.context = Bytes::from_static(b"ctx");
        assert!(describe_conf_change(&cc).ends_with(" context:\"ctx\""));
        let v1 = ConfChange {
            change_type: ConfChangeType::ConfChangeRemoveNode as i32,
            node_id: 1,
            ..Default::default()
        };
        assert_eq!(
            describe_conf_change(&v1),
            "transition:ConfChangeTransitionAuto changes:{type:ConfChangeRemoveNode node_id:1}"
        );
    }

    #[test]
    fn ready_sections_in_etcd_order() {
        use crate::{ReadState, StateRole};
        assert_eq!(describe_ready(&Ready::default(), None), "<empty Ready>");

        // campaign.txt
        let mut rd = Ready::default();
        rd.must_sync = true;
        rd.soft_state = Some(SoftState {
            lead: 0,
            raft_state: StateRole::Candidate,
        });
        rd.hard_state = Some(HardState {
            term: 1,
            vote: 1,
            commit: 2,
        });
        rd.messages = vec![
            msg(MessageType::MsgVote, 1, 2, 1, 1, 2),
            msg(MessageType::MsgVote, 1, 3, 1, 1, 2),
        ];
        assert_eq!(
            describe_ready(&rd, None),
            "Ready MustSync=true:\nLead:0 State:StateCandidate\nHardState Term:1 Vote:1 Commit:2\n\
             Messages:\n1->2 MsgVote Term:1 Log:1/2\n1->3 MsgVote Term:1 Log:1/2\n"
        );

        // async_storage_writes.txt: committed entries come after entries and before messages.
        let mut rd = Ready::default();
        rd.hard_state = Some(HardState {
            term: 1,
            vote: 1,
            commit: 11,
        });
        rd.committed_entries = vec![entry(1, 11, EntryType::EntryNormal, "")];
        let mut app = msg(MessageType::MsgApp, 1, 2, 1, 1, 11);
        app.commit = 11;
        rd.messages = vec![app];
        assert_eq!(
            describe_ready(&rd, None),
            "Ready MustSync=false:\nHardState Term:1 Vote:1 Commit:11\nCommittedEntries:\n\
             1/11 EntryNormal \"\"\nMessages:\n1->2 MsgApp Term:1 Log:1/11 Commit:11\n"
        );

        // snapshot_succeed_via_app_resp.txt: an empty hard state is left out, a snapshot shown.
        let mut rd = Ready::default();
        rd.hard_state = Some(HardState::default());
        rd.snapshot = Some(Snapshot {
            data: Bytes::new(),
            metadata: Some(SnapshotMetadata {
                conf_state: Some(ConfState {
                    voters: vec![1, 2, 3],
                    ..Default::default()
                }),
                index: 11,
                term: 1,
            }),
        });
        rd.messages = vec![msg(MessageType::MsgAppResp, 3, 1, 1, 0, 11)];
        assert_eq!(
            describe_ready(&rd, None),
            "Ready MustSync=false:\nSnapshot Index:11 Term:1 ConfState:Voters:[1 2 3] \
             VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false\nMessages:\n\
             3->1 MsgAppResp Term:1 Log:0/11\n"
        );

        // Go's %v of []ReadState (no corpus file uses ReadIndex).
        let mut rd = Ready::default();
        rd.read_states = vec![ReadState {
            index: 5,
            request_ctx: Bytes::from_static(b"hi"),
        }];
        assert_eq!(
            describe_ready(&rd, None),
            "Ready MustSync=false:\nReadStates [{5 [104 105]}]\n"
        );
    }
}
