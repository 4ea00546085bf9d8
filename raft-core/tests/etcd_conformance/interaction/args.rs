//! Reading directive arguments the way etcd's harness does. Where etcd calls `t.Fatal` on a bad
//! argument we return [`CmdError::Harness`]; where it returns an error that ends up in the
//! output, [`CmdError::Node`] with the same text.

use super::env::CmdError;
use crate::datadriven::Directive;

/// The first argument as a number (etcd's `firstAsInt`).
pub fn first_as_int(d: &Directive) -> Result<u64, CmdError> {
    let first = d
        .args
        .first()
        .ok_or_else(|| CmdError::Harness(format!("{}: missing first argument", d.cmd)))?;
    first
        .key
        .parse::<u64>()
        .map_err(|e| CmdError::Harness(format!("{}: {:?}: {e}", d.cmd, first.key)))
}

/// The first argument as a node index (id - 1).
pub fn first_as_node_idx(d: &Directive) -> Result<usize, CmdError> {
    id_to_idx(first_as_int(d)?)
}

/// Converts a node id to its index in the env.
pub fn id_to_idx(id: u64) -> Result<usize, CmdError> {
    id.checked_sub(1)
        .and_then(|i| usize::try_from(i).ok())
        .ok_or_else(|| CmdError::Harness(format!("invalid node id {id}")))
}

/// The bare (value-less) arguments as node indexes (etcd's `nodeIdxs`).
pub fn node_idxs(d: &Directive) -> Result<Vec<usize>, CmdError> {
    d.args
        .iter()
        .filter(|a| a.vals.is_empty())
        .map(|a| {
            let id = a
                .key
                .parse::<u64>()
                .map_err(|e| CmdError::Harness(format!("{}: {:?}: {e}", d.cmd, a.key)))?;
            id_to_idx(id)
        })
        .collect()
}

/// A number argument value; a bad one is a broken directive.
pub fn scan_u64(key: &str, val: &str) -> Result<u64, CmdError> {
    val.parse::<u64>()
        .map_err(|e| CmdError::Harness(format!("{key}={val}: {e}")))
}

/// A boolean argument value; a bad one is a broken directive.
pub fn scan_bool(key: &str, val: &str) -> Result<bool, CmdError> {
    parse_go_bool(val).ok_or_else(|| CmdError::Harness(format!("{key}={val}: not a boolean")))
}

/// Go's `strconv.ParseBool`: the spellings etcd's scenario files may use.
pub fn parse_go_bool(val: &str) -> Option<bool> {
    match val {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The single value of a required `key=value` argument (etcd's `ScanArgs`).
pub fn required_val<'d>(d: &'d Directive, key: &str) -> Result<&'d str, CmdError> {
    d.val(key)
        .ok_or_else(|| CmdError::Harness(format!("{}: missing argument {key}", d.cmd)))
}
