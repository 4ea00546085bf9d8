//! Proves the hand-written wire types in `raft_core::pb` equal the schema in
//! `include/raft.proto`: the schema is compiled at test time (pure Rust, no protoc), and values
//! cross between our types and a reflection-based codec built from the schema, in both
//! directions, with every field compared by its schema name.

use std::path::PathBuf;

use bytes::Bytes;
use proptest::prelude::*;
use prost::Message as _;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, Value};
use raft_core::pb::*;

fn pool() -> DescriptorPool {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include");
    let fds = protox::compile([root.join("raft.proto")], [root]).expect("raft.proto compiles");
    DescriptorPool::from_file_descriptor_set(fds).expect("descriptor pool")
}

fn desc(name: &str) -> MessageDescriptor {
    pool()
        .get_message_by_name(&format!("raftpb.{name}"))
        .unwrap_or_else(|| panic!("raftpb.{name} in schema"))
}

fn dyn_of(name: &str, bytes: &[u8]) -> DynamicMessage {
    DynamicMessage::decode(desc(name), bytes).expect("schema decodes our bytes")
}

fn u64_field(m: &DynamicMessage, f: &str) -> u64 {
    m.get_field_by_name(f).and_then(|v| v.as_u64()).expect(f)
}
fn i32_field(m: &DynamicMessage, f: &str) -> i32 {
    m.get_field_by_name(f)
        .and_then(|v| v.as_enum_number())
        .expect(f)
}
fn bool_field(m: &DynamicMessage, f: &str) -> bool {
    m.get_field_by_name(f).and_then(|v| v.as_bool()).expect(f)
}
fn bytes_field(m: &DynamicMessage, f: &str) -> Bytes {
    m.get_field_by_name(f)
        .and_then(|v| v.as_bytes().cloned())
        .expect(f)
}
fn u64_list(m: &DynamicMessage, f: &str) -> Vec<u64> {
    match m.get_field_by_name(f).expect(f).as_ref() {
        Value::List(l) => l.iter().map(|v| v.as_u64().expect("u64")).collect(),
        other => panic!("{f} is not a list: {other:?}"),
    }
}
fn msg_list(m: &DynamicMessage, f: &str) -> Vec<DynamicMessage> {
    match m.get_field_by_name(f).expect(f).as_ref() {
        Value::List(l) => l
            .iter()
            .map(|v| v.as_message().expect("message").clone())
            .collect(),
        other => panic!("{f} is not a list: {other:?}"),
    }
}
fn opt_msg(m: &DynamicMessage, f: &str) -> Option<DynamicMessage> {
    m.has_field_by_name(f).then(|| {
        m.get_field_by_name(f)
            .and_then(|v| v.as_message().cloned())
            .expect(f)
    })
}

fn check_entry(e: &Entry, d: &DynamicMessage) {
    assert_eq!(e.term, u64_field(d, "Term"));
    assert_eq!(e.index, u64_field(d, "Index"));
    assert_eq!(e.entry_type, i32_field(d, "Type"));
    assert_eq!(e.data, bytes_field(d, "Data"));
}

fn check_conf_state(c: &ConfState, d: &DynamicMessage) {
    assert_eq!(c.voters, u64_list(d, "voters"));
    assert_eq!(c.learners, u64_list(d, "learners"));
    assert_eq!(c.voters_outgoing, u64_list(d, "voters_outgoing"));
    assert_eq!(c.learners_next, u64_list(d, "learners_next"));
    assert_eq!(c.auto_leave, bool_field(d, "auto_leave"));
}

fn check_snapshot(s: &Snapshot, d: &DynamicMessage) {
    assert_eq!(s.data, bytes_field(d, "data"));
    match (&s.metadata, opt_msg(d, "metadata")) {
        (None, None) => {}
        (Some(m), Some(dm)) => {
            assert_eq!(m.index, u64_field(&dm, "index"));
            assert_eq!(m.term, u64_field(&dm, "term"));
            match (&m.conf_state, opt_msg(&dm, "conf_state")) {
                (None, None) => {}
                (Some(c), Some(dc)) => check_conf_state(c, &dc),
                other => panic!("conf_state presence differs: {other:?}"),
            }
        }
        other => panic!("metadata presence differs: {other:?}"),
    }
}

