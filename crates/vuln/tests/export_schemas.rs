//! Generated CSAF, OpenVEX and CycloneDX VEX validate against the published schemas, are
//! deterministic, and read back to the same statuses.

mod common;

use covenant_vuln::{
    AdvisoryDb, ExportMeta, FindingSet, IngestOptions, MatchOptions, Observation, Severity, Status,
    TriageRequest, VexState, export, fold, import, plan_ingest, triage,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Resolves the schemas' external `$ref`s from local files; anything else fails (no network).
struct LocalRefs {
    shared_schemas: PathBuf,
}

impl jsonschema::Retrieve for LocalRefs {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas");
        let path = match s.rsplit('/').next().unwrap_or("") {
            n @ ("cvss-v2.0.json" | "cvss-v3.0.json" | "cvss-v3.1.json") => fixtures.join(n),
            n @ ("spdx.schema.json" | "jsf-0.82.schema.json") => {
                self.shared_schemas.join("cyclonedx").join(n)
            }
            _ => return Err(format!("no local copy of {s}").into()),
        };
        Ok(serde_json::from_slice(&std::fs::read(&path)?)?)
    }
}

fn validate(schema_path: &Path, shared_schemas: &Path, doc: &Value) {
    let schema: Value = serde_json::from_slice(&common::read(schema_path)).expect("schema json");
    let validator = jsonschema::options()
        .with_retriever(LocalRefs {
            shared_schemas: shared_schemas.to_path_buf(),
        })
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("compile {}: {e}", schema_path.display()));
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", schema_path.display());
}

fn meta() -> ExportMeta {
    ExportMeta {
        product_name: "Example App".into(),
        product_version: Some("1.0.0".into()),
        product_purl: None,
        publisher: "Example Security".into(),
        namespace: "https://example.com".into(),
        document_id: "EXAMPLE-2026-0001".into(),
        timestamp: "2026-11-23T00:00:00Z".into(),
        initial_release: None,
        version: 1,
    }
}

