//! The deno SBOM against the whole RustSec OSV export, with every verdict re-checked by an
//! independent oracle: the `semver` crate and a plain interval walk over each advisory's events.

mod common;

use covenant_vuln::{AdvisoryDb, MatchOptions, import};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// (lower inclusive, upper exclusive or inclusive) intervals from events in document order.
fn oracle_affected(events: &[Value], v: &semver::Version) -> bool {
    let mut lower: Option<semver::Version> = None;
    let mut open = false;
    for e in events {
        if let Some(i) = e.get("introduced").and_then(Value::as_str) {
            lower = Some(if i == "0" {
                semver::Version::new(0, 0, 0)
            } else {
                semver::Version::parse(i).expect("introduced")
            });
            open = true;
        } else if let Some(f) = e.get("fixed").and_then(Value::as_str) {
            let f = semver::Version::parse(f).expect("fixed");
            if let Some(l) = &lower
                && open
                && l <= v
                && *v < f
            {
                return true;
            }
            open = false;
        } else if let Some(la) = e.get("last_affected").and_then(Value::as_str) {
            let la = semver::Version::parse(la).expect("last_affected");
            if let Some(l) = &lower
                && open
                && l <= v
                && *v <= la
            {
                return true;
            }
            open = false;
        }
    }
    open && lower.as_ref().is_some_and(|l| l <= v)
}

#[test]
fn deno_matches_agree_with_the_advisories_ranges() {
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    let records = common::rustsec_osv(&vuln);
    let db = AdvisoryDb::load(records.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    assert!(db.errors.is_empty(), "{:?}", db.errors.first());
    assert_eq!(db.len() + db.withdrawn, records.len());

    let name = "deno-2.9.5-alltargets.cdx.json";
    let sbom = import(name, &common::read(&vuln.join("sbom-large").join(name))).expect("sbom");
    let opts = MatchOptions {
        include_informational: true,
    };
    let report = db.match_components(&sbom.components, &opts, name);
    println!(
        "components={} checked={} skipped={} observations={}",
        sbom.components.len(),
        report.checked,
        report.skipped.len(),
        report.observations.len()
    );
    assert!(!report.observations.is_empty());
    // Only the workspace's own path crates are skipped, each with its reason; the rest was checked.
    let local = |purl: &str| purl.contains("download_url=file");
    for s in &report.skipped {
        assert!(local(s.component.purl.as_deref().unwrap_or("")), "{s:?}");
        assert!(s.reason.contains("download_url"));
    }
    assert_eq!(report.checked + report.skipped.len(), sbom.components.len());

    // The oracle's verdict for every (crate version, advisory) pair, withdrawn advisories excluded.
    let mut expected: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut by_crate: BTreeMap<String, Vec<(String, Vec<Value>)>> = BTreeMap::new();
    for (_, bytes) in &records {
        let rec: Value = serde_json::from_slice(bytes).expect("json");
        if rec.get("withdrawn").is_some() {
            continue;
        }
        let id = rec["id"].as_str().expect("id").to_owned();
        for a in rec["affected"].as_array().expect("affected") {
            let crate_name = a["package"]["name"].as_str().expect("name").to_owned();
            let events: Vec<Value> = a["ranges"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["type"] == "SEMVER")
                .flat_map(|r| r["events"].as_array().cloned().unwrap_or_default())
                .collect();
            by_crate
                .entry(crate_name)
                .or_default()
                .push((id.clone(), events));
        }
    }
    for c in &sbom.components {
        let (Some(purl), Some(ver)) = (&c.purl, &c.version) else {
            continue;
        };
        if !purl.starts_with("pkg:cargo/") || local(purl) {
            continue;
        }
        let v = semver::Version::parse(ver).expect("crate version");
        for (id, events) in by_crate.get(&c.name).into_iter().flatten() {
            if oracle_affected(events, &v) {
                expected.insert((id.clone(), c.name.clone(), ver.clone()));
            }
        }
    }
    let got: BTreeSet<(String, String, String)> = report
        .observations
        .iter()
        .map(|o| {
            (
                o.vulnerability.clone(),
                o.component.name.clone(),
                o.component.version.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Matches carry the advisory's aliases and a CVSS score when the advisory has one.
    assert!(report.observations.iter().any(|o| !o.cvss.is_empty()));
}

#[test]
fn informational_advisories_are_counted_not_reported_by_default() {
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    let records = common::rustsec_osv(&vuln);
    let db = AdvisoryDb::load(records.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    let name = "deno-2.9.5-alltargets.cdx.json";
    let sbom = import(name, &common::read(&vuln.join("sbom-large").join(name))).expect("sbom");
    let all = db.match_components(
        &sbom.components,
        &MatchOptions {
            include_informational: true,
        },
        name,
    );
    let vulns = db.match_components(&sbom.components, &MatchOptions::default(), name);
    assert_eq!(
        all.observations.len(),
        vulns.observations.len() + vulns.informational_ignored
    );
}
