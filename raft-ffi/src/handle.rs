//! Handle bookkeeping shared by every opaque type: poisoning, the last-error message, NULL rules
//! for arguments, the panic guard the macro calls, and borrowed buffers from C.

use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::status::{raft_status, Failure};

/// Per-handle state every opaque type embeds.
///
/// `poisoned` is atomic because a panic can happen inside a read-only call (`const` handle),
/// which may run concurrently with other read-only calls. `last_error` is only written by
/// mutating calls, which the thread-safety rules make exclusive.
#[derive(Debug, Default)]
pub(crate) struct HandleState {
    poisoned: AtomicBool,
    last_error: CString,
}

impl HandleState {
    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Relaxed)
    }

    pub(crate) fn last_error(&self) -> &CString {
        &self.last_error
    }

    fn set_error(&mut self, message: &str) {
        // An interior NUL cannot come from our own messages, but payload text in an error could
        // carry one; cut there rather than fail.
        let bytes = message.as_bytes();
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        self.last_error = CString::new(&bytes[..end]).unwrap_or_default();
    }

    fn check_live(&self) -> Result<(), Failure> {
        if self.is_poisoned() {
            Err(Failure::new(
                raft_status::Poisoned,
                "handle is poisoned by an earlier internal error",
            ))
        } else {
            Ok(())
        }
    }
}

/// Implemented by every opaque handle type.
pub(crate) trait Handle {
    /// The embedded state, reached without creating a reference to the whole handle, so that the
    /// panic guard can poison it through the caller's original raw pointer.
    ///
    /// # Safety
    /// `this` must point to a live handle.
    unsafe fn state_ptr(this: *const Self) -> *const HandleState;
}

/// Handles touched by the current call on this thread, to poison if the call panics. Mutable
/// registrations also receive the panic message as last error.
enum Touched {
    Shared(*const HandleState),
    Exclusive(*mut HandleState),
}

thread_local! {
    static TOUCHED: RefCell<Vec<Touched>> = const { RefCell::new(Vec::new()) };
}

fn touched_clear() {
    TOUCHED.with(|t| t.borrow_mut().clear());
}

fn touched_push(t: Touched) {
    TOUCHED.with(|v| v.borrow_mut().push(t));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    format!("internal error (panic): {what}")
}

fn poison_touched(message: &str) {
    let touched = TOUCHED.with(|t| std::mem::take(&mut *t.borrow_mut()));
    for t in touched {
        // SAFETY: every registered pointer was derived from a handle pointer that C passed to
        // the current call, so the handle is alive until the call returns; the closure that
        // borrowed it has unwound, so no reference to the handle is live any more.
        unsafe {
            match t {
                Touched::Shared(p) => (*p).poisoned.store(true, Ordering::Relaxed),
                Touched::Exclusive(p) => {
                    (*p).poisoned.store(true, Ordering::Relaxed);
                    (*p).set_error(message);
                }
            }
        }
    }
}

/// The guard behind status-returning exported functions.
pub(crate) fn guard_status(f: impl FnOnce() -> Result<(), Failure>) -> raft_status {
    touched_clear();
    let status = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => raft_status::Ok,
        Ok(Err(failure)) => failure.status,
        Err(payload) => {
            poison_touched(&panic_message(payload.as_ref()));
            raft_status::Panic
        }
    };
    touched_clear();
    status
}

/// The guard behind value-returning exported functions.
pub(crate) fn guard_value<T>(f: impl FnOnce() -> T, default: impl FnOnce() -> T) -> T {
    touched_clear();
    let out = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            poison_touched(&panic_message(payload.as_ref()));
            default()
        }
    };
    touched_clear();
    out
}

/// Runs `f` on the handle for a mutating call: refuses a poisoned handle, registers it for
/// poisoning, clears the last error, and records the failure message if `f` fails.
///
/// # Safety
/// `p` must be a live handle from this library, not aliased by another call in progress.
pub(crate) unsafe fn with_mut<H: Handle, T>(
    p: *mut H,
    f: impl FnOnce(&mut H) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: caller guarantees `p` is live; the pointer keeps `p`'s provenance.
    let state = unsafe { H::state_ptr(p) } as *mut HandleState;
    // SAFETY: as above; the shared read ends before `f` borrows the handle.
    unsafe { (*state).check_live()? };
    touched_push(Touched::Exclusive(state));
    // SAFETY: as above; exclusive because mutating calls on one handle are never concurrent.
    // Only when set: an empty `CString` still allocates, and this runs on every call.
    unsafe {
        if !(*state).last_error.as_bytes().is_empty() {
            (*state).last_error = CString::default();
        }
    }
    // SAFETY: as above.
    let result = f(unsafe { &mut *p });
    if let Err(failure) = &result {
        // SAFETY: the borrow given to `f` has ended.
        unsafe { (*state).set_error(&failure.message) };
    }
    result
}

/// Runs `f` on the handle for a read-only call: refuses a poisoned handle and registers it for
/// poisoning. Writes no last error, so concurrent read-only calls do not race.
///
/// # Safety
/// `p` must be a live handle from this library.
pub(crate) unsafe fn with_ref<H: Handle, T>(
    p: *const H,
    f: impl FnOnce(&H) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // SAFETY: caller guarantees `p` is live.
    let state = unsafe { H::state_ptr(p) };
    // SAFETY: as above.
    unsafe { (*state).check_live()? };
    touched_push(Touched::Shared(state));
    // SAFETY: as above; only shared borrows of a const handle exist during read-only calls.
    f(unsafe { &*p })
}

