#![allow(clippy::unwrap_used)]
//! The enforcer-dashboard example's recorded history, evaluated at a fixed time: status,
//! the gate, JUnit output, the iCalendar feed and publishing with claim marks.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AT: &str = "2026-09-01T00:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    root().join("examples/enforcer-dashboard")
}

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

/// Records the example's history once; the tests only read it.
fn history() -> &'static tempfile::TempDir {
    static HISTORY: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HISTORY.get_or_init(record)
}

fn record() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = Command::new("bash")
        .arg(example().join("history/record.sh"))
        .arg(&data)
        .env("COVENANT", env!("CARGO_BIN_EXE_covenant"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn status_at_a_fixed_time_is_deterministic_and_shows_every_state() {
    let data = history().path().join("data");
    let program = example();
    let args = [
        "status",
        s(&program),
        "--data",
        s(&data),
        "--at",
        AT,
        "--json",
    ];
    let a = covenant(&args);
    let b = covenant(&args);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout, "same history and time, same bytes");
    let v: Value = serde_json::from_slice(&a.stdout).unwrap();
    let status = |id: &str| -> String {
        v["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The July review, uploaded in August, meets the quarter that ended on 1 August.
    assert_eq!(
        status("cadence:access-identity-management:2026-08-01"),
        "met"
    );
    // No restore test this quarter.
    assert_eq!(
        status("cadence:backup-disaster-recovery:2026-08-01"),
        "overdue"
    );
    assert_eq!(
        status("cadence:application-vulnerability-patching:2026-09-04"),
        "upcoming"
    );
    assert_eq!(status("evidence:security-advisories:log"), "waived");
    // June's platform patch report is missing, but July's came in: history, not a to-do.
    assert_eq!(status("cadence:os-patching:2026-06-01"), "missed");
    let unbacked: Vec<&str> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "unbacked")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        unbacked.contains(&"control:backup-disaster-recovery"),
        "{unbacked:?}"
    );
    assert!(
        unbacked.contains(&"commitment:remediation-sla"),
        "{unbacked:?}"
    );
}

#[test]
fn the_gate_fails_with_junit_and_passes_before_anything_was_due() {
    let data = history().path().join("data");
    let scratch = tempfile::tempdir().unwrap();
    let junit = scratch.path().join("junit.xml");
    let out = covenant(&[
        "check",
        s(&example()),
        "--data",
        s(&data),
        "--at",
        AT,
        "--junit",
        s(&junit),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"name="cadence:backup-disaster-recovery:2026-08-01""#),
        "{xml}"
    );
    assert!(xml.contains("<failure"));
    let early = covenant(&[
        "check",
        s(&example()),
        "--data",
        s(&data),
        "--at",
        "2026-05-05T00:00:00Z",
    ]);
    assert_eq!(
        early.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
}

#[test]
fn publish_refuses_unbacked_claims_unless_allowed_and_marks_them() {
    let data = history().path().join("data");
    let scratch = tempfile::tempdir().unwrap();
    let out_dir = scratch.path().join("public");
    let refused = covenant(&[
        "publish",
        s(&example()),
        "--out",
        s(&out_dir),
        "--data",
        s(&data),
        "--at",
        AT,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("control:backup-disaster-recovery"));
    assert!(
        !out_dir.join("overview.md").exists(),
        "nothing is written when publishing is refused"
    );
    let ok = covenant(&[
        "publish",
        s(&example()),
        "--out",
        s(&out_dir),
        "--data",
        s(&data),
        "--at",
        AT,
        "--allow-unbacked",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let overview = std::fs::read_to_string(out_dir.join("overview.md")).unwrap();
    let line = overview
        .lines()
        .find(|l| l.contains("**Backup and disaster recovery.**"))
        .unwrap();
    assert!(line.contains("not backed"), "{line}");
    let line = overview
        .lines()
        .find(|l| l.contains("**Access control and identity management.**"))
        .unwrap();
    assert!(line.contains("✓ backed"), "{line}");
    let soa = std::fs::read_to_string(out_dir.join("soa.md")).unwrap();
    assert!(soa.contains("| A.7.8 |") && soa.contains("| No |"));
}

#[test]
fn calendar_feed_lists_open_obligations_as_valid_ics() {
    let data = history().path().join("data");
    let out = covenant(&[
        "calendar",
        s(&example()),
        "--ics",
        "--data",
        s(&data),
        "--at",
        AT,
    ]);
    assert!(out.status.success());
    let ics = String::from_utf8(out.stdout).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.contains("UID:cadence:backup-disaster-recovery:2026-08-01@covenant"));
    assert!(
        !ics.contains("access-identity-management:2026-08-01"),
        "met obligations are not in the feed"
    );
    assert!(ics.split("\r\n").all(|l| l.len() <= 75));
    assert_eq!(
        ics.matches("BEGIN:VEVENT").count(),
        ics.matches("END:VEVENT").count()
    );
}

#[test]
fn incident_clock_records_the_terms_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let program = dir.path().join("p");
    assert!(covenant(&["init", s(&program)]).status.success());
    // The scaffold has no incident notice commitment: the entry carries no terms.
    let out = covenant(&[
        "incident",
        "open",
        "INC-1",
        "--title",
        "Leak",
        "--program",
        s(&program),
        "--data",
        s(&data),
        "--at",
        "2026-05-01T00:00:00Z",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entry"]["type"], "incident.opened");
    assert!(v["entry"].get("within").is_none());
    let with_notice = example();
    let out = covenant(&[
        "incident",
        "open",
        "INC-2",
        "--title",
        "Leak",
        "--program",
        s(&with_notice),
        "--data",
        s(&data),
        "--at",
        "2026-05-01T00:00:00Z",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entry"]["incident"], "INC-2");
    let bad = covenant(&[
        "waive",
        "x",
        "--reason",
        "r",
        "--approver",
        "a",
        "--until",
        "2026-01-01",
        "--at",
        "2026-05-01T00:00:00Z",
        "--data",
        s(&data),
    ]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a waiver must expire after it is granted"
    );
}
