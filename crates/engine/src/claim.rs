//! Claims: the promises a published document makes (a control statement, a commitment),
//! and whether the obligations behind each are met right now.

use crate::obligation::{Obligation, ObligationKind, Status};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    Healthy,
    AtRisk,
    Failing,
    /// No cadence and no evidence requirement: nothing shows whether it operates.
    Untracked,
}

impl Health {
    /// The name in JSON, URLs and filters (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::AtRisk => "at-risk",
            Health::Failing => "failing",
            Health::Untracked => "untracked",
        }
    }
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

impl ClaimState {
    /// The name in JSON and documents (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimState::Backed => "backed",
            ClaimState::Unbacked => "unbacked",
            ClaimState::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    Control,
    Commitment,
}

impl ClaimKind {
    /// The name in JSON and the prefix of a [`ClaimId`] (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Control => "control",
            ClaimKind::Commitment => "commitment",
        }
    }
}

/// Which promise a claim is: a control's statement or a commitment, named by its id in the
/// program. Written `control:AC-03` or `commitment:remediation-sla` in JSON and messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimId {
    kind: ClaimKind,
    subject: String,
}

impl ClaimId {
    /// The claim a control's statement makes.
    pub fn control(id: impl Into<String>) -> ClaimId {
        ClaimId {
            kind: ClaimKind::Control,
            subject: id.into(),
        }
    }

    /// The claim a commitment makes.
    pub fn commitment(id: impl Into<String>) -> ClaimId {
        ClaimId {
            kind: ClaimKind::Commitment,
            subject: id.into(),
        }
    }

    pub fn kind(&self) -> ClaimKind {
        self.kind
    }

    /// The control or commitment id.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

impl fmt::Display for ClaimId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.subject)
    }
}

impl FromStr for ClaimId {
    type Err = String;
    fn from_str(s: &str) -> Result<ClaimId, String> {
        match s.split_once(':') {
            Some(("control", id)) if !id.is_empty() => Ok(ClaimId::control(id)),
            Some(("commitment", id)) if !id.is_empty() => Ok(ClaimId::commitment(id)),
            _ => Err(format!(
                "{s:?} is not a claim id (expected control:ID or commitment:ID)"
            )),
        }
    }
}

impl Serialize for ClaimId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub id: ClaimId,
    pub text: String,
    pub state: ClaimState,
    /// Why it is not backed: the obligations that fail it.
    pub reasons: Vec<String>,
}

/// Serialized with the id's kind and subject beside it, as `status --json` and the API show it.
impl Serialize for Claim {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Claim", 6)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("kind", &self.id.kind)?;
        m.serialize_field("subject", &self.id.subject)?;
        m.serialize_field("text", &self.text)?;
        m.serialize_field("state", &self.state)?;
        m.serialize_field("reasons", &self.reasons)?;
        m.end()
    }
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
