//! What the importers read from real documents, checked against counts taken from the documents'
//! own JSON (not from the importer).

mod common;

use covenant_vuln::{Justification, VexState, import};
use serde_json::Value;
use std::collections::BTreeMap;

fn load(rel: &str) -> Option<(Vec<u8>, Value)> {
    let vuln = common::shared_vuln()?;
    let bytes = common::read(&vuln.join(rel));
    let v = serde_json::from_slice(&bytes).expect("json");
    Some((bytes, v))
}

#[test]
fn csaf_product_status_becomes_vex_states() {
    let Some((bytes, doc)) = load("csaf/csaf2.0-2022-evd-uc-03-ms-001.json") else {
        return;
    };
    let mut want: BTreeMap<VexState, usize> = BTreeMap::new();
    for v in doc["vulnerabilities"].as_array().expect("vulns") {
        for (k, ids) in v["product_status"].as_object().expect("status") {
            let state = match k.as_str() {
                "known_not_affected" => VexState::NotAffected,
                "known_affected" | "first_affected" | "last_affected" => VexState::Affected,
                "fixed" | "first_fixed" => VexState::Fixed,
                "under_investigation" => VexState::UnderInvestigation,
                _ => continue,
            };
            *want.entry(state).or_default() += ids.as_array().map_or(0, Vec::len);
        }
    }
    let imp = import("ms.json", &bytes).expect("import");
    let mut got: BTreeMap<VexState, usize> = BTreeMap::new();
    for o in &imp.observations {
        *got.entry(o.vex.as_ref().expect("vex").state).or_default() += 1;
        assert_eq!(
            o.component.name, "GHI",
            "product_name branch names the component"
        );
        assert_eq!(o.component.version.as_deref(), Some("17.4"));
    }
    assert_eq!(got, want);
}

#[test]
fn csaf_flags_and_threats_give_justification_and_statement() {
    let Some((bytes, doc)) = load("csaf/csaf2.0-sec-vex-2022-0001.json") else {
        return;
    };
    let imp = import("sec.json", &bytes).expect("import");
    let log4shell = imp
        .observations
        .iter()
        .find(|o| o.vulnerability == "CVE-2021-44228")
        .expect("log4shell");
    let vex = log4shell.vex.as_ref().expect("vex");
    assert_eq!(vex.state, VexState::NotAffected);
    assert_eq!(vex.justification, Some(Justification::ComponentNotPresent));
    let details = doc["vulnerabilities"][0]["threats"][0]["details"]
        .as_str()
        .expect("details");
    assert_eq!(vex.detail.as_deref(), Some(details));
}

