//! Python values to TOML values (the model file's vocabulary), and the model's errors to Python
//! exceptions that name the call, the argument and what is allowed.

use cajal_core::ErrorKind;
use cajal_model::ModelError;
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// A Python value as a TOML value; `None` for Python's `None` (the key is left out). `at` names
/// the argument in errors.
pub fn to_toml(v: &Bound<'_, PyAny>, at: &str) -> PyResult<Option<toml::Value>> {
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Some(toml::Value::Boolean(v.extract()?)));
    }
    if v.is_instance_of::<PyInt>() {
        let i: i64 = v.extract().map_err(|_| {
            PyValueError::new_err(format!(
                "{at}: the integer {v} is too large (at most 2^63 - 1)"
            ))
        })?;
        return Ok(Some(toml::Value::Integer(i)));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Some(toml::Value::Float(v.extract()?)));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Some(toml::Value::String(v.extract()?)));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, x) in d.iter() {
            let key: String = k.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{at}: keys must be strings (got {})",
                    k.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            })?;
            if let Some(x) = to_toml(&x, &format!("{at}[{key:?}]"))? {
                t.insert(key, x);
            }
        }
        return Ok(Some(toml::Value::Table(t)));
    }
    // NumPy scalars and arrays, lists, tuples
    if v.hasattr("tolist")? && !v.is_instance_of::<PyList>() {
        let list = v.call_method0("tolist")?;
        return to_toml(&list, at);
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, x) in v.try_iter()?.enumerate() {
            match to_toml(&x?, &format!("{at}[{i}]"))? {
                Some(x) => out.push(x),
                None => {
                    return Err(PyValueError::new_err(format!(
                        "{at}[{i}]: None is not allowed in a list"
                    )))
                }
            }
        }
        return Ok(Some(toml::Value::Array(out)));
    }
    let type_name = v
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    Err(PyTypeError::new_err(format!(
        "{at}: a {type_name} cannot be used here; give a number, a string, a list or a dict"
    )))
}

/// A model error of the table the call `call` added (its TOML key `prefix`, e.g.
/// `population[3]`) as a Python exception: the key within the call's arguments, the message.
/// `text` is the document that was checked, to name the line of a type error.
pub fn model_error(e: &ModelError, call: &str, prefix: &str, text: &str) -> PyErr {
    let key = e
        .key
        .strip_prefix(prefix)
        .map(|k| k.trim_start_matches('.'))
        .unwrap_or(&e.key);
    let mut message = e
        .message
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected an integer")
        .replace("expected u64", "expected an integer >= 0")
        .replace("expected usize", "expected an integer >= 0");
    let mut typed = false;
    if e.key.is_empty() && e.line > 0 {
        // a value of the wrong type: the line of the document says which
        if let Some(line) = text.lines().nth(e.line - 1) {
            let line = line.trim();
            if message.starts_with("invalid type") || message.contains("expected") {
                typed = true;
            }
            let shown: String = line.chars().take(80).collect();
            message = format!("at `{shown}`: {message}");
        }
    }
    let text = if key.is_empty() {
        format!("{call}: {message}")
    } else {
        format!("{call}: {key}: {message}")
    };
    let unknown = matches!(e.kind, Some(ErrorKind::UnknownName))
        || (e.kind.is_none()
            && (e.message.starts_with("unknown ") || e.message.contains("is not a parameter of")));
    if unknown {
        PyKeyError::new_err(text)
    } else if typed {
        PyTypeError::new_err(text)
    } else {
        PyValueError::new_err(text)
    }
}

/// A builder error (from a call on a built network) as a Python exception.
pub fn build_error(e: &cajal_core::BuildError, call: &str) -> PyErr {
    let text = if e.field.is_empty() {
        format!("{call}: {}", e.message)
    } else {
        format!("{call}: {}: {}", e.field, e.message)
    };
    match e.kind {
        ErrorKind::UnknownName => PyKeyError::new_err(text),
        _ => PyValueError::new_err(text),
    }
}
