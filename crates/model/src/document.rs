//! Documents: which views of the program are published, with their titles and intros.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub id: String,
    pub kind: DocumentKind,
    pub title: String,
    /// An opening paragraph.
    #[serde(default)]
    pub intro: Option<String>,
    /// Who the document is for, in words.
    #[serde(default)]
    pub audience: Option<String>,
}

/// The kinds of document `covenant publish` renders.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// The shared-responsibility matrix for each deployment model, and what changes between them.
    Matrix,
    /// Vendor and customer responsibilities as lists, by area.
    Responsibilities,
    /// The remediation SLA table.
    RemediationSla,
    /// Service boundaries: components table and boundary diagram.
    Boundaries,
    /// Framework alignment: criterion, what the product provides, what the customer does.
    Alignment,
    /// Evidence artifacts: need and where.
    Artifacts,
    /// The security overview page for customers.
    Overview,
    /// The security-measures annex for a data processing agreement.
    Annex,
    /// The program's policies as a set.
    Policies,
    /// SECURITY.md: how to report a vulnerability.
    SecurityMd,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 10] = [
        DocumentKind::Matrix,
        DocumentKind::Responsibilities,
        DocumentKind::RemediationSla,
        DocumentKind::Boundaries,
        DocumentKind::Alignment,
        DocumentKind::Artifacts,
        DocumentKind::Overview,
        DocumentKind::Annex,
        DocumentKind::Policies,
        DocumentKind::SecurityMd,
    ];

    /// The kebab-case name used in YAML and as the output file stem.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Matrix => "matrix",
            DocumentKind::Responsibilities => "responsibilities",
            DocumentKind::RemediationSla => "remediation-sla",
            DocumentKind::Boundaries => "boundaries",
            DocumentKind::Alignment => "alignment",
            DocumentKind::Artifacts => "artifacts",
            DocumentKind::Overview => "overview",
            DocumentKind::Annex => "annex",
            DocumentKind::Policies => "policies",
            DocumentKind::SecurityMd => "security-md",
        }
    }
}
