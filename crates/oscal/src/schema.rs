//! The official NIST OSCAL JSON Schema (v1.2.3 unified schema), vendored so that exports
//! can be validated offline; see schemas/PROVENANCE.md.

/// NIST's `oscal_complete_schema.json`.
pub const COMPLETE: &str = include_str!("../schemas/oscal_complete_schema.json");
