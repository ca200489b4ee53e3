//! Commitments: numbers promised in public (remediation SLAs, notice windows, recovery
//! objectives, retention), each bound to the controls that keep it.

use crate::duration::{Duration, Target};
use crate::score::ScoreRange;
use crate::severity::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A promise with numbers. Exactly one of `remediation_sla`, `notice`, `recovery` and
/// `retention` says what kind of promise it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub id: String,
    pub title: String,
    /// The promise in words, as published.
    pub statement: String,
    /// Controls whose operation backs this promise.
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_sla: Option<RemediationSla>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

/// Response and remediation targets by CVSS band; bands must cover 0.1–10.0 exactly once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationSla {
    /// The calendar business days are counted on; defaults to the program's first calendar.
    #[serde(default)]
    pub calendar: Option<String>,
    /// How long "next scheduled release" may take at most before the target is missed.
    #[serde(default)]
    pub release_horizon: Option<Duration>,
    pub bands: Vec<SlaBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaBand {
    pub severity: Severity,
    /// Inclusive CVSS base score range, e.g. `9.0-10.0`.
    pub cvss: ScoreRange,
    /// Time to acknowledge and start work.
    pub response: Duration,
    /// Time to ship the fix, or `next release`.
    pub remediation: Target,
}

/// A promise to tell someone within a window after an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// What starts the clock.
    pub trigger: NoticeTrigger,
    pub within: Duration,
    /// Who is told, in words ("each customer's designated security contact").
    pub recipients: String,
    /// Severities the notice applies to, for vulnerability advisories.
    #[serde(default)]
    pub severities: Vec<Severity>,
    /// How, in words ("email").
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub calendar: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeTrigger {
    /// A confirmed security incident affecting customers.
    Incident,
    /// A confirmed vulnerability of the listed severities.
    Vulnerability,
    /// A customer's request for a document or information.
    Request,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    /// Recovery time objective.
    #[serde(default)]
    pub rto: Option<Duration>,
    /// Recovery point objective.
    #[serde(default)]
    pub rpo: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// What is kept, in words ("audit logs").
    pub subject: String,
    pub period: Duration,
}
