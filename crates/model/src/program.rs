//! `program.yaml`: who the vendor is, what product, its deployment models, contacts,
//! calendars and the boundaries of each party.

use crate::date::Date;
use crate::severity::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The root file of a program directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramFile {
    pub organization: Organization,
    pub product: Product,
    /// Version data of the published documents; documents take their dates from here, never
    /// from the clock, so that rendering is reproducible.
    pub version: Version,
    /// How the product can be run, e.g. `self-hosted` and `managed`. Ownership is stated per model.
    pub deployment_models: Vec<DeploymentModel>,
    pub security_contact: SecurityContact,
    /// Working-time calendars used by SLA clocks. The first is the default.
    #[serde(default)]
    pub calendars: Vec<Calendar>,
    /// What each party's security boundary includes, per deployment model.
    #[serde(default)]
    pub boundaries: BTreeMap<String, Boundaries>,
    /// Short paragraphs about the program for the overview page.
    #[serde(default)]
    pub summary: Option<String>,
    /// What makes `covenant check` fail with exit 1.
    #[serde(default)]
    pub gate: Gate,
}

/// The CI gate policy. By default every overdue obligation, every unbacked claim and every
/// SLA breach fails the gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Fail when a control's activity or evidence is overdue.
    #[serde(default = "yes")]
    pub overdue_obligations: bool,
    /// Fail when a published claim is no longer backed by met obligations.
    #[serde(default = "yes")]
    pub unbacked_claims: bool,
    /// Fail on SLA breaches of findings at or above this severity; `none` never fails.
    #[serde(default = "low")]
    pub sla_breaches: Severity,
    /// Fail when a notice (incident, advisory, request) is overdue.
    #[serde(default = "yes")]
    pub overdue_notices: bool,
}

fn yes() -> bool {
    true
}

fn low() -> Severity {
    Severity::Low
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            overdue_obligations: true,
            unbacked_claims: true,
            sla_breaches: Severity::Low,
            overdue_notices: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub name: String,
    #[serde(default)]
    pub legal_name: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// The version label of the program's documents, e.g. `1.1`.
    pub label: String,
    /// The date the current terms took effect.
    pub effective: Date,
    /// The date of the latest change.
    pub updated: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentModel {
    /// Identifier used as a key in `responsibility` maps, e.g. `self-hosted`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityContact {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Where vulnerability reports go if not by email (a form or a program page).
    #[serde(default)]
    pub report_url: Option<String>,
    #[serde(default)]
    pub pgp_key_url: Option<String>,
}

/// Working time for business-day SLAs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    pub id: String,
    /// An IANA time zone name, e.g. `Asia/Kolkata`.
    pub time_zone: String,
    /// Working weekdays; defaults to Monday to Friday.
    #[serde(default = "default_working_days")]
    pub working_days: Vec<Weekday>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

fn default_working_days() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
}

/// What lies inside the vendor's and the customer's security boundary in one model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Boundaries {
    #[serde(default)]
    pub vendor: Vec<String>,
    #[serde(default)]
    pub customer: Vec<String>,
}
