//! A component as findings name it: package name, version and (when known) package URL.

use crate::version::Ecosystem;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Component {
    /// Name as the ecosystem spells it: `group:artifact` for Maven, `@scope/name` for npm, the module
    /// path for Go, the bare package name for OS packages.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// Package URL types whose namespace is a distribution, not part of the package's identity.
const DISTRO_TYPES: [&str; 5] = ["deb", "rpm", "apk", "alpm", "ebuild"];

/// What a purl says, in the pieces matching and dedupe need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlParts {
    pub purl_type: String,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: Vec<(String, String)>,
}

/// Splits a package URL. OS package versions get their `epoch` qualifier put back in front
/// (`1:4.13`), which is how scanners print them in text reports.
pub fn parse_purl(purl: &str) -> Result<PurlParts, String> {
    let p = packageurl::PackageUrl::from_str(purl.trim()).map_err(|e| e.to_string())?;
    let ty = p.ty().to_ascii_lowercase();
    let name = match (ty.as_str(), p.namespace()) {
        ("maven", Some(ns)) => format!("{ns}:{}", p.name()),
        (t, Some(_)) if DISTRO_TYPES.contains(&t) => p.name().to_owned(),
        (_, Some(ns)) if !ns.is_empty() => format!("{ns}/{}", p.name()),
        _ => p.name().to_owned(),
    };
    let name = match Ecosystem::from_purl_type(&ty) {
        Some(eco) => eco.normalize_name(&name),
        None => name,
    };
    let epoch = p
        .qualifiers()
        .iter()
        .find(|(k, _)| k.as_ref() == "epoch")
        .map(|(_, v)| v.to_string());
    let version = p.version().map(|v| match &epoch {
        Some(e) if DISTRO_TYPES.contains(&ty.as_str()) && e != "0" && !v.contains(':') => {
            format!("{e}:{v}")
        }
        _ => v.to_owned(),
    });
    let qualifiers = p
        .qualifiers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(PurlParts {
        purl_type: ty,
        name,
        version,
        qualifiers,
    })
}

impl Component {
    /// The name used to decide whether two reports talk about the same package: case-folded, since
    /// scanners disagree on case for OS and PyPI packages.
    pub fn dedupe_name(&self) -> String {
        self.name.to_lowercase()
    }

    /// Builds a component from whatever a report offers, preferring the purl's name and version
    /// when the purl parses, so the same package named two ways still dedupes.
    pub fn new(name: Option<&str>, version: Option<&str>, purl: Option<&str>) -> Option<Component> {
        let purl = purl.map(str::trim).filter(|p| !p.is_empty());
        let parts = purl.and_then(|p| parse_purl(p).ok());
        let name = parts.as_ref().map(|p| p.name.clone()).or_else(|| {
            name.map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        })?;
        let version = version
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .or_else(|| parts.as_ref().and_then(|p| p.version.clone()));
        Some(Component {
            name,
            version,
            purl: purl.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_names_per_type() {
        let p = parse_purl("pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.109").expect("valid");
        assert_eq!(p.name, "org.apache.tomcat:tomcat-catalina");
        let p = parse_purl("pkg:npm/%40babel/core@7.0.0").expect("valid");
        assert_eq!(p.name, "@babel/core");
        let p = parse_purl("pkg:deb/debian/login@4.13%2Bdfsg1-1%2Bb1?arch=amd64&epoch=1")
            .expect("valid");
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("login", Some("1:4.13+dfsg1-1+b1"))
        );
        let p = parse_purl("pkg:pypi/Django_Rest.Framework@3.0").expect("valid");
        assert_eq!(p.name, "django-rest-framework");
        assert!(parse_purl("not a purl").is_err());
    }
}
