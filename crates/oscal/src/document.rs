//! Reading an OSCAL document: detect its format and model, parse it into typed structs.

use crate::catalog::Catalog;
use crate::error::Error;
use crate::profile::Profile;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The OSCAL models this crate reads as typed documents.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Catalog(Box<Catalog>),
    Profile(Box<Profile>),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Root {
    catalog: Option<Box<Catalog>>,
    profile: Option<Box<Profile>>,
}

#[derive(Serialize)]
struct CatalogRoot<'a> {
    catalog: &'a Catalog,
}

/// The OSCAL root keys, for messages and for sniffing a document's model.
pub const MODELS: &[&str] = &[
    "catalog",
    "profile",
    "component-definition",
    "system-security-plan",
    "assessment-plan",
    "assessment-results",
    "plan-of-action-and-milestones",
    "mapping-collection",
];

/// Which serialization `text` looks like, judged by its first significant character.
pub fn sniff(text: &str) -> &'static str {
    match text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .next()
    {
        Some('{') => "JSON",
        Some('<') => "XML",
        _ => "YAML",
    }
}

fn json_error(what: &str, e: serde_json::Error) -> Error {
    Error::Json {
        what: what.to_string(),
        message: e.to_string(),
        line: e.line(),
        column: e.column(),
    }
}

impl Document {
    /// Parses a catalog or profile. `what` names the input in messages (a path or href).
    pub fn parse(text: &str, what: &str) -> Result<Document, Error> {
        let format = sniff(text);
        if format != "JSON" {
            return Err(Error::UnsupportedFormat {
                what: what.to_string(),
                format,
            });
        }
        let text = text.trim_start_matches('\u{feff}');
        let root: Root = serde_json::from_str(text).map_err(|e| json_error(what, e))?;
        match (root.catalog, root.profile) {
            (Some(c), None) => Ok(Document::Catalog(c)),
            (None, Some(p)) => Ok(Document::Profile(p)),
            (Some(_), Some(_)) => Err(Error::Json {
                what: what.to_string(),
                message: "has both a catalog and a profile root".into(),
                line: 1,
                column: 1,
            }),
            (None, None) => Err(Error::NoRoot {
                what: what.to_string(),
                expected: "catalog, profile",
            }),
        }
    }

    pub fn model(&self) -> &'static str {
        match self {
            Document::Catalog(_) => "catalog",
            Document::Profile(_) => "profile",
        }
    }
}

/// Parses a document that must be a catalog.
pub fn parse_catalog(text: &str, what: &str) -> Result<Catalog, Error> {
    match Document::parse(text, what)? {
        Document::Catalog(c) => Ok(*c),
        other => Err(Error::WrongModel {
            what: what.to_string(),
            found: other.model().to_string(),
            expected: "catalog",
        }),
    }
}

/// Parses a document that must be a profile.
pub fn parse_profile(text: &str, what: &str) -> Result<Profile, Error> {
    match Document::parse(text, what)? {
        Document::Profile(p) => Ok(*p),
        other => Err(Error::WrongModel {
            what: what.to_string(),
            found: other.model().to_string(),
            expected: "profile",
        }),
    }
}

