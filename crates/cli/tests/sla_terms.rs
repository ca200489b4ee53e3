#![allow(clippy::unwrap_used)]
//! A finding's SLA clock keeps the terms in force when it was first detected.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn covenant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .env_remove("COVENANT_DATA")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == ".covenant" {
            continue;
        }
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

fn remediation_due(program: &Path, data: &Path) -> String {
    let out = covenant(&[
        "status",
        s(program),
        "--data",
        s(data),
        "--at",
        "2026-08-25T00:00:00Z",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = v["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "remediation:CVE-2021-23337/lodash@4.17.20")
        .unwrap()
        .clone();
    o["due"].as_str().unwrap().to_string()
}

#[test]
fn tightening_the_commitment_does_not_move_a_started_clock() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("program");
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard"),
        &program,
    );
    let data = dir.path().join("data");
    let scan =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vuln/tests/fixtures/scan.grype.json");
    let out = covenant(&[
        "vuln",
        "--data",
        s(&data),
        "--at",
        "2026-08-20T10:00:00Z",
        "ingest",
        "--program",
        s(&program),
        s(&scan),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The high band promises 14 days: due 14 days after first detection.
    assert_eq!(remediation_due(&program, &data), "2026-09-03T10:00:00Z");

    let sla = program.join("commitments/remediation-sla.yaml");
    let text = std::fs::read_to_string(&sla).unwrap();
    let tightened = text.replacen("remediation: 14 days", "remediation: 7 days", 1);
    assert_ne!(
        text, tightened,
        "the example's high band changed; update this test"
    );
    std::fs::write(&sla, tightened).unwrap();
    assert_eq!(
        remediation_due(&program, &data),
        "2026-09-03T10:00:00Z",
        "the recorded terms win"
    );

    // A finding recorded without terms follows today's commitment.
    let fresh = dir.path().join("fresh");
    let out = covenant(&[
        "vuln",
        "--data",
        s(&fresh),
        "--at",
        "2026-08-20T10:00:00Z",
        "ingest",
        s(&scan),
    ]);
    assert!(out.status.success());
    assert_eq!(remediation_due(&program, &fresh), "2026-08-27T10:00:00Z");
}
