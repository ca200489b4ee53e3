//! `covenant publish` on the example programs: the documents of every deployment model
//! are written where the command says, byte-identical from run to run; an invalid
//! program is refused with exit 2. Claims are judged at a fixed `--at` so that the
//! result does not depend on the day the tests run.

#[path = "fixtures/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use support::*;

fn publish(example_dir: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "publish".as_ref(),
        example_dir.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--at".as_ref(),
        "2026-05-01".as_ref(),
    ];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    covenant(args)
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("prefix");
                out.insert(
                    rel.to_string_lossy().replace('\\', "/"),
                    std::fs::read(&p).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn enforcer_dashboard_publishes_both_deployment_models() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("public");
    let run = publish(&example("enforcer-dashboard"), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    assert!(
        run.stdout.contains(&format!(
            "published {} files to {}",
            files.len(),
            out.display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&out.join("index.html").display().to_string())
    );
    for f in [
        "index.html",
        "matrix.md",
        "matrix.html",
        "remediation-sla.md",
        "alignment.md",
        "boundaries.md",
        "SECURITY.md",
        "annex-self-hosted.md",
        "annex-managed.md",
        "boundaries-self-hosted.svg",
        "boundaries-managed.svg",
        "policies/incident-response.md",
    ] {
        assert!(files.contains_key(f), "{f} not published");
    }
    let matrix = String::from_utf8(files["matrix.md"].clone()).expect("utf-8");
    assert!(matrix.contains("## Self-hosted") && matrix.contains("## Managed (vendor-hosted)"));
    assert!(matrix.contains("| Backup and disaster recovery | Infrastructure security | — | ✅ |"));
}

#[test]
fn control_core_publishes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("public");
    let run = publish(&example("control-core"), &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = read_tree(&out);
    for f in [
        "matrix.md",
        "boundaries.md",
        "artifacts.md",
        "boundaries-self-hosted.svg",
    ] {
        assert!(files.contains_key(f), "{f} not published");
    }
}

#[test]
fn publishing_twice_writes_identical_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let run = publish(&example("enforcer-dashboard"), out, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let (ta, tb) = (read_tree(&a), read_tree(&b));
    assert!(ta.len() > 20);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ta {
        assert!(bytes == &tb[name], "{name} differs between two runs");
    }
}

#[test]
fn json_lists_the_written_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("public");
    let run = publish(&example("control-core"), &out, &["--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["out"], out.display().to_string());
    let listed: Vec<&str> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("name"))
        .collect();
    let written = read_tree(&out);
    assert_eq!(
        listed,
        written.keys().map(String::as_str).collect::<Vec<_>>()
    );
}

#[test]
fn invalid_program_is_not_published() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("public");
    let run = publish(&fixture("must-show"), &out, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown key `cadense`"),
        "{}",
        run.stderr
    );
    assert!(!out.join("index.html").exists());
}
