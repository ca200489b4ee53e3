//! Documents written from the findings: CSAF 2.0 security advisories, OpenVEX 0.2.0 and CycloneDX
//! 1.6 VEX. Output is a `serde_json::Value` built from sorted findings, so the same findings and
//! metadata always give the same bytes.

mod csaf;
mod cyclonedx_vex;
mod openvex;

pub use csaf::csaf;
pub use cyclonedx_vex::cyclonedx_vex;
pub use openvex::openvex;

use crate::component::Component;

/// What the documents say about their own origin. Everything time- or identity-related is passed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMeta {
    /// The product the findings are about ("Acme Server").
    pub product_name: String,
    /// The product's version, if the document is about one release.
    pub product_version: Option<String>,
    /// The product's package URL, when it has one.
    pub product_purl: Option<String>,
    /// Publisher (CSAF) / author (OpenVEX) name.
    pub publisher: String,
    /// Publisher's namespace URL (CSAF requires one), e.g. `https://acme.example`.
    pub namespace: String,
    /// Document id: CSAF `tracking.id`; OpenVEX `@id` is `<namespace>/vex/<id>`.
    pub document_id: String,
    /// RFC 3339 timestamp of this release of the document.
    pub timestamp: String,
    /// RFC 3339 timestamp of the document's first release (defaults to `timestamp`).
    pub initial_release: Option<String>,
    /// Document version, starting at 1.
    pub version: u32,
}

impl ExportMeta {
    fn product_ref(&self) -> String {
        self.product_purl.clone().unwrap_or_else(|| {
            let v = self
                .product_version
                .as_deref()
                .map_or(String::new(), |v| format!("@{v}"));
            format!(
                "{}/product/{}{v}",
                self.namespace.trim_end_matches('/'),
                iri_segment(&self.product_name)
            )
        })
    }
}

/// Percent-encodes what an IRI path segment cannot hold, so names with spaces still make valid IRIs.
pub(crate) fn iri_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A component's reference inside generated documents: its purl, else a `pkg:generic` purl built
/// from name and version, so every consumer (and our own importers) can read it back.
pub(crate) fn component_ref(c: &Component) -> String {
    if let Some(p) = &c.purl {
        return p.clone();
    }
    let generic = packageurl::PackageUrl::new("generic", c.name.as_str()).and_then(|mut p| {
        if let Some(v) = &c.version {
            p.with_version(v.as_str())?;
        }
        Ok(p.to_string())
    });
    generic.unwrap_or_else(|_| {
        let v = c
            .version
            .as_deref()
            .map_or(String::new(), |v| format!("@{}", iri_segment(v)));
        format!("urn:covenant:component:{}{v}", iri_segment(&c.name))
    })
}
