//! CSAF 2.0 security advisory (profile `csaf_security_advisory`): the product tree names each
//! vulnerable component as a component of the product, and each vulnerability carries product
//! status, justification flags, impact statements, remediations and CVSS v3 scores.

use super::ExportMeta;
use crate::cvss::{CvssVersion, best};
use crate::finding::{Finding, FindingSet, Status};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

const PRODUCT_ID: &str = "CSAFPID-0000";

fn is_cve(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4 && num.len() >= 4 && year.bytes().chain(num.bytes()).all(|b| b.is_ascii_digit())
}

fn system_name(id: &str) -> &'static str {
    match id.split('-').next().unwrap_or("") {
        "GHSA" => "GitHub Security Advisory",
        "RUSTSEC" => "RustSec",
        "SNYK" => "Snyk",
        "PYSEC" => "PyPI Advisory Database",
        "GO" => "Go Vulnerability Database",
        "CVE" => "CVE",
        _ => "Other",
    }
}

pub fn csaf(findings: &FindingSet, meta: &ExportMeta) -> Value {
    // Product ids are assigned in sorted component order, so they are stable for the same findings.
    let mut comp_ids: BTreeMap<String, (String, String)> = BTreeMap::new();
    for f in findings.iter() {
        let key = super::component_ref(&f.component);
        let n = comp_ids.len() + 1;
        comp_ids
            .entry(key)
            .or_insert_with(|| (format!("CSAFPID-C{n:04}"), format!("CSAFPID-R{n:04}")));
    }
    let mut full_product_names = Vec::new();
    let mut relationships = Vec::new();
    let mut seen = BTreeSet::new();
    for f in findings.iter() {
        let key = super::component_ref(&f.component);
        let Some((cid, rid)) = comp_ids.get(&key) else {
            continue;
        };
        if !seen.insert(cid.clone()) {
            continue;
        }
        let label = match &f.component.version {
            Some(v) => format!("{} {v}", f.component.name),
            None => f.component.name.clone(),
        };
        let mut fp = Map::new();
        fp.insert("name".into(), json!(label));
        fp.insert("product_id".into(), json!(cid));
        if let Some(p) = &f.component.purl {
            fp.insert("product_identification_helper".into(), json!({ "purl": p }));
        }
        full_product_names.push(Value::Object(fp));
        relationships.push(json!({
            "category": "default_component_of",
            "full_product_name": { "name": format!("{label} as a component of {}", product_label(meta)), "product_id": rid },
            "product_reference": cid,
            "relates_to_product_reference": PRODUCT_ID,
        }));
    }
    let mut product = Map::new();
    product.insert("name".into(), json!(product_label(meta)));
    product.insert("product_id".into(), json!(PRODUCT_ID));
    if let Some(p) = &meta.product_purl {
        product.insert("product_identification_helper".into(), json!({ "purl": p }));
    }
    let product_branch = match &meta.product_version {
        Some(v) => json!({ "category": "product_name", "name": meta.product_name, "branches": [
            { "category": "product_version", "name": v, "product": Value::Object(product) }
        ]}),
        None => {
            json!({ "category": "product_name", "name": meta.product_name, "product": Value::Object(product) })
        }
    };
    let mut tree = Map::new();
    tree.insert(
        "branches".into(),
        json!([{ "category": "vendor", "name": meta.publisher, "branches": [product_branch] }]),
    );
    if !full_product_names.is_empty() {
        tree.insert("full_product_names".into(), json!(full_product_names));
        tree.insert("relationships".into(), json!(relationships));
    }

    let mut by_vuln: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter() {
        by_vuln
            .entry(f.vulnerability().to_owned())
            .or_default()
            .push(f);
    }
    let mut vulnerabilities = Vec::new();
    for (id, fs) in &by_vuln {
        vulnerabilities.push(vulnerability(id, fs, &comp_ids));
    }

    let initial = meta
        .initial_release
        .clone()
        .unwrap_or_else(|| meta.timestamp.clone());
    let version = meta.version.max(1).to_string();
    let mut doc = json!({
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "lang": "en",
            "title": format!("{}: vulnerability status", product_label(meta)),
            "publisher": { "category": "vendor", "name": meta.publisher, "namespace": meta.namespace },
            "notes": [{
                "category": "summary",
                "title": "Summary",
                "text": format!(
                    "Status of {} known vulnerabilit{} in the components of {}.",
                    by_vuln.len(),
                    if by_vuln.len() == 1 { "y" } else { "ies" },
                    product_label(meta)
                ),
            }],
            "references": [{
                "category": "self",
                "summary": "This advisory",
                "url": format!("{}/csaf/{}.json", meta.namespace.trim_end_matches('/'), super::iri_segment(&meta.document_id.to_lowercase())),
            }],
            "tracking": {
                "id": meta.document_id,
                "status": "final",
                "version": version,
                "initial_release_date": initial,
                "current_release_date": meta.timestamp,
                "revision_history": [{ "date": meta.timestamp, "number": version, "summary": "Generated by Covenant from the finding ledger." }],
                "generator": { "engine": { "name": "Covenant", "version": env!("CARGO_PKG_VERSION") } },
            },
        },
        "product_tree": Value::Object(tree),
    });
    if !vulnerabilities.is_empty()
        && let Some(o) = doc.as_object_mut()
    {
        o.insert("vulnerabilities".into(), json!(vulnerabilities));
    }
    doc
}

