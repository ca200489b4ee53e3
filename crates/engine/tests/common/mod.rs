#![allow(dead_code, clippy::unwrap_used)]
//! A small program written here, used by the engine tests.

use covenant_model::{Program, Sources};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const PROGRAM: &str = r#"
organization: { name: Acme }
product: { name: Widget }
version: { label: "1", effective: 2026-01-01, updated: 2026-01-01 }
deployment_models: [ { id: saas, name: SaaS } ]
security_contact: { email: security@acme.example }
calendars:
  - id: default
    time_zone: Europe/Berlin
    holidays: [ { date: 2026-04-06, name: Easter Monday } ]
"#;

pub const AREAS: &str = "- { id: ops, title: Operations }\n";

pub const CONTROLS: &str = r#"
- id: AR
  title: Access review
  area: ops
  statement: Access is reviewed every quarter.
  responsibility: { saas: { owner: vendor, vendor: Review access each quarter. } }
  cadence: quarterly
  grace: 14d
  evidence: [ { kind: attestation, fresh_for: 100d } ]
- id: PT
  title: Penetration test
  area: ops
  statement: An outside firm tests the product every year.
  responsibility: { saas: { owner: vendor, vendor: Commission a yearly test. } }
  cadence: annual
- id: CU
  title: Customer users
  area: ops
  statement: Customers manage their users.
  responsibility: { saas: { owner: customer, customer: Manage users. } }
"#;

pub fn commitments(critical_hours: u32) -> String {
    format!(
        r#"
- id: sla
  title: Remediation
  statement: We fix vulnerabilities in time.
  controls: [AR]
  remediation_sla:
    release_horizon: 60d
    bands:
      - {{ severity: critical, cvss: 9.0-10.0, response: 24h, remediation: {critical_hours}h }}
      - {{ severity: high, cvss: 7.0-8.9, response: 48h, remediation: 14 days }}
      - {{ severity: medium, cvss: 4.0-6.9, response: 5 business days, remediation: next release }}
      - {{ severity: low, cvss: 0.1-3.9, response: 10 business days, remediation: next release }}
- id: breach
  title: Breach notice
  statement: We tell customers about a breach within 72 hours.
  notice: {{ trigger: incident, within: 72h, recipients: each customer }}
- id: advisories
  title: Advisories
  statement: We email advisories for critical issues.
  notice: {{ trigger: vulnerability, within: 24h, recipients: security contacts, severities: [critical] }}
"#
    )
}

pub fn program_with(critical_hours: u32) -> Program {
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("program.yaml"), PROGRAM.to_string());
    files.insert(PathBuf::from("areas.yaml"), AREAS.to_string());
    files.insert(PathBuf::from("controls.yaml"), CONTROLS.to_string());
    files.insert(
        PathBuf::from("commitments.yaml"),
        commitments(critical_hours),
    );
    let (program, diags) = covenant_model::check(&Sources {
        files,
        ..Default::default()
    });
    assert!(diags.is_empty(), "{diags:#?}");
    program
}

pub fn program() -> Program {
    program_with(72)
}

pub fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}
