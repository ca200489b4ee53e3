#![allow(clippy::unwrap_used)]
//! Importing a framework from an OSCAL catalog and a crosswalk from a NIST OLIR CSV, then
//! seeing which of its criteria a program covers through the crosswalk.

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

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/frameworks")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A scaffolded program; its access-review control cites CSF PR.AA-05.
fn program(dir: &Path) -> PathBuf {
    let p = dir.join("program");
    assert!(covenant(&["init", s(&p)]).status.success());
    let text = std::fs::read_to_string(p.join("controls/access-review.yaml")).unwrap();
    assert!(
        text.contains("nist-csf:PR.AA-05]"),
        "the scaffold's criteria changed; update this test"
    );
    p
}

#[test]
fn imported_catalog_and_crosswalk_give_coverage_with_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let p = program(dir.path());
    let out = covenant(&[
        "framework",
        "import",
        &fixture("tiny-catalog.json"),
        "--id",
        "tiny",
        "--program",
        s(&p),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = covenant(&[
        "framework",
        "crosswalk",
        &fixture("tiny-crosswalk.csv"),
        "--from",
        "nist-csf",
        "--to",
        "tiny",
        "--program",
        s(&p),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = covenant(&["check", s(&p)]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let show = covenant(&["framework", "show", "tiny", "--program", s(&p), "--json"]);
    let v: Value = serde_json::from_slice(&show.stdout).unwrap();
    let ids: Vec<&str> = v["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["ac", "ac-1", "ac-2", "ac-2.1", "au", "au-6"],
        "groups, controls and enhancements in catalog order"
    );
    assert_eq!(v["criteria"][3]["parent"], "ac-2");

    let cov = covenant(&[
        "coverage",
        s(&p),
        "--framework",
        "tiny",
        "--json",
        "--at",
        "2026-01-02",
    ]);
    assert!(
        cov.status.success(),
        "{}",
        String::from_utf8_lossy(&cov.stderr)
    );
    let v: Value = serde_json::from_slice(&cov.stdout).unwrap();
    let row = |id: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["criterion"] == id)
            .unwrap()
            .clone()
    };
    let ac2 = row("ac-2");
    assert_eq!(ac2["implementations"][0]["control"], "AC-01");
    assert_eq!(
        ac2["implementations"][0]["via"]["cited"],
        "nist-csf:PR.AA-05"
    );
    assert_eq!(ac2["implementations"][0]["via"]["relationship"], "superset");
    assert_eq!(row("au-6")["state"], "gap", "nothing cites DE.AE-02");

    // A control citing the imported framework directly, in any case, resolves.
    let control = p.join("controls/access-review.yaml");
    let text = std::fs::read_to_string(&control)
        .unwrap()
        .replace("nist-csf:PR.AA-05]", "tiny:AC-2, tiny:AC-9]");
    std::fs::write(&control, text).unwrap();
    let bad = covenant(&["check", s(&p)]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("no criterion `AC-9`") && !err.contains("`AC-2`"),
        "{err}"
    );
}

#[test]
fn importing_a_non_catalog_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = program(dir.path());
    let bogus = dir.path().join("x.json");
    std::fs::write(
        &bogus,
        r#"{"profile": {"uuid": "u", "metadata": {}, "imports": []}}"#,
    )
    .unwrap();
    let out = covenant(&[
        "framework",
        "import",
        s(&bogus),
        "--id",
        "x",
        "--program",
        s(&p),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    let out = covenant(&[
        "framework",
        "import",
        s(&bogus),
        "--id",
        "bad id",
        "--program",
        s(&p),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn nist_800_53_and_the_csf_crosswalk_from_shared_data() {
    let Some(shared) = std::env::var_os("COVENANT_SHARED_DATA") else {
        eprintln!("skipped: COVENANT_SHARED_DATA not set");
        return;
    };
    let shared = PathBuf::from(shared);
    let dir = tempfile::tempdir().unwrap();
    let p = program(dir.path());
    let cat = shared.join("oscal/NIST_SP-800-53_rev5_catalog.json");
    assert!(
        covenant(&[
            "framework",
            "import",
            s(&cat),
            "--id",
            "nist-800-53",
            "--program",
            s(&p)
        ])
        .status
        .success()
    );
    let csv = shared.join("frameworks/nist/content_csf2_to_800-53_crosswalk.csv");
    assert!(
        covenant(&[
            "framework",
            "crosswalk",
            s(&csv),
            "--from",
            "nist-csf",
            "--to",
            "nist-800-53",
            "--program",
            s(&p)
        ])
        .status
        .success()
    );
    let show = covenant(&[
        "framework",
        "show",
        "nist-800-53",
        "--program",
        s(&p),
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&show.stdout).unwrap();
    let controls = v["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().contains('-'))
        .count();
    assert_eq!(
        controls, 1196,
        "SP 800-53 rev5 has 1,196 controls and enhancements"
    );
    let cov = covenant(&[
        "coverage",
        s(&p),
        "--framework",
        "nist-800-53",
        "--json",
        "--at",
        "2026-01-02",
    ]);
    let v: Value = serde_json::from_slice(&cov.stdout).unwrap();
    let ac2 = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["criterion"] == "ac-2")
        .unwrap();
    assert_eq!(
        ac2["implementations"][0]["via"]["cited"],
        "nist-csf:PR.AA-05"
    );
}
