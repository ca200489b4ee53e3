//! Version ordering per ecosystem. Matching an SBOM against advisories is only as right as these
//! comparisons, so each ecosystem gets its own rules instead of one "looks like semver" guess.

mod maven;
mod pep440;
mod semver;

pub use maven::MavenVersion;
pub use pep440::Pep440Version;
pub use semver::SemVersion;

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Ecosystems whose version semantics Covenant implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// crates.io (SemVer 2.0).
    Cargo,
    /// npm (SemVer 2.0 as node-semver orders it).
    Npm,
    /// PyPI (PEP 440).
    Pypi,
    /// Go modules (SemVer with a `v` prefix; pseudo-versions are pre-releases).
    Golang,
    /// Maven (`ComparableVersion` ordering).
    Maven,
}

impl Ecosystem {
    /// From a package URL type.
    pub fn from_purl_type(t: &str) -> Option<Ecosystem> {
        [
            Ecosystem::Cargo,
            Ecosystem::Npm,
            Ecosystem::Pypi,
            Ecosystem::Golang,
            Ecosystem::Maven,
        ]
        .into_iter()
        .find(|e| e.purl_type().eq_ignore_ascii_case(t))
    }

    /// From an OSV `affected[].package.ecosystem` value.
    pub fn from_osv(name: &str) -> Option<Ecosystem> {
        match name {
            "crates.io" => Some(Ecosystem::Cargo),
            "npm" => Some(Ecosystem::Npm),
            "PyPI" => Some(Ecosystem::Pypi),
            "Go" => Some(Ecosystem::Golang),
            "Maven" => Some(Ecosystem::Maven),
            _ => None,
        }
    }

    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Golang => "golang",
            Ecosystem::Maven => "maven",
        }
    }

    /// Parses a version under this ecosystem's rules.
    pub fn parse(self, v: &str) -> Result<Version, VersionError> {
        match self {
            Ecosystem::Cargo | Ecosystem::Npm => SemVersion::parse(v, false).map(Version::Sem),
            Ecosystem::Golang => SemVersion::parse(v, true).map(Version::Sem),
            Ecosystem::Pypi => Pep440Version::parse(v).map(Version::Pep440),
            Ecosystem::Maven => Ok(Version::Maven(MavenVersion::parse(v))),
        }
    }

    /// Canonical package name for lookups: PyPI names are case- and separator-insensitive
    /// (PEP 503), the others are compared as given.
    pub fn normalize_name(self, name: &str) -> String {
        match self {
            Ecosystem::Pypi => {
                let mut out = String::with_capacity(name.len());
                let mut last_sep = false;
                for c in name.chars() {
                    if matches!(c, '-' | '_' | '.') {
                        if !last_sep {
                            out.push('-');
                        }
                        last_sep = true;
                    } else {
                        out.extend(c.to_lowercase());
                        last_sep = false;
                    }
                }
                out
            }
            _ => name.to_owned(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.purl_type())
    }
}

/// A parsed version; only versions of the same ecosystem are compared.
#[derive(Debug, Clone)]
pub enum Version {
    Sem(SemVersion),
    Pep440(Pep440Version),
    Maven(MavenVersion),
}

impl Version {
    /// `None` when the two versions come from different ecosystems.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Sem(a), Version::Sem(b)) => Some(a.cmp(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Maven(a), Version::Maven(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{version:?} is not a valid {scheme} version: {reason}")]
pub struct VersionError {
    pub version: String,
    pub scheme: &'static str,
    pub reason: String,
}
