//! The canonical JSON encoding of ledger entries.
//!
//! The encoding is RFC 8785 (JCS) restricted to integers: every value the
//! ledger accepts encodes exactly as JCS would encode it, and values JCS would
//! have to round (floats, integers beyond ±(2^53−1)) are refused instead, so
//! two implementations can never disagree about the bytes of an entry.
//!
//! Rules:
//! - UTF-8, no byte-order mark, no whitespace between tokens;
//! - object members sorted by their names compared as UTF-16 code units, no duplicates;
//! - strings: `"` and `\` escaped as `\"` and `\\`; U+0008, U+0009, U+000A, U+000C,
//!   U+000D as `\b \t \n \f \r`; other code points below U+0020 as `\u00xx` (lowercase
//!   hex); every other code point as its literal UTF-8 bytes;
//! - numbers: integers in [−(2^53−1), 2^53−1], shortest decimal form, no `-0`, no
//!   fraction or exponent;
//! - `true`, `false`, `null` as such; nesting at most [`MAX_DEPTH`] levels.

use serde_json::Value;
use std::cmp::Ordering;

/// Largest magnitude of an integer an entry may hold (JavaScript's safe integer range).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Deepest nesting of arrays and objects accepted, so parsing stays bounded.
pub const MAX_DEPTH: usize = 64;

/// Why a value or a byte string is not canonical.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("an entry must be a JSON object")]
    NotAnObject,
    #[error("number {0} is not an integer within ±(2^53−1)")]
    Number(String),
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not in canonical form at byte {0}")]
    NotCanonical(usize),
}

/// Encodes a JSON object in canonical form.
pub fn to_canonical(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    if !value.is_object() {
        return Err(CanonicalError::NotAnObject);
    }
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out, 0)?;
    Ok(out)
}

/// Appends the canonical form of `value` to `out` (used on the hot append path to avoid
/// one allocation per entry).
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    if !value.is_object() {
        return Err(CanonicalError::NotAnObject);
    }
    write_value(value, out, 0)
}

/// Parses bytes that must already be canonical, returning the value.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, CanonicalError> {
    check(bytes)?;
    serde_json::from_slice(bytes).map_err(|e| CanonicalError::Json(e.to_string()))
}

/// Parses arbitrary JSON text (one entry) and returns its canonical bytes.
pub fn canonicalize_text(text: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    let value: Value =
        serde_json::from_slice(text).map_err(|e| CanonicalError::Json(e.to_string()))?;
    to_canonical(&value)
}

fn write_value(value: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::Number(n.to_string()));
                }
                let mut buf = itoa_buf(i);
                out.append(&mut buf);
            } else if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(CanonicalError::Number(n.to_string()));
                }
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(CanonicalError::Number(n.to_string()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(CanonicalError::TooDeep);
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out, depth + 1)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            if depth >= MAX_DEPTH {
                return Err(CanonicalError::TooDeep);
            }
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| cmp_utf16(a.0, b.0));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write_value(v, out, depth + 1)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn itoa_buf(i: i64) -> Vec<u8> {
    i.to_string().into_bytes()
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escaping; this branch-free test vectorizes.
    if !bytes.iter().fold(false, |acc, &b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    }) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Orders strings by UTF-16 code units, as JCS requires.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only
/// when a code point in U+E000..=U+FFFF meets one above U+FFFF, so the cheap byte
/// comparison is used unless both sides hold such characters.
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    if a.is_ascii() || b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Checks that `bytes` is exactly the canonical encoding of a JSON object, without
/// building a value: the verifier runs this on every stored entry.
pub fn check(bytes: &[u8]) -> Result<(), CanonicalError> {
    let mut c = Checker {
        b: bytes,
        pos: 0,
        key: String::new(),
        prev: String::new(),
    };
    if c.peek() != Some(b'{') {
        return Err(CanonicalError::NotAnObject);
    }
    c.value(0)?;
    if c.pos != bytes.len() {
        return Err(CanonicalError::NotCanonical(c.pos));
    }
    Ok(())
}