/// A catalog as an OSCAL JSON document (`{"catalog": ...}`), pretty-printed, newline-ended.
pub fn catalog_json(catalog: &Catalog) -> String {
    let mut s = serde_json::to_string_pretty(&CatalogRoot { catalog })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A piece of a catalog document handed out by [`catalog_pieces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// One entry of `catalog.groups`, by index.
    Group(usize),
    /// The whole document with `catalog.groups` left out (handed out last).
    Rest,
}

/// Walks a JSON document so that a large catalog is never held as one JSON tree: `f` gets
/// each of `catalog.groups` in turn, then the rest of the document without them. A 10 MB
/// catalog as one `serde_json::Value` takes several times its size in memory; the largest
/// group takes a tenth of that. JSON Schema has no constraint across array items other
/// than their count, so validating the pieces is validating the whole.
pub fn catalog_pieces(
    text: &str,
    f: &mut dyn FnMut(Piece, Value),
) -> Result<(), serde_json::Error> {
    use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    struct Groups<'f>(&'f mut dyn FnMut(Piece, Value));
    impl<'de> DeserializeSeed<'de> for Groups<'_> {
        type Value = usize;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Groups<'_> {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of groups")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut i = 0;
            while let Some(v) = seq.next_element::<Value>()? {
                (self.0)(Piece::Group(i), v);
                i += 1;
            }
            Ok(i)
        }
    }

    /// An object whose `key` member is handed to `Groups` (at depth 2) or to `Inner`.
    struct Obj<'f> {
        f: &'f mut dyn FnMut(Piece, Value),
        depth: u8,
    }
    impl<'de> DeserializeSeed<'de> for Obj<'_> {
        type Value = Value;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Obj<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if self.depth == 0 && key == "catalog" {
                    let v = map.next_value_seed(Obj {
                        f: &mut *self.f,
                        depth: 1,
                    })?;
                    out.insert(key, v);
                } else if self.depth == 1 && key == "groups" {
                    map.next_value_seed(Groups(&mut *self.f))?;
                } else {
                    out.insert(key, map.next_value::<Value>()?);
                }
            }
            Ok(Value::Object(out))
        }
        // Anything but an object at these depths is passed through for the schema to judge.
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element::<Value>()? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
    }

    let mut de = serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'));
    let rest = Obj {
        f: &mut *f,
        depth: 0,
    }
    .deserialize(&mut de)?;
    de.end()?;
    f(Piece::Rest, rest);
    Ok(())
}

/// Parses a catalog or profile like [`Document::parse`], but hands each of a catalog's
/// groups to `keep` as soon as it is read and stores only what `keep` returns. Profile
/// resolution uses it to prune while parsing, so the unselected nine tenths of a large
/// catalog are never held in memory at once.
pub fn parse_filtered(
    text: &str,
    what: &str,
    keep: &mut dyn FnMut(crate::control::Group) -> Option<crate::control::Group>,
) -> Result<Document, Error> {
    use crate::control::{BackMatter, Control, Group, Param};
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    let format = sniff(text);
    if format != "JSON" {
        return Err(Error::UnsupportedFormat {
            what: what.to_string(),
            format,
        });
    }
    type Keep<'k> = &'k mut dyn FnMut(Group) -> Option<Group>;

    struct Groups<'a, 'k>(&'a mut Keep<'k>);
    impl<'de> DeserializeSeed<'de> for Groups<'_, '_> {
        type Value = Vec<Group>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<Group>, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Groups<'_, '_> {
        type Value = Vec<Group>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of groups")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Group>, A::Error> {
            let mut out = Vec::new();
            while let Some(g) = seq.next_element::<Group>()? {
                if let Some(g) = (self.0)(g) {
                    out.push(g);
                }
            }
            Ok(out)
        }
    }

    struct Cat<'a, 'k>(&'a mut Keep<'k>);
    impl<'de> DeserializeSeed<'de> for Cat<'_, '_> {
        type Value = Catalog;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Catalog, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Cat<'_, '_> {
        type Value = Catalog;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an OSCAL catalog object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Catalog, A::Error> {
            let (mut uuid, mut metadata) = (None, None);
            let mut params: Vec<Param> = Vec::new();
            let mut controls: Vec<Control> = Vec::new();
            let mut groups = Vec::new();
            let mut back_matter: Option<BackMatter> = None;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "uuid" => uuid = Some(map.next_value::<String>()?),
                    "metadata" => metadata = Some(map.next_value::<Value>()?),
                    "params" => params = map.next_value()?,
                    "controls" => controls = map.next_value()?,
                    "groups" => groups = map.next_value_seed(Groups(&mut *self.0))?,
                    "back-matter" => back_matter = Some(map.next_value()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(Catalog {
                uuid: uuid.ok_or_else(|| de::Error::missing_field("uuid"))?,
                metadata: metadata.ok_or_else(|| de::Error::missing_field("metadata"))?,
                params,
                controls,
                groups,
                back_matter,
            })
        }
    }

    struct RootV<'a, 'k>(&'a mut Keep<'k>);
    impl<'de> Visitor<'de> for RootV<'_, '_> {
        type Value = (Option<Catalog>, Option<Box<Profile>>);
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an OSCAL document object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut c, mut p) = (None, None);
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "catalog" => c = Some(map.next_value_seed(Cat(&mut *self.0))?),
                    "profile" => p = Some(map.next_value::<Box<Profile>>()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok((c, p))
        }
    }

    let mut keep: Keep<'_> = keep;
    let mut de = serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'));
    let parsed = serde::Deserializer::deserialize_map(&mut de, RootV(&mut keep))
        .and_then(|r| de.end().map(|()| r));
    match parsed.map_err(|e| json_error(what, e))? {
        (Some(c), None) => Ok(Document::Catalog(Box::new(c))),
        (None, Some(p)) => Ok(Document::Profile(p)),
        (Some(_), Some(_)) => Err(Error::Json {
            what: what.to_string(),
            message: "has both a catalog and a profile root".into(),
            line: 1,
            column: 1,
        }),
        (None, None) => Err(Error::NoRoot {
            what: what.to_string(),
            expected: "catalog, profile",
        }),
    }
}

/// Writes a catalog as an OSCAL JSON document (pretty, newline-ended) without building the
/// whole text in memory first.
pub fn write_catalog<W: std::io::Write>(w: &mut W, catalog: &Catalog) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &CatalogRoot { catalog })?;
    w.write_all(b"\n")
}

/// A typed group from a JSON tree (a piece from [`catalog_pieces`]).
pub fn group_from_value(v: &Value) -> Result<crate::control::Group, serde_json::Error> {
    crate::control::Group::deserialize(v)
}

/// A typed catalog from the JSON tree of a `catalog` object.
pub fn catalog_from_value(v: &Value) -> Result<Catalog, serde_json::Error> {
    Catalog::deserialize(v)
}

/// A typed profile from the JSON tree of a `profile` object.
pub fn profile_from_value(v: &Value) -> Result<Profile, serde_json::Error> {
    Profile::deserialize(v)
}
