//! Test-only bug injection: known protocol bug classes that the checker must catch.
//!
//! Compiled only with the `bug-injection` feature, which raft-core enables for its own tests
//! (through a dev-dependency on itself) and which refuses to compile without debug assertions,
//! so it cannot reach a release build. Each bug is switched on for the current thread only
//! ([`with_bug`]), so parallel tests do not see each other's bugs, and the hooks in the state
//! machine are inert unless a bug is active.

#[cfg(not(debug_assertions))]
compile_error!(
    "the `bug-injection` feature is for tests only; it must not be enabled in a release build \
     (build with debug assertions, e.g. CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true, to run \
     optimized tests)"
);

use std::cell::Cell;

/// A known bug class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// Figure 8 of the Raft paper: the leader commits an entry of an earlier term as soon as a
    /// quorum holds it, instead of only entries of its own term (logcabin #44).
    CommitPreviousTerm,
    /// A node grants its vote to a second candidate in a term in which it already voted.
    DoubleVote,
    /// The host sends vote grants before persisting the Ready's hard state (etcd's Ready
    /// contract broken; a crash in between forgets the vote).
    VoteBeforePersist,
    /// A follower handling a stale (reordered or duplicated) MsgApp whose entries all match
    /// drops every entry after them, including entries the leader already counted as
    /// replicated and committed.
    TruncateOnStaleAppend,
}

impl Bug {
    /// Every bug class.
    pub fn all() -> [Bug; 4] {
        [
            Bug::CommitPreviousTerm,
            Bug::DoubleVote,
            Bug::VoteBeforePersist,
            Bug::TruncateOnStaleAppend,
        ]
    }
}

thread_local! {
    static ACTIVE: Cell<Option<Bug>> = const { Cell::new(None) };
}

/// Whether `bug` is switched on for this thread.
pub fn active(bug: Bug) -> bool {
    ACTIVE.with(|a| a.get() == Some(bug))
}

/// Runs `f` with `bug` switched on for this thread, and off again afterwards (also if `f`
/// panics).
pub fn with_bug<R>(bug: Bug, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Bug>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0;
            ACTIVE.with(|a| a.set(prev));
        }
    }
    let _reset = Reset(ACTIVE.with(|a| a.replace(Some(bug))));
    f()
}
