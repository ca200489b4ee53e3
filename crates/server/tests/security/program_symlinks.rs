//! Programs whose files are symlinks that point out of the program directory.
//!
//! The attack: a tenant's checkout holds `templates/security-md.md.j2 -> <data>/workspaces/
//! <other>/ledger/keys/ledger.key` (and a template linked to `/etc/passwd`); a workspace
//! created on it would serve the other workspace's signing key as `SECURITY.md`. The
//! program must be refused with the links named, on creation and on reload, and no answer
//! may carry the linked files.

use crate::support::client;
use crate::support::harness::*;
use covenant_server::role::{Role, Scope};
use reqwest::StatusCode;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The victim workspace, and the path and text of its ledger's signing key.
async fn victim(s: &Server) -> (PathBuf, String) {
    covenant_server::workspaces::create(&s.state, "victim", "Victim", &program(), "test", None)
        .await
        .unwrap();
    let key =
        covenant_server::live::ledger_dir(&s.state.settings.data, "victim").join("keys/ledger.key");
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("PRIVATE+KEY+"), "{}", key.display());
    (key, text)
}

/// Puts the two links into a checkout of the example program.
fn plant(checkout: &Path, key: &Path) {
    let templates = checkout.join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    symlink(key, templates.join("security-md.md.j2")).unwrap();
    symlink("/etc/passwd", templates.join("overview.md.j2")).unwrap();
}

fn assert_clean(what: &str, body: &str, key: &str) {
    assert!(
        !body.contains(key.trim()) && !body.contains("PRIVATE+KEY"),
        "{what} serves the signing key: {body}"
    );
    assert!(!body.contains("root:x:0:0"), "{what} serves /etc/passwd");
}

/// Every document of a workspace through the API, concatenated.
async fn documents(s: &Server, ws: &str, token: &str) -> String {
    let c = client();
    let mut all = String::new();
    for path in ["SECURITY.md", "overview.md", "overview.html"] {
        let r = c
            .get(format!(
                "{}/api/v1/workspaces/{ws}/documents/{path}",
                s.base
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        all.push_str(&r.text().await.unwrap());
    }
    all
}

async fn linked_key_is_refused_on_create(s: Server) {
    let (key, key_text) = victim(&s).await;
    let checkout = tempfile::tempdir().unwrap();
    copy_dir(&program(), checkout.path());
    plant(checkout.path(), &key);

    let created = covenant_server::workspaces::create(
        &s.state,
        "attacker",
        "Attacker",
        checkout.path(),
        "test",
        None,
    )
    .await;
    let problem = match created {
        Err(p) => p,
        Ok(_) => {
            // What the old server did: the key was then one GET away.
            let (owner, _, _) = account(&s, "owner@attacker.test", true).await;
            member(&s, "attacker", &owner, Role::Owner).await;
            let t = token(&s, "attacker", &owner, vec![Scope::Read]).await;
            let served = documents(&s, "attacker", &t).await;
            assert_clean("the attacker's workspace", &served, &key_text);
            panic!("a program with symbolic links was accepted");
        }
    };
    assert_eq!(problem.status, 422);
    let body = serde_json::to_string(&problem).unwrap();
    let detail = problem.detail.clone().unwrap_or_default();
    for path in ["templates/security-md.md.j2", "templates/overview.md.j2"] {
        assert!(
            detail.contains(&format!("{path}: is a symbolic link")),
            "{body}"
        );
    }
    assert_clean("the refusal", &body, &key_text);
    assert!(s.state.live("attacker").is_none());
    assert!(
        s.state
            .store
            .workspaces()
            .await
            .unwrap()
            .iter()
            .all(|w| w.slug != "attacker")
    );
}
crate::both!(linked_key_is_refused_on_create);

/// The same links added to a checkout after its workspace was created: the reload is
/// refused and the workspace keeps serving its earlier program.
async fn linked_key_is_refused_on_reload(s: Server) {
    let (key, key_text) = victim(&s).await;
    let checkout = tempfile::tempdir().unwrap();
    copy_dir(&program(), checkout.path());
    covenant_server::workspaces::create(
        &s.state,
        "attacker",
        "Attacker",
        checkout.path(),
        "test",
        None,
    )
    .await
    .unwrap();
    let (owner, _, _) = account(&s, "owner@attacker.test", true).await;
    member(&s, "attacker", &owner, Role::Owner).await;
    let t = token(&s, "attacker", &owner, vec![Scope::Admin]).await;
    plant(checkout.path(), &key);

    let r = client()
        .post(format!(
            "{}/api/v1/workspaces/attacker/program/reload",
            s.base
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("templates/security-md.md.j2"), "{body}");
    assert_clean("the reload answer", &body, &key_text);
    let served = documents(&s, "attacker", &t).await;
    assert!(served.contains("Security"), "{served}");
    assert_clean("the attacker's workspace", &served, &key_text);
}
crate::both!(linked_key_is_refused_on_reload);

/// `program_path` answers the same for a missing path, a path outside the import root
/// (`..`, absolute, or a link out of it) and a file, so it does not tell what exists.
#[test]
fn import_paths_outside_the_root_all_get_one_answer() {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("imports");
    copy_dir(&program(), &root.join("ok"));
    std::fs::write(root.join("file.txt"), "x").unwrap();
    let outside = base.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    symlink(&outside, root.join("out")).unwrap();

    let ok = covenant_server::workspaces::resolve_import(&root, "ok").unwrap();
    assert!(ok.ends_with("imports/ok"));
    let answer = |rel: &str| {
        let p = covenant_server::workspaces::resolve_import(&root, rel).expect_err(rel);
        (p.status, serde_json::to_string(&p).unwrap())
    };
    let missing = answer("no-such-dir");
    assert!(missing.0 == 400 || missing.0 == 422, "{missing:?}");
    let outside_rel = format!("../{}", outside.file_name().unwrap().to_str().unwrap());
    for rel in [
        outside_rel.as_str(),
        "/etc",
        "../../../../../../../../etc",
        "out",
        "file.txt",
        "ok/../../outside",
    ] {
        assert_eq!(answer(rel), missing, "{rel}");
    }
}

/// A server whose import root holds its data directory, or lies inside it, does not start.
#[tokio::test]
async fn overlapping_import_root_and_data_directory_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for root in [
        dir.path().to_path_buf(),
        data.clone(),
        data.join("workspaces"),
    ] {
        std::fs::create_dir_all(&root).unwrap();
        let mut settings = covenant_server::state::Settings::new(data.clone());
        settings.import_root = Some(root.clone());
        let url = format!("sqlite://{}", dir.path().join("covenant.db").display());
        let clock = covenant_server::clock::Clock::manual("2026-11-01T12:00:00Z".parse().unwrap());
        let err = match covenant_server::start(&url, settings, clock).await {
            Ok(_) => panic!("started with import root {}", root.display()),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("overlap"), "{err}");
    }
    let apart = dir.path().join("imports");
    std::fs::create_dir_all(&apart).unwrap();
    let mut settings = covenant_server::state::Settings::new(data.clone());
    settings.import_root = Some(apart);
    let url = format!("sqlite://{}", dir.path().join("covenant.db").display());
    let clock = covenant_server::clock::Clock::manual("2026-11-01T12:00:00Z".parse().unwrap());
    covenant_server::start(&url, settings, clock).await.unwrap();
}
