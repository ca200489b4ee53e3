//! Components: the deployable parts of the product and where their network boundary lies.

use crate::party::Deployer;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Who deploys the component, per deployment model.
    pub deployed_by: BTreeMap<String, Deployer>,
    /// A qualifier shown next to the deployer, e.g. "in-chart or a managed service".
    #[serde(default)]
    pub deployment_note: Option<String>,
    /// Where the component sits on the network, in words.
    pub network_boundary: String,
}
