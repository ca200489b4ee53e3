//! Findings: one per (vulnerability with its aliases, component, version), with every source that
//! reported it, its severity, its detection clock and its triage status.

use crate::component::Component;
use crate::cvss::{CvssScore, CvssVersion, best};
use crate::observation::{Justification, Source, id_rank};
use covenant_model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Triage status. The SLA clock runs for `open` and `triaged`; the engine decides what a
/// `risk_accepted` finding past its `until` means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    Open,
    /// Confirmed and being worked on (VEX "affected").
    Triaged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Fixed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    RiskAccepted {
        reason: String,
        approver: String,
        /// RFC 3339 date or timestamp after which the acceptance lapses.
        until: String,
    },
    NotAffected {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<Justification>,
        /// Impact statement: why the product is not affected, in the author's words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        statement: Option<String>,
    },
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Triaged { .. } => "triaged",
            Status::Fixed { .. } => "fixed",
            Status::RiskAccepted { .. } => "risk_accepted",
            Status::NotAffected { .. } => "not_affected",
        }
    }

    pub const NAMES: [&'static str; 5] =
        ["open", "triaged", "fixed", "risk_accepted", "not_affected"];
}

/// Where a finding's severity came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum RatingBasis {
    Cvss {
        version: CvssVersion,
        vector: String,
    },
    /// A scanner's severity word, without a vector.
    Reported,
    /// No source gave a severity: the configured default.
    Default,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub severity: Severity,
    /// CVSS base score, when a vector backs the severity.
    pub score: Option<f64>,
    #[serde(flatten)]
    pub basis: RatingBasis,
}

impl Rating {
    pub fn defaulted(&self) -> bool {
        self.basis == RatingBasis::Default
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier: `<first id>/<component name>@<version>`, fixed when the finding opens.
    pub id: String,
    /// Every id the vulnerability is known by (CVE, GHSA, RUSTSEC, vendor ids), sorted.
    pub aliases: BTreeSet<String>,
    pub component: Component,
    pub cvss: Vec<CvssScore>,
    pub reported_severity: Option<Severity>,
    pub default_severity: Severity,
    /// When a source first reported it (passed in at ingest). Rescans never move it.
    pub first_detected: String,
    pub last_seen: String,
    pub status: Status,
    /// When the status last changed (equals `first_detected` until a triage).
    pub status_since: String,
    /// First triage decision of any kind: the end of the SLA's response clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_at: Option<String>,
    /// When it was marked fixed (cleared if it is reported again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_at: Option<String>,
    pub sources: BTreeSet<Source>,
    pub fixed_versions: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Finding {
    /// The id to show: CVE first, then GHSA, then database ids, then vendor ids.
    pub fn vulnerability(&self) -> &str {
        self.aliases
            .iter()
            .map(String::as_str)
            .min_by_key(|a| id_rank(a))
            .unwrap_or(self.id.as_str())
    }

    /// Severity from the best CVSS vector (v4.0 over v3.1 over v3.0, then the higher score), else the
    /// scanner's word, else the configured default (flagged).
    pub fn rating(&self) -> Rating {
        if let Some(s) = best(&self.cvss) {
            return Rating {
                severity: s.severity,
                score: Some(s.score),
                basis: RatingBasis::Cvss {
                    version: s.version,
                    vector: s.vector.clone(),
                },
            };
        }
        match self.reported_severity {
            Some(sev) => Rating {
                severity: sev,
                score: None,
                basis: RatingBasis::Reported,
            },
            None => Rating {
                severity: self.default_severity,
                score: None,
                basis: RatingBasis::Default,
            },
        }
    }

    /// The distinct tools that reported it.
    pub fn tools(&self) -> BTreeSet<&str> {
        self.sources.iter().map(|s| s.tool.as_str()).collect()
    }
}

/// The dedupe key's component part: case-folded name and exact version.
pub(crate) type ComponentKey = (String, Option<String>);

pub(crate) fn component_key(c: &Component) -> ComponentKey {
    (c.dedupe_name(), c.version.clone())
}

/// The current findings, by id (sorted, so output is deterministic).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingSet {
    findings: BTreeMap<String, Finding>,
    by_component: HashMap<ComponentKey, Vec<String>>,
}

impl FindingSet {
    pub fn get(&self, id: &str) -> Option<&Finding> {
        self.findings.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.findings.values()
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// The existing finding for this component that shares any id, lowest id first.
    pub fn lookup<'a>(
        &self,
        component: &Component,
        ids: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Option<&Finding> {
        let ids_vec: Vec<&str> = ids.into_iter().collect();
        self.by_component
            .get(&component_key(component))?
            .iter()
            .filter_map(|id| self.findings.get(id))
            .find(|f| ids_vec.iter().any(|i| f.aliases.contains(*i)))
    }

    pub(crate) fn insert(&mut self, f: Finding) {
        self.by_component
            .entry(component_key(&f.component))
            .or_default()
            .push(f.id.clone());
        self.findings.insert(f.id.clone(), f);
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Finding> {
        self.findings.get_mut(id)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.findings.contains_key(id)
    }
}

/// Builds the stable id of a new finding.
pub fn finding_id(vulnerability: &str, component: &Component) -> String {
    match &component.version {
        Some(v) => format!("{vulnerability}/{}@{v}", component.name),
        None => format!("{vulnerability}/{}", component.name),
    }
}
