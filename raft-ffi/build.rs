//! Gives libraft.so its soname. Cargo has no soname setting of its own (rust-lang/cargo#5045), so
//! the linker argument is passed for the cdylib only; the staticlib and rlib are unaffected.
//!
//! The soname carries the ABI generation, not the crate version: `libraft.so.0` for every 0.x
//! release. Bump it (and `RAFT_SONAME_VERSION` in mk/ffi.mk) whenever an exported signature or
//! struct layout changes incompatibly.

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libraft.so.0");
    println!("cargo:rerun-if-changed=build.rs");
}
