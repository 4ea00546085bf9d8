//! Library version, at compile time (header macros) and at run time.

use std::ffi::c_char;

const fn parse_u32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0u32;
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

pub(crate) const MAJOR: u32 = parse_u32(env!("CARGO_PKG_VERSION_MAJOR"));
pub(crate) const MINOR: u32 = parse_u32(env!("CARGO_PKG_VERSION_MINOR"));
pub(crate) const PATCH: u32 = parse_u32(env!("CARGO_PKG_VERSION_PATCH"));

/// `MAJOR * 1_000_000 + MINOR * 1_000 + PATCH`, the same formula as `RAFT_VERSION_NUMBER`.
pub(crate) const NUMBER: u32 = MAJOR * 1_000_000 + MINOR * 1_000 + PATCH;

const VERSION_CSTR: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

ffi_fn! {
    /// The library's version as `MAJOR * 1000000 + MINOR * 1000 + PATCH`. Equals
    /// `RAFT_VERSION_NUMBER` when the header matches the library; a host can check
    /// `raft_version_number() / 1000000 == RAFT_VERSION_MAJOR` at start-up. Thread-safe.
    fn raft_version_number() -> u32 {
        NUMBER
    } ?= NUMBER;
}

ffi_fn! {
    /// The library's version as a static NUL-terminated string such as "0.1.0" (equal to
    /// `RAFT_VERSION_STRING`). Never free it. Thread-safe.
    fn raft_version() -> *const c_char {
        VERSION_CSTR.as_ptr().cast()
    } ?= VERSION_CSTR.as_ptr().cast();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header's version macros come from cbindgen.toml; they must follow Cargo.toml.
    #[test]
    fn header_macros_equal_the_crate_version() {
        let toml = include_str!("../cbindgen.toml");
        let macro_value = |name: &str| -> u32 {
            let prefix = format!("#define {name} ");
            toml.lines()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} in cbindgen.toml"))
        };
        assert_eq!(macro_value("RAFT_VERSION_MAJOR"), MAJOR);
        assert_eq!(macro_value("RAFT_VERSION_MINOR"), MINOR);
        assert_eq!(macro_value("RAFT_VERSION_PATCH"), PATCH);
        let string = format!(
            "#define RAFT_VERSION_STRING \"{}\"",
            env!("CARGO_PKG_VERSION")
        );
        assert!(toml.contains(&string), "{string}");
        // SAFETY: plain call without pointers.
        assert_eq!(unsafe { raft_version_number() }, NUMBER);
    }
}
