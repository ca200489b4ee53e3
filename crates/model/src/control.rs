//! Controls: security measures, who owns them in each deployment model, the criteria they
//! meet, how often they recur and the evidence they need.

use crate::cadence::Cadence;
use crate::date::Date;
use crate::duration::Duration;
use crate::party::Responsibility;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub title: String,
    /// The id of the area the control belongs to.
    pub area: String,
    /// What the control achieves, as a claim a customer could read.
    pub statement: String,
    /// Ownership per deployment model; every model of the program needs an entry.
    pub responsibility: BTreeMap<String, Responsibility>,
    /// Framework criteria, written `framework:ID`, e.g. `soc2:CC6.1`, `iso27001:A.5.18`.
    #[serde(default)]
    pub criteria: Vec<String>,
    /// Components the control applies to.
    #[serde(default)]
    pub components: Vec<String>,
    /// How often the control's activity recurs.
    #[serde(default)]
    pub cadence: Option<Cadence>,
    /// The date the cadence counts from; defaults to the program's effective date.
    #[serde(default)]
    pub anchor: Option<Date>,
    /// How long after a due date the activity may still be done before it is overdue.
    #[serde(default)]
    pub grace: Option<Duration>,
    /// Evidence the control needs to count as operating.
    #[serde(default)]
    pub evidence: Vec<EvidenceRequirement>,
}

/// One kind of evidence a control requires, and how long an item stays fresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequirement {
    pub kind: EvidenceKind,
    /// How long after its effective date an item still counts.
    #[serde(default)]
    pub fresh_for: Option<Duration>,
    /// The evidence artifact (from `artifacts/`) this requirement is met by.
    #[serde(default)]
    pub artifact: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A signed statement that an activity was done (an access review sign-off).
    Attestation,
    /// A document such as a policy, a runbook or a report.
    Document,
    /// A tool's report, e.g. a vulnerability scan or a penetration test.
    Report,
    /// Output of a command, e.g. `cosign verify`.
    CommandOutput,
    /// An exported log or audit trail.
    Log,
    /// A configuration file or screenshot of settings.
    Configuration,
    /// A link to a record kept elsewhere (a ticket, a change record).
    Url,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 7] = [
        EvidenceKind::Attestation,
        EvidenceKind::Document,
        EvidenceKind::Report,
        EvidenceKind::CommandOutput,
        EvidenceKind::Log,
        EvidenceKind::Configuration,
        EvidenceKind::Url,
    ];

    /// The name in YAML and in the ledger's evidence entries (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Attestation => "attestation",
            EvidenceKind::Document => "document",
            EvidenceKind::Report => "report",
            EvidenceKind::CommandOutput => "command-output",
            EvidenceKind::Log => "log",
            EvidenceKind::Configuration => "configuration",
            EvidenceKind::Url => "url",
        }
    }

    /// The kind with this name, exactly as written in YAML.
    pub fn parse(s: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
