//! `covenant vuln` end to end on the vuln crate's handwritten fixtures: ingest into a ledger, list,
//! triage, export, and exit codes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vuln/tests/fixtures")
}

fn data_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("covenant-vuln-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn covenant(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .arg("vuln")
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run covenant");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn list(data: &Path) -> Vec<Value> {
    let (code, out, err) = covenant(data, &["list", "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out)
        .expect("json")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn ingest_list_triage_export() {
    let data = data_dir("flow");
    let fx = fixtures();
    let f = |n: &str| fx.join(n).display().to_string();
    let (code, out, err) = covenant(
        &data,
        &[
            "--at",
            "2026-11-01T00:00:00Z",
            "--json",
            "ingest",
            "--advisories",
            &f("osv"),
            &f("app.cdx.json"),
            &f("scan.grype.json"),
            &f("scan.sarif.json"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let summary: Value = serde_json::from_str(&out).expect("summary json");
    let opened = summary["opened"].as_u64().expect("opened");
    assert!(
        err.contains("unsupported ecosystem"),
        "skipped components are reported: {err}"
    );
    let findings = list(&data);
    assert_eq!(findings.len() as u64, opened);
    assert!(
        findings
            .iter()
            .all(|f| f["first_detected"] == "2026-11-01T00:00:00Z")
    );

    // A rescan records sightings, not new findings, and keeps the first detection.
    let (code, _, err) = covenant(
        &data,
        &[
            "--at",
            "2026-11-09T00:00:00Z",
            "ingest",
            &f("scan.grype.json"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let again = list(&data);
    assert_eq!(again.len(), findings.len());
    assert!(
        again
            .iter()
            .all(|f| f["first_detected"] == "2026-11-01T00:00:00Z")
    );

    let lodash = again
        .iter()
        .find(|f| f["component"]["name"] == "lodash")
        .expect("lodash");
    let id = lodash["id"].as_str().expect("id");
    let (code, _, err) = covenant(&data, &["triage", id, "--status", "not_affected"]);
    assert_eq!(code, 2, "a justification is required: {err}");
    let (code, _, err) = covenant(
        &data,
        &[
            "triage",
            id,
            "--status",
            "risk_accepted",
            "--reason",
            "admin only",
            "--approver",
            "ciso",
            "--until",
            "2027-01-31",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = covenant(&data, &["list", "--json", "--status", "risk_accepted"]);
    assert_eq!(code, 0);
    let accepted: Vec<Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["status"]["approver"], "ciso");

    for format in ["csaf", "openvex", "cyclonedx-vex"] {
        let (code, out, err) = covenant(
            &data,
            &[
                "--at",
                "2026-11-10T00:00:00Z",
                "export",
                "--format",
                format,
                "--product",
                "Example",
                "--publisher",
                "Example",
                "--namespace",
                "https://example.com",
                "--id",
                "EX-1",
            ],
        );
        assert_eq!(code, 0, "{format}: {err}");
        let doc: Value = serde_json::from_str(&out).expect("export json");
        assert!(doc.is_object());
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn bad_input_exits_2_with_file_and_path() {
    let data = data_dir("bad");
    let bad = fixtures().join("bad-shape.grype.json");
    let (code, _, err) = covenant(&data, &["ingest", &bad.display().to_string()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad-shape.grype.json") && err.contains("/matches/0/vulnerability/id"),
        "{err}"
    );
    let (code, _, _) = covenant(&data, &["list", "--status", "nonsense"]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(&data);
}
