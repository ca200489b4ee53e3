//! The inputs an SLA clock needs. Deadlines themselves (calendars, business days, "next release")
//! are computed by the engine from the program's remediation commitment; this crate only hands over
//! each finding's score, severity and first detection.

use crate::finding::{FindingSet, Rating, Status};

/// What the engine's SLA function receives for one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaInput<'a> {
    pub finding: &'a str,
    pub rating: Rating,
    /// RFC 3339 timestamp of first detection; rescans never move it.
    pub first_detected: &'a str,
    pub status: &'a Status,
    /// When the status last changed (the start of a risk acceptance, a fix, ...).
    pub status_since: &'a str,
}

/// Calls `terms` for every finding, in id order. The engine passes a closure over the program's
/// remediation commitment and `now`.
pub fn assign_sla<'a, T>(
    findings: &'a FindingSet,
    terms: &dyn Fn(&SlaInput<'a>) -> T,
) -> Vec<(&'a str, T)> {
    findings
        .iter()
        .map(|f| {
            let input = SlaInput {
                finding: f.id.as_str(),
                rating: f.rating(),
                first_detected: f.first_detected.as_str(),
                status: &f.status,
                status_since: f.status_since.as_str(),
            };
            (f.id.as_str(), terms(&input))
        })
        .collect()
}
