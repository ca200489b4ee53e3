//! Customers: who receives security advisories, and under which deployment model they run
//! the product (which decides whether an advisory applies to them).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// Email addresses of the customer's designated security contacts.
    pub security_contacts: Vec<String>,
    /// The id of the deployment model the customer runs, e.g. `self-hosted`.
    pub deployment_model: String,
}
