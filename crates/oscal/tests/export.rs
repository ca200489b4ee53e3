//! Exports of the example programs validated against NIST's OSCAL JSON Schema, plus the
//! shared-responsibility round trip through an SSP.

#![allow(clippy::unwrap_used)]

use covenant_model::{Level, Program, Sources};
use covenant_oscal::export::{self, assessment, component, ssp};
use serde_json::Value;
use std::path::Path;

const AT: &str = "2026-06-01T09:00:00Z";

fn program(name: &str) -> Program {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let sources = Sources::read_dir(&dir).unwrap();
    let (program, diags) = covenant_model::check(&sources);
    assert!(
        !diags.iter().any(|d| d.level == Level::Error),
        "{name} has errors: {diags:?}"
    );
    program
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(covenant_oscal::schema::COMPLETE).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid OSCAL:\n{}",
        errors.join("\n")
    );
}

#[test]
fn exports_validate_against_the_oscal_schema() {
    let v = validator();
    for name in ["enforcer-dashboard", "control-core"] {
        let p = program(name);
        let cd = component::export(&p, AT).unwrap();
        assert_valid(&v, &cd, &format!("{name} component-definition"));
        let models: Vec<String> = p
            .manifest
            .as_ref()
            .unwrap()
            .value
            .deployment_models
            .iter()
            .map(|m| m.id.clone())
            .collect();
        for m in &models {
            let doc = ssp::export(&p, m, AT).unwrap();
            assert_valid(&v, &doc, &format!("{name} ssp {m}"));
        }
        let eval = covenant_engine::evaluate(&p, &[], &[], AT.parse().unwrap()).unwrap();
        let ar = assessment::export(&p, &eval).unwrap();
        assert_valid(&v, &ar, &format!("{name} assessment-results"));
    }
}

#[test]
fn the_schema_rejects_a_broken_export() {
    let v = validator();
    let p = program("enforcer-dashboard");
    let mut doc = ssp::export(&p, "self-hosted", AT).unwrap();
    doc["system-security-plan"]["uuid"] = Value::String("not-a-uuid".into());
    assert!(!v.is_valid(&doc));
}

#[test]
fn enforcer_dashboard_ssp_round_trips_its_responsibilities() {
    let p = program("enforcer-dashboard");
    for model in ["self-hosted", "managed"] {
        let doc = ssp::export(&p, model, AT).unwrap();
        let text = export::to_json(&doc);
        let back: Value = serde_json::from_str(&text).unwrap();
        let read = ssp::read_matrix(&back).unwrap();
        let want = ssp::matrix(&p, model);
        assert!(!want.is_empty());
        assert_eq!(read, want, "{model}");
    }
    // The self-hosted model leaves access control to the customer: no `provided`.
    let matrix = ssp::matrix(&p, "self-hosted");
    let access = matrix
        .iter()
        .find(|r| r.control == "access-identity-management")
        .unwrap();
    assert_eq!(access.owner, "customer");
    assert!(access.vendor.is_empty() && !access.customer.is_empty());
    let managed = ssp::matrix(&p, "managed");
    let access = managed
        .iter()
        .find(|r| r.control == "access-identity-management")
        .unwrap();
    assert_eq!(access.owner, "shared");
    assert!(!access.vendor.is_empty() && !access.customer.is_empty());
}

#[test]
fn exports_are_deterministic_and_map_criteria() {
    let p = program("enforcer-dashboard");
    let a = export::to_json(&component::export(&p, AT).unwrap());
    let b = export::to_json(&component::export(&p, AT).unwrap());
    assert_eq!(a, b);
    assert!(a.contains("\"control-id\": \"cc6.1\""));
    assert!(a.contains("\"control-id\": \"a.5.18\""));
    assert!(a.contains("\"control-id\": \"pr.aa-05\""));
    let s1 = export::to_json(&ssp::export(&p, "managed", AT).unwrap());
    let s2 = export::to_json(&ssp::export(&p, "managed", AT).unwrap());
    assert_eq!(s1, s2);
}

#[test]
fn assessment_results_follow_obligation_status() {
    let p = program("enforcer-dashboard");
    // Far in the future with no evidence recorded: recurring obligations are overdue.
    let late = "2030-01-01T00:00:00Z";
    let eval = covenant_engine::evaluate(&p, &[], &[], late.parse().unwrap()).unwrap();
    let ar = assessment::export(&p, &eval).unwrap();
    let findings = ar["assessment-results"]["results"][0]["findings"]
        .as_array()
        .unwrap();
    let failing: Vec<_> = eval
        .controls
        .iter()
        .filter(|c| c.health == covenant_engine::claim::Health::Failing)
        .map(|c| c.control.clone())
        .collect();
    assert!(!failing.is_empty());
    for f in findings {
        let control = f["props"][0]["value"].as_str().unwrap();
        let state = f["target"]["status"]["state"].as_str().unwrap();
        let expect = if failing.iter().any(|c| c == control) {
            "not-satisfied"
        } else {
            "satisfied"
        };
        assert_eq!(state, expect, "{control}");
    }
    let obs = ar["assessment-results"]["results"][0]["observations"]
        .as_array()
        .unwrap();
    assert_eq!(obs.len(), eval.obligations.len());
}
