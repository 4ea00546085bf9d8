//! Argument conversions with Python-shaped rules and error messages.

use bytes::Bytes;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};
use pyo3::PyClass;

/// A payload argument: `bytes`, `bytearray` or `memoryview`, copied once into an immutable
/// buffer. `str` is refused on purpose: which encoding to use is the application's decision.
pub(crate) struct BytesIn(pub(crate) Bytes);

impl<'a, 'py> FromPyObject<'a, 'py> for BytesIn {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(BytesIn(Bytes::copy_from_slice(b.as_bytes())));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(BytesIn(Bytes::from(b.to_vec())));
        }
        if obj.is_instance_of::<PyMemoryView>() {
            let copy = obj.py().get_type::<PyBytes>().call1((obj,))?;
            let b = copy.cast::<PyBytes>()?;
            return Ok(BytesIn(Bytes::copy_from_slice(b.as_bytes())));
        }
        Err(PyTypeError::new_err(format!(
            "expected bytes, bytearray or memoryview, not {}",
            type_name(&obj)
        )))
    }
}

/// A collection of node ids: any iterable of ints (list, tuple, set, range, ...). A `str` or
/// `bytes` is refused even though it is iterable, because it is never what the caller meant.
pub(crate) struct Ids(pub(crate) Vec<u64>);

impl<'a, 'py> FromPyObject<'a, 'py> for Ids {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err(format!(
                "expected an iterable of node ids, not {}",
                type_name(&obj)
            )));
        }
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(item?.extract::<u64>()?);
        }
        Ok(Ids(out))
    }
}

/// Collects any iterable of `T` instances (a frozen pyclass) into values built by `f`. Anything
/// else in the iterable is a `TypeError` naming the expected class.
pub(crate) fn collect<T, R>(obj: &Bound<'_, PyAny>, mut f: impl FnMut(&T) -> R) -> PyResult<Vec<R>>
where
    T: PyClass<Frozen = True> + Sync,
{
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "expected an iterable of {}, not {}",
            T::NAME,
            type_name(&obj.as_borrowed())
        )));
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        let one = item.cast::<T>().map_err(|_| {
            PyTypeError::new_err(format!(
                "expected {} items, got {}",
                T::NAME,
                type_name(&item.as_borrowed())
            ))
        })?;
        out.push(f(one.get()));
    }
    Ok(out)
}

/// The Python type name of `obj`, for error messages.
pub(crate) fn type_name(obj: &Borrowed<'_, '_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}
