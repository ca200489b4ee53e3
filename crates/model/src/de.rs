//! serde deserialization from a positioned YAML tree.
//!
//! Written by hand because no YAML serde crate both keeps positions and goes on after an
//! unknown key. Here an unknown key is recorded (with a "did you mean") and skipped, so one
//! run reports every typo; a type error stops only the item it is in, carrying its position.

use crate::diagnostic::did_you_mean;
use crate::span::Span;
use crate::yaml::{Node, NodeKind};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::RefCell;
use std::fmt;

/// A deserialization error, positioned at the innermost node that caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    pub span: Option<Span>,
    pub expected: Option<String>,
    pub hint: Option<String>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl DeError {
    fn at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            span: None,
            expected: None,
            hint: None,
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError {
            message: format!("found {unexp}"),
            span: None,
            expected: Some(exp.to_string()),
            hint: None,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError {
            message: format!("unknown value `{variant}`"),
            span: None,
            expected: Some(format!("one of {}", quoted(expected))),
            hint: did_you_mean(variant, expected.iter().copied()),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError {
            message: format!("missing required key `{field}`"),
            span: None,
            expected: None,
            hint: Some(format!("add `{field}:` to this mapping")),
        }
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A key the schema does not know, found while deserializing.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownKey {
    pub key: String,
    pub span: Span,
    pub expected: Vec<&'static str>,
}

/// Deserializes `T` from a node, collecting unknown keys instead of failing on them.
pub fn from_node<'de, T: de::Deserialize<'de>>(
    node: &Node,
) -> (Result<T, DeError>, Vec<UnknownKey>) {
    let sink = RefCell::new(Vec::new());
    let result = T::deserialize(NodeDe { node, sink: &sink }).map_err(|e: DeError| e.at(node.span));
    (result, sink.into_inner())
}

#[derive(Clone, Copy)]
struct NodeDe<'a> {
    node: &'a Node,
    sink: &'a RefCell<Vec<UnknownKey>>,
}

impl<'a> NodeDe<'a> {
    fn child(&self, node: &'a Node) -> NodeDe<'a> {
        NodeDe {
            node,
            sink: self.sink,
        }
    }

    fn scalar(&self, what: &str) -> Result<&'a str, DeError> {
        match &self.node.kind {
            NodeKind::Scalar { value, .. } => Ok(value),
            _ => Err(DeError {
                message: format!("found {}", self.node.describe()),
                span: Some(self.node.span),
                expected: Some(what.to_string()),
                hint: None,
            }),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, DeError> {
        let s = self.scalar(what)?;
        s.trim().parse().map_err(|_| DeError {
            message: format!("`{s}` is not {what}"),
            span: Some(self.node.span),
            expected: Some(what.to_string()),
            hint: None,
        })
    }

    fn duplicate_free(&self, entries: &'a [(Node, Node)]) -> Result<(), DeError> {
        for (i, (k, _)) in entries.iter().enumerate() {
            if let Some(name) = k.as_str()
                && entries[..i].iter().any(|(p, _)| p.as_str() == Some(name))
            {
                return Err(DeError {
                    message: format!("key `{name}` appears twice in this mapping"),
                    span: Some(k.span),
                    expected: None,
                    hint: Some("remove or merge one of them".into()),
                });
            }
        }
        Ok(())
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident, $ty:ty, $what:expr;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let n: $ty = self.parse($what)?;
            visitor.$visit(n).map_err(|e: DeError| e.at(self.node.span))
        }
    )*};
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let span = self.node.span;
        let r = match &self.node.kind {
            NodeKind::Null => visitor.visit_unit::<DeError>(),
            NodeKind::Scalar { value, plain } => {
                if !plain {
                    visitor.visit_str(value)
                } else if let Ok(b) = value.parse::<bool>() {
                    visitor.visit_bool(b)
                } else if let Ok(i) = value.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(f) = value.parse::<f64>() {
                    visitor.visit_f64(f)
                } else {
                    visitor.visit_str(value)
                }
            }
            NodeKind::Seq(_) => return self.deserialize_seq(visitor),
            NodeKind::Map(_) => return self.deserialize_map(visitor),
        };
        r.map_err(|e: DeError| e.at(span))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let b: bool = self.parse("`true` or `false`")?;
        visitor
            .visit_bool(b)
            .map_err(|e: DeError| e.at(self.node.span))
    }

    parse_number! {
        deserialize_i8 => visit_i8, i8, "a small whole number";
        deserialize_i16 => visit_i16, i16, "a whole number";
        deserialize_i32 => visit_i32, i32, "a whole number";
        deserialize_i64 => visit_i64, i64, "a whole number";
        deserialize_u8 => visit_u8, u8, "a small non-negative whole number";
        deserialize_u16 => visit_u16, u16, "a non-negative whole number";
        deserialize_u32 => visit_u32, u32, "a non-negative whole number";
        deserialize_u64 => visit_u64, u64, "a non-negative whole number";
        deserialize_f32 => visit_f32, f32, "a number";
        deserialize_f64 => visit_f64, f64, "a number";
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let s = self.scalar("text")?;
        visitor
            .visit_str(s)
            .map_err(|e: DeError| e.at(self.node.span))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_unit::<DeError>(),
            _ => Err(
                <DeError as de::Error>::custom(format!("found {}", self.node.describe()))
                    .at(self.node.span),
            ),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Seq(items) => visitor
                .visit_seq(SeqAcc {
                    de: self,
                    items: items.iter(),
                })
                .map_err(|e: DeError| e.at(self.node.span)),
            _ => Err(DeError {
                message: format!("found {}", self.node.describe()),
                span: Some(self.node.span),
                expected: Some("a list".into()),
                hint: Some("write each item on its own line starting with `- `".into()),
            }),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Map(entries) => {
                self.duplicate_free(entries)?;
                visitor
                    .visit_map(MapAcc {
                        de: self,
                        entries: entries.iter(),
                        value: None,
                    })
                    .map_err(|e: DeError| e.at(self.node.span))
            }
            _ => Err(DeError {
                message: format!("found {}", self.node.describe()),
                span: Some(self.node.span),
                expected: Some("a mapping of `key: value` lines".into()),
                hint: None,
            }),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if let NodeKind::Map(entries) = &self.node.kind {
            self.duplicate_free(entries)?;
            let mut kept_entries = Vec::new();
            for entry in entries {
                let key = entry.0.as_str().unwrap_or_default();
                if fields.contains(&key) {
                    kept_entries.push(entry);
                } else {
                    self.sink.borrow_mut().push(UnknownKey {
                        key: key.to_string(),
                        span: entry.0.span,
                        expected: fields.to_vec(),
                    });
                }
            }
            return visitor
                .visit_map(MapAcc {
                    de: self,
                    entries: kept_entries.into_iter(),
                    value: None,
                })
                .map_err(|e: DeError| e.at(self.node.span));
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let s = self.scalar("one of the allowed words")?;
        visitor
            .visit_enum(IntoDeserializer::<DeError>::into_deserializer(s))
            .map_err(|e: DeError| e.at(self.node.span))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqAcc<'a, I> {
    de: NodeDe<'a>,
    items: I,
}

impl<'de, 'a, I: Iterator<Item = &'a Node>> de::SeqAccess<'de> for SeqAcc<'a, I> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => seed
                .deserialize(self.de.child(node))
                .map(Some)
                .map_err(|e: DeError| e.at(node.span)),
            None => Ok(None),
        }
    }
}

struct MapAcc<'a, I> {
    de: NodeDe<'a>,
    entries: I,
    value: Option<&'a Node>,
}

impl<'de, 'a, I: Iterator<Item = &'a (Node, Node)>> de::MapAccess<'de> for MapAcc<'a, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(self.de.child(k))
                    .map(Some)
                    .map_err(|e: DeError| e.at(k.span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(v) => seed
                .deserialize(self.de.child(v))
                .map_err(|e: DeError| e.at(v.span)),
            None => Err(<DeError as de::Error>::custom("value requested before key")),
        }
    }
}
