//! JSON Schemas for every file kind, so editors validate program files as you type.

use schemars::{JsonSchema, Schema, SchemaGenerator};

/// The file kinds and the type each file (or each list item in it) holds.
pub const KINDS: &[&str] = &[
    "program",
    "component",
    "area",
    "control",
    "commitment",
    "artifact",
    "alignment",
    "document",
    "policy",
    "framework",
    "crosswalk",
    "applicability",
    "customer",
];

/// The JSON Schema of one file kind. Item files may hold one item or a list of them.
pub fn schema_for(kind: &str) -> Option<Schema> {
    let mut generator = SchemaGenerator::default();
    let (mut schema, list) = match kind {
        "program" => (
            crate::program::ProgramFile::json_schema(&mut generator),
            false,
        ),
        "component" => (
            crate::component::Component::json_schema(&mut generator),
            true,
        ),
        "area" => (crate::area::Area::json_schema(&mut generator), true),
        "control" => (crate::control::Control::json_schema(&mut generator), true),
        "commitment" => (
            crate::commitment::Commitment::json_schema(&mut generator),
            true,
        ),
        "artifact" => (crate::artifact::Artifact::json_schema(&mut generator), true),
        "alignment" => (
            crate::alignment::Alignment::json_schema(&mut generator),
            true,
        ),
        "document" => (crate::document::Document::json_schema(&mut generator), true),
        "policy" => (
            crate::policy::PolicyMeta::json_schema(&mut generator),
            false,
        ),
        "customer" => (crate::customer::Customer::json_schema(&mut generator), true),
        _ => return None,
    };
    let defs = generator.take_definitions(true);
    if list {
        let item = schema.clone();
        schema = schemars::json_schema!({ "anyOf": [item, { "type": "array", "items": item }] });
    }
    schema.insert(
        "$schema".into(),
        "https://json-schema.org/draft/2020-12/schema".into(),
    );
    schema.insert("title".into(), format!("Covenant {kind} file").into());
    if !defs.is_empty() {
        schema.insert("$defs".into(), serde_json::Value::Object(defs));
    }
    Some(schema)
}
