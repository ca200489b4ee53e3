//! The Statement of Applicability's input: which criteria of a framework the program
//! excludes, and why. Everything not excluded is applicable.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// The framework prefix, e.g. `iso27001`.
    pub framework: String,
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
    /// Why applicable criteria are included, where a reason helps the auditor.
    #[serde(default)]
    pub justifications: Vec<Exclusion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub criterion: String,
    pub justification: String,
}
