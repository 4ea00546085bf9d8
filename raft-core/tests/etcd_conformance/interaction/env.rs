//! The state of one interaction scenario: the nodes, the messages in flight between them, and the
//! text the current command prints.
//!
//! This is our counterpart of etcd's `rafttest.InteractionEnv`. Each node is a [`RawNode`] over an
//! [`EnvStorage`], and the application on top of it is etcd's "appender" state machine: applying
//! an entry appends its payload to the previous state, and every applied entry leaves a snapshot
//! of the state in the node's history.

use std::collections::VecDeque;

use raft_core::pb::{ConfState, Entry, HardState, Message, Snapshot, SnapshotMetadata};
use raft_core::{Config, MemoryStorage, RaftState, RawNode, Storage, StorageError};

/// Recipient id of work for a node's local append thread (etcd's `LocalAppendThread`).
pub const APPEND_THREAD: u64 = u64::MAX;
/// Recipient id of work for a node's local apply thread (etcd's `LocalApplyThread`).
pub const APPLY_THREAD: u64 = u64::MAX - 1;

/// Whether `id` names one of the local storage threads rather than a peer.
pub fn is_local_target(id: u64) -> bool {
    id == APPEND_THREAD || id == APPLY_THREAD
}

/// A failed command.
#[derive(Debug)]
pub enum CmdError {
    /// An error the system under test reported; etcd's harness prints it as the command's
    /// output, so the expected files contain it and we must print it the same way.
    Node(String),
    /// A malformed directive or a broken harness invariant (etcd calls `t.Fatal`): the scenario
    /// cannot continue.
    Harness(String),
}

impl CmdError {
    /// Wraps anything printable as a [`CmdError::Node`].
    pub fn node(e: impl std::fmt::Display) -> Self {
        CmdError::Node(e.to_string())
    }
}

/// Result of a command handler.
pub type CmdResult = Result<(), CmdError>;

/// A [`MemoryStorage`] whose `snapshot()` is the latest state of the appender state machine.
///
/// etcd's harness overrides `Snapshot()` the same way: `MemoryStorage` on its own keeps whatever
/// snapshot it was last given, which lags behind compaction, while a leader that needs to send a
/// snapshot must get one that covers everything the node applied.
#[derive(Debug)]
pub struct EnvStorage {
    /// The log, hard state and installed snapshot.
    pub mem: MemoryStorage,
    /// Every state the application went through, oldest first; never empty.
    pub history: Vec<Snapshot>,
}

impl EnvStorage {
    /// The latest application state.
    pub fn latest(&self) -> Snapshot {
        self.history.last().cloned().unwrap_or_default()
    }
}

impl Storage for EnvStorage {
    fn initial_state(&self) -> Result<RaftState, StorageError> {
        self.mem.initial_state()
    }
    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>, StorageError> {
        self.mem.entries(lo, hi, max_size)
    }
    fn term(&self, idx: u64) -> Result<u64, StorageError> {
        self.mem.term(idx)
    }
    fn first_index(&self) -> Result<u64, StorageError> {
        self.mem.first_index()
    }
    fn last_index(&self) -> Result<u64, StorageError> {
        self.mem.last_index()
    }
    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        Ok(self.latest())
    }
}

/// One member of the group.
pub struct Node {
    /// The node under test; it owns the storage.
    pub rn: RawNode<EnvStorage>,
    /// The configuration the node was created with (tick counts, async writes).
    pub cfg: Config,
    /// Queued `MsgStorageAppend` work (async storage writes only).
    pub append_work: VecDeque<Message>,
    /// Queued `MsgStorageApply` work (async storage writes only).
    pub apply_work: VecDeque<Message>,
}

impl Node {
    /// Persists what a Ready (or a `MsgStorageAppend`) asks to persist: hard state first, then
    /// either the snapshot or the entries.
    pub fn persist(
        &mut self,
        hs: Option<HardState>,
        entries: &[Entry],
        snap: Option<Snapshot>,
    ) -> CmdResult {
        let mem = &mut self.rn.store_mut().mem;
        if let Some(hs) = hs.filter(|hs| !hs.is_empty()) {
            mem.set_hard_state(hs);
        }
        match snap.filter(|s| !s.is_empty()) {
            Some(snap) => {
                if !entries.is_empty() {
                    return Err(CmdError::Node(
                        "can't apply snapshot and entries at the same time".into(),
                    ));
                }
                mem.apply_snapshot(snap).map_err(CmdError::node)
            }
            None => mem.append(entries).map_err(CmdError::node),
        }
    }

