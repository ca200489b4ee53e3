//! SemVer 2.0 precedence, used for crates.io, npm and Go modules.

use super::VersionError;
use std::cmp::Ordering;

/// `MAJOR.MINOR.PATCH[-PRE][+BUILD]`. Build metadata is kept out of ordering, as SemVer requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<PreId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreId {
    Numeric(u64),
    Alpha(String),
}

impl SemVersion {
    /// `go` accepts (and requires nothing of) a leading `v`, as Go module versions carry one; npm's
    /// loose `v1.2.3` and `=1.2.3` are accepted everywhere.
    pub fn parse(input: &str, go: bool) -> Result<SemVersion, VersionError> {
        let err = |reason: &str| VersionError {
            version: input.to_owned(),
            scheme: if go { "Go module" } else { "SemVer" },
            reason: reason.to_owned(),
        };
        let mut s = input.trim();
        s = s.strip_prefix('=').unwrap_or(s);
        s = s.strip_prefix('v').unwrap_or(s);
        let s = s.split_once('+').map_or(s, |(core, _build)| core);
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (s, None),
        };
        let mut nums = core.split('.');
        let mut next = |name: &str| -> Result<u64, VersionError> {
            let part = nums.next().ok_or_else(|| err(&format!("missing {name}")))?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(&format!("{name} {part:?} is not a number")));
            }
            part.parse::<u64>()
                .map_err(|_| err(&format!("{name} {part:?} is too large")))
        };
        let major = next("major")?;
        let minor = next("minor")?;
        let patch = next("patch")?;
        if nums.next().is_some() {
            return Err(err("more than three numeric components"));
        }
        let mut pre_ids = Vec::new();
        if let Some(pre) = pre {
            for id in pre.split('.') {
                if id.is_empty() {
                    return Err(err("empty pre-release identifier"));
                }
                if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(err(&format!(
                        "pre-release identifier {id:?} has invalid characters"
                    )));
                }
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    match id.parse::<u64>() {
                        Ok(n) => pre_ids.push(PreId::Numeric(n)),
                        Err(_) => pre_ids.push(PreId::Alpha(id.to_owned())),
                    }
                } else {
                    pre_ids.push(PreId::Alpha(id.to_owned()));
                }
            }
        }
        Ok(SemVersion {
            major,
            minor,
            patch,
            pre: pre_ids,
        })
    }
}

impl Ord for PreId {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (PreId::Numeric(a), PreId::Numeric(b)) => a.cmp(b),
            (PreId::Numeric(_), PreId::Alpha(_)) => Ordering::Less,
            (PreId::Alpha(_), PreId::Numeric(_)) => Ordering::Greater,
            (PreId::Alpha(a), PreId::Alpha(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for PreId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release precedes its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for SemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> SemVersion {
        SemVersion::parse(s, false).expect("valid")
    }

    #[test]
    fn spec_precedence_chain() {
        // The example chain from SemVer 2.0 §11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn build_metadata_ignored_and_go_prefix() {
        assert_eq!(v("1.2.3+abc").cmp(&v("1.2.3+def")), Ordering::Equal);
        let go =
            SemVersion::parse("v0.0.0-20200101000000-abcdef123456", true).expect("pseudo-version");
        assert!(go < SemVersion::parse("v0.0.1", true).expect("valid"));
        assert!(SemVersion::parse("v2.0.0+incompatible", true).is_ok());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.x",
            "1.2.3.4",
            "1.2.3-",
            "1.2.3-a..b",
            "a.b.c",
        ] {
            assert!(SemVersion::parse(bad, false).is_err(), "{bad}");
        }
    }
}
