//! End to end on the handwritten fixtures: SBOM matching per ecosystem, cross-scanner merge, VEX
//! triage, defaulted severity, precise errors.

mod common;

use covenant_vuln::finding::RatingBasis;
use covenant_vuln::{
    AdvisoryDb, FindingEvent, FindingSet, ImportError, IngestOptions, Justification, MatchOptions,
    Observation, Severity, Status, fold, import, plan_ingest,
};
use std::collections::BTreeSet;

fn advisories() -> AdvisoryDb {
    let names = [
        "smallvec",
        "lodash",
        "django",
        "log4j",
        "xtext",
        "withdrawn",
    ];
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| {
            (
                format!("{n}.json"),
                common::fixture(&format!("osv/{n}.json")),
            )
        })
        .collect();
    let db = AdvisoryDb::load(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    assert!(db.errors.is_empty(), "{:?}", db.errors);
    db
}

fn matched() -> covenant_vuln::MatchReport {
    let sbom = import("app.cdx.json", &common::fixture("app.cdx.json")).expect("sbom");
    advisories().match_components(&sbom.components, &MatchOptions::default(), "app.cdx.json")
}

#[test]
fn sbom_matching_uses_each_ecosystems_version_rules() {
    let report = matched();
    let got: BTreeSet<(String, String)> = report
        .observations
        .iter()
        .map(|o| {
            (
                o.vulnerability.clone(),
                format!(
                    "{}@{}",
                    o.component.name,
                    o.component.version.clone().unwrap_or_default()
                ),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("RUSTSEC-2021-0003", "smallvec@1.6.0"),
        ("GHSA-35jh-r3h4-6jhm", "lodash@4.17.20"),
        ("PYSEC-2021-98", "django@3.2.3"),
        (
            "GHSA-jfh8-c2jp-5v3q",
            "org.apache.logging.log4j:log4j-core@2.14.1",
        ),
        ("GO-2021-0113", "golang.org/x/text@v0.3.5"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(got, want);
    // Unsupported ecosystems, missing versions, missing purls and local sources are reported, not dropped.
    let reasons: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.component.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|(n, r)| *n == "openssl" && r.contains("unsupported ecosystem"))
    );
    assert!(
        reasons
            .iter()
            .any(|(n, r)| *n == "no-version" && r.contains("no version"))
    );
    assert!(
        reasons
            .iter()
            .any(|(n, r)| *n == "internal-lib" && r.contains("no package URL"))
    );
    assert!(reasons.iter().any(|(_, r)| r.contains("download_url")));
}

fn ingest_all() -> (Vec<FindingEvent>, FindingSet) {
    let mut obs: Vec<Observation> = matched().observations;
    for f in ["scan.grype.json", "scan.sarif.json"] {
        let imp = import(f, &common::fixture(f)).expect("scan");
        obs.extend(imp.observations);
    }
    let opts = IngestOptions {
        at: "2026-11-01T10:00:00Z".into(),
        default_severity: Severity::High,
    };
    let events = plan_ingest(&FindingSet::default(), &obs, &opts);
    let set = fold(&events).expect("fold");
    (events, set)
}

#[test]
fn merge_rule_same_component_and_any_shared_id() {
    let (_, set) = ingest_all();
    // lodash: GHSA from the matcher and Grype, CVE from Grype's related list and Trivy (which
    // spells the package LODASH): one finding, three sources, CVE shown first.
    let lodash: Vec<_> = set
        .iter()
        .filter(|f| f.component.dedupe_name() == "lodash")
        .collect();
    assert_eq!(lodash.len(), 1);
    let f = lodash[0];
    assert_eq!(f.vulnerability(), "CVE-2021-23337");
    assert!(f.aliases.contains("GHSA-35jh-r3h4-6jhm"));
    assert_eq!(
        f.tools(),
        ["Trivy", "covenant", "grype"].into_iter().collect()
    );
    assert_eq!(f.component.purl.as_deref(), Some("pkg:npm/lodash@4.17.20"));
    // Same vulnerability, other version: a separate finding.
    let openssl: BTreeSet<_> = set
        .iter()
        .filter(|f| f.component.name == "openssl")
        .map(|f| f.component.version.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        openssl,
        ["3.0.10-1".to_owned(), "3.0.9-1".to_owned()]
            .into_iter()
            .collect()
    );
}

#[test]
fn severity_from_vectors_then_labels_then_flagged_default() {
    let (_, set) = ingest_all();
    let log4j = set
        .iter()
        .find(|f| f.component.name.ends_with("log4j-core"))
        .expect("log4j");
    let r = log4j.rating();
    assert!(matches!(
        r.basis,
        RatingBasis::Cvss {
            version: covenant_vuln::cvss::CvssVersion::V40,
            ..
        }
    ));
    assert_eq!(r.severity, Severity::Critical);
    let django = set
        .iter()
        .find(|f| f.component.name == "django")
        .expect("django");
    assert!(django.rating().defaulted());
    assert_eq!(django.rating().severity, Severity::High);
    let openssl = set
        .iter()
        .find(|f| f.component.version.as_deref() == Some("3.0.9-1"))
        .expect("openssl");
    assert_eq!(openssl.rating().basis, RatingBasis::Reported);
    assert_eq!(openssl.rating().severity, Severity::Medium);
}

#[test]
fn vex_triages_and_rescans_keep_the_clock() {
    let (mut events, set) = ingest_all();
    let vex = import("vex.openvex.json", &common::fixture("vex.openvex.json")).expect("vex");
    let later = IngestOptions {
        at: "2026-11-05T00:00:00Z".into(),
        default_severity: Severity::High,
    };
    let more = plan_ingest(&set, &vex.observations, &later);
    events.extend(more);
    let set = fold(&events).expect("fold");
    let f = set
        .iter()
        .find(|f| f.component.version.as_deref() == Some("3.0.9-1"))
        .expect("openssl");
    assert!(matches!(
        f.status,
        Status::NotAffected {
            justification: Some(Justification::VulnerableCodeNotInExecutePath),
            ..
        }
    ));
    assert_eq!(f.first_detected, "2026-11-01T10:00:00Z");
    assert_eq!(f.status_since, "2026-11-05T00:00:00Z");
    // The other openssl version is untouched by a statement about 3.0.9-1.
    let other = set
        .iter()
        .find(|f| f.component.version.as_deref() == Some("3.0.10-1"))
        .expect("openssl");
    assert_eq!(other.status, Status::Open);
    // Events survive a JSON round trip unchanged (they are what the ledger stores).
    for e in &events {
        let back = FindingEvent::from_json(&e.to_json())
            .expect("parse")
            .expect("finding event");
        assert_eq!(&back, e);
    }
}

#[test]
fn fixed_findings_reopen_when_seen_again() {
    let (mut events, set) = ingest_all();
    let id = set
        .iter()
        .find(|f| f.component.dedupe_name() == "lodash")
        .expect("lodash")
        .id
        .clone();
    let req = covenant_vuln::TriageRequest {
        status: "fixed".into(),
        ..Default::default()
    };
    events.push(
        covenant_vuln::triage(&set, &id, &req, "alice", "2026-11-03T00:00:00Z").expect("triage"),
    );
    let set = fold(&events).expect("fold");
    let imp = import("scan.grype.json", &common::fixture("scan.grype.json")).expect("scan");
    let opts = IngestOptions {
        at: "2026-11-10T00:00:00Z".into(),
        default_severity: Severity::High,
    };
    events.extend(plan_ingest(&set, &imp.observations, &opts));
    let set = fold(&events).expect("fold");
    let f = set.get(&id).expect("lodash");
    assert_eq!(f.status, Status::Open);
    assert_eq!(f.first_detected, "2026-11-01T10:00:00Z");
    // The response happened (the fix decision); the fix itself no longer stands.
    assert_eq!(f.responded_at.as_deref(), Some("2026-11-03T00:00:00Z"));
    assert_eq!(f.fixed_at, None);
}

#[test]
fn manual_triage_is_validated() {
    let (_, set) = ingest_all();
    let id = set.iter().next().expect("a finding").id.clone();
    let at = "2026-11-03T00:00:00Z";
    let t = |req: covenant_vuln::TriageRequest| covenant_vuln::triage(&set, &id, &req, "bob", at);
    assert!(
        t(covenant_vuln::TriageRequest {
            status: "not_affected".into(),
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        t(covenant_vuln::TriageRequest {
            status: "risk_accepted".into(),
            reason: Some("x".into()),
            ..Default::default()
        })
        .is_err()
    );
    let bad_date = covenant_vuln::TriageRequest {
        status: "risk_accepted".into(),
        reason: Some("compensating control".into()),
        approver: Some("ciso".into()),
        until: Some("next year".into()),
        ..Default::default()
    };
    assert!(t(bad_date.clone()).is_err());
    let ok = covenant_vuln::TriageRequest {
        until: Some("2027-01-31".into()),
        ..bad_date
    };
    assert!(matches!(
        t(ok),
        Ok(FindingEvent::Triaged {
            status: Status::RiskAccepted { .. },
            ..
        })
    ));
    assert!(covenant_vuln::triage(&set, "nope", &Default::default(), "bob", at).is_err());
}

#[test]
fn errors_name_file_path_and_expectation() {
    match import(
        "bad-vector.cdx.json",
        &common::fixture("bad-vector.cdx.json"),
    ) {
        Err(ImportError::Cvss { file, path, .. }) => {
            assert_eq!(file, "bad-vector.cdx.json");
            assert_eq!(path, "/vulnerabilities/0/ratings/0/vector");
        }
        other => panic!("expected a CVSS version error, got {other:?}"),
    }
    match import(
        "bad-shape.grype.json",
        &common::fixture("bad-shape.grype.json"),
    ) {
        Err(ImportError::Shape {
            path,
            expected,
            found,
            ..
        }) => {
            assert_eq!(
                (path.as_str(), expected.as_str(), found.as_str()),
                ("/matches/0/vulnerability/id", "a string", "a number")
            );
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
    assert!(matches!(
        import("x.json", b"{\"a\": 1}"),
        Err(ImportError::UnknownFormat { .. })
    ));
    assert!(matches!(
        import("x.json", b"{\"a\": "),
        Err(ImportError::Json { line: 1, .. })
    ));
    let sarif = import("scan.sarif.json", &common::fixture("scan.sarif.json")).expect("sarif");
    assert_eq!(sarif.warnings.len(), 1, "{:?}", sarif.warnings);
    assert!(sarif.warnings[0].contains("/runs/0/results/3"));
}
