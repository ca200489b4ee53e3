//! What one source (a scanner report, an SBOM match, a VEX statement) says about one vulnerability in
//! one component. Importers produce observations; dedupe merges them into findings.

use crate::component::Component;
use crate::cvss::CvssScore;
use covenant_model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Input formats Covenant reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    CycloneDx,
    Spdx,
    OsvScanner,
    Grype,
    Trivy,
    Sarif,
    OpenVex,
    Csaf,
    /// Dependency-Track's Finding Packaging Format.
    DependencyTrack,
    /// `cargo audit --json`.
    CargoAudit,
    /// Findings Covenant made itself by matching components against OSV advisories.
    OsvMatch,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CycloneDx => "cyclonedx",
            Format::Spdx => "spdx",
            Format::OsvScanner => "osv-scanner",
            Format::Grype => "grype",
            Format::Trivy => "trivy",
            Format::Sarif => "sarif",
            Format::OpenVex => "openvex",
            Format::Csaf => "csaf",
            Format::DependencyTrack => "dependency-track",
            Format::CargoAudit => "cargo-audit",
            Format::OsvMatch => "osv-match",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an observation came from. Kept on the finding so every source stays visible after a merge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    /// Tool name as the report gives it ("Grype", "Trivy", "Snyk Container", ...).
    pub tool: String,
    pub format: Format,
    /// File name the caller gave for the report.
    pub file: String,
    /// The tool's own identifier for the result (SARIF rule id, Snyk id), when it differs from the
    /// vulnerability id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The five OpenVEX 0.2.0 justifications for `not_affected` (CSAF 2.0 uses the same five flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl Justification {
    pub const ALL: [Justification; 5] = [
        Justification::ComponentNotPresent,
        Justification::VulnerableCodeNotPresent,
        Justification::VulnerableCodeNotInExecutePath,
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        Justification::InlineMitigationsAlreadyExist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    pub fn parse(s: &str) -> Option<Justification> {
        Justification::ALL
            .into_iter()
            .find(|j| j.as_str() == s.trim())
    }

    /// CycloneDX `analysis.justification` values mapped onto the OpenVEX set (the mapping CISA's
    /// "Minimum Requirements for VEX" draws between the two vocabularies).
    pub fn from_cyclonedx(s: &str) -> Option<Justification> {
        match s.trim() {
            "code_not_present" => Some(Justification::VulnerableCodeNotPresent),
            "code_not_reachable" => Some(Justification::VulnerableCodeNotInExecutePath),
            "requires_configuration" | "requires_dependency" | "requires_environment" => {
                Some(Justification::VulnerableCodeCannotBeControlledByAdversary)
            }
            "protected_by_compiler"
            | "protected_at_runtime"
            | "protected_at_perimeter"
            | "protected_by_mitigating_control" => {
                Some(Justification::InlineMitigationsAlreadyExist)
            }
            _ => None,
        }
    }

    pub fn to_cyclonedx(self) -> &'static str {
        match self {
            // CycloneDX has no "component not present"; the code is then not present either.
            Justification::ComponentNotPresent | Justification::VulnerableCodeNotPresent => {
                "code_not_present"
            }
            Justification::VulnerableCodeNotInExecutePath => "code_not_reachable",
            Justification::VulnerableCodeCannotBeControlledByAdversary => "requires_environment",
            Justification::InlineMitigationsAlreadyExist => "protected_by_mitigating_control",
        }
    }
}

/// A VEX-style status assertion carried by an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexState {
    Affected,
    UnderInvestigation,
    NotAffected,
    Fixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexAssertion {
    pub state: VexState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// Impact statement or analysis detail, as written by the VEX author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The id the source used first (CVE, GHSA, RUSTSEC, vendor id, ...).
    pub vulnerability: String,
    /// Every other id the source gave for the same vulnerability.
    pub aliases: BTreeSet<String>,
    pub component: Component,
    /// Valid CVSS v3.x/v4.0 vectors the source gave.
    pub cvss: Vec<CvssScore>,
    /// The source's own severity word or score band, used only when there is no vector.
    pub reported_severity: Option<Severity>,
    pub fixed_versions: BTreeSet<String>,
    pub title: Option<String>,
    pub vex: Option<VexAssertion>,
    pub source: Source,
}

impl Observation {
    pub fn new(
        vulnerability: impl Into<String>,
        component: Component,
        source: Source,
    ) -> Observation {
        Observation {
            vulnerability: vulnerability.into(),
            aliases: BTreeSet::new(),
            component,
            cvss: Vec::new(),
            reported_severity: None,
            fixed_versions: BTreeSet::new(),
            title: None,
            vex: None,
            source,
        }
    }

    /// The primary id and the aliases together.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.vulnerability.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// Rank for choosing a finding's display id among aliases: CVE, then GHSA, then other database ids
/// (RUSTSEC, PYSEC, GO, OSV), then vendor ids; ties broken by the text.
pub fn id_rank(id: &str) -> (u8, &str) {
    let r = if id.starts_with("CVE-") {
        0
    } else if id.starts_with("GHSA-") {
        1
    } else if ["RUSTSEC-", "PYSEC-", "GO-", "OSV-", "GSD-"]
        .iter()
        .any(|p| id.starts_with(p))
    {
        2
    } else {
        3
    };
    (r, id)
}

/// Finds vulnerability ids (`CVE-YYYY-NNNN`, `GHSA-xxxx-xxxx-xxxx`) inside free text.
pub fn ids_in_text(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if let Some(tail) = rest.strip_prefix("CVE-") {
            let year: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
            if year.len() == 4 && tail[4..].starts_with('-') {
                let num: String = tail[5..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if num.len() >= 4 {
                    out.push(format!("CVE-{year}-{num}"));
                    i += 9 + num.len();
                    continue;
                }
            }
        } else if let Some(cand) = rest.get(..19).filter(|c| c.starts_with("GHSA-")) {
            let ok = cand[5..]
                .split('-')
                .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
            if ok && cand[5..].split('-').count() == 3 {
                out.push(cand.to_owned());
                i += 19;
                continue;
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_in_text() {
        assert_eq!(
            ids_in_text("(CVE-2011-3374) apt/libapt-pkg6.0@2.6.1"),
            vec!["CVE-2011-3374"]
        );
        assert_eq!(ids_in_text("CVE-2005-2541-tar"), vec!["CVE-2005-2541"]);
        assert_eq!(
            ids_in_text("see GHSA-qc84-gqf4-9926, CVE-2022-23639"),
            vec!["GHSA-qc84-gqf4-9926", "CVE-2022-23639"]
        );
        assert!(ids_in_text("CVE-20-1 ééé GHSA-").is_empty());
    }
}
