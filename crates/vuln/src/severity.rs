//! The qualitative severity scale shared by CVSS v3.x and v4.0, which is what SLA bands are written in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// CVSS qualitative rating. Ordered from least to most severe so `max` picks the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The CVSS v3.1/v4.0 band a score falls in (same bands in both versions).
    pub fn from_score(score: f64) -> Severity {
        if score.is_nan() || score <= 0.0 {
            Severity::None
        } else if score < 4.0 {
            Severity::Low
        } else if score < 7.0 {
            Severity::Medium
        } else if score < 9.0 {
            Severity::High
        } else {
            Severity::Critical
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Scanners' own labels ("LOW", "Moderate", "important", "negligible", ...). `None` when the label
    /// carries no severity ("unknown", "")—such findings get the configured default instead.
    pub fn from_label(label: &str) -> Option<Severity> {
        match label.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" | "important" => Some(Severity::High),
            "medium" | "moderate" => Some(Severity::Medium),
            "low" | "negligible" | "minor" => Some(Severity::Low),
            "none" | "info" | "informational" => Some(Severity::None),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::from_label(s).ok_or_else(|| {
            format!("unknown severity {s:?} (expected none, low, medium, high or critical)")
        })
    }
}
