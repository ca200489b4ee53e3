//! The qualitative severity scale of CVSS v3.x and v4.0: what SLA bands, notices, the gate and
//! findings are written in.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// CVSS qualitative rating, ordered from least to most severe: `max` picks the worst and
/// `severity >= threshold` reads as "at or above".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
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

    /// The name in YAML and JSON: `critical`, `high`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The name in documents: `Critical`, `High`, ...
    pub fn label(self) -> &'static str {
        match self {
            Severity::None => "None",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
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

#[cfg(test)]
mod tests {
    use super::Severity;

    #[test]
    fn ascending_from_none_to_critical() {
        use Severity::*;
        let mut all = [Critical, None, High, Low, Medium];
        all.sort();
        assert_eq!(all, [None, Low, Medium, High, Critical]);
        assert_eq!(all.iter().max(), Some(&Critical));
    }

    #[test]
    fn score_bands() {
        assert_eq!(Severity::from_score(0.0), Severity::None);
        assert_eq!(Severity::from_score(0.1), Severity::Low);
        assert_eq!(Severity::from_score(4.0), Severity::Medium);
        assert_eq!(Severity::from_score(7.0), Severity::High);
        assert_eq!(Severity::from_score(9.0), Severity::Critical);
    }
}
