//! Policies: Markdown files with YAML front matter naming owner, approver, version and review.

use crate::cadence::Cadence;
use crate::date::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The front matter of a policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    pub title: String,
    pub owner: String,
    pub approver: String,
    pub version: String,
    /// How often the policy is reviewed.
    pub review: Cadence,
    pub last_review: Date,
    /// Controls the policy governs.
    #[serde(default)]
    pub controls: Vec<String>,
}

/// A policy: its front matter, its id (the file stem) and its Markdown body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub id: String,
    pub meta: PolicyMeta,
    pub body: String,
}
