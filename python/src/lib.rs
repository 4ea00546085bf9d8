//! The native half of the `raft_core` Python package (`raft_core._native`).
//!
//! Everything here is private API: users import `raft_core`, whose `__init__.py` re-exports the
//! public names. The module is thin on purpose: value types over `raft_core::pb`, the storage
//! and node wrappers, and one error mapping. Rules this crate keeps:
//!
//! * No panics reach Python: no `unwrap`/`expect`/indexing on anything from outside, and calls
//!   into the core run under `catch_unwind` (see `node.rs`), which turns a bug into
//!   `raft_core.InternalError`.
//! * Mutable objects are `#[pyclass(frozen)]` with a `Mutex` inside, so concurrent calls from
//!   several threads wait for each other instead of raising "already borrowed".
//! * Work inside the core runs with the GIL released (`Python::detach`); locks are taken and
//!   released inside the detached closure, so a thread never waits for a lock while attached
//!   and holding one.

mod convert;
mod enums;
mod errors;
mod node;
mod sim;
mod storage;
mod wire;

use pyo3::prelude::*;

/// The native module. `gil_used = false`: every class is `Sync` and guards its own state.
#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    wire::register(m)?;
    node::register(m)?;
    sim::register(m)?;
    Ok(())
}
