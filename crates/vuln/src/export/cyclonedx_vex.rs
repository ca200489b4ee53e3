//! CycloneDX 1.6 VEX: the affected components and one vulnerability entry per finding with its
//! ratings and `analysis`.

use super::{ExportMeta, component_ref};
use crate::cvss::CvssVersion;
use crate::finding::{FindingSet, Status};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub fn cyclonedx_vex(findings: &FindingSet, meta: &ExportMeta) -> Value {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut vulnerabilities = Vec::new();
    for f in findings.iter() {
        let r = component_ref(&f.component);
        components.entry(r.clone()).or_insert_with(|| {
            let mut c = Map::new();
            c.insert("type".into(), json!("library"));
            c.insert("bom-ref".into(), json!(r));
            c.insert("name".into(), json!(f.component.name));
            if let Some(v) = &f.component.version {
                c.insert("version".into(), json!(v));
            }
            if let Some(p) = &f.component.purl {
                c.insert("purl".into(), json!(p));
            }
            Value::Object(c)
        });
        let id = f.vulnerability().to_owned();
        let mut v = Map::new();
        v.insert("bom-ref".into(), json!(format!("finding:{}", f.id)));
        v.insert("id".into(), json!(id));
        let refs: Vec<Value> = f
            .aliases
            .iter()
            .filter(|a| **a != id)
            .map(|a| json!({ "id": a, "source": { "name": source_name(a) } }))
            .collect();
        if !refs.is_empty() {
            v.insert("references".into(), json!(refs));
        }
        let mut cvss = f.cvss.clone();
        cvss.sort_by(|a, b| a.vector.cmp(&b.vector));
        let ratings: Vec<Value> = cvss
            .iter()
            .map(|s| {
                let method = match s.version {
                    CvssVersion::V30 => "CVSSv3",
                    CvssVersion::V31 => "CVSSv31",
                    CvssVersion::V40 => "CVSSv4",
                };
                json!({ "score": s.score, "severity": s.severity.as_str(), "method": method, "vector": s.vector })
            })
            .collect();
        if !ratings.is_empty() {
            v.insert("ratings".into(), json!(ratings));
        }
        if let Some(t) = &f.title {
            v.insert("description".into(), json!(t));
        }
        let (state, justification, response, detail): (
            &str,
            Option<&str>,
            Vec<&str>,
            Option<String>,
        ) = match &f.status {
            Status::Open => ("in_triage", None, vec![], None),
            Status::Triaged { note } => (
                "exploitable",
                None,
                vec!["update"],
                Some(super::openvex::action(f, note.as_deref())),
            ),
            Status::RiskAccepted {
                reason,
                approver,
                until,
            } => (
                "exploitable",
                None,
                vec!["will_not_fix"],
                Some(format!(
                    "Risk accepted by {approver} until {until}: {reason}"
                )),
            ),
            Status::Fixed { note } => ("resolved", None, vec![], note.clone()),
            Status::NotAffected {
                justification,
                statement,
            } => (
                "not_affected",
                justification.map(|j| j.to_cyclonedx()),
                vec![],
                statement.clone(),
            ),
        };
        let mut analysis = Map::new();
        analysis.insert("state".into(), json!(state));
        if let Some(j) = justification {
            analysis.insert("justification".into(), json!(j));
        }
        if !response.is_empty() {
            analysis.insert("response".into(), json!(response));
        }
        if let Some(d) = detail {
            analysis.insert("detail".into(), json!(d));
        }
        v.insert("analysis".into(), Value::Object(analysis));
        v.insert("affects".into(), json!([{ "ref": r }]));
        vulnerabilities.push(Value::Object(v));
    }
    let mut product = Map::new();
    product.insert("type".into(), json!("application"));
    product.insert("bom-ref".into(), json!(meta.product_ref()));
    product.insert("name".into(), json!(meta.product_name));
    if let Some(v) = &meta.product_version {
        product.insert("version".into(), json!(v));
    }
    if let Some(p) = &meta.product_purl {
        product.insert("purl".into(), json!(p));
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": meta.version.max(1),
        "metadata": {
            "timestamp": meta.timestamp,
            "tools": { "components": [{ "type": "application", "name": "Covenant", "version": env!("CARGO_PKG_VERSION") }] },
            "component": Value::Object(product),
            "supplier": { "name": meta.publisher, "url": [meta.namespace] },
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulnerabilities,
    })
}

fn source_name(id: &str) -> &'static str {
    if id.starts_with("CVE-") {
        "NVD"
    } else if id.starts_with("GHSA-") {
        "GitHub Advisories"
    } else if id.starts_with("RUSTSEC-") {
        "RustSec"
    } else if id.starts_with("SNYK-") {
        "Snyk"
    } else {
        "OSV"
    }
}
