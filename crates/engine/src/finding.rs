//! What the engine needs to know about a vulnerability finding to run its SLA clocks.
//! The vuln crate owns findings; it hands the engine this view.

use covenant_model::Severity;
use covenant_model::duration::{Duration, Target};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingClock {
    pub id: String,
    pub title: String,
    /// CVSS base score; `None` when unscored (the SLA band then comes from `severity`).
    pub score: Option<f64>,
    pub severity: Severity,
    /// First detection: the clock starts here and rescans do not reset it.
    pub first_detected: Timestamp,
    /// The terms in force when the clock started, if recorded; otherwise today's commitment applies.
    #[serde(default)]
    pub terms: Option<SlaTerms>,
    #[serde(default)]
    pub responded_at: Option<Timestamp>,
    #[serde(default)]
    pub fixed_at: Option<Timestamp>,
    pub state: FindingState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingState {
    Open,
    Triaged,
    Fixed,
    /// Risk accepted until a date; the clocks pause until then.
    RiskAccepted {
        until: Timestamp,
    },
    NotAffected,
}

/// The response and remediation terms of one SLA band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTerms {
    pub response: Duration,
    pub remediation: Target,
}
