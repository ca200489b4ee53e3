//! Reading an OSCAL document: detect its format and model, parse it into typed structs.

use crate::catalog::Catalog;
use crate::error::Error;
use crate::profile::Profile;
use serde::{Deserialize, Serialize};

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