    /// Applies committed entries to the appender state machine, recording each new state.
    /// Conf changes are handed to the node; their context is what gets appended.
    pub fn apply(&mut self, entries: &[Entry]) -> CmdResult {
        use prost::Message as _;
        use raft_core::pb::{ConfChange, ConfChangeV2, EntryType};
        for ent in entries {
            let (update, cs) = match ent.kind() {
                Some(EntryType::EntryConfChange) => {
                    let cc = ConfChange::decode(ent.data.as_ref()).map_err(CmdError::node)?;
                    let cs = self.rn.apply_conf_change(&cc).map_err(CmdError::node)?;
                    (cc.context, Some(cs))
                }
                Some(EntryType::EntryConfChangeV2) => {
                    let cc = ConfChangeV2::decode(ent.data.as_ref()).map_err(CmdError::node)?;
                    let cs = self.rn.apply_conf_change(&cc).map_err(CmdError::node)?;
                    (cc.context, Some(cs))
                }
                _ => (ent.data.clone(), None),
            };
            let storage = self.rn.store_mut();
            let last = storage.latest();
            let mut data = last.data.to_vec();
            data.extend_from_slice(&update);
            let conf_state: ConfState = match cs {
                Some(cs) => cs,
                None => last.metadata.and_then(|m| m.conf_state).unwrap_or_default(),
            };
            storage.history.push(Snapshot {
                data: data.into(),
                metadata: Some(SnapshotMetadata {
                    conf_state: Some(conf_state),
                    index: ent.index,
                    term: ent.term,
                }),
            });
        }
        Ok(())
    }
}

/// Log levels of etcd's harness. We never print log lines (the comparison strips them), but the
/// level still matters: `NONE` silences all output except errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARN`
    Warn,
    /// `ERROR`
    Error,
    /// `FATAL`
    Fatal,
    /// `NONE`: quiet.
    None,
}

impl Level {
    const NAMES: [(&'static str, Level); 6] = [
        ("DEBUG", Level::Debug),
        ("INFO", Level::Info),
        ("WARN", Level::Warn),
        ("ERROR", Level::Error),
        ("FATAL", Level::Fatal),
        ("NONE", Level::None),
    ];

    /// Parses a level name, case-insensitively, with etcd's error text.
    pub fn parse(name: &str) -> Result<Level, CmdError> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, l)| l)
            .ok_or_else(|| {
                CmdError::Node(
                    "log levels must be either of [DEBUG INFO WARN ERROR FATAL NONE]".into(),
                )
            })
    }
}

/// The text a command prints, with etcd's nesting: sections of a `stabilize` are indented by
/// two spaces per level.
#[derive(Debug)]
pub struct Output {
    /// Open buffers; the last one receives writes. Never empty.
    stack: Vec<String>,
    /// The current level.
    pub level: Level,
}

impl Output {
    fn new() -> Self {
        Output {
            stack: vec![String::new()],
            level: Level::Info,
        }
    }

    /// Whether output is suppressed (`log-level none`).
    pub fn quiet(&self) -> bool {
        self.level == Level::None
    }

    /// Appends text unless quiet.
    pub fn write(&mut self, s: &str) {
        if self.quiet() {
            return;
        }
        if let Some(top) = self.stack.last_mut() {
            top.push_str(s);
        }
    }

    /// Appends a line unless quiet.
    pub fn line(&mut self, s: &str) {
        self.write(s);
        self.write("\n");
    }

    /// Starts a nested section.
    pub fn indent(&mut self) {
        self.stack.push(String::new());
    }

    /// Ends the nested section started by the matching [`Output::indent`], copying each of its
    /// lines into the enclosing one with two leading spaces.
    pub fn dedent(&mut self) {
        debug_assert!(self.stack.len() > 1, "dedent without indent");
        if self.stack.len() < 2 {
            return;
        }
        let inner = self.stack.pop().unwrap_or_default();
        if let Some(top) = self.stack.last_mut() {
            for line in inner.lines() {
                top.push_str("  ");
                top.push_str(line);
                top.push('\n');
            }
        }
    }

    /// Takes the printed text and starts over.
    fn take(&mut self) -> String {
        self.stack.truncate(1);
        self.stack
            .first_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

/// One scenario's world.
pub struct InteractionEnv {
    /// The nodes; node `i` has id `i + 1`.
    pub nodes: Vec<Node>,
    /// Messages sent but not yet delivered or dropped, in send order.
    pub messages: Vec<Message>,
    /// What the current command prints.
    pub out: Output,
}

impl Default for InteractionEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl InteractionEnv {
    /// An empty group.
    pub fn new() -> Self {
        InteractionEnv {
            nodes: Vec::new(),
            messages: Vec::new(),
            out: Output::new(),
        }
    }

    /// The node at index `idx` (id `idx + 1`).
    pub fn node(&mut self, idx: usize) -> Result<&mut Node, CmdError> {
        let n = self.nodes.len();
        self.nodes
            .get_mut(idx)
            .ok_or_else(|| CmdError::Harness(format!("no node {} (have {n})", idx + 1)))
    }

    /// Runs `f` inside a nested, indented output section.
    pub fn indented<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.out.indent();
        let r = f(self);
        self.out.dedent();
        r
    }

    /// Runs one directive and returns what it prints (`ok` for nothing), like etcd's `Handle`.
    /// `Err` means the directive itself is broken and the scenario must stop.
    pub fn handle(&mut self, d: &crate::datadriven::Directive) -> Result<String, String> {
        self.out.take();
        match self.dispatch(d) {
            Ok(()) => {}
            Err(CmdError::Harness(msg)) => return Err(msg),
            Err(CmdError::Node(msg)) => {
                if self.out.quiet() {
                    return Ok(msg);
                }
                self.out.write(&msg);
            }
        }
        let text = self.out.take();
        Ok(if text.is_empty() {
            "ok".to_string()
        } else {
            text
        })
    }
}
