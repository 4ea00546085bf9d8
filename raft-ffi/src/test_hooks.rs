//! Test-only exports (feature `test-hooks`): ways to make the library fail on purpose.

use crate::handle::with_mut;
use crate::node::raft_node;
use crate::status::Failure;

ffi_fn! {
    /// TEST BUILDS ONLY. Panics while holding `node`, as an internal bug would: the call
    /// returns `RAFT_STATUS_PANIC` and the node is poisoned.
    fn raft_test_node_panic(node: *mut raft_node) -> raft_status {
        // SAFETY: C promises a live, exclusively used handle.
        unsafe {
            with_mut(node, |_| -> Result<(), Failure> {
                panic!("deliberate panic from raft_test_node_panic")
            })
        }
    }
}
