//! The API end to end over HTTP, on SQLite and (when COVENANT_TEST_POSTGRES is set) on
//! PostgreSQL: tenant isolation on every route, the permission table, second-factor
//! enforcement, login lockout and token scopes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use covenant_server::auth::totp;
use covenant_server::role::{ALL_PERMISSIONS, ALL_ROLES, Permission, Role, Scope};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::client;
use support::harness::*;

async fn two_workspaces(s: &Server) {
    covenant_server::workspaces::create(&s.state, "alpha", "Alpha", &program(), "test", None)
        .await
        .unwrap();
    covenant_server::workspaces::create(&s.state, "beta", "Beta", &program(), "test", None)
        .await
        .unwrap();
    // Beta has objects of every kind, so a leak would have something to show.
    let (owner, _, _) = account(s, "owner@beta.test", true).await;
    member(s, "beta", &owner, Role::Owner).await;
    let t = token(s, "beta", &owner, vec![Scope::Admin]).await;
    let c = client();
    let form = reqwest::multipart::Form::new()
        .text("control", controls_in(s))
        .text("kind", "document")
        .text("effective", "2026-10-30")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"secret beta evidence".to_vec()).file_name("e.txt"),
        );
    let r = c
        .post(format!("{}/api/v1/workspaces/beta/evidence", s.base))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let r = c
        .post(format!("{}/api/v1/workspaces/beta/incidents", s.base))
        .bearer_auth(&t)
        .json(&json!({"incident": "INC-B", "title": "beta incident"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

fn controls_in(s: &Server) -> String {
    s.state
        .live("beta")
        .unwrap()
        .view()
        .program
        .controls
        .first()
        .unwrap()
        .value
        .id
        .clone()
}

/// Every route in the OpenAPI document, for a caller of every role in `alpha`, aimed at
/// `beta`'s objects: always 404, with the same body as for a workspace that does not exist.
async fn tenant_isolation(s: Server) {
    two_workspaces(&s).await;
    let c = client();
    let doc: Value = c
        .get(format!("{}/api/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let control = controls_in(&s);
    let mut checked = 0;
    for role in ALL_ROLES {
        let email = format!("{}@alpha.test", role.as_str());
        account(&s, &email, true).await;
        member(&s, "alpha", &email, role).await;
        let t = token(&s, "alpha", &email, vec![Scope::Admin]).await;
        for (path, item) in doc["paths"].as_object().unwrap() {
            if !path.contains("{workspace}") {
                continue;
            }
            for method in item.as_object().unwrap().keys() {
                let url = path
                    .replace("{workspace}", "beta")
                    .replace("{seq}", "0")
                    .replace("{control}", &control)
                    .replace("{incident}", "INC-B")
                    .replace("{finding}", "x")
                    .replace("{obligation}", "x")
                    .replace("{account}", "x")
                    .replace("{token}", "x")
                    .replace("{path}", "index.md");
                let req = c
                    .request(
                        method.to_uppercase().parse().unwrap(),
                        format!("{}{url}", s.base),
                    )
                    .bearer_auth(&t);
                let req = if method == "get" || method == "delete" {
                    req
                } else {
                    req.json(&json!({}))
                };
                let r = req.send().await.unwrap();
                let status = r.status();
                let body = r.text().await.unwrap();
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{role:?} {method} {url}: {body}"
                );
                assert!(
                    !body.contains("beta") && !body.contains("INC-B"),
                    "{method} {url} leaks: {body}"
                );
                let missing = url.replacen("/beta", "/no-such-workspace", 1);
                let req = c
                    .request(
                        method.to_uppercase().parse().unwrap(),
                        format!("{}{missing}", s.base),
                    )
                    .bearer_auth(&t);
                let req = if method == "get" || method == "delete" {
                    req
                } else {
                    req.json(&json!({}))
                };
                assert_eq!(
                    req.send().await.unwrap().text().await.unwrap(),
                    body,
                    "{method} {url} differs from a missing workspace"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6 * 35, "only {checked} route checks");
}

async fn totp_enforced(s: Server) {
    two_workspaces(&s).await;
    let (email, pw, secret) = account(&s, "admin@alpha.test", true).await;
    member(&s, "alpha", &email, Role::Admin).await;
    let r = login(&s, &email, &pw).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ck = cookie(&r);
    assert!(ck.starts_with("__Host-covenant_session="));
    let set = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    for attr in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["totp_required"], true);
    let csrf = body["csrf_token"].as_str().unwrap().to_string();
    let c = client();
    let summary = format!("{}/api/v1/workspaces/alpha/summary", s.base);
    let r = c.get(&summary).header("cookie", &ck).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "no access before the second factor"
    );
    let totp_url = format!("{}/api/v1/auth/totp", s.base);
    let r = c
        .post(&totp_url)
        .header("cookie", &ck)
        .header("x-csrf-token", &csrf)
        .json(&json!({"code": "000000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let now = u64::try_from(s.state.clock.now().as_second()).unwrap();
    let code = totp::code(secret.as_ref().unwrap(), now).unwrap();
    let r = c
        .post(&totp_url)
        .header("cookie", &ck)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "CSRF token required");
    let r = c
        .post(&totp_url)
        .header("cookie", &ck)
        .header("x-csrf-token", &csrf)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // The second factor rotates the session id: the new cookie carries on.
    let ck = cookie(&r);
    let r = c.get(&summary).header("cookie", &ck).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A write without the CSRF token is refused even with a valid session.
    let r = c
        .post(format!("{}/api/v1/workspaces/alpha/releases", s.base))
        .header("cookie", &ck)
        .json(&json!({"version": "1.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // An admin without a second factor cannot use the role until enrolled.
    let (email2, pw2, _) = account(&s, "admin2@alpha.test", false).await;
    member(&s, "alpha", &email2, Role::Admin).await;
    let r = login(&s, &email2, &pw2).await;
    let ck2 = cookie(&r);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["totp_required"], false);
    let r = c.get(&summary).header("cookie", &ck2).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("totp-enrollment-required"));
    // New workspaces require a second factor of every member: a viewer without one is
    // refused...
    let (email3, pw3, _) = account(&s, "viewer@alpha.test", false).await;
    member(&s, "alpha", &email3, Role::Viewer).await;
    let ck3 = cookie(&login(&s, &email3, &pw3).await);
    let r = c.get(&summary).header("cookie", &ck3).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("totp-enrollment-required"));
    // ...and under the "owners and admins only" policy, may read.
    let now = s.state.clock.now();
    s.state
        .live("alpha")
        .unwrap()
        .record(
            &s.state.store,
            "test",
            now,
            vec![json!({"type": "workspace.mfa_policy_set", "policy": "admins", "by": "test", "at": now.to_string()})],
            vec![covenant_store::Projection::MfaPolicy("admins".into())],
        )
        .await
        .unwrap();
    assert_eq!(
        c.get(&summary)
            .header("cookie", &ck3)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // Idle sessions expire.
    s.state.clock.advance(jiff::SignedDuration::from_mins(31));
    assert_eq!(
        c.get(&summary)
            .header("cookie", &ck3)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn lockout(s: Server) {
    let (email, pw, _) = account(&s, "user@alpha.test", false).await;
    for _ in 0..5 {
        assert_eq!(
            login(&s, &email, "wrong password!!").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = login(&s, &email, &pw).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert!(r.headers().contains_key(reqwest::header::RETRY_AFTER));
    // Unknown accounts answer like wrong passwords.
    let r = login(&s, "nobody@alpha.test", "whatever password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.state.clock.advance(jiff::SignedDuration::from_mins(16));
    assert_eq!(login(&s, &email, &pw).await.status(), StatusCode::OK);
}

async fn token_scopes(s: Server) {
    two_workspaces(&s).await;
    let (email, _, _) = account(&s, "cm@alpha.test", true).await;
    member(&s, "alpha", &email, Role::ComplianceManager).await;
    let read = token(&s, "alpha", &email, vec![Scope::Read]).await;
    let write = token(&s, "alpha", &email, vec![Scope::Write]).await;
    let c = client();
    let url = format!("{}/api/v1/workspaces/alpha/releases", s.base);
    let r = c
        .post(&url)
        .bearer_auth(&read)
        .json(&json!({"version": "2.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(&url)
        .bearer_auth(&write)
        .json(&json!({"version": "2.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // Write scope does not reach access management, even for a role that has it.
    let r = c
        .get(format!("{}/api/v1/workspaces/alpha/tokens", s.base))
        .bearer_auth(&write)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The release is in the ledger, with the token named as the actor.
    let r: Value = get_json(
        &c,
        format!("{}/api/v1/workspaces/alpha/releases", s.base),
        &read,
    )
    .await;
    assert_eq!(r["items"][0]["entry"]["version"], "2.0");
    assert!(
        r["items"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("token:")
    );
    let size = s
        .state
        .live("alpha")
        .unwrap()
        .with_ledger(|l| l.size())
        .await;
    assert_eq!(size, s.state.live("alpha").unwrap().view().size);

    // An owner's admin token lists the tokens and revokes the write token; it stops working
    // at once, and the revocation is in the ledger.
    let (owner, _, _) = account(&s, "owner@alpha.test", true).await;
    member(&s, "alpha", &owner, Role::Owner).await;
    let admin = token(&s, "alpha", &owner, vec![Scope::Admin]).await;
    let tokens: Value = get_json(
        &c,
        format!("{}/api/v1/workspaces/alpha/tokens", s.base),
        &admin,
    )
    .await;
    let used: Vec<&Value> = tokens
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["scopes"] == json!(["write"]))
        .collect();
    assert_eq!(used.len(), 1, "{tokens}");
    let id = used[0]["id"].as_str().unwrap();
    let r = c
        .delete(format!("{}/api/v1/workspaces/alpha/tokens/{id}", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c.get(&url).bearer_auth(&write).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .delete(format!("{}/api/v1/workspaces/alpha/tokens/{id}", s.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "revoked twice");
    let r = c.get(&url).bearer_auth(&read).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "other tokens keep working");
    // Tokens expire (30 days here) whatever their use.
    s.state
        .clock
        .advance(jiff::SignedDuration::from_hours(30 * 24));
    let r = c.get(&url).bearer_auth(&read).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A workspace's first ledger entry names its program's source, the git commit of that
/// checkout and whether it had uncommitted changes; a reload records the new commit.
async fn program_git_revision(s: Server) {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&program(), repo.path());
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "program"]);
    let first = git(repo.path(), &["rev-parse", "HEAD"]);
    let live =
        covenant_server::workspaces::create(&s.state, "gamma", "Gamma", repo.path(), "test", None)
            .await
            .unwrap();
    let entries = s
        .state
        .store
        .entries_from(&live.workspace.id, 0, 10)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entry_type, "program.imported");
    assert_eq!(entries[0].actor, "test");
    let body: Value = serde_json::from_str(&entries[0].body).unwrap();
    assert_eq!(body["git"], json!({"commit": first, "dirty": false}));

    // An uncommitted edit shows as dirty on reload, under the same commit.
    std::fs::write(repo.path().join("NOTES.txt"), "draft").unwrap();
    let (owner, _, _) = account(&s, "owner@gamma.test", true).await;
    member(&s, "gamma", &owner, Role::Owner).await;
    let t = token(&s, "gamma", &owner, vec![Scope::Admin]).await;
    let r = client()
        .post(format!("{}/api/v1/workspaces/gamma/program/reload", s.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let entries = s
        .state
        .store
        .entries_from(&live.workspace.id, 0, 10)
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&entries[1].body).unwrap();
    assert_eq!(body["type"], "program.reloaded");
    assert_eq!(body["git"], json!({"commit": first, "dirty": true}));
}

/// A workspace never loses its last owner: the owner cannot demote or remove itself until
/// another member is owner.
async fn last_owner(s: Server) {
    two_workspaces(&s).await;
    let (owner, _, _) = account(&s, "owner@alpha.test", true).await;
    member(&s, "alpha", &owner, Role::Owner).await;
    let (other, _, _) = account(&s, "second@alpha.test", true).await;
    member(&s, "alpha", &other, Role::Admin).await;
    let admin = token(&s, "alpha", &owner, vec![Scope::Admin]).await;
    let c = client();
    let url = format!("{}/api/v1/workspaces/alpha/members", s.base);
    let demote = |email: &str, role: &str| {
        c.put(&url)
            .bearer_auth(&admin)
            .json(&json!({"email": email, "role": role}))
            .send()
    };
    let r = demote(&owner, "viewer").await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = demote(&other, "owner").await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = demote(&owner, "viewer").await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "no longer the last owner"
    );
}

/// Evidence uploaded for an overdue obligation makes it met, and its inclusion proof
/// verifies with only the workspace's public key.
/// The inclusion proof of entry `seq`, waiting as a client must for the checkpoint that
/// covers it (409 with Retry-After until the checkpointer signs one).
async fn proof(c: &reqwest::Client, s: &Server, seq: &Value, t: &str) -> Value {
    let url = format!("{}/api/v1/workspaces/alpha/ledger/proofs/{seq}", s.base);
    for _ in 0..30 {
        let r = c.get(&url).bearer_auth(t).send().await.unwrap();
        if r.status() != StatusCode::CONFLICT {
            assert_eq!(r.status(), StatusCode::OK);
            return r.json().await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    panic!("no checkpoint covered entry {seq}");
}

async fn evidence_meets_obligation(s: Server) {
    two_workspaces(&s).await;
    let (email, _, _) = account(&s, "contrib@alpha.test", true).await;
    member(&s, "alpha", &email, Role::Contributor).await;
    let t = token(&s, "alpha", &email, vec![Scope::Write]).await;
    let c = client();
    let obs: Value = get_json(
        &c,
        format!(
            "{}/api/v1/workspaces/alpha/obligations?status=overdue&limit=200",
            s.base
        ),
        &t,
    )
    .await;
    let o = obs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"].as_str().unwrap().starts_with("evidence:"))
        .expect("an overdue evidence obligation")
        .clone();
    let control = o["body"]["control"].as_str().unwrap().to_string();
    let kind = o["id"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let form = reqwest::multipart::Form::new()
        .text("control", control.clone())
        .text("kind", kind)
        .text("effective", "2026-10-31")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"report".to_vec()).file_name("r.pdf"),
        );
    let r = c
        .post(format!("{}/api/v1/workspaces/alpha/evidence", s.base))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let e: Value = r.json().await.unwrap();
    let after: Value = get_json(
        &c,
        format!(
            "{}/api/v1/workspaces/alpha/obligations/{}",
            s.base,
            o["id"].as_str().unwrap()
        ),
        &t,
    )
    .await;
    assert_ne!(after["body"]["status"], "overdue", "{after}");
    let p = proof(&c, &s, &e["seq"], &t).await;
    let bundle =
        covenant_ledger::ProofBundle::parse(p["bundle"].as_str().unwrap().as_bytes()).unwrap();
    let key = covenant_ledger::NoteVerifier::from_key_string(p["verifier_key"].as_str().unwrap())
        .unwrap();
    bundle
        .verify(&key)
        .expect("inclusion proof verifies offline");
    let dl = c
        .get(format!(
            "{}/api/v1/workspaces/alpha/evidence/{}/download",
            s.base, e["seq"]
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.bytes().await.unwrap().as_ref(), b"report");
}

#[test]
fn permission_table() {
    use Permission::*;
    let expected: &[(Role, &[Permission])] = &[
        (
            Role::Owner,
            &[
                Read,
                ReadEvidence,
                Record,
                Decide,
                ManageProgram,
                ManageAccess,
                ManageOwners,
            ],
        ),
        (
            Role::Admin,
            &[
                Read,
                ReadEvidence,
                Record,
                Decide,
                ManageProgram,
                ManageAccess,
            ],
        ),
        (
            Role::ComplianceManager,
            &[Read, ReadEvidence, Record, Decide, ManageProgram],
        ),
        (Role::Contributor, &[Read, ReadEvidence, Record]),
        (Role::Auditor, &[Read, ReadEvidence]),
        (Role::Viewer, &[Read]),
    ];
    for (role, allowed) in expected {
        for p in ALL_PERMISSIONS {
            assert_eq!(role.allows(p), allowed.contains(&p), "{role:?} {p:?}");
        }
    }
    assert!(Role::Owner.requires_totp() && Role::Admin.requires_totp());
    assert!(!Role::Auditor.requires_totp());
}

/// Writes whose caller stops waiting at any moment (a client timeout drops the request
/// future) still commit and append as one: the database and the ledger files hold the
/// same entries at the same positions, and the workspace stays writable.
async fn cancelled_writes_keep_ledger_and_database_in_step(s: Server) {
    covenant_server::workspaces::create(&s.state, "alpha", "Alpha", &program(), "test", None)
        .await
        .unwrap();
    let live = s.state.live("alpha").unwrap();
    let now = s.state.clock.now();
    for i in 0..150u64 {
        let entry = json!({"type": "test.write", "n": i, "at": now.to_string()});
        let write = live.record(&s.state.store, "test", now, vec![entry], vec![]);
        // Give up after a varying moment, as a client that times out does.
        let patience = std::time::Duration::from_micros((i * 997) % 4000);
        let _ = tokio::time::timeout(patience, write).await;
    }
    // A last write waits behind any still in flight (they hold the ledger lock in order).
    let last = json!({"type": "test.write", "n": "last", "at": now.to_string()});
    live.record(&s.state.store, "test", now, vec![last], vec![])
        .await
        .unwrap();
    assert!(live.healthy(), "a cancelled write left the ledger behind");
    let rows = s
        .state
        .store
        .entries_from(&live.workspace.id, 0, 100_000)
        .await
        .unwrap();
    assert_eq!(u64::try_from(rows.len()).unwrap(), live.view().size);
    live.with_ledger(|l| {
        assert_eq!(l.size(), u64::try_from(rows.len()).unwrap());
        for row in &rows {
            let seq = u64::try_from(row.seq).unwrap();
            assert_eq!(l.entry(seq).unwrap(), row.body.as_bytes(), "entry {seq}");
        }
    })
    .await;
}

/// A restart finds one workspace without its signing key and another whose database row
/// was edited: neither is served (no silent new key, no row that proofs contradict), and
/// the healthy workspace still is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_workspaces_are_not_served_and_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = dir.path().join("covenant.db");
    let url = format!("sqlite://{}", db.display());
    let clock = || covenant_server::clock::Clock::manual("2026-11-01T12:00:00Z".parse().unwrap());
    let settings = || covenant_server::state::Settings::new(data.clone());
    let first = covenant_server::start(&url, settings(), clock())
        .await
        .unwrap();
    for slug in ["alpha", "beta", "gamma"] {
        covenant_server::workspaces::create(&first, slug, slug, &program(), "test", None)
            .await
            .unwrap();
    }
    let gamma_id = first.live("gamma").unwrap().workspace.id.clone();
    // Stopped: its ledgers are closed (and their locks released).
    first.store.close().await;
    drop(first);
    let beta = covenant_server::live::ledger_dir(&data, "beta");
    std::fs::remove_dir_all(beta.join("keys")).unwrap();
    let edited = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \
             c.execute(\"UPDATE entry SET body = replace(body, 'test', 'mallory') WHERE workspace_id = ? AND seq = 0\", (sys.argv[2],)); \
             c.commit(); print(c.total_changes)",
        )
        .arg(&db)
        .arg(&gamma_id)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&edited.stdout).trim(),
        "1",
        "{edited:?}"
    );
    let restarted = covenant_server::start(&url, settings(), clock())
        .await
        .unwrap();
    assert!(restarted.live("alpha").is_some());
    assert!(
        restarted.live("beta").is_none(),
        "a new signing key was made silently"
    );
    assert!(
        restarted.live("gamma").is_none(),
        "an edited row was served"
    );
    assert!(!beta.join("keys").exists());
}

both!(tenant_isolation);
both!(cancelled_writes_keep_ledger_and_database_in_step);
both!(totp_enforced);
both!(lockout);
both!(token_scopes);
both!(evidence_meets_obligation);
both!(last_owner);
both!(program_git_revision);