fn check_message(m: &Message, d: &DynamicMessage) {
    assert_eq!(m.msg_type, i32_field(d, "type"));
    assert_eq!(m.to, u64_field(d, "to"));
    assert_eq!(m.from, u64_field(d, "from"));
    assert_eq!(m.term, u64_field(d, "term"));
    assert_eq!(m.log_term, u64_field(d, "logTerm"));
    assert_eq!(m.index, u64_field(d, "index"));
    assert_eq!(m.commit, u64_field(d, "commit"));
    assert_eq!(m.vote, u64_field(d, "vote"));
    assert_eq!(m.reject, bool_field(d, "reject"));
    assert_eq!(m.reject_hint, u64_field(d, "rejectHint"));
    assert_eq!(m.context, bytes_field(d, "context"));
    let ents = msg_list(d, "entries");
    assert_eq!(m.entries.len(), ents.len());
    for (e, de) in m.entries.iter().zip(&ents) {
        check_entry(e, de);
    }
    match (&m.snapshot, opt_msg(d, "snapshot")) {
        (None, None) => {}
        (Some(s), Some(ds)) => check_snapshot(s, &ds),
        other => panic!("snapshot presence differs: {other:?}"),
    }
    let resps = msg_list(d, "responses");
    assert_eq!(m.responses.len(), resps.len());
    for (r, dr) in m.responses.iter().zip(&resps) {
        check_message(r, dr);
    }
}

/// Our bytes decode under the schema with the same values, and the schema's encoding of those
/// values decodes back to the same Rust value.
fn round_trip<T: prost::Message + Default + PartialEq + std::fmt::Debug>(
    name: &str,
    v: &T,
    check: impl Fn(&T, &DynamicMessage),
) {
    let ours = v.encode_to_vec();
    let d = dyn_of(name, &ours);
    check(v, &d);
    let theirs = d.encode_to_vec();
    let back = T::decode(theirs.as_slice()).expect("our types decode the schema's bytes");
    assert_eq!(&back, v);
}

#[test]
fn every_schema_field_is_known_and_numbered_as_ours() {
    // Field name -> number, as our prost attributes declare them.
    let ours: &[(&str, &[(&str, u32)])] = &[
        (
            "Entry",
            &[("Term", 2), ("Index", 3), ("Type", 1), ("Data", 4)],
        ),
        (
            "SnapshotMetadata",
            &[("conf_state", 1), ("index", 2), ("term", 3)],
        ),
        ("Snapshot", &[("data", 1), ("metadata", 2)]),
        (
            "Message",
            &[
                ("type", 1),
                ("to", 2),
                ("from", 3),
                ("term", 4),
                ("logTerm", 5),
                ("index", 6),
                ("entries", 7),
                ("commit", 8),
                ("vote", 13),
                ("snapshot", 9),
                ("reject", 10),
                ("rejectHint", 11),
                ("context", 12),
                ("responses", 14),
            ],
        ),
        ("HardState", &[("term", 1), ("vote", 2), ("commit", 3)]),
        (
            "ConfState",
            &[
                ("voters", 1),
                ("learners", 2),
                ("voters_outgoing", 3),
                ("learners_next", 4),
                ("auto_leave", 5),
            ],
        ),
        (
            "ConfChange",
            &[("type", 2), ("node_id", 3), ("context", 4), ("id", 1)],
        ),
        ("ConfChangeSingle", &[("type", 1), ("node_id", 2)]),
        (
            "ConfChangeV2",
            &[("transition", 1), ("changes", 2), ("context", 3)],
        ),
    ];
    let pool = pool();
    assert_eq!(
        pool.all_messages().count(),
        ours.len(),
        "every schema message is covered"
    );
    for (msg, fields) in ours {
        let d = desc(msg);
        assert_eq!(d.fields().count(), fields.len(), "{msg}: field count");
        for (f, num) in *fields {
            let fd = d
                .get_field_by_name(f)
                .unwrap_or_else(|| panic!("{msg}.{f} in schema"));
            assert_eq!(fd.number(), *num, "{msg}.{f}");
            if fd.is_list() && fd.kind().as_message().is_none() {
                assert!(!fd.is_packed(), "{msg}.{f} must be unpacked (proto2)");
            }
        }
    }
}

#[test]
fn enum_values_match_the_schema() {
    let pool = pool();
    let check = |name: &str, ours: &dyn Fn(i32) -> Option<String>| {
        let e = pool
            .get_enum_by_name(&format!("raftpb.{name}"))
            .expect(name);
        for v in e.values() {
            assert_eq!(
                ours(v.number()).as_deref(),
                Some(v.name()),
                "{name} = {}",
                v.number()
            );
        }
        // And nothing beyond the schema.
        assert!(
            ours(e.values().count() as i32).is_none(),
            "{name} has extra values"
        );
    };
    check("EntryType", &|n| {
        EntryType::try_from(n).ok().map(|v| format!("{v:?}"))
    });
    check("MessageType", &|n| {
        MessageType::try_from(n).ok().map(|v| format!("{v:?}"))
    });
    check("ConfChangeTransition", &|n| {
        ConfChangeTransition::try_from(n)
            .ok()
            .map(|v| format!("{v:?}"))
    });
    check("ConfChangeType", &|n| {
        ConfChangeType::try_from(n).ok().map(|v| format!("{v:?}"))
    });
}

fn any_bytes() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..16).prop_map(Bytes::from)
}

