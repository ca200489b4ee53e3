//! One data-directory rule for every verb: `--data`, else `$COVENANT_DATA`, else
//! `PROGRAM/.covenant` when it exists, else `./.covenant`, where PROGRAM is the verb's
//! PROGRAM argument or `--program`.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn covenant(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(cwd)
        .env_remove("COVENANT_DATA")
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The `type`s of the entries `ledger entries` prints.
fn types(o: &Output) -> Vec<String> {
    ok(o);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["entry"]["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn recording_verbs_and_program_verbs_find_the_same_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let (elsewhere, program) = (dir.path().join("elsewhere"), dir.path().join("p"));
    std::fs::create_dir(&elsewhere).unwrap();
    ok(&covenant(dir.path(), &["init", "p"]));
    let beside = program.join(".covenant");
    ok(&covenant(
        dir.path(),
        &["ledger", "init", "--data", beside.to_str().unwrap()],
    ));
    let file = dir.path().join("review.txt");
    std::fs::write(&file, "signed off").unwrap();
    let p = program.to_str().unwrap();

    // Run from another directory: `--program` finds the ledger beside the program, as
    // `status PROGRAM` does, and nothing is created in the current directory.
    ok(&covenant(
        &elsewhere,
        &[
            "evidence",
            "add",
            "--program",
            p,
            "AC-01",
            file.to_str().unwrap(),
        ],
    ));
    ok(&covenant(
        &elsewhere,
        &["incident", "open", "INC-1", "--title", "t", "--program", p],
    ));
    assert!(!elsewhere.join(".covenant").exists());
    assert_eq!(
        types(&covenant(
            &elsewhere,
            &["ledger", "entries", "--program", p, "--json"]
        )),
        ["evidence.added", "incident.opened"]
    );
    let status = covenant(&elsewhere, &["status", p]);
    ok(&status);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(!text.contains("no ledger yet"), "{text}");

    // Without a program, the current directory's `.covenant`, as before.
    ok(&covenant(&elsewhere, &["release", "record", "1.0"]));
    assert!(elsewhere.join(".covenant/ledger/origin").exists());
    assert_eq!(
        types(&covenant(&elsewhere, &["ledger", "entries", "--json"])),
        ["release.recorded"]
    );
    // `--data` wins over everything.
    assert_eq!(
        types(&covenant(
            &elsewhere,
            &[
                "ledger",
                "entries",
                "--program",
                p,
                "--data",
                ".covenant",
                "--json"
            ]
        )),
        ["release.recorded"]
    );
}