/// Findings in every status, from the fixtures and (when present) the nginx scans and deno matches.
fn findings(vuln: Option<&Path>) -> FindingSet {
    let mut obs: Vec<Observation> = Vec::new();
    for f in ["scan.grype.json", "scan.sarif.json"] {
        obs.extend(
            import(f, &common::fixture(f))
                .expect("fixture")
                .observations,
        );
    }
    if let Some(vuln) = vuln {
        for tool in ["grype", "trivy", "snyk"] {
            let name = format!("vexctl-nginx-{tool}.sarif.json");
            obs.extend(
                import(&name, &common::read(&vuln.join("sarif").join(&name)))
                    .expect("sarif")
                    .observations,
            );
        }
        let records = common::rustsec_osv(vuln);
        let db = AdvisoryDb::load(records.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
        let name = "deno-2.9.5-x86_64-linux.cdx.json";
        let sbom = import(name, &common::read(&vuln.join("sbom-large").join(name))).expect("sbom");
        obs.extend(
            db.match_components(&sbom.components, &MatchOptions::default(), name)
                .observations,
        );
    }
    let opts = IngestOptions {
        at: "2026-11-01T00:00:00Z".into(),
        default_severity: Severity::Medium,
    };
    let mut events = plan_ingest(&FindingSet::default(), &obs, &opts);
    let set = fold(&events).expect("fold");
    let ids: Vec<String> = set.iter().map(|f| f.id.clone()).collect();
    let at = "2026-11-02T00:00:00Z";
    let reqs = [
        TriageRequest {
            status: "triaged".into(),
            note: Some("Upgrade scheduled.".into()),
            ..Default::default()
        },
        TriageRequest {
            status: "fixed".into(),
            ..Default::default()
        },
        TriageRequest {
            status: "not_affected".into(),
            justification: Some("vulnerable_code_not_present".into()),
            ..Default::default()
        },
        TriageRequest {
            status: "risk_accepted".into(),
            reason: Some("Only reachable from the admin network.".into()),
            approver: Some("ciso@example.com".into()),
            until: Some("2027-03-31".into()),
            ..Default::default()
        },
    ];
    for (id, req) in ids.iter().zip(reqs.iter().cycle()).step_by(2) {
        events.push(triage(&set, id, req, "tester", at).expect("triage"));
    }
    fold(&events).expect("fold")
}

#[test]
fn exports_are_deterministic_and_read_back() {
    let set = findings(None);
    let m = meta();
    for (doc, again) in [
        (export::csaf(&set, &m), export::csaf(&set, &m)),
        (export::openvex(&set, &m), export::openvex(&set, &m)),
        (
            export::cyclonedx_vex(&set, &m),
            export::cyclonedx_vex(&set, &m),
        ),
    ] {
        assert_eq!(
            serde_json::to_vec(&doc).expect("json"),
            serde_json::to_vec(&again).expect("json")
        );
    }
    // Our own OpenVEX and CycloneDX VEX import back with the status of every finding.
    for doc in [export::openvex(&set, &m), export::cyclonedx_vex(&set, &m)] {
        let bytes = serde_json::to_vec(&doc).expect("json");
        let imp = import("roundtrip.json", &bytes).expect("reimport");
        assert_eq!(imp.observations.len(), set.len());
        for f in set.iter() {
            let o = imp
                .observations
                .iter()
                .find(|o| {
                    o.component.dedupe_name() == f.component.dedupe_name()
                        && o.component.version == f.component.version
                        && f.aliases.contains(&o.vulnerability)
                })
                .unwrap_or_else(|| panic!("{} missing after round trip", f.id));
            let state = o.vex.as_ref().expect("vex").state;
            let want = match f.status {
                Status::Open => VexState::UnderInvestigation,
                Status::Triaged { .. } | Status::RiskAccepted { .. } => VexState::Affected,
                Status::Fixed { .. } => VexState::Fixed,
                Status::NotAffected { .. } => VexState::NotAffected,
            };
            assert_eq!(state, want, "{}", f.id);
        }
    }
    // CSAF reads back too: one observation per (vulnerability, component).
    let csaf = serde_json::to_vec(&export::csaf(&set, &m)).expect("json");
    let imp = import("roundtrip.csaf.json", &csaf).expect("reimport csaf");
    assert_eq!(imp.observations.len(), set.len());
}

#[test]
fn exports_validate_against_published_schemas() {
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    let schemas = vuln.join("schemas");
    let set = findings(Some(&vuln));
    assert!(set.len() > 100);
    let m = meta();
    validate(
        &schemas.join("csaf-2.0-csaf_json_schema.json"),
        &schemas,
        &export::csaf(&set, &m),
    );
    validate(
        &schemas.join("openvex-0.2.0-schema.json"),
        &schemas,
        &export::openvex(&set, &m),
    );
    validate(
        &schemas.join("cyclonedx/bom-1.6.schema.json"),
        &schemas,
        &export::cyclonedx_vex(&set, &m),
    );
    // An empty finding set is still a valid document for CSAF and CycloneDX (OpenVEX needs a statement).
    let empty = FindingSet::default();
    validate(
        &schemas.join("csaf-2.0-csaf_json_schema.json"),
        &schemas,
        &export::csaf(&empty, &m),
    );
    validate(
        &schemas.join("cyclonedx/bom-1.6.schema.json"),
        &schemas,
        &export::cyclonedx_vex(&empty, &m),
    );
}

#[test]
fn the_validator_rejects_a_broken_document() {
    // Guards the test above against a validator that accepts everything.
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    let schemas = vuln.join("schemas");
    let set = findings(None);
    let mut doc = export::openvex(&set, &meta());
    doc["statements"][0]["status"] = Value::from("maybe");
    let schema: Value =
        serde_json::from_slice(&common::read(&schemas.join("openvex-0.2.0-schema.json")))
            .expect("schema");
    let v = jsonschema::validator_for(&schema).expect("compile");
    assert!(!v.is_valid(&doc));
    let mut csaf = export::csaf(&set, &meta());
    csaf["vulnerabilities"][0]["scores"] =
        serde_json::json!([{ "products": ["CSAFPID-R0001"], "cvss_v3": { "version": "3.1" } }]);
    let schema: Value = serde_json::from_slice(&common::read(
        &schemas.join("csaf-2.0-csaf_json_schema.json"),
    ))
    .expect("schema");
    let v = jsonschema::options()
        .with_retriever(LocalRefs {
            shared_schemas: schemas.clone(),
        })
        .build(&schema)
        .expect("compile");
    assert!(!v.is_valid(&csaf));
}
