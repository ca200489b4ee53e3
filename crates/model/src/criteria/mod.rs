//! Built-in criterion ID lists for the frameworks a control can cite (`soc2:CC6.1`).
//! Titles are our own short words: the SOC 2 and ISO texts are copyrighted, so only the
//! identifiers are theirs. NIST CSF 2.0 is public domain.

mod iso27001;
mod nist_csf;
mod soc2;

/// One criterion of a built-in framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriterionDef {
    /// The identifier as the framework writes it, e.g. `CC6.1`, `A.5.18`, `PR.AA-05`.
    pub id: &'static str,
    /// A short title in our own words.
    pub title: &'static str,
    /// The enclosing group (`CC6` for `CC6.1`), if any.
    pub parent: Option<&'static str>,
}

/// A built-in framework: the prefix used in references and its criteria.
#[derive(Debug, Clone, Copy)]
pub struct FrameworkDef {
    /// The prefix in references: `soc2`, `iso27001`, `nist-csf`.
    pub prefix: &'static str,
    /// Display name.
    pub name: &'static str,
    pub criteria: &'static [CriterionDef],
}

/// Every built-in framework.
pub const FRAMEWORKS: &[FrameworkDef] = &[
    FrameworkDef {
        prefix: "soc2",
        name: "SOC 2 Trust Services Criteria (2017, points of focus revised 2022)",
        criteria: soc2::CRITERIA,
    },
    FrameworkDef {
        prefix: "iso27001",
        name: "ISO/IEC 27001:2022 Annex A",
        criteria: iso27001::CRITERIA,
    },
    FrameworkDef {
        prefix: "nist-csf",
        name: "NIST Cybersecurity Framework 2.0",
        criteria: nist_csf::CRITERIA,
    },
];

/// Looks up a built-in framework by its reference prefix.
pub fn framework(prefix: &str) -> Option<&'static FrameworkDef> {
    FRAMEWORKS.iter().find(|f| f.prefix == prefix)
}

impl FrameworkDef {
    /// Looks up a criterion by its identifier.
    pub fn criterion(&self, id: &str) -> Option<&'static CriterionDef> {
        self.criteria.iter().find(|c| c.id == id)
    }
}
