//! Snapshot tests: the published bytes of each example program are compared with the
//! committed files under tests/snapshots/<example>/. After an intended change to a
//! template or an example, regenerate them with
//! `UPDATE_SNAPSHOTS=1 cargo test -p covenant-publish --test snapshots` and review the diff.

mod common;

use common::*;
use covenant_publish::Output;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const EXAMPLES: &[&str] = &["enforcer-dashboard", "control-core"];

fn snapshot_dir(example: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(example)
}

fn list(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let e = e.expect("dir entry");
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            list(&e.path(), &format!("{name}/"), out);
        } else {
            out.insert(name);
        }
    }
}

fn compare(example: &str, out: &Output) {
    let dir = snapshot_dir(example);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        for (name, bytes) in &out.files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, bytes).expect("write snapshot");
        }
        return;
    }
    let mut committed = BTreeSet::new();
    list(&dir, "", &mut committed);
    let published: BTreeSet<String> = out.files.keys().cloned().collect();
    assert_eq!(
        published, committed,
        "the set of published files differs from tests/snapshots/{example} \
         (UPDATE_SNAPSHOTS=1 to accept)"
    );
    for (name, bytes) in &out.files {
        let expected = std::fs::read(dir.join(name)).expect("read snapshot");
        if &expected != bytes {
            let got = String::from_utf8_lossy(bytes);
            let want = String::from_utf8_lossy(&expected);
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
            panic!(
                "{example}/{name} differs from its snapshot at line {}:\n  got:  {:?}\n  want: {:?}\n\
                 (UPDATE_SNAPSHOTS=1 cargo test -p covenant-publish --test snapshots to accept)",
                line + 1,
                got.lines().nth(line),
                want.lines().nth(line)
            );
        }
    }
}

#[test]
fn enforcer_dashboard_matches_snapshot() {
    compare("enforcer-dashboard", &publish_example("enforcer-dashboard"));
}

#[test]
fn control_core_matches_snapshot() {
    compare("control-core", &publish_example("control-core"));
}

#[test]
fn publishing_twice_gives_identical_bytes() {
    for example in EXAMPLES {
        let a = publish_example(example);
        let b = publish_example(example);
        assert!(!a.files.is_empty());
        assert_eq!(a, b, "{example} published differently twice");
    }
}

#[test]
fn every_text_file_ends_with_one_newline() {
    for example in EXAMPLES {
        let out = publish_example(example);
        for (name, bytes) in &out.files {
            assert!(
                bytes.ends_with(b"\n") && !bytes.ends_with(b"\n\n\n"),
                "{example}/{name} should end with a newline and no run of blank lines"
            );
        }
    }
}

#[test]
fn no_empty_sections() {
    for example in EXAMPLES {
        let out = publish_example(example);
        for (name, bytes) in &out.files {
            if !name.ends_with(".md") {
                continue;
            }
            let md = std::str::from_utf8(bytes).expect("utf-8");
            for title in headings(md, 2) {
                let body = section(md, &title.replace('&', "&amp;"));
                assert!(
                    body.iter().any(|l| !l.trim().is_empty()),
                    "{example}/{name}: section `{title}` is empty"
                );
            }
        }
    }
}
