//! Obligations: dated duties and where each stands at a given moment.

use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObligationKind {
    /// One occurrence of a control's recurring activity.
    Cadence,
    /// Keeping a control's evidence of one kind fresh.
    Evidence,
    /// Responding to a finding within its SLA band.
    Response,
    /// Remediating a finding within its SLA band.
    Remediation,
    /// Telling someone within a committed window (incident, advisory, request).
    Notice,
}

impl ObligationKind {
    /// The name in JSON, URLs and filters (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            ObligationKind::Cadence => "cadence",
            ObligationKind::Evidence => "evidence",
            ObligationKind::Response => "response",
            ObligationKind::Remediation => "remediation",
            ObligationKind::Notice => "notice",
        }
    }
}

/// Ordered from best to worst, so that "never makes a status worse" can be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Met,
    /// A waiver or risk acceptance covers it until its expiry.
    Waived,
    Upcoming,
    DueSoon,
    /// Past due and not met, but a later occurrence superseded it: history, not a to-do.
    Missed,
    Overdue,
}

impl Status {
    /// The name in JSON, URLs and filters (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Waived => "waived",
            Status::Upcoming => "upcoming",
            Status::DueSoon => "due-soon",
            Status::Missed => "missed",
            Status::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Waived => "waived",
            Status::Upcoming => "upcoming",
            Status::DueSoon => "due soon",
            Status::Missed => "missed",
            Status::Overdue => "overdue",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiver {
    pub reason: String,
    pub approver: String,
    pub until: Timestamp,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Obligation {
    /// Stable id, e.g. `cadence:AC-03:2026-03-31`, `remediation:CVE-2026-1234@pkg`.
    pub id: String,
    pub kind: ObligationKind,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    /// The finding, incident or request the clock runs for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub due: Timestamp,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_at: Option<Timestamp>,
    /// The ledger entry that met it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_by: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
    /// Why it stands where it does, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name()` is what the API and the web UI filter by; it must stay the serialized name.
    #[test]
    fn names_are_the_serialized_names() {
        use Status::*;
        for s in [Met, Waived, Upcoming, DueSoon, Missed, Overdue] {
            assert_eq!(serde_json::to_value(s).ok(), Some(s.as_str().into()));
        }
        use ObligationKind::*;
        for k in [Cadence, Evidence, Response, Remediation, Notice] {
            assert_eq!(serde_json::to_value(k).ok(), Some(k.as_str().into()));
        }
    }
}