struct Checker<'a> {
    b: &'a [u8],
    pos: usize,
    // Scratch buffers reused across keys so checking allocates only on the first keys.
    key: String,
    prev: String,
}

impl Checker<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn fail<T>(&self) -> Result<T, CanonicalError> {
        Err(CanonicalError::NotCanonical(self.pos))
    }

    fn eat(&mut self, lit: &[u8]) -> Result<(), CanonicalError> {
        if self.b.get(self.pos..self.pos + lit.len()) == Some(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            self.fail()
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), CanonicalError> {
        match self.peek() {
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(CanonicalError::TooDeep);
                }
                self.pos += 1;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(());
                }
                let mut prev = std::mem::take(&mut self.prev);
                let mut first = true;
                loop {
                    if self.peek() != Some(b'"') {
                        return self.fail();
                    }
                    let at = self.pos;
                    let mut key = std::mem::take(&mut self.key);
                    key.clear();
                    self.string(Some(&mut key))?;
                    if !first && cmp_utf16(&prev, &key) != Ordering::Less {
                        return Err(CanonicalError::NotCanonical(at));
                    }
                    first = false;
                    std::mem::swap(&mut prev, &mut key);
                    self.key = key;
                    self.eat(b":")?;
                    // The nested value may reuse `self.prev`; ours is held locally.
                    self.value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            self.prev = prev;
                            return Ok(());
                        }
                        _ => return self.fail(),
                    }
                }
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(CanonicalError::TooDeep);
                }
                self.pos += 1;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return self.fail(),
                    }
                }
            }
            Some(b'"') => self.string(None),
            Some(b't') => self.eat(b"true"),
            Some(b'f') => self.eat(b"false"),
            Some(b'n') => self.eat(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.fail(),
        }
    }

    fn number(&mut self) -> Result<(), CanonicalError> {
        let start = self.pos;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let digits = &self.b[digits_start..self.pos];
        if digits.is_empty() || digits.len() > 16 {
            return Err(CanonicalError::NotCanonical(start));
        }
        if digits[0] == b'0' && (digits.len() > 1 || neg) {
            return Err(CanonicalError::NotCanonical(start));
        }
        let mut v: u64 = 0;
        for d in digits {
            v = v * 10 + u64::from(d - b'0');
        }
        if v > MAX_SAFE_INTEGER {
            return Err(CanonicalError::NotCanonical(start));
        }
        // A fraction or exponent would continue the token; the caller sees it as junk.
        Ok(())
    }

    /// Checks one canonical string; when `key` is given, collects its decoded text.
    fn string(&mut self, mut key: Option<&mut String>) -> Result<(), CanonicalError> {
        self.pos += 1;
        loop {
            let rest = self.b.get(self.pos..).unwrap_or_default();
            // Plain runs are scanned as slices: this loop dominates verification time.
            let Some(n) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(CanonicalError::NotCanonical(self.b.len()));
            };
            // Branch-free so it vectorizes; control characters are rare, locate lazily.
            if rest[..n].iter().fold(false, |acc, &c| acc | (c < 0x20)) {
                let at = rest.iter().position(|&c| c < 0x20).unwrap_or(0);
                return Err(CanonicalError::NotCanonical(self.pos + at));
            }
            let run = std::str::from_utf8(&rest[..n])
                .map_err(|e| CanonicalError::NotCanonical(self.pos + e.valid_up_to()))?;
            if let Some(k) = key.as_deref_mut() {
                k.push_str(run);
            }
            self.pos += n;
            match rest[n] {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    let esc = self.b.get(self.pos + 1).copied();
                    let (len, ch) = match esc {
                        Some(b'"') => (2, '"'),
                        Some(b'\\') => (2, '\\'),
                        Some(b'b') => (2, '\u{8}'),
                        Some(b't') => (2, '\t'),
                        Some(b'n') => (2, '\n'),
                        Some(b'f') => (2, '\u{c}'),
                        Some(b'r') => (2, '\r'),
                        Some(b'u') => {
                            let hex = self.b.get(self.pos + 2..self.pos + 6);
                            let Some(hex) = hex else { return self.fail() };
                            if &hex[..2] != b"00" {
                                return self.fail();
                            }
                            let v = match (hexval(hex[2]), hexval(hex[3])) {
                                (Some(h), Some(l)) => h * 16 + l,
                                _ => return self.fail(),
                            };
                            // Only control characters without a short form use \u.
                            if v >= 0x20 || matches!(v, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                                return self.fail();
                            }
                            (6, char::from(v))
                        }
                        _ => return self.fail(),
                    };
                    if let Some(k) = key.as_deref_mut() {
                        k.push(ch);
                    }
                    self.pos += len;
                }
                _ => return self.fail(),
            }
        }
    }
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        // Uppercase hex is valid JSON but not canonical.
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn sorts_and_escapes_like_jcs() {
        let v = json!({"b": 1, "a": "x\u{1}\n\"\\/é", "\u{e000}": 0, "\u{1f600}": 0, "c": [true, null, -5]});
        let out = String::from_utf8(to_canonical(&v).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"a\":\"x\\u0001\\n\\\"\\\\/é\",\"b\":1,\"c\":[true,null,-5],\"\u{1f600}\":0,\"\u{e000}\":0}"
        );
        check(out.as_bytes()).unwrap();
    }

    #[test]
    fn rejects_floats_and_big_integers() {
        assert!(to_canonical(&json!({"a": 1.5})).is_err());
        assert!(to_canonical(&json!({"a": 9007199254740992u64})).is_err());
        assert!(to_canonical(&json!({"a": -9007199254740992i64})).is_err());
        assert!(to_canonical(&json!({"a": 9007199254740991u64})).is_ok());
        assert!(to_canonical(&json!([1])).is_err());
    }

    #[test]
    fn check_rejects_non_canonical_forms() {
        for bad in [
            &b"{\"b\":1,\"a\":2}"[..],
            b"{\"a\":1,\"a\":2}",
            b"{ \"a\":1}",
            b"{\"a\":01}",
            b"{\"a\":-0}",
            b"{\"a\":1.0}",
            b"{\"a\":1e3}",
            b"{\"a\":\"\\u0041\"}",
            b"{\"a\":\"\\u001F\"}",
            b"{\"a\":\"\\/\"}",
            b"{\"a\":9007199254740992}",
            b"{\"a\":1}\n",
            b"[1]",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":tru}",
        ] {
            assert!(check(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-(MAX_SAFE_INTEGER as i64)..=MAX_SAFE_INTEGER as i64).prop_map(|i| json!(i)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonical_roundtrips_and_checks(v in arb_json()) {
            let obj = json!({"v": v});
            let bytes = to_canonical(&obj).unwrap();
            prop_assert!(check(&bytes).is_ok());
            let back = parse_canonical(&bytes).unwrap();
            prop_assert_eq!(to_canonical(&back).unwrap(), bytes);
        }

        #[test]
        fn check_agrees_with_reencoding(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            // Whatever the checker accepts must re-encode to itself.
            if check(&bytes).is_ok() {
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(to_canonical(&v).unwrap(), bytes);
            }
        }

        #[test]
        fn mutated_canonical_is_checked_consistently(v in arb_json(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut bytes = to_canonical(&json!({"v": v})).unwrap();
            let i = pos.index(bytes.len());
            bytes[i] = byte;
            let by_checker = check(&bytes).is_ok();
            let by_reencode = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| to_canonical(&v).ok())
                .is_some_and(|b| b == bytes);
            prop_assert_eq!(by_checker, by_reencode);
        }
    }
}
