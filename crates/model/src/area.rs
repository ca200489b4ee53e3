//! Areas: the responsibility domains controls are grouped under.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Framework criteria the area as a whole speaks to, shown next to its title.
    #[serde(default)]
    pub criteria: Vec<String>,
}
