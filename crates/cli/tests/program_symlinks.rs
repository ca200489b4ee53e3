//! Programs whose files are symbolic links out of the program directory (issue 12): `check`
//! reports each link as an error and exits 2, `publish` refuses and never writes what the
//! link points at.

#[path = "fixtures/support.rs"]
mod support;

use std::os::unix::fs::symlink;
use std::path::Path;
use support::*;

const SECRET: &str = "PRIVATE-KEY-BYTES-4f1c9b";

/// The example program with `templates/security-md.md.j2 -> /etc/passwd` and
/// `policies/leak.md -> <a secret file outside the program>`.
fn linked_program() -> (tempfile::TempDir, tempfile::TempDir) {
    let program = copy_of(&example("enforcer-dashboard"));
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("ledger.key");
    std::fs::write(&secret, SECRET).expect("write secret");
    let templates = program.path().join("templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    symlink("/etc/passwd", templates.join("security-md.md.j2")).expect("symlink");
    symlink(&secret, program.path().join("policies/leak.md")).expect("symlink");
    (program, outside)
}

#[test]
fn check_reports_each_link_and_exits_2() {
    let (program, _outside) = linked_program();
    let (code, diags, v) = check_json(program.path());
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(
        diags,
        [
            diag("symbolic-link", "policies/leak.md", 1, 1),
            diag("symbolic-link", "templates/security-md.md.j2", 1, 1),
        ],
        "{v:#}"
    );
    let text = v.to_string();
    assert!(text.contains("is a symbolic link"), "{v:#}");
    assert!(
        !text.contains(SECRET) && !text.contains("root:x:0:0"),
        "{v:#}"
    );

    let run = covenant([Path::new("check"), program.path()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("templates/security-md.md.j2") && run.stderr.contains("symbolic-link"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("root:x:0:0") && !run.stderr.contains(SECRET));
}

#[test]
fn publish_refuses_and_writes_nothing_from_the_link() {
    let (program, _outside) = linked_program();
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("public");
    let run = covenant([
        Path::new("publish"),
        program.path(),
        Path::new("--out"),
        &dest,
        Path::new("--at"),
        Path::new("2026-05-01"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("templates/security-md.md.j2"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("root:x:0:0") && !run.stderr.contains(SECRET));
    assert!(
        !dest.exists(),
        "publish wrote output for an invalid program"
    );
}

#[test]
fn a_linked_kind_directory_is_refused() {
    let program = copy_of(&example("enforcer-dashboard"));
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("x.md.j2"), SECRET).expect("write");
    symlink(outside.path(), program.path().join("templates")).expect("symlink");
    let (code, diags, v) = check_json(program.path());
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(diags, [diag("symbolic-link", "templates", 1, 1)], "{v:#}");
}

#[test]
fn a_linked_program_directory_is_fine() {
    let root = tempfile::tempdir().expect("tempdir");
    let via = root.path().join("via");
    symlink(example("enforcer-dashboard"), &via).expect("symlink");
    let (code, diags, v) = check_json(&via);
    assert_eq!((code, diags.len()), (0, 0), "{v:#}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn publish_since_a_revision_with_a_link_refuses_it() {
    let program = copy_of(&example("enforcer-dashboard"));
    let p = program.path();
    git(p, &["init", "-q"]);
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "valid"]);
    std::fs::create_dir_all(p.join("templates")).expect("mkdir");
    symlink("/etc/passwd", p.join("templates/security-md.md.j2")).expect("symlink");
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "linked"]);
    std::fs::remove_file(p.join("templates/security-md.md.j2")).expect("rm");
    let out = tempfile::tempdir().expect("tempdir");
    let publish = |since: &str, dest: &str| {
        covenant([
            Path::new("publish"),
            p,
            Path::new("--out"),
            &out.path().join(dest),
            Path::new("--at"),
            Path::new("2026-05-01"),
            Path::new("--since"),
            Path::new(since),
        ])
    };
    let run = publish("HEAD~1", "a");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = publish("HEAD", "b");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("does not load"), "{}", run.stderr);
    assert!(!out.path().join("b").exists());
}