/// Moves a new handle to C.
pub(crate) fn into_raw<H>(h: H) -> *mut H {
    Box::into_raw(Box::new(h))
}

/// Takes a handle back from C and drops it. NULL is a no-op (the macro already returned).
///
/// # Safety
/// `p` must come from [`into_raw`] and not have been freed.
pub(crate) unsafe fn free_raw<H>(p: *mut H) {
    if !p.is_null() {
        // SAFETY: caller guarantees `p` came from `Box::into_raw` and is freed once.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Writes an out-parameter. Called only once the whole call has succeeded.
///
/// # Safety
/// `out` must be valid for writes (the macro has checked it is not NULL).
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: caller guarantees validity; `write` does not read or drop the old (possibly
    // uninitialised) value.
    unsafe { out.write(value) }
}

/// A borrowed input buffer: `(NULL, 0)` is empty, `(NULL, n > 0)` is an error.
///
/// # Safety
/// If `ptr` is not NULL it must be valid for reads of `len` elements for the whole call.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], Failure> {
    if ptr.is_null() {
        if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::new(
                raft_status::NullArgument,
                "buffer pointer is NULL but its length is not 0",
            ))
        }
    } else {
        // SAFETY: caller guarantees `ptr` is valid for `len` reads.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
}

/// The NULL rule of one argument type of an exported function (see `ffi_fn!`).
pub trait NullCheck {
    /// Whether the argument is a NULL pointer that the function must refuse before running.
    fn is_null_arg(&self) -> bool;
}

macro_rules! never_null {
    ($($t:ty),*) => {$(
        impl NullCheck for $t {
            fn is_null_arg(&self) -> bool { false }
        }
    )*};
}

// Scalars, and the buffer pointers whose (NULL, 0) means "empty" (checked by `slice`).
never_null!(u8, i32, u32, u64, usize, bool, *const u8, *const u64);

/// Every `*mut T` is a handle to mutate or an out-parameter to write: never NULL.
impl<T> NullCheck for *mut T {
    fn is_null_arg(&self) -> bool {
        self.is_null()
    }
}

macro_rules! const_never_null {
    ($($t:ty),*) => {$(
        impl NullCheck for *const $t {
            fn is_null_arg(&self) -> bool { self.is_null() }
        }
    )*};
}

const_never_null!(
    crate::node::raft_node,
    crate::storage::raft_storage,
    crate::config::raft_config,
    crate::ready::raft_ready,
    crate::types::raft_hard_state,
    crate::types::raft_entry,
    crate::types::raft_snapshot_view
);

/// `const raft_conf_state *` is optional where it appears ("NULL: keep the current one").
impl NullCheck for *const crate::types::raft_conf_state {
    fn is_null_arg(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Dummy {
        state: HandleState,
        value: u32,
    }

    impl Handle for Dummy {
        unsafe fn state_ptr(this: *const Self) -> *const HandleState {
            // SAFETY: test handles are live.
            unsafe { std::ptr::addr_of!((*this).state) }
        }
    }

    #[test]
    fn panic_poisons_the_touched_handle_only() {
        let a = into_raw(Dummy::default());
        let b = into_raw(Dummy::default());
        // SAFETY: `a` is live and not shared.
        let s = guard_status(|| unsafe {
            with_mut(a, |d| -> Result<(), Failure> {
                d.value = 1;
                panic!("boom")
            })
        });
        assert_eq!(s, raft_status::Panic);
        // SAFETY: both handles are live.
        unsafe {
            assert!((*a).state.is_poisoned());
            assert!((*a).state.last_error().to_str().unwrap().contains("boom"));
            assert!(!(*b).state.is_poisoned());
            let again = guard_status(|| with_mut(a, |_| Ok(())));
            assert_eq!(again, raft_status::Poisoned);
            let read = guard_status(|| with_ref(a as *const Dummy, |_| Ok(())));
            assert_eq!(read, raft_status::Poisoned);
            let fine = guard_status(|| {
                with_mut(b, |d| {
                    d.value = 2;
                    Ok(())
                })
            });
            assert_eq!(fine, raft_status::Ok);
            free_raw(a);
            free_raw(b);
        }
    }

    #[test]
    fn failure_sets_and_success_clears_last_error() {
        let a = into_raw(Dummy::default());
        // SAFETY: `a` is live and not shared.
        unsafe {
            let s = guard_status(|| {
                with_mut(a, |_| Err(Failure::new(raft_status::Misuse, "bad\0tail")))
            });
            assert_eq!(s, raft_status::Misuse);
            assert_eq!((*a).state.last_error().to_str().unwrap(), "bad");
            assert!(!(*a).state.is_poisoned());
            assert_eq!(guard_status(|| with_mut(a, |_| Ok(()))), raft_status::Ok);
            assert_eq!((*a).state.last_error().to_str().unwrap(), "");
            free_raw(a);
        }
    }

    #[test]
    fn buffers_accept_null_only_when_empty() {
        // SAFETY: NULL pointers are never dereferenced by `slice`.
        unsafe {
            assert_eq!(slice::<u8>(std::ptr::null(), 0).unwrap(), &[] as &[u8]);
            assert_eq!(
                slice::<u8>(std::ptr::null(), 3).unwrap_err().status,
                raft_status::NullArgument
            );
        }
    }
}