fn product_label(meta: &ExportMeta) -> String {
    match &meta.product_version {
        Some(v) => format!("{} {v}", meta.product_name),
        None => meta.product_name.clone(),
    }
}

fn vulnerability(
    id: &str,
    fs: &[&Finding],
    comp_ids: &BTreeMap<String, (String, String)>,
) -> Value {
    let mut status: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut flags: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut threats: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut remediations: BTreeMap<(&str, String), BTreeSet<String>> = BTreeMap::new();
    let mut scores: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut aliases: BTreeSet<&str> = BTreeSet::new();
    let mut title = None;
    for f in fs {
        let Some((_, rid)) = comp_ids.get(&super::component_ref(&f.component)) else {
            continue;
        };
        aliases.extend(f.aliases.iter().map(String::as_str));
        if title.is_none() {
            title = f.title.clone();
        }
        match &f.status {
            Status::Open => {
                status
                    .entry("under_investigation")
                    .or_default()
                    .insert(rid.clone());
            }
            Status::Triaged { note } => {
                status
                    .entry("known_affected")
                    .or_default()
                    .insert(rid.clone());
                let cat = if f.fixed_versions.is_empty() {
                    "none_available"
                } else {
                    "vendor_fix"
                };
                remediations
                    .entry((cat, super::openvex::action(f, note.as_deref())))
                    .or_default()
                    .insert(rid.clone());
            }
            Status::RiskAccepted {
                reason,
                approver,
                until,
            } => {
                status
                    .entry("known_affected")
                    .or_default()
                    .insert(rid.clone());
                remediations
                    .entry((
                        "no_fix_planned",
                        format!("Risk accepted by {approver} until {until}: {reason}"),
                    ))
                    .or_default()
                    .insert(rid.clone());
            }
            Status::Fixed { .. } => {
                status.entry("fixed").or_default().insert(rid.clone());
            }
            Status::NotAffected {
                justification,
                statement,
            } => {
                status
                    .entry("known_not_affected")
                    .or_default()
                    .insert(rid.clone());
                if let Some(j) = justification {
                    flags.entry(j.as_str()).or_default().insert(rid.clone());
                }
                let text = statement.clone().unwrap_or_else(|| {
                    justification.map_or("Not affected.".to_owned(), |j| {
                        format!("Not affected: {}.", j.as_str().replace('_', " "))
                    })
                });
                threats.entry(text).or_default().insert(rid.clone());
            }
        }
        let v3 = f.cvss.iter().filter(|s| s.version != CvssVersion::V40);
        if let Some(s) = best(v3) {
            scores
                .entry((s.version.as_str().to_owned(), s.vector.clone()))
                .or_default()
                .insert(rid.clone());
        }
    }
    let mut v = Map::new();
    if is_cve(id) {
        v.insert("cve".into(), json!(id));
    }
    let ids: Vec<Value> = aliases
        .iter()
        .filter(|a| !is_cve(a))
        .map(|a| json!({ "system_name": system_name(a), "text": a }))
        .collect();
    if !ids.is_empty() {
        v.insert("ids".into(), json!(ids));
    }
    if let Some(t) = &title {
        v.insert("title".into(), json!(t));
    }
    v.insert(
        "notes".into(),
        json!([{ "category": "description", "title": "Vulnerability", "text": title.clone().unwrap_or_else(|| format!("{id}; see the references of its identifiers.")) }]),
    );
    let product_status: Map<String, Value> = status
        .into_iter()
        .map(|(k, ids)| (k.to_owned(), json!(ids)))
        .collect();
    v.insert("product_status".into(), Value::Object(product_status));
    if !flags.is_empty() {
        v.insert(
            "flags".into(),
            json!(
                flags
                    .into_iter()
                    .map(|(label, ids)| json!({ "label": label, "product_ids": ids }))
                    .collect::<Vec<_>>()
            ),
        );
    }
    if !threats.is_empty() {
        v.insert(
            "threats".into(),
            json!(
                threats
                    .into_iter()
                    .map(
                        |(d, ids)| json!({ "category": "impact", "details": d, "product_ids": ids })
                    )
                    .collect::<Vec<_>>()
            ),
        );
    }
    if !remediations.is_empty() {
        v.insert(
            "remediations".into(),
            json!(remediations
                .into_iter()
                .map(|((cat, d), ids)| json!({ "category": cat, "details": d, "product_ids": ids }))
                .collect::<Vec<_>>()),
        );
    }
    if !scores.is_empty() {
        let list: Vec<Value> = scores
            .into_iter()
            .filter_map(|((ver, vector), ids)| {
                let s =
                    crate::cvss::CvssScore::parse(&vector, crate::cvss::Declared::Unknown).ok()?;
                Some(json!({
                    "products": ids,
                    "cvss_v3": {
                        "version": ver,
                        "vectorString": vector,
                        "baseScore": s.score,
                        "baseSeverity": s.severity.as_str().to_uppercase(),
                    }
                }))
            })
            .collect();
        if !list.is_empty() {
            v.insert("scores".into(), json!(list));
        }
    }
    Value::Object(v)
}
