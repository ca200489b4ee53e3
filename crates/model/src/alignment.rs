//! Framework alignment rows: for one criterion, what the product provides and what the
//! customer must do, per deployment model.

use crate::party::Responsibility;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alignment {
    /// The criterion, e.g. `soc2:CC6.1`.
    pub criterion: String,
    /// A short label shown next to the criterion ("Logical access").
    #[serde(default)]
    pub label: Option<String>,
    /// What each party does for this criterion, per deployment model.
    pub responsibility: BTreeMap<String, Responsibility>,
    /// Controls that implement this row.
    #[serde(default)]
    pub controls: Vec<String>,
}
