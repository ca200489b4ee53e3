//! End-to-end behaviour of `covenant ledger|evidence|bench` through the binary.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

fn scratch(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "covenant-ledger-cli-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn covenant(args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .env_remove("COVENANT_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = c.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    c.wait_with_output().unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn init_append_evidence_checkpoint_proof_export_verify() {
    let root = scratch("flow");
    let data = root.join("data");
    let d = s(&data);
    let o = covenant(
        &[
            "ledger",
            "init",
            "--data",
            d,
            "--origin",
            "example.com/covenant",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let vkey = json(&o)["verifier_key"].as_str().unwrap().to_string();
    assert!(vkey.starts_with("example.com/covenant+"));
    let vkey_file = root.join("auditor.vkey");
    std::fs::write(&vkey_file, &vkey).unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(data.join("keys/ledger.key"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let lines = "{\"type\":\"incident.opened\",\"id\":\"INC-1\"}\n\n{\"b\":2,\"a\":1}\n{\"type\":\"release.recorded\",\"version\":\"1.2.0\"}\n";
    let o = covenant(&["ledger", "append", "--data", d, "--json"], Some(lines));
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&o)["appended"], 3);
    // A bad line anywhere appends nothing and is a usage error naming the line.
    let o = covenant(
        &["ledger", "append", "--data", d],
        Some("{\"ok\":1}\n{\"x\":1.5}\n"),
    );
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 2"));

    let file = root.join("access-review.txt");
    std::fs::write(&file, "Q1 access review: 14 accounts, 2 removed").unwrap();
    let o = covenant(
        &[
            "evidence",
            "add",
            "AC-03",
            s(&file),
            "--data",
            d,
            "--effective",
            "2026-03-31",
            "--by",
            "alice",
            "--kind",
            "attestation",
            "--note",
            "Q1",
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let ev = json(&o);
    assert_eq!(ev["seq"], 3);
    assert_eq!(ev["effective"], "2026-03-31");
    let o = covenant(
        &[
            "evidence",
            "add",
            "AC-03",
            s(&file),
            "--data",
            d,
            "--effective",
            "2026-02-30",
        ],
        None,
    );
    assert_eq!(code(&o), 2, "an impossible date is refused");

    let o = covenant(&["ledger", "entries", "--data", d, "--json"], None);
    let entries: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[1]["entry"], serde_json::json!({"a": 1, "b": 2}));
    assert_eq!(entries[3]["entry"]["type"], "evidence.added");
    assert_eq!(entries[3]["entry"]["recorded_by"], "alice");

    let o = covenant(&["ledger", "checkpoint", "--data", d, "--json"], None);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&o)["size"], 4);

    let bundle = root.join("entry3.proof");
    let o = covenant(
        &[
            "ledger",
            "proof",
            "inclusion",
            "3",
            "--data",
            d,
            "--out",
            s(&bundle),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let o = covenant(
        &[
            "ledger",
            "proof",
            "verify",
            s(&bundle),
            "--key",
            s(&vkey_file),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["tree_size"], 4);
    let forged = std::fs::read_to_string(&bundle)
        .unwrap()
        .replace("index 3", "index 2");
    std::fs::write(&bundle, forged).unwrap();
    let o = covenant(
        &[
            "ledger",
            "proof",
            "verify",
            s(&bundle),
            "--key",
            s(&vkey_file),
        ],
        None,
    );
    assert_eq!(code(&o), 1);

    let o = covenant(
        &[
            "ledger",
            "proof",
            "consistency",
            "1",
            "4",
            "--data",
            d,
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["proof"].as_array().unwrap().len(), 2);

    let o = covenant(
        &[
            "ledger",
            "verify",
            "--data",
            d,
            "--key",
            s(&vkey_file),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let r = json(&o);
    assert_eq!(
        (
            r["ok"].as_bool(),
            r["entries"].as_u64(),
            r["blobs"].as_u64()
        ),
        (Some(true), Some(4), Some(1))
    );

    let copy = root.join("export");
    let o = covenant(&["ledger", "export", s(&copy), "--data", d, "--json"], None);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!copy.join("keys/ledger.key").exists());
    let o = covenant(
        &[
            "ledger",
            "verify",
            s(&copy),
            "--key",
            s(&vkey_file),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));

    // Alter one byte of entry 1 in the auditor's copy: reported against entry 1, exit 1.
    let seg = copy.join("ledger/log/00000000000000000000.seg");
    let mut bytes = std::fs::read(&seg).unwrap();
    let at = bytes.windows(5).position(|w| w == b"\"a\":1").unwrap();
    bytes[at + 4] = b'7';
    std::fs::write(&seg, bytes).unwrap();
    let o = covenant(
        &[
            "ledger",
            "verify",
            s(&copy),
            "--key",
            s(&vkey_file),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 1);
    let r = json(&o);
    assert_eq!(r["ok"], false);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["entry"] == 1),
        "{r:#}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn data_dir_from_environment_and_missing_ledger_is_usage_error() {
    let root = scratch("env");
    let o = covenant(
        &["ledger", "append", "--data", s(&root.join("nothing"))],
        Some("{\"a\":1}\n"),
    );
    assert_eq!(code(&o), 2);
    let o = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(["ledger", "init", "--json"])
        .env("COVENANT_DATA", root.join("viaenv"))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert!(root.join("viaenv/ledger/origin").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bench_ledger_json_has_the_figures() {
    let root = scratch("bench");
    let dir = root.join("run");
    let o = covenant(
        &[
            "bench",
            "ledger",
            "--entries",
            "1000",
            "--dir",
            s(&dir),
            "--json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    for k in [
        "append_entries_per_s",
        "verify_leaves_per_s",
        "sha256_leaves_per_s",
        "fdatasync_p50_us",
        "inclusion_proof_p50_us",
        "storage_overhead_bytes_per_entry",
    ] {
        assert!(
            v[k].as_f64().is_some_and(|x| x > 0.0),
            "{k} missing in {v:#}"
        );
    }
    assert!(!dir.exists(), "the benchmark cleans up after itself");
    std::fs::remove_dir_all(&root).unwrap();
}
