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
    let purl = purl.trim();
    // Most purls in SBOMs need no percent-decoding; splitting them by hand is several times faster
    // than the general parser, which handles the rest.
    let raw = match split_plain(purl) {
        Some(r) => r,
        None => split_general(purl)?,
    };
    let mut ty = raw.purl_type;
    ty.make_ascii_lowercase();
    let name = match (ty.as_str(), raw.namespace.as_deref()) {
        ("maven", Some(ns)) => format!("{ns}:{}", raw.name),
        (t, Some(_)) if DISTRO_TYPES.contains(&t) => raw.name,
        (_, Some(ns)) if !ns.is_empty() => format!("{ns}/{}", raw.name),
        _ => raw.name,
    };
    let name = match Ecosystem::from_purl_type(&ty) {
        Some(Ecosystem::Pypi) => Ecosystem::Pypi.normalize_name(&name),
        _ => name,
    };
    let epoch = raw
        .qualifiers
        .iter()
        .find(|(k, _)| k == "epoch")
        .map(|(_, v)| v.clone());
    let version = raw.version.map(|v| match &epoch {
        Some(e) if DISTRO_TYPES.contains(&ty.as_str()) && e != "0" && !v.contains(':') => {
            format!("{e}:{v}")
        }
        _ => v,
    });
    Ok(PurlParts {
        purl_type: ty,
        name,
        version,
        qualifiers: raw.qualifiers,
    })
}

#[derive(Debug, PartialEq, Eq)]
struct RawPurl {
    purl_type: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
}

fn split_plain(purl: &str) -> Option<RawPurl> {
    if purl.contains('%') {
        return None;
    }
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (rest, quals) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (ty, rest) = rest.split_once('/')?;
    let ty_ok = ty.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
    // Only types whose purl rules are known here (no case folding of mixed-case input, namespace
    // rules respected); anything else takes the general parser.
    const PLAIN_TYPES: [&str; 8] = [
        "cargo", "npm", "golang", "maven", "deb", "rpm", "apk", "generic",
    ];
    if !ty_ok || !PLAIN_TYPES.contains(&ty) {
        return None;
    }
    let rest = rest.trim_end_matches('/');
    let (path, version) = match rest.rsplit_once('@') {
        Some((p, v)) if !v.contains('/') && !p.is_empty() && !p.ends_with('/') && !v.is_empty() => {
            (p, Some(v))
        }
        _ => (rest, None),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => {
            let ns: Vec<&str> = ns.split('/').filter(|x| !x.is_empty()).collect();
            ((!ns.is_empty()).then(|| ns.join("/")), n)
        }
        None => (None, path),
    };
    let prohibits_namespace = ty == "cargo";
    if name.is_empty()
        || path.bytes().any(|b| b.is_ascii_uppercase())
        || (prohibits_namespace && namespace.is_some())
    {
        return None;
    }
    let mut qualifiers = Vec::new();
    for q in quals
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|q| !q.is_empty())
    {
        let (k, v) = q.split_once('=')?;
        if k.is_empty() {
            return None;
        }
        if !v.is_empty() {
            qualifiers.push((k.to_ascii_lowercase(), v.to_owned()));
        }
    }
    qualifiers.sort();
    Some(RawPurl {
        purl_type: ty.to_owned(),
        namespace,
        name: name.to_owned(),
        version: version.map(str::to_owned),
        qualifiers,
    })
}

fn split_general(purl: &str) -> Result<RawPurl, String> {
    let p = packageurl::PackageUrl::from_str(purl).map_err(|e| e.to_string())?;
    let mut qualifiers: Vec<(String, String)> = p
        .qualifiers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    qualifiers.sort();
    Ok(RawPurl {
        purl_type: p.ty().to_owned(),
        namespace: p.namespace().map(str::to_owned),
        name: p.name().to_owned(),
        version: p.version().map(str::to_owned),
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
        let (purl_name, purl_version) = match purl.and_then(|p| parse_purl(p).ok()) {
            Some(p) => (Some(p.name), p.version),
            None => (None, None),
        };
        let name = purl_name.or_else(|| {
            name.map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        })?;
        let version = version
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .or(purl_version);
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

    proptest::proptest! {
        /// The hand-split fast path agrees with the general parser on every purl it accepts.
        #[test]
        fn plain_split_agrees_with_packageurl(
            ty in "(cargo|npm|pypi|maven|golang|deb|generic)",
            ns in proptest::option::of("[a-z][a-z0-9.-]{0,8}(/[a-z][a-z0-9.-]{0,8})?"),
            name in "[a-zA-Z][a-zA-Z0-9._-]{0,10}",
            version in proptest::option::of("[0-9][0-9a-z.+~-]{0,8}"),
            quals in proptest::collection::vec(("[a-z]{1,6}", "[a-z0-9.:/]{1,8}"), 0..3),
        ) {
            let mut purl = format!("pkg:{ty}/");
            if let Some(ns) = &ns {
                purl.push_str(ns);
                purl.push('/');
            }
            purl.push_str(&name);
            if let Some(v) = &version {
                purl.push('@');
                purl.push_str(v);
            }
            let mut keys = std::collections::BTreeSet::new();
            let quals: Vec<_> = quals.into_iter().filter(|(k, _)| keys.insert(k.clone())).collect();
            if !quals.is_empty() {
                purl.push('?');
                purl.push_str(&quals.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
            }
            if let Some(fast) = split_plain(&purl) {
                proptest::prop_assert_eq!(Ok(fast), split_general(&purl), "{}", purl);
            }
        }
    }
}
