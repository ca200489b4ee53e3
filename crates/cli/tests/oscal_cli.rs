//! `covenant oscal resolve|export|validate` end to end on the crate's fixtures and the
//! enforcer-dashboard example.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../oscal/tests/fixtures")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard")
}

#[test]
fn resolve_with_import_option_and_folder_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("resolved.json");
    // Explicit --import for the back-matter reference.
    let o = bin()
        .args(["oscal", "resolve"])
        .arg(fixtures().join("tiny_profile.json"))
        .arg("-o")
        .arg(&out)
        .arg("--import")
        .arg(format!(
            "#9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d={}",
            fixtures().join("tiny_catalog.json").display()
        ))
        .args(["--at", "2026-02-01", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["controls"], 4);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-param"));
    let first = std::fs::read(&out).unwrap();

    // Without --import: the rlinks point elsewhere, so the same file name in the
    // profile's folder is used.
    let out2 = dir.path().join("again.json");
    let o = bin()
        .args(["oscal", "resolve"])
        .arg(fixtures().join("tiny_profile.json"))
        .arg("-o")
        .arg(&out2)
        .args(["--at", "2026-02-01"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Same profile, same catalog, same time: same bytes.
    assert_eq!(first, std::fs::read(&out2).unwrap());

    let o = bin()
        .args(["oscal", "validate"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn missing_import_is_a_clear_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.json");
    std::fs::copy(fixtures().join("tiny_profile.json"), &profile).unwrap();
    let o = bin()
        .args(["oscal", "resolve"])
        .arg(&profile)
        .arg("-o")
        .arg(dir.path().join("out.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tiny_catalog.json"), "{err}");
    assert!(err.contains("--import"), "{err}");
}

#[test]
fn export_ssp_validates_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["component-definition", "ssp", "assessment-results"] {
        let out = dir.path().join(format!("{kind}.json"));
        let run = |out: &Path| {
            bin()
                .args(["oscal", "export"])
                .arg(example())
                .args(["--kind", kind, "--at", "2026-06-01T09:00:00Z", "--data"])
                .arg(dir.path().join("no-ledger"))
                .arg("-o")
                .arg(out)
                .output()
                .unwrap()
        };
        let o = run(&out);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let again = dir.path().join(format!("{kind}-again.json"));
        run(&again);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&again).unwrap(),
            "{kind}"
        );
        let v = bin()
            .args(["oscal", "validate"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            v.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&v.stdout)
        );
    }
}

#[test]
fn validate_reports_schema_violations() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    let text = std::fs::read_to_string(fixtures().join("tiny_catalog.json"))
        .unwrap()
        .replace("\"title\": \"Accounts\",", "\"title\": 7,");
    std::fs::write(&bad, text).unwrap();
    let o = bin()
        .args(["oscal", "validate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("/catalog/groups/0"));
    std::fs::write(&bad, "<catalog/>").unwrap();
    let o = bin()
        .args(["oscal", "validate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
