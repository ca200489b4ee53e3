//! The parties to a shared-responsibility model and what each one states it does.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who owns a responsibility in one deployment model.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    Vendor,
    Customer,
    Shared,
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Owner::Vendor => "vendor",
            Owner::Customer => "customer",
            Owner::Shared => "shared",
        })
    }
}

impl Owner {
    pub fn includes_vendor(self) -> bool {
        matches!(self, Owner::Vendor | Owner::Shared)
    }
    pub fn includes_customer(self) -> bool {
        matches!(self, Owner::Customer | Owner::Shared)
    }
}

/// Who deploys or runs a component in one deployment model.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Deployer {
    Vendor,
    Customer,
    Partner,
}

/// What one party does: one sentence or a list of duties. Written as a string or a list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct Statements(#[schemars(with = "StatementsSchema")] pub Vec<String>);

#[allow(dead_code)]
#[derive(JsonSchema)]
#[serde(untagged)]
enum StatementsSchema {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for Statements {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Statements;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sentence or a list of sentences")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Statements, E> {
                Ok(Statements(vec![v.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Statements, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Statements(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Statements {
    /// True when there is no statement with any text in it.
    pub fn is_blank(&self) -> bool {
        self.0.iter().all(|s| s.trim().is_empty())
    }
}

/// Ownership of something in one deployment model, with each party's own statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    pub owner: Owner,
    /// What the vendor does. Required when the owner is `vendor` or `shared`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Statements>,
    /// What the customer does. Required when the owner is `customer` or `shared`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Statements>,
}