fn any_entry() -> impl Strategy<Value = Entry> {
    (any::<u64>(), any::<u64>(), 0i32..3, any_bytes()).prop_map(|(term, index, t, data)| Entry {
        term,
        index,
        entry_type: t,
        data,
    })
}

fn any_conf_state() -> impl Strategy<Value = ConfState> {
    let ids = || proptest::collection::vec(any::<u64>(), 0..4);
    (ids(), ids(), ids(), ids(), any::<bool>()).prop_map(|(v, l, vo, ln, al)| ConfState {
        voters: v,
        learners: l,
        voters_outgoing: vo,
        learners_next: ln,
        auto_leave: al,
    })
}

fn any_snapshot() -> impl Strategy<Value = Snapshot> {
    (
        any_bytes(),
        proptest::option::of((
            proptest::option::of(any_conf_state()),
            any::<u64>(),
            any::<u64>(),
        )),
    )
        .prop_map(|(data, meta)| Snapshot {
            data,
            metadata: meta.map(|(cs, index, term)| SnapshotMetadata {
                conf_state: cs,
                index,
                term,
            }),
        })
}

fn any_message() -> impl Strategy<Value = Message> {
    let scalars = (
        0i32..24,
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
    );
    let rest = (
        proptest::collection::vec(any_entry(), 0..3),
        any::<u64>(),
        any::<u64>(),
        proptest::option::of(any_snapshot()),
        any::<bool>(),
        any::<u64>(),
        any_bytes(),
    );
    (scalars, rest).prop_map(
        |(
            (t, to, from, term, log_term, index),
            (entries, commit, vote, snapshot, reject, hint, ctx),
        )| {
            Message {
                msg_type: t,
                to,
                from,
                term,
                log_term,
                index,
                entries,
                commit,
                vote,
                snapshot,
                reject,
                reject_hint: hint,
                context: ctx,
                responses: Vec::new(),
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn entries_cross(e in any_entry()) {
        round_trip("Entry", &e, check_entry);
    }

    #[test]
    fn conf_states_cross(c in any_conf_state()) {
        round_trip("ConfState", &c, check_conf_state);
    }

    #[test]
    fn hard_states_cross(term in any::<u64>(), vote in any::<u64>(), commit in any::<u64>()) {
        let hs = HardState { term, vote, commit };
        round_trip("HardState", &hs, |h, d| {
            assert_eq!(h.term, u64_field(d, "term"));
            assert_eq!(h.vote, u64_field(d, "vote"));
            assert_eq!(h.commit, u64_field(d, "commit"));
        });
    }

    #[test]
    fn messages_cross(m in any_message(), r in proptest::option::of(any_message())) {
        let mut m = m;
        m.responses = r.into_iter().collect();
        round_trip("Message", &m, check_message);
    }

    #[test]
    fn conf_changes_cross(t in 0i32..4, node in any::<u64>(), ctx in any_bytes(), id in any::<u64>(),
                          tr in 0i32..3, n2 in any::<u64>()) {
        let cc = ConfChange { change_type: t, node_id: node, context: ctx.clone(), id };
        round_trip("ConfChange", &cc, |c, d| {
            assert_eq!(c.change_type, i32_field(d, "type"));
            assert_eq!(c.node_id, u64_field(d, "node_id"));
            assert_eq!(c.context, bytes_field(d, "context"));
            assert_eq!(c.id, u64_field(d, "id"));
        });
        let v2 = ConfChangeV2 {
            transition: tr,
            changes: vec![ConfChangeSingle { change_type: t, node_id: node }, ConfChangeSingle { change_type: 0, node_id: n2 }],
            context: ctx,
        };
        round_trip("ConfChangeV2", &v2, |c, d| {
            assert_eq!(c.transition, i32_field(d, "transition"));
            assert_eq!(c.context, bytes_field(d, "context"));
            let ch = msg_list(d, "changes");
            assert_eq!(ch.len(), c.changes.len());
            for (s, ds) in c.changes.iter().zip(&ch) {
                assert_eq!(s.change_type, i32_field(ds, "type"));
                assert_eq!(s.node_id, u64_field(ds, "node_id"));
            }
        });
    }
}

#[test]
fn gogo_style_explicit_zeros_decode() {
    // etcd <= v3.6 (gogoproto) always writes non-nullable scalars, zeros included.
    let bytes = [0x08, 0x00, 0x10, 0x00, 0x18, 0x00, 0x20, 0x00, 0x50, 0x00];
    let m = decode_message(&bytes).unwrap();
    assert_eq!(m, Message::default());
}

#[test]
fn repeated_scalars_are_written_unpacked_and_read_either_way() {
    let cs = ConfState {
        voters: vec![1, 2],
        ..Default::default()
    };
    assert_eq!(
        cs.encode_to_vec(),
        vec![0x08, 0x01, 0x08, 0x02],
        "one tag per element"
    );
    let packed = [0x0a, 0x02, 0x01, 0x02];
    assert_eq!(ConfState::decode_from(&packed).unwrap(), cs);
}
