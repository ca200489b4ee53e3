//! CVSS vectors: parsing, the base score, and the check that a vector is the version its container
//! says it is. Scores drive SLA bands, so a v3 score filed as v4 (or the reverse) must not slip through.

use covenant_model::Severity;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// CVSS versions Covenant scores with. v2 is not accepted: its scale predates the SLA bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    #[serde(rename = "3.0")]
    V30,
    #[serde(rename = "3.1")]
    V31,
    #[serde(rename = "4.0")]
    V40,
}

impl CvssVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V30 => "3.0",
            CvssVersion::V31 => "3.1",
            CvssVersion::V40 => "4.0",
        }
    }

    fn major(self) -> u8 {
        match self {
            CvssVersion::V30 | CvssVersion::V31 => 3,
            CvssVersion::V40 => 4,
        }
    }
}

/// What a container declares about a vector: an exact version ("3.1", `CVSSv31`) or just a major
/// version (OSV's `CVSS_V3`, CycloneDX's `CVSSv3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    Exact(CvssVersion),
    Major(u8),
    /// The container gives no version (e.g. SARIF properties); the prefix alone decides.
    Unknown,
}

/// A scored vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    pub version: CvssVersion,
    pub vector: String,
    /// Base score (v3.x) or CVSS-B/BT/BE/BTE score (v4.0), 0.0–10.0.
    pub score: f64,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("vector {vector:?} has prefix {found:?} but is declared as CVSS {declared}")]
    VersionMismatch {
        vector: String,
        found: String,
        declared: String,
    },
    #[error("vector {vector:?} is not a CVSS v3.0, v3.1 or v4.0 vector: {reason}")]
    Invalid { vector: String, reason: String },
}

impl CvssScore {
    /// Parses `vector` and checks its `CVSS:x.y/` prefix against `declared`.
    ///
    /// A 3.0 vector declared as 3.1 (or the reverse) is accepted and scored as what its prefix says:
    /// NVD data routinely files 3.0 vectors under "v3" and both share one base equation. A major
    /// version mismatch is an error.
    pub fn parse(vector: &str, declared: Declared) -> Result<CvssScore, CvssError> {
        let vector = vector.trim();
        let prefix = vector.split('/').next().unwrap_or_default();
        let version = match prefix {
            "CVSS:3.0" => CvssVersion::V30,
            "CVSS:3.1" => CvssVersion::V31,
            "CVSS:4.0" => CvssVersion::V40,
            other => {
                return Err(CvssError::Invalid {
                    vector: vector.to_owned(),
                    reason: format!("unsupported prefix {other:?}"),
                });
            }
        };
        let declared_major = match declared {
            Declared::Exact(v) => Some((v.major(), v.as_str().to_owned())),
            Declared::Major(m) => Some((m, format!("v{m}"))),
            Declared::Unknown => None,
        };
        if let Some((major, label)) = declared_major
            && major != version.major()
        {
            return Err(CvssError::VersionMismatch {
                vector: vector.to_owned(),
                found: prefix.to_owned(),
                declared: label,
            });
        }
        let parsed = cvss::Cvss::from_str(vector).map_err(|e| CvssError::Invalid {
            vector: vector.to_owned(),
            reason: e.to_string(),
        })?;
        let score = match &parsed {
            cvss::Cvss::CvssV30(v) | cvss::Cvss::CvssV31(v) => v.base_score().value(),
            cvss::Cvss::CvssV40(v) => v.score().value(),
            _ => {
                return Err(CvssError::Invalid {
                    vector: vector.to_owned(),
                    reason: "unsupported CVSS version".to_owned(),
                });
            }
        };
        if !(0.0..=10.0).contains(&score) {
            return Err(CvssError::Invalid {
                vector: vector.to_owned(),
                reason: format!("score {score} out of range"),
            });
        }
        Ok(CvssScore {
            version,
            vector: vector.to_owned(),
            score,
            severity: Severity::from_score(score),
        })
    }

    /// Ranking used when sources disagree: newest CVSS version first, then the higher score (the
    /// conservative choice for an SLA), then the vector text so the pick is deterministic.
    pub fn preference_key(&self) -> (CvssVersion, u64, &str) {
        (
            self.version,
            (self.score * 10.0).round() as u64,
            self.vector.as_str(),
        )
    }
}

/// The best of several scores by [`CvssScore::preference_key`].
pub fn best<'a>(scores: impl IntoIterator<Item = &'a CvssScore>) -> Option<&'a CvssScore> {
    scores
        .into_iter()
        .max_by(|a, b| a.preference_key().cmp(&b.preference_key()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_v31_base() {
        let s = CvssScore::parse(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Declared::Exact(CvssVersion::V31),
        )
        .expect("valid");
        assert_eq!(s.score, 9.8);
        assert_eq!(s.severity, Severity::Critical);
    }

    #[test]
    fn scores_v40() {
        let s = CvssScore::parse(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            Declared::Major(4),
        )
        .expect("valid");
        assert_eq!(s.version, CvssVersion::V40);
        assert_eq!(s.score, 9.3);
    }

    #[test]
    fn rejects_major_mismatch_and_accepts_minor() {
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert!(matches!(
            CvssScore::parse(v4, Declared::Exact(CvssVersion::V31)),
            Err(CvssError::VersionMismatch { .. })
        ));
        let v30 = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let s = CvssScore::parse(v30, Declared::Exact(CvssVersion::V31))
            .expect("minor mismatch tolerated");
        assert_eq!(s.version, CvssVersion::V30);
    }

    #[test]
    fn rejects_v2_and_garbage() {
        assert!(CvssScore::parse("AV:N/AC:L/Au:N/C:P/I:P/A:P", Declared::Unknown).is_err());
        assert!(CvssScore::parse("CVSS:3.1/AV:Q", Declared::Unknown).is_err());
        assert!(CvssScore::parse("", Declared::Unknown).is_err());
    }
}
