//! Bridges to the enums defined in Python (`raft_core/_enums.py`).
//!
//! The enums live in Python so they are real `enum.IntEnum`s; the native code keeps integers and
//! builds members on the way out. Going in, any `int` (an `IntEnum` member is one) is accepted,
//! as protobuf accepts unknown enum values; the state machine rejects what it cannot handle.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// One Python enum class, imported once per interpreter.
pub(crate) struct PyEnum {
    name: &'static str,
    cell: PyOnceLock<Py<PyType>>,
}

impl PyEnum {
    const fn new(name: &'static str) -> Self {
        PyEnum {
            name,
            cell: PyOnceLock::new(),
        }
    }

    fn class<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyType>> {
        self.cell.import(py, "raft_core._enums", self.name)
    }

    /// The member for `value` (a pseudo-member `UNKNOWN_<n>` for wire enums' unknown values).
    pub(crate) fn member<'py>(&self, py: Python<'py>, value: i64) -> PyResult<Bound<'py, PyAny>> {
        self.class(py)?.call1((value,))
    }

    /// `MessageType.APP`, or `MessageType(99)` for a value the enum does not name, so that a
    /// value type's `repr` can be evaluated back.
    pub(crate) fn repr(&self, py: Python<'_>, value: i64) -> PyResult<String> {
        let member = self.member(py, value)?;
        let name: String = member.getattr("name")?.extract()?;
        if name.starts_with("UNKNOWN_") {
            Ok(format!("{}({value})", self.name))
        } else {
            Ok(format!("{}.{name}", self.name))
        }
    }
}

pub(crate) static MESSAGE_TYPE: PyEnum = PyEnum::new("MessageType");
pub(crate) static ENTRY_TYPE: PyEnum = PyEnum::new("EntryType");
pub(crate) static CONF_CHANGE_TYPE: PyEnum = PyEnum::new("ConfChangeType");
pub(crate) static CONF_CHANGE_TRANSITION: PyEnum = PyEnum::new("ConfChangeTransition");
pub(crate) static ROLE: PyEnum = PyEnum::new("Role");
pub(crate) static PROGRESS_STATE: PyEnum = PyEnum::new("ProgressState");
