//! OpenVEX 0.2.0: one statement per finding, the product with the vulnerable package as subcomponent.

use super::{ExportMeta, component_ref};
use crate::finding::{FindingSet, Status};
use serde_json::{Map, Value, json};

pub fn openvex(findings: &FindingSet, meta: &ExportMeta) -> Value {
    let mut statements = Vec::new();
    for f in findings.iter() {
        let mut sub = Map::new();
        let r = component_ref(&f.component);
        sub.insert("@id".into(), json!(r));
        if r.starts_with("pkg:") {
            sub.insert("identifiers".into(), json!({ "purl": r }));
        }
        let mut product = Map::new();
        product.insert("@id".into(), json!(meta.product_ref()));
        if let Some(p) = &meta.product_purl {
            product.insert("identifiers".into(), json!({ "purl": p }));
        }
        product.insert("subcomponents".into(), json!([Value::Object(sub)]));

        let name = f.vulnerability().to_owned();
        let aliases: Vec<&String> = f.aliases.iter().filter(|a| **a != name).collect();
        let mut vuln = Map::new();
        vuln.insert("name".into(), json!(name));
        if !aliases.is_empty() {
            vuln.insert("aliases".into(), json!(aliases));
        }
        if let Some(t) = &f.title {
            vuln.insert("description".into(), json!(t));
        }
        let mut st = Map::new();
        st.insert("vulnerability".into(), Value::Object(vuln));
        st.insert("timestamp".into(), json!(f.status_since));
        st.insert("products".into(), json!([Value::Object(product)]));
        match &f.status {
            Status::Open => {
                st.insert("status".into(), json!("under_investigation"));
            }
            Status::Triaged { note } => {
                st.insert("status".into(), json!("affected"));
                st.insert("action_statement".into(), json!(action(f, note.as_deref())));
            }
            Status::RiskAccepted {
                reason,
                approver,
                until,
            } => {
                st.insert("status".into(), json!("affected"));
                st.insert(
                    "action_statement".into(),
                    json!(format!(
                        "No fix planned: risk accepted by {approver} until {until}: {reason}"
                    )),
                );
            }
            Status::Fixed { note } => {
                st.insert("status".into(), json!("fixed"));
                if let Some(n) = note {
                    st.insert("status_notes".into(), json!(n));
                }
            }
            Status::NotAffected {
                justification,
                statement,
            } => {
                st.insert("status".into(), json!("not_affected"));
                if let Some(j) = justification {
                    st.insert("justification".into(), json!(j.as_str()));
                }
                // The schema needs a justification or an impact statement; a statement is always given.
                let text = statement.clone().unwrap_or_else(|| {
                    justification.map_or("Not affected.".to_owned(), |j| {
                        format!("Not affected: {}.", j.as_str().replace('_', " "))
                    })
                });
                st.insert("impact_statement".into(), json!(text));
            }
        }
        statements.push(Value::Object(st));
    }
    json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("{}/vex/{}", meta.namespace.trim_end_matches('/'), super::iri_segment(&meta.document_id)),
        "author": meta.publisher,
        "timestamp": meta.timestamp,
        "version": meta.version.max(1),
        "tooling": format!("Covenant {}", env!("CARGO_PKG_VERSION")),
        "statements": statements,
    })
}

pub(super) fn action(f: &crate::finding::Finding, note: Option<&str>) -> String {
    let mut s = if f.fixed_versions.is_empty() {
        format!(
            "Remediation of {} is planned within the remediation SLA; no fixed version is published yet.",
            f.component.name
        )
    } else {
        let fixed: Vec<&str> = f.fixed_versions.iter().map(String::as_str).collect();
        format!(
            "Update {} to a fixed version ({}).",
            f.component.name,
            fixed.join(", ")
        )
    };
    if let Some(n) = note {
        s.push(' ');
        s.push_str(n);
    }
    s
}
