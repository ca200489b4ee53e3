//! Evidence artifacts: what an auditor needs and where it is found.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    pub id: String,
    /// What the auditor or reviewer needs.
    pub need: String,
    /// Where it is found.
    #[serde(rename = "where")]
    pub location: String,
    /// Controls this artifact is evidence for.
    #[serde(default)]
    pub controls: Vec<String>,
}
