//! Walking untyped JSON while remembering where we are, so that every shape error can name the JSON
//! path without paying for path strings on the happy path.

use serde_json::Value;
use std::fmt;

/// A JSON path kept as a linked list on the stack; rendered (as a JSON Pointer) only on error.
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: Seg::Root,
    };

    pub(crate) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }

    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Seg::Index(index),
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Key(k) => {
                    out.push('/');
                    out.push_str(&k.replace('~', "~0").replace('/', "~1"));
                }
                Seg::Index(i) => {
                    out.push('/');
                    out.push_str(&i.to_string());
                }
            }
        }
        if out.is_empty() { "/".to_owned() } else { out }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// A value had the wrong shape. The importer adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// JSON Pointer of the offending value.
    pub path: String,
    /// What the format requires there.
    pub expected: String,
    /// What the document holds instead.
    pub found: String,
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn shape(
    path: &Path<'_>,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> ShapeError {
    ShapeError {
        path: path.render(),
        expected: expected.into(),
        found: found.into(),
    }
}

pub(crate) fn missing(path: &Path<'_>, expected: impl Into<String>) -> ShapeError {
    shape(path, expected, "nothing")
}

/// Optional string: absent and null are `None`; any other non-string is an error.
pub(crate) fn opt_str<'v>(
    obj: &'v Value,
    key: &str,
    path: &Path<'_>,
) -> Result<Option<&'v str>, ShapeError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(shape(&path.key(key), "a string", kind(other))),
    }
}

/// Optional string that treats the empty string as absent (scanners often emit `""` for "unknown").
pub(crate) fn opt_text<'v>(
    obj: &'v Value,
    key: &str,
    path: &Path<'_>,
) -> Result<Option<&'v str>, ShapeError> {
    Ok(opt_str(obj, key, path)?
        .map(str::trim)
        .filter(|s| !s.is_empty()))
}

pub(crate) fn req_str<'v>(
    obj: &'v Value,
    key: &str,
    path: &Path<'_>,
) -> Result<&'v str, ShapeError> {
    opt_str(obj, key, path)?.ok_or_else(|| missing(&path.key(key), "a string"))
}

/// Optional array: absent and null are the empty slice.
pub(crate) fn opt_array<'v>(
    obj: &'v Value,
    key: &str,
    path: &Path<'_>,
) -> Result<&'v [Value], ShapeError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a.as_slice()),
        Some(other) => Err(shape(&path.key(key), "an array", kind(other))),
    }
}

pub(crate) fn req_array<'v>(
    obj: &'v Value,
    key: &str,
    path: &Path<'_>,
) -> Result<&'v [Value], ShapeError> {
    match obj.get(key) {
        Some(Value::Array(a)) => Ok(a.as_slice()),
        Some(other) => Err(shape(&path.key(key), "an array", kind(other))),
        None => Err(missing(&path.key(key), "an array")),
    }
}

pub(crate) fn expect_object(v: &Value, path: &Path<'_>) -> Result<(), ShapeError> {
    if v.is_object() {
        Ok(())
    } else {
        Err(shape(path, "an object", kind(v)))
    }
}

/// Strings in an optional array of strings; non-string items are an error.
pub(crate) fn opt_strings<'v>(
    obj: &'v Value,
    key: &str,
    path: &Path<'_>,
) -> Result<Vec<&'v str>, ShapeError> {
    let p = path.key(key);
    let mut out = Vec::new();
    for (i, item) in opt_array(obj, key, path)?.iter().enumerate() {
        match item {
            Value::String(s) => out.push(s.as_str()),
            other => return Err(shape(&p.index(i), "a string", kind(other))),
        }
    }
    Ok(out)
}

/// A number, or a string holding one (SARIF `security-severity` is a string by convention).
pub(crate) fn opt_number(
    obj: &Value,
    key: &str,
    path: &Path<'_>,
) -> Result<Option<f64>, ShapeError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| shape(&path.key(key), "a number", format!("{s:?}"))),
        Some(other) => Err(shape(&path.key(key), "a number", kind(other))),
    }
}
