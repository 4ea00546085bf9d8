//! `ffi_fn!`: the one macro that generates every exported function.
//!
//! Generating the whole function (rather than wrapping a body by hand) means no exported function
//! can forget the guards. Each generated function is `#[no_mangle] pub unsafe extern "C"` and:
//!
//! 1. checks every argument with [`crate::handle::NullCheck`]: a NULL handle, out-parameter or
//!    struct pointer returns `RAFT_STATUS_NULL_ARGUMENT` (or the declared default for functions
//!    that do not return a status) before the body runs. Buffer pointers (`*const u8`,
//!    `*const u64`) are exempt because `(NULL, 0)` is a valid empty buffer; the body checks them
//!    with [`crate::handle::slice`]. An argument type with no `NullCheck` impl does not compile,
//!    so a new pointer type must decide its NULL rule explicitly.
//! 2. runs the body inside `catch_unwind`, so nothing unwinds into C. A caught panic poisons every
//!    handle the body touched through [`crate::handle::with_mut`] / [`crate::handle::with_ref`]
//!    and returns `RAFT_STATUS_PANIC` (or the default).
//!
//! Two forms:
//!
//! * `fn name(args) -> raft_status { body }` where `body: Result<(), Failure>`.
//! * `fn name(args) -> T { body } ?= default;` where `body: T`, for the few functions that
//!   return a value directly (`raft_status_str`, `raft_version_number`, `_free`, `_last_error`).
//!   `_free(NULL)` returns the default `()` without running the body: a no-op, as promised.

macro_rules! ffi_fn {
    (
        $(#[$meta:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> raft_status $body:block
    ) => {
        $(#[$meta])*
        #[no_mangle]
        #[must_use]
        // The safety contract for callers is the C one, stated once in raft.h's preamble and
        // per function in its doc (valid handles, readable buffers of the given length).
        #[allow(clippy::missing_safety_doc)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $crate::status::raft_status {
            $(
                if $crate::handle::NullCheck::is_null_arg(&$arg) {
                    return $crate::status::raft_status::NullArgument;
                }
            )*
            $crate::handle::guard_status(
                move || -> ::std::result::Result<(), $crate::status::Failure> { $body },
            )
        }
    };
    (
        $(#[$meta:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block ?= $default:expr;
    ) => {
        $(#[$meta])*
        #[no_mangle]
        // See the first arm; `-> ()` comes from the `_free` functions' declared return type.
        #[allow(clippy::missing_safety_doc, clippy::unused_unit)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            $(
                if $crate::handle::NullCheck::is_null_arg(&$arg) {
                    return $default;
                }
            )*
            $crate::handle::guard_value(
                move || -> $ret { $body },
                || $default,
            )
        }
    };
}
