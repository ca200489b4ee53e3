//! Claims: the promises a published document makes (a control statement, a commitment),
//! and whether the obligations behind each are met right now.

use crate::obligation::{Obligation, ObligationKind, Status};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    Healthy,
    AtRisk,
    Failing,
    /// No cadence and no evidence requirement: nothing shows whether it operates.
    Untracked,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlHealth {
    pub control: String,
    pub title: String,
    pub health: Health,
    pub overdue: usize,
    pub due_soon: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimState {
    Backed,
    Unbacked,
    /// No obligation stands behind the claim, so nothing can back it.
    Unsupported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    Control,
    Commitment,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// `control:AC-03` or `commitment:remediation-sla`.
    pub id: String,
    pub kind: ClaimKind,
    pub subject: String,
    pub text: String,
    pub state: ClaimState,
    /// Why it is not backed: the obligations that fail it.
    pub reasons: Vec<String>,
}

/// An obligation counts against a claim when it is overdue (missed history does not).
pub fn failing(o: &Obligation) -> bool {
    o.status == Status::Overdue
}

pub fn health(control: &str, title: &str, obligations: &[&Obligation]) -> ControlHealth {
    let overdue = obligations.iter().filter(|o| failing(o)).count();
    let due_soon = obligations
        .iter()
        .filter(|o| o.status == Status::DueSoon)
        .count();
    let health = if obligations.is_empty() {
        Health::Untracked
    } else if overdue > 0 {
        Health::Failing
    } else if due_soon > 0 {
        Health::AtRisk
    } else {
        Health::Healthy
    };
    ControlHealth {
        control: control.into(),
        title: title.into(),
        health,
        overdue,
        due_soon,
    }
}

pub fn reason(o: &Obligation) -> String {
    let what = match o.kind {
        ObligationKind::Evidence => o.detail.clone().unwrap_or_else(|| o.title.clone()),
        _ => o.title.clone(),
    };
    format!("{what}: overdue since {}", o.due)
}