#[test]
fn cyclonedx_analysis_maps_justifications() {
    let Some((bytes, doc)) = load("cyclonedx/bom-examples-cisa-case2-vex.cdx.json") else {
        return;
    };
    let imp = import("case2.json", &bytes).expect("import");
    let with_affects = doc["vulnerabilities"]
        .as_array()
        .expect("vulns")
        .iter()
        .map(|v| v["affects"].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    assert_eq!(imp.observations.len(), with_affects);
    for o in &imp.observations {
        let vex = o.vex.as_ref().expect("vex");
        assert_eq!(vex.state, VexState::NotAffected);
        // code_not_reachable in CycloneDX is OpenVEX's vulnerable_code_not_in_execute_path.
        assert_eq!(
            vex.justification,
            Some(Justification::VulnerableCodeNotInExecutePath)
        );
    }
}

#[test]
fn cyclonedx_ratings_keep_only_v3_and_v4_vectors() {
    let Some((bytes, doc)) = load("cyclonedx/trivy-npm-cdx-1.7-with-vulns.json") else {
        return;
    };
    let imp = import("npm.json", &bytes).expect("import");
    let ratings = doc["vulnerabilities"][0]["ratings"]
        .as_array()
        .expect("ratings");
    let v3_or_v4 = ratings
        .iter()
        .filter(|r| matches!(r["method"].as_str(), Some("CVSSv3" | "CVSSv31" | "CVSSv4")))
        .count();
    let o = &imp.observations[0];
    assert_eq!(o.cvss.len(), v3_or_v4);
    assert!(
        o.cvss
            .iter()
            .all(|s| s.vector.starts_with("CVSS:3.") || s.vector.starts_with("CVSS:4.0"))
    );
}

#[test]
fn trivy_legacy_list_and_current_object_both_read() {
    let Some((bytes, doc)) = load("trivy/dd-trivy-legacy-v1-many_vulns.json") else {
        return;
    };
    let n: usize = doc
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["Vulnerabilities"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        import("legacy.json", &bytes)
            .expect("legacy")
            .observations
            .len(),
        n
    );
    let Some((bytes, doc)) = load("trivy/dd-trivy-cvssv4_severity_source.json") else {
        return;
    };
    let imp = import("v4.json", &bytes).expect("current");
    let vectors4 = doc["Results"][0]["Vulnerabilities"]
        .as_array()
        .expect("vulns")
        .iter()
        .filter(|v| {
            v["CVSS"]
                .as_object()
                .is_some_and(|m| m.values().any(|e| e.get("V40Vector").is_some()))
        })
        .count();
    let read4 = imp
        .observations
        .iter()
        .filter(|o| o.cvss.iter().any(|s| s.vector.starts_with("CVSS:4.0")))
        .count();
    assert_eq!(read4, vectors4);
}

#[test]
fn sarif_without_package_data_is_reported_per_result() {
    let Some((bytes, doc)) = load("sarif/dd-dependency-check.sarif.json") else {
        return;
    };
    let results = doc["runs"][0]["results"].as_array().expect("results").len();
    let imp = import("dc.sarif", &bytes).expect("import");
    assert_eq!(imp.observations.len() + imp.warnings.len(), results);
}

#[test]
fn openvex_statements_and_legacy_form() {
    let Some((bytes, doc)) = load("openvex/vexctl-sample-2vulns.openvex.json") else {
        return;
    };
    let imp = import("two.json", &bytes).expect("import");
    let statuses: Vec<&str> = doc["statements"]
        .as_array()
        .expect("st")
        .iter()
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert_eq!(imp.observations.len(), statuses.len());
    assert!(
        imp.observations[0]
            .aliases
            .contains("SNYK-DEBIAN12-LIBDE265-3361563")
    );
    let Some((bytes, _)) = load("openvex/vexctl-legacy-v0.0.1.openvex.json") else {
        return;
    };
    let legacy = import("legacy.json", &bytes).expect("legacy");
    assert_eq!(
        legacy.observations[0].vex.as_ref().expect("vex").state,
        VexState::UnderInvestigation
    );
    assert_eq!(legacy.warnings.len(), 1);
}

#[test]
fn spdx_missing_download_location_is_a_warning_not_an_error() {
    let Some((bytes, doc)) = load("spdx/vexctl-example-sbom.spdx.json") else {
        return;
    };
    let imp = import("sbom.spdx.json", &bytes).expect("import");
    let missing = doc["packages"]
        .as_array()
        .expect("pkgs")
        .iter()
        .filter(|p| p.get("downloadLocation").is_none())
        .count();
    assert_eq!(imp.warnings.len(), missing);
    assert_eq!(
        imp.components.len(),
        doc["packages"].as_array().expect("pkgs").len()
    );
}

#[test]
fn dependency_track_fpf_keeps_aliases_and_vectors() {
    let Some((bytes, doc)) = load("dependency-track/dd-deptrack-fpf-npm-4.14.1.json") else {
        return;
    };
    let imp = import("fpf.json", &bytes).expect("import");
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(imp.observations.len(), findings.len());
    for (o, f) in imp.observations.iter().zip(findings) {
        assert_eq!(o.component.purl.as_deref(), f["component"]["purl"].as_str());
        for a in f["vulnerability"]["aliases"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for id in a
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
                .filter_map(Value::as_str)
            {
                assert!(o.ids().any(|x| x == id), "{id} kept");
            }
        }
        let vectors = ["cvssV3Vector", "cvssV4Vector"]
            .iter()
            .filter(|k| f["vulnerability"].get(**k).is_some())
            .count();
        assert_eq!(o.cvss.len(), vectors);
    }
}

#[test]
fn cargo_audit_reads_advisory_aliases_and_registry_purls() {
    let Some((bytes, doc)) = load("rustsec/dd-cargo-audit-many_findings_cvss.json") else {
        return;
    };
    let imp = import("audit.json", &bytes).expect("import");
    let list = doc["vulnerabilities"]["list"].as_array().expect("list");
    assert_eq!(imp.observations.len(), list.len());
    for (o, v) in imp.observations.iter().zip(list) {
        assert_eq!(o.vulnerability, v["advisory"]["id"].as_str().expect("id"));
        let registry = v["package"]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("registry+"));
        assert_eq!(o.component.purl.is_some(), registry);
        assert_eq!(o.cvss.len(), usize::from(v["advisory"]["cvss"].is_string()));
    }
}
