//! The store's behaviour, checked on both databases with one body per test.
//!
//! Every test runs twice: `<name>::sqlite` on a fresh file in a temporary directory and
//! `<name>::postgres` on a fresh database of the server named by `COVENANT_TEST_POSTGRES`
//! (see `.ci/postgres.sh`). Without that variable the PostgreSQL variants say so and pass,
//! unless `COVENANT_REQUIRE_POSTGRES=1`, which makes them fail instead.
#![allow(clippy::unwrap_used)]

use covenant_store::{
    ApiToken, Backend, EntryRow, EvidenceFilter, EvidenceRow, FindingFilter, FindingRow,
    NewAccount, NewEntry, Projection, Reservation, Session, Store, StoreError, postgres_test_url,
    scratch_database,
};
use std::future::Future;

// ---------------------------------------------------------------------------------------
// Harness

/// Runs `test` on a store over a fresh SQLite file, then closes it.
async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Store, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/covenant.db", dir.path().display());
    let store = Store::connect(&url).await.expect("connect to SQLite");
    assert_eq!(store.backend(), Backend::Sqlite);
    test(store.clone(), url).await;
    store.close().await;
}

/// Runs `test` on a store over a fresh PostgreSQL database, or skips (see the module doc).
async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Store, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(admin) = postgres_test_url() else {
        if std::env::var("COVENANT_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("COVENANT_REQUIRE_POSTGRES=1 but COVENANT_TEST_POSTGRES is not set");
        }
        println!("skipping PostgreSQL: COVENANT_TEST_POSTGRES is not set");
        return;
    };
    let url = scratch_database(&admin)
        .await
        .expect("create a scratch PostgreSQL database");
    let store = Store::connect(&url).await.expect("connect to PostgreSQL");
    assert_eq!(store.backend(), Backend::Postgres);
    test(store.clone(), url).await;
    store.close().await;
}

/// `both!(name)` turns `async fn name(&Store)` into the tests `name::sqlite` and
/// `name::postgres`; `both!(url name)` does the same for `async fn name(&Store, &str)`,
/// which also gets the database URL.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::on_sqlite(|s, _| async move { super::$name(&s).await }).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::on_postgres(|s, _| async move { super::$name(&s).await }).await;
            }
        }
    };
    (url $name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::on_sqlite(|s, u| async move { super::$name(&s, &u).await }).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::on_postgres(|s, u| async move { super::$name(&s, &u).await }).await;
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// Fixtures

async fn account(s: &Store, id: &str, email: &str) {
    s.create_account(NewAccount {
        id,
        email,
        name: id,
        password_hash: Some("hash"),
        created_at: 1000,
    })
    .await
    .expect("create account");
}

async fn workspace(s: &Store, id: &str) {
    s.create_workspace(id, &format!("slug-{id}"), id, "/program", 1000)
        .await
        .expect("create workspace");
}

async fn next_seq(s: &Store, ws: &str) -> i64 {
    s.workspace_by_slug(&format!("slug-{ws}"))
        .await
        .expect("workspace_by_slug")
        .expect("the workspace exists")
        .next_seq
}

fn entry(entry_type: &str, n: usize) -> NewEntry {
    NewEntry {
        entry_type: entry_type.to_string(),
        actor: format!("actor{n}"),
        at: 5000 + n as i64,
        body: format!(r#"{{"type":"{entry_type}","n":{n}}}"#),
    }
}

fn evidence(control: &str, note: &str) -> EvidenceRow {
    EvidenceRow {
        seq: 999_999, // ignored: the store fills in the seq of the entry
        control: control.to_string(),
        kind: "file".to_string(),
        effective: "2024-05-01".to_string(),
        recorded_at: 7000,
        recorded_by: "alice".to_string(),
        blob: Some(format!("sha256:{note}")),
        filename: Some("scan.pdf".to_string()),
        size: Some(1234),
        note: Some(note.to_string()),
    }
}

fn finding(id: &str, status: &str, severity: &str) -> FindingRow {
    FindingRow {
        id: id.to_string(),
        title: format!("title of {id}"),
        severity: severity.to_string(),
        score_tenths: Some(75),
        status: status.to_string(),
        component: "api".to_string(),
        first_detected: 3000,
        body: format!(r#"{{"id":"{id}"}}"#),
    }
}

fn token(id: &str, ws: &str, created_at: i64) -> ApiToken {
    ApiToken {
        id: id.to_string(),
        workspace_id: ws.to_string(),
        account_id: "a1".to_string(),
        name: format!("token {id}"),
        secret_hash: format!("secret-{id}"),
        scopes: "read write".to_string(),
        created_at,
        expires_at: Some(created_at + 100),
        last_used_at: None,
        revoked_at: None,
    }
}

fn seqs(rows: &[EntryRow]) -> Vec<i64> {
    rows.iter().map(|r| r.seq).collect()
}

// ---------------------------------------------------------------------------------------
// Accounts

both!(accounts_create_and_lookup);
async fn accounts_create_and_lookup(s: &Store) {
    let a = s
        .create_account(NewAccount {
            id: "a1",
            email: "alice@example.com",
            name: "Alice",
            password_hash: Some("argon2-hash"),
            created_at: 1234,
        })
        .await
        .expect("create");
    assert_eq!(a.id, "a1");
    assert_eq!(a.email, "alice@example.com");
    assert_eq!(a.name, "Alice");
    assert_eq!(a.password_hash.as_deref(), Some("argon2-hash"));
    assert_eq!(a.totp_secret, None);
    assert!(!a.totp_enabled);
    assert_eq!(
        (a.oidc_issuer.as_deref(), a.oidc_subject.as_deref()),
        (None, None)
    );
    assert_eq!(a.created_at, 1234);

    s.create_account(NewAccount {
        id: "a2",
        email: "bob@example.com",
        name: "Bob",
        password_hash: None,
        created_at: 1,
    })
    .await
    .expect("create a second account");

    assert_eq!(s.account("a1").await.expect("by id"), Some(a.clone()));
    assert_eq!(
        s.account_by_email("alice@example.com")
            .await
            .expect("by email"),
        Some(a)
    );
    let b = s.account("a2").await.expect("by id").expect("a2 exists");
    assert_eq!(b.email, "bob@example.com");
    assert_eq!(b.password_hash, None);
    assert_eq!(s.account("nobody").await.expect("by id"), None);
    assert_eq!(
        s.account_by_email("nobody@example.com")
            .await
            .expect("by email"),
        None
    );

    s.set_password("a2", "new-hash")
        .await
        .expect("set password");
    let b = s.account("a2").await.expect("by id").expect("a2 exists");
    assert_eq!(b.password_hash.as_deref(), Some("new-hash"));
    let a = s.account("a1").await.expect("by id").expect("a1 exists");
    assert_eq!(
        a.password_hash.as_deref(),
        Some("argon2-hash"),
        "only a2 changed"
    );
}

both!(accounts_duplicate_email_conflicts);
async fn accounts_duplicate_email_conflicts(s: &Store) {
    account(s, "a1", "alice@example.com").await;
    let err = s
        .create_account(NewAccount {
            id: "a2",
            email: "alice@example.com",
            name: "Other",
            password_hash: None,
            created_at: 2,
        })
        .await
        .expect_err("a second account with the same email");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(s.account("a2").await.expect("by id"), None);
    // The first one is untouched.
    let a = s
        .account_by_email("alice@example.com")
        .await
        .expect("by email")
        .expect("exists");
    assert_eq!(a.id, "a1");
}

both!(accounts_totp);
async fn accounts_totp(s: &Store) {
    account(s, "a1", "alice@example.com").await;
    account(s, "a2", "bob@example.com").await;
    s.set_totp("a1", Some("JBSWY3DPEHPK3PXP"), false)
        .await
        .expect("set");
    let a = s.account("a1").await.expect("get").expect("exists");
    assert_eq!(a.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(!a.totp_enabled);

    s.set_totp("a1", Some("JBSWY3DPEHPK3PXP"), true)
        .await
        .expect("enable");
    let a = s.account("a1").await.expect("get").expect("exists");
    assert!(a.totp_enabled);
    let b = s.account("a2").await.expect("get").expect("exists");
    assert!(
        !b.totp_enabled && b.totp_secret.is_none(),
        "only a1 changed"
    );

    s.set_totp("a1", None, false).await.expect("disable");
    let a = s.account("a1").await.expect("get").expect("exists");
    assert_eq!(a.totp_secret, None);
    assert!(!a.totp_enabled);
}

both!(accounts_oidc_link);
async fn accounts_oidc_link(s: &Store) {
    account(s, "a1", "alice@example.com").await;
    account(s, "a2", "bob@example.com").await;
    let iss = "https://idp.example.com";
    assert_eq!(s.account_by_oidc(iss, "sub-1").await.expect("lookup"), None);

    s.link_oidc("a1", iss, "sub-1").await.expect("link");
    let a = s
        .account_by_oidc(iss, "sub-1")
        .await
        .expect("lookup")
        .expect("linked");
    assert_eq!(a.id, "a1");
    assert_eq!(a.oidc_issuer.as_deref(), Some(iss));
    assert_eq!(a.oidc_subject.as_deref(), Some("sub-1"));
    assert_eq!(s.account_by_oidc(iss, "sub-2").await.expect("lookup"), None);
    assert_eq!(
        s.account_by_oidc("https://other", "sub-1")
            .await
            .expect("lookup"),
        None
    );

    // One identity, one account.
    let err = s
        .link_oidc("a2", iss, "sub-1")
        .await
        .expect_err("second link");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // The same subject at another issuer is another identity.
    s.link_oidc("a2", "https://other", "sub-1")
        .await
        .expect("link at another issuer");
    let b = s
        .account_by_oidc("https://other", "sub-1")
        .await
        .expect("lookup")
        .expect("linked");
    assert_eq!(b.id, "a2");
}

both!(accounts_recovery_codes);
async fn accounts_recovery_codes(s: &Store) {
    account(s, "a1", "alice@example.com").await;
    account(s, "a2", "bob@example.com").await;
    assert_eq!(s.unused_recovery_codes("a1").await.expect("count"), 0);

    let codes: Vec<String> = ["h1", "h2", "h3"].map(String::from).to_vec();
    s.replace_recovery_codes("a1", &codes)
        .await
        .expect("replace");
    s.replace_recovery_codes("a2", &["h1".to_string()])
        .await
        .expect("replace a2");
    assert_eq!(s.unused_recovery_codes("a1").await.expect("count"), 3);

    assert!(s.use_recovery_code("a1", "h1", 10).await.expect("use"));
    assert!(
        !s.use_recovery_code("a1", "h1", 11)
            .await
            .expect("use again"),
        "once only"
    );
    assert!(
        !s.use_recovery_code("a1", "nope", 12)
            .await
            .expect("use unknown")
    );
    assert_eq!(s.unused_recovery_codes("a1").await.expect("count"), 2);
    // a2's code of the same hash is its own.
    assert_eq!(s.unused_recovery_codes("a2").await.expect("count"), 1);
    assert!(s.use_recovery_code("a2", "h1", 13).await.expect("use a2's"));
    assert_eq!(s.unused_recovery_codes("a2").await.expect("count"), 0);

    // Replacing drops the old codes, used or not.
    s.replace_recovery_codes("a1", &["h4".to_string(), "h1".to_string()])
        .await
        .expect("replace again");
    assert_eq!(s.unused_recovery_codes("a1").await.expect("count"), 2);
    assert!(!s.use_recovery_code("a1", "h2", 14).await.expect("old code"));
    assert!(
        s.use_recovery_code("a1", "h1", 15)
            .await
            .expect("h1 is new again")
    );
    assert!(s.use_recovery_code("a1", "h4", 16).await.expect("h4"));
    assert_eq!(s.unused_recovery_codes("a1").await.expect("count"), 0);
}

// ---------------------------------------------------------------------------------------
// Workspaces and members

both!(workspaces_create_and_conflict);
async fn workspaces_create_and_conflict(s: &Store) {
    let w = s
        .create_workspace("w1", "acme", "Acme", "git+https://x/y@main", 42)
        .await
        .expect("create");
    assert_eq!(
        (
            w.id.as_str(),
            w.slug.as_str(),
            w.name.as_str(),
            w.program_source.as_str()
        ),
        ("w1", "acme", "Acme", "git+https://x/y@main")
    );
    assert_eq!((w.next_seq, w.created_at), (0, 42));
    assert_eq!(s.workspace_by_slug("acme").await.expect("by slug"), Some(w));
    assert_eq!(s.workspace_by_slug("nope").await.expect("by slug"), None);

    let err = s
        .create_workspace("w2", "acme", "Other", "/p", 43)
        .await
        .expect_err("duplicate slug");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    s.create_workspace("w3", "zeta", "Zeta", "/z", 44)
        .await
        .expect("create");
    s.create_workspace("w4", "beta", "Beta", "/b", 45)
        .await
        .expect("create");
    let slugs: Vec<String> = s
        .workspaces()
        .await
        .expect("list")
        .into_iter()
        .map(|w| w.slug)
        .collect();
    assert_eq!(slugs, ["acme", "beta", "zeta"]);

    s.set_program_source("w3", "/elsewhere")
        .await
        .expect("set source");
    let z = s
        .workspace_by_slug("zeta")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(z.program_source, "/elsewhere");
    let b = s
        .workspace_by_slug("beta")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(b.program_source, "/b");
}

both!(members_roles_upsert_remove);
async fn members_roles_upsert_remove(s: &Store) {
    account(s, "ab", "bob@example.com").await;
    account(s, "aa", "alice@example.com").await;
    account(s, "ac", "carol@example.com").await;
    s.create_workspace("w1", "one", "One", "/1", 1)
        .await
        .expect("create");
    s.create_workspace("w2", "two", "Two", "/2", 1)
        .await
        .expect("create");

    s.set_member("w1", "ab", "admin", 100).await.expect("add");
    s.set_member("w1", "ac", "editor", 101).await.expect("add");
    s.set_member("w1", "aa", "viewer", 102).await.expect("add");
    s.set_member("w2", "aa", "admin", 103).await.expect("add");

    let m = s.members("w1").await.expect("members");
    let got: Vec<(&str, &str, &str)> = m
        .iter()
        .map(|m| (m.email.as_str(), m.account_id.as_str(), m.role.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("alice@example.com", "aa", "viewer"),
            ("bob@example.com", "ab", "admin"),
            ("carol@example.com", "ac", "editor"),
        ]
    );
    assert_eq!(m[0].name, "aa");
    assert_eq!(m[0].created_at, 102);

    let ms = s.memberships("aa").await.expect("memberships");
    let got: Vec<(&str, &str)> = ms
        .iter()
        .map(|(w, r)| (w.slug.as_str(), r.as_str()))
        .collect();
    assert_eq!(got, [("one", "viewer"), ("two", "admin")]);
    assert_eq!(s.memberships("ab").await.expect("memberships").len(), 1);

    // Upsert: changes the role, keeps one row and its creation time.
    s.set_member("w1", "aa", "admin", 999)
        .await
        .expect("change role");
    assert_eq!(
        s.member_role("w1", "aa").await.expect("role").as_deref(),
        Some("admin")
    );
    assert_eq!(
        s.member_role("w2", "aa").await.expect("role").as_deref(),
        Some("admin")
    );
    let m = s.members("w1").await.expect("members");
    assert_eq!(m.len(), 3);
    assert_eq!((m[0].role.as_str(), m[0].created_at), ("admin", 102));

    assert!(s.remove_member("w1", "aa").await.expect("remove"));
    assert!(!s.remove_member("w1", "aa").await.expect("remove again"));
    assert_eq!(s.member_role("w1", "aa").await.expect("role"), None);
    assert_eq!(
        s.member_role("w2", "aa").await.expect("role").as_deref(),
        Some("admin")
    );
    let emails: Vec<String> = s
        .members("w1")
        .await
        .expect("members")
        .into_iter()
        .map(|m| m.email)
        .collect();
    assert_eq!(emails, ["bob@example.com", "carol@example.com"]);
    let ms = s.memberships("aa").await.expect("memberships");
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].0.id, "w2");
    assert_eq!(s.member_role("w2", "ab").await.expect("role"), None);
}

// ---------------------------------------------------------------------------------------
// Sessions

both!(sessions_lifecycle);
async fn sessions_lifecycle(s: &Store) {
    account(s, "a1", "alice@example.com").await;
    account(s, "a2", "bob@example.com").await;
    let mk = |id: &str, account: &str| Session {
        id_hash: id.to_string(),
        account_id: account.to_string(),
        csrf_token: format!("csrf-{id}"),
        mfa_done: false,
        created_at: 100,
        last_seen_at: 100,
    };
    let s1 = mk("s1", "a1");
    s.create_session(&s1).await.expect("create");
    s.create_session(&mk("s2", "a1")).await.expect("create");
    s.create_session(&Session {
        mfa_done: true,
        ..mk("s3", "a2")
    })
    .await
    .expect("create");

    assert_eq!(s.session("s1").await.expect("get"), Some(s1.clone()));
    assert_eq!(s.session("nope").await.expect("get"), None);
    assert!(
        s.session("s3")
            .await
            .expect("get")
            .expect("exists")
            .mfa_done
    );

    s.touch_session("s1", 250).await.expect("touch");
    s.complete_session_mfa("s1").await.expect("mfa");
    let got = s.session("s1").await.expect("get").expect("exists");
    assert_eq!(
        got,
        Session {
            last_seen_at: 250,
            mfa_done: true,
            ..s1
        }
    );
    let s2 = s.session("s2").await.expect("get").expect("exists");
    assert_eq!(
        (s2.last_seen_at, s2.mfa_done),
        (100, false),
        "only s1 changed"
    );

    s.delete_session("s1").await.expect("delete");
    assert_eq!(s.session("s1").await.expect("get"), None);
    assert!(s.session("s2").await.expect("get").is_some());

    s.create_session(&mk("s4", "a1")).await.expect("create");
    s.delete_sessions_of("a1").await.expect("delete all of a1");
    assert_eq!(s.session("s2").await.expect("get"), None);
    assert_eq!(s.session("s4").await.expect("get"), None);
    assert!(
        s.session("s3").await.expect("get").is_some(),
        "a2's session stays"
    );
}

// ---------------------------------------------------------------------------------------
// API tokens

both!(tokens_scoped_to_workspace);
async fn tokens_scoped_to_workspace(s: &Store) {
    account(s, "a1", "alice@example.com").await;
    workspace(s, "w1").await;
    workspace(s, "w2").await;
    let t1 = token("t1", "w1", 20);
    s.create_token(&t1).await.expect("create");
    s.create_token(&token("t2", "w1", 10))
        .await
        .expect("create");
    s.create_token(&token("t3", "w2", 5)).await.expect("create");

    assert_eq!(
        s.token_by_hash("secret-t1").await.expect("by hash"),
        Some(t1.clone())
    );
    assert_eq!(s.token_by_hash("secret-nope").await.expect("by hash"), None);

    let dup = ApiToken {
        id: "t9".into(),
        ..t1.clone()
    };
    let err = s.create_token(&dup).await.expect_err("same secret hash");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    let ids = |v: Vec<ApiToken>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.tokens("w1").await.expect("list")),
        ["t2", "t1"],
        "by creation time"
    );
    assert_eq!(ids(s.tokens("w2").await.expect("list")), ["t3"]);

    // Revoking through another workspace does nothing.
    assert!(
        !s.revoke_token("w2", "t1", 50)
            .await
            .expect("revoke elsewhere")
    );
    let live = s
        .token_by_hash("secret-t1")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(live.revoked_at, None);

    assert!(s.revoke_token("w1", "t1", 60).await.expect("revoke"));
    assert!(!s.revoke_token("w1", "t1", 70).await.expect("revoke again"));
    let t = s
        .token_by_hash("secret-t1")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(t.revoked_at, Some(60), "the first revocation time stays");
    let t2 = s
        .token_by_hash("secret-t2")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(t2.revoked_at, None);

    s.touch_token("t2", 80).await.expect("touch");
    let t2 = s
        .token_by_hash("secret-t2")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(t2.last_used_at, Some(80));
    assert_eq!(
        s.token_by_hash("secret-t3")
            .await
            .expect("get")
            .expect("exists")
            .last_used_at,
        None
    );
}

// ---------------------------------------------------------------------------------------
// Login throttling and pending single-sign-on logins

both!(throttle_failures);
async fn throttle_failures(s: &Store) {
    for (i, at) in [300, 100, 200].into_iter().enumerate() {
        let got = s
            .reserve_attempt(&format!("a{i}"), &[("acct:a1", 10)], 0, at)
            .await
            .expect("reserve");
        assert_eq!(got, Reservation::Granted);
    }
    s.reserve_attempt("b", &[("ip:10.0.0.1", 10)], 0, 250)
        .await
        .expect("reserve");
    assert_eq!(
        s.login_failures("acct:a1", 0).await.expect("list"),
        [100, 200, 300]
    );
    assert_eq!(
        s.login_failures("acct:a1", 200).await.expect("list"),
        [200, 300]
    );
    assert_eq!(
        s.login_failures("acct:a1", 301).await.expect("list"),
        Vec::<i64>::new()
    );
    // At its limit, a key refuses, and the other keys of the attempt are not charged.
    let refused = s
        .reserve_attempt("c", &[("acct:a1", 3), ("ip:10.0.0.2", 10)], 0, 400)
        .await
        .expect("reserve");
    assert_eq!(
        refused,
        Reservation::Refused {
            key: "acct:a1".into(),
            failures: vec![100, 200, 300]
        }
    );
    assert_eq!(
        s.login_failures("ip:10.0.0.2", 0).await.expect("list"),
        Vec::<i64>::new()
    );
    // A verified attempt gives its own reservation back, and only its own.
    s.release_attempt("a1", "acct:a1").await.expect("release");
    assert_eq!(
        s.login_failures("acct:a1", 0).await.expect("list"),
        [200, 300]
    );
    s.clear_login_failures("acct:a1").await.expect("clear");
    assert_eq!(
        s.login_failures("acct:a1", 0).await.expect("list"),
        Vec::<i64>::new()
    );
    assert_eq!(
        s.login_failures("ip:10.0.0.1", 0).await.expect("list"),
        [250]
    );
}

both!(throttle_reservations_hold_under_concurrency);
/// Forty attempts at once on one key with a limit of five: exactly five are granted, on
/// SQLite and PostgreSQL alike.
async fn throttle_reservations_hold_under_concurrency(s: &Store) {
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.reserve_attempt(
                    &format!("p{i}"),
                    &[("acct:race", 5), ("ip:race", 20)],
                    0,
                    10,
                )
                .await
                .expect("reserve")
            })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        if t.await.expect("task") == Reservation::Granted {
            granted += 1;
        }
    }
    assert_eq!(granted, 5);
    assert_eq!(
        s.login_failures("acct:race", 0).await.expect("list").len(),
        5
    );
}

both!(oidc_login_taken_once);
async fn oidc_login_taken_once(s: &Store) {
    s.put_oidc_login("state-1", r#"{"nonce":"n"}"#, 500)
        .await
        .expect("put");
    s.put_oidc_login("state-2", "other", 600)
        .await
        .expect("put");
    assert_eq!(s.take_oidc_login("nope").await.expect("take"), None);
    assert_eq!(
        s.take_oidc_login("state-1").await.expect("take"),
        Some((r#"{"nonce":"n"}"#.to_string(), 500))
    );
    assert_eq!(
        s.take_oidc_login("state-1").await.expect("take again"),
        None
    );
    assert_eq!(
        s.take_oidc_login("state-2").await.expect("take"),
        Some(("other".into(), 600))
    );

    // Racing callbacks with one state: exactly one of them gets the login.
    s.put_oidc_login("state-3", "raced", 700)
        .await
        .expect("put");
    let takes: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.take_oidc_login("state-3").await.expect("take") })
        })
        .collect();
    let mut got = 0;
    for t in takes {
        if t.await.expect("task").is_some() {
            got += 1;
        }
    }
    assert_eq!(got, 1, "a pending login is handed out once");
}

// ---------------------------------------------------------------------------------------
// Commit: entries and projections

both!(commit_assigns_dense_sequence_numbers);
async fn commit_assigns_dense_sequence_numbers(s: &Store) {
    workspace(s, "w1").await;
    let batch: Vec<NewEntry> = (0..3).map(|n| entry("evidence.recorded", n)).collect();
    assert_eq!(
        s.commit("w1", &batch, &[]).await.expect("commit"),
        [0, 1, 2]
    );
    assert_eq!(next_seq(s, "w1").await, 3);
    let batch: Vec<NewEntry> = (3..5).map(|n| entry("finding.updated", n)).collect();
    assert_eq!(s.commit("w1", &batch, &[]).await.expect("commit"), [3, 4]);
    assert_eq!(
        s.commit("w1", &[], &[]).await.expect("empty commit"),
        Vec::<i64>::new()
    );
    assert_eq!(next_seq(s, "w1").await, 5);

    let all = s.entries_from("w1", 0, 100).await.expect("entries");
    assert_eq!(seqs(&all), [0, 1, 2, 3, 4]);
    for (i, e) in all.iter().enumerate() {
        let want = entry(
            if i < 3 {
                "evidence.recorded"
            } else {
                "finding.updated"
            },
            i,
        );
        assert_eq!(
            (&e.entry_type, &e.actor, e.at, &e.body),
            (&want.entry_type, &want.actor, want.at, &want.body)
        );
    }
    assert_eq!(
        seqs(&s.entries_from("w1", 2, 2).await.expect("page")),
        [2, 3]
    );
    assert_eq!(seqs(&s.entries_from("w1", 4, 10).await.expect("page")), [4]);
    assert!(s.entries_from("w1", 5, 10).await.expect("page").is_empty());

    // Paging with entries_from visits every entry once.
    let mut from = 0;
    let mut paged = Vec::new();
    loop {
        let page = s.entries_from("w1", from, 2).await.expect("page");
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        paged.extend(seqs(&page));
    }
    assert_eq!(paged, [0, 1, 2, 3, 4]);

    let err = s.commit("no-such-workspace", &[entry("x", 0)], &[]).await;
    assert!(err.is_err(), "commit to a missing workspace");
}

both!(entries_of_type_prefix_newest_first);
async fn entries_of_type_prefix_newest_first(s: &Store) {
    workspace(s, "w1").await;
    let types = [
        "incident.opened",   // 0
        "evidence.recorded", // 1
        "incident.updated",  // 2
        "incidental.note",   // 3: not under `incident.`
        "incident.closed",   // 4
        "Incident.opened",   // 5: prefixes are case-sensitive
        "incident.opened",   // 6
        "risk_accepted",     // 7
        "riskXaccepted",     // 8: `_` is no wildcard
    ];
    let batch: Vec<NewEntry> = types.iter().enumerate().map(|(n, t)| entry(t, n)).collect();
    s.commit("w1", &batch, &[]).await.expect("commit");

    let got = s
        .entries_of_type("w1", "incident.", None, 100)
        .await
        .expect("query");
    assert_eq!(seqs(&got), [6, 4, 2, 0]);
    assert!(got.iter().all(|e| e.entry_type.starts_with("incident.")));
    assert_eq!(
        seqs(
            &s.entries_of_type("w1", "incident.", Some(4), 100)
                .await
                .expect("q")
        ),
        [2, 0]
    );
    assert_eq!(
        seqs(
            &s.entries_of_type("w1", "incident.", Some(0), 100)
                .await
                .expect("q")
        ),
        Vec::<i64>::new()
    );
    assert_eq!(
        seqs(
            &s.entries_of_type("w1", "risk_", None, 100)
                .await
                .expect("q")
        ),
        [7]
    );
    assert_eq!(
        seqs(&s.entries_of_type("w1", "", None, 3).await.expect("q")),
        [8, 7, 6]
    );

    // Cursor paging visits each match once, newest first.
    let mut before = None;
    let mut paged = Vec::new();
    loop {
        let page = s
            .entries_of_type("w1", "incident.", before, 3)
            .await
            .expect("page");
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        paged.extend(seqs(&page));
    }
    assert_eq!(paged, [6, 4, 2, 0]);
}

both!(evidence_projection_gets_seq_of_its_entry);
async fn evidence_projection_gets_seq_of_its_entry(s: &Store) {
    workspace(s, "w1").await;
    s.commit("w1", &[entry("other", 0), entry("other", 1)], &[])
        .await
        .expect("commit");
    let batch: Vec<NewEntry> = (0..3).map(|n| entry("evidence.recorded", n)).collect();
    let seqs = s
        .commit(
            "w1",
            &batch,
            &[
                Projection::Evidence(2, evidence("AC-1", "third")),
                Projection::Evidence(0, evidence("AC-2", "first")),
            ],
        )
        .await
        .expect("commit");
    assert_eq!(seqs, [2, 3, 4]);
    let third = s
        .evidence_item("w1", 4)
        .await
        .expect("get")
        .expect("at seq 4");
    assert_eq!(
        third,
        EvidenceRow {
            seq: 4,
            ..evidence("AC-1", "third")
        }
    );
    let first = s
        .evidence_item("w1", 2)
        .await
        .expect("get")
        .expect("at seq 2");
    assert_eq!(
        first,
        EvidenceRow {
            seq: 2,
            ..evidence("AC-2", "first")
        }
    );
    assert_eq!(s.evidence_item("w1", 3).await.expect("get"), None);
    assert_eq!(s.evidence_count("w1").await.expect("count"), 2);

    // Optional columns may be empty.
    let bare = EvidenceRow {
        blob: None,
        filename: None,
        size: None,
        note: None,
        ..evidence("AC-3", "")
    };
    let seq = s
        .commit(
            "w1",
            &[entry("evidence.recorded", 9)],
            &[Projection::Evidence(0, bare.clone())],
        )
        .await
        .expect("commit")[0];
    assert_eq!(
        s.evidence_item("w1", seq).await.expect("get"),
        Some(EvidenceRow { seq, ..bare })
    );
}

both!(finding_upsert_replaces);
async fn finding_upsert_replaces(s: &Store) {
    workspace(s, "w1").await;
    s.commit(
        "w1",
        &[entry("finding.opened", 0)],
        &[Projection::Finding(finding("F-1", "open", "high"))],
    )
    .await
    .expect("commit");
    assert_eq!(
        s.finding("w1", "F-1").await.expect("get"),
        Some(finding("F-1", "open", "high"))
    );

    let updated = FindingRow {
        title: "new title".into(),
        score_tenths: None,
        component: "db".into(),
        first_detected: 3100,
        body: r#"{"id":"F-1","v":2}"#.into(),
        ..finding("F-1", "fixed", "low")
    };
    s.commit(
        "w1",
        &[entry("finding.updated", 1)],
        &[Projection::Finding(updated.clone())],
    )
    .await
    .expect("commit");
    assert_eq!(s.finding("w1", "F-1").await.expect("get"), Some(updated));
    let all = s
        .findings(
            "w1",
            &FindingFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(s.finding("w1", "F-2").await.expect("get"), None);
}

fn finding_ids(v: &[FindingRow]) -> Vec<&str> {
    v.iter().map(|f| f.id.as_str()).collect()
}

both!(findings_filter_and_keyset_pagination);
async fn findings_filter_and_keyset_pagination(s: &Store) {
    workspace(s, "w1").await;
    workspace(s, "w2").await;
    let statuses = ["open", "fixed", "accepted"];
    let severities = ["high", "low"];
    let all: Vec<FindingRow> = (0..13)
        .map(|i| finding(&format!("F-{i:02}"), statuses[i % 3], severities[i % 2]))
        .collect();
    // Committed in a shuffled order, in several batches.
    let mut order: Vec<usize> = (0..13).map(|i| (i * 5) % 13).collect();
    order.rotate_left(3);
    for chunk in order.chunks(4) {
        let projections: Vec<Projection> = chunk
            .iter()
            .map(|&i| Projection::Finding(all[i].clone()))
            .collect();
        s.commit("w1", &[entry("finding.updated", 0)], &projections)
            .await
            .expect("commit");
    }
    // Another workspace with a finding of a shared id and others of its own.
    let theirs = [
        finding("F-00", "open", "high"),
        finding("G-1", "open", "high"),
    ];
    let projections: Vec<Projection> = theirs.iter().cloned().map(Projection::Finding).collect();
    s.commit("w2", &[entry("finding.updated", 0)], &projections)
        .await
        .expect("commit");

    let f = |status: Option<&str>, severity: Option<&str>, after: Option<&str>, limit: i64| {
        FindingFilter {
            status: status.map(String::from),
            severity: severity.map(String::from),
            after: after.map(String::from),
            limit,
        }
    };
    let list = s
        .findings("w1", &f(None, None, None, 100))
        .await
        .expect("list");
    assert_eq!(list, all, "all of w1, by id");

    let open = s
        .findings("w1", &f(Some("open"), None, None, 100))
        .await
        .expect("list");
    assert_eq!(finding_ids(&open), ["F-00", "F-03", "F-06", "F-09", "F-12"]);
    let high = s
        .findings("w1", &f(None, Some("high"), None, 100))
        .await
        .expect("list");
    assert_eq!(
        finding_ids(&high),
        ["F-00", "F-02", "F-04", "F-06", "F-08", "F-10", "F-12"]
    );
    let open_low = s
        .findings("w1", &f(Some("open"), Some("low"), None, 100))
        .await
        .expect("list");
    assert_eq!(finding_ids(&open_low), ["F-03", "F-09"]);
    assert!(
        s.findings("w1", &f(Some("nonesuch"), None, None, 100))
            .await
            .expect("list")
            .is_empty()
    );

    // Keyset pagination returns each row once, with or without a filter.
    for (status, want) in [(None, all.clone()), (Some("open"), open.clone())] {
        for limit in [1, 4, 5, 13] {
            let mut after: Option<String> = None;
            let mut paged = Vec::new();
            loop {
                let page = s
                    .findings("w1", &f(status, None, after.as_deref(), limit))
                    .await
                    .expect("page");
                assert!(page.len() as i64 <= limit);
                let Some(last) = page.last() else { break };
                after = Some(last.id.clone());
                paged.extend(page);
            }
            assert_eq!(paged, want, "status {status:?}, pages of {limit}");
        }
    }

    // Scoped by workspace.
    let theirs_listed = s
        .findings("w2", &f(None, None, None, 100))
        .await
        .expect("list");
    assert_eq!(theirs_listed, theirs);
    assert_eq!(s.finding("w2", "F-01").await.expect("get"), None);
    assert_eq!(s.finding("w1", "G-1").await.expect("get"), None);
}

both!(evidence_filter_and_pagination);
async fn evidence_filter_and_pagination(s: &Store) {
    workspace(s, "w1").await;
    workspace(s, "w2").await;
    // w1: 11 entries with evidence (controls alternate), and an entry without.
    let batch: Vec<NewEntry> = (0..12).map(|n| entry("evidence.recorded", n)).collect();
    let projections: Vec<Projection> = (0..11)
        .map(|i| {
            Projection::Evidence(
                i,
                evidence(if i % 2 == 0 { "AC-1" } else { "AC-2" }, &format!("n{i}")),
            )
        })
        .collect();
    s.commit("w1", &batch, &projections).await.expect("commit");
    s.commit(
        "w2",
        &[entry("evidence.recorded", 0)],
        &[Projection::Evidence(0, evidence("AC-1", "theirs"))],
    )
    .await
    .expect("commit");
    assert_eq!(s.evidence_count("w1").await.expect("count"), 11);
    assert_eq!(s.evidence_count("w2").await.expect("count"), 1);

    let f = |control: Option<&str>, before: Option<i64>, limit: i64| EvidenceFilter {
        control: control.map(String::from),
        before,
        limit,
    };
    let ev_seqs = |v: &[EvidenceRow]| v.iter().map(|e| e.seq).collect::<Vec<_>>();
    let all = s.evidence("w1", &f(None, None, 100)).await.expect("list");
    assert_eq!(
        ev_seqs(&all),
        (0..11).rev().collect::<Vec<_>>(),
        "newest first"
    );
    assert!(
        all.iter()
            .all(|e| e.note.as_deref() == Some(&*format!("n{}", e.seq)))
    );
    let ac1 = s
        .evidence("w1", &f(Some("AC-1"), None, 100))
        .await
        .expect("list");
    assert_eq!(ev_seqs(&ac1), [10, 8, 6, 4, 2, 0]);
    assert_eq!(
        ev_seqs(
            &s.evidence("w1", &f(Some("AC-1"), Some(6), 2))
                .await
                .expect("list")
        ),
        [4, 2]
    );

    for (control, want) in [(None, all.clone()), (Some("AC-1"), ac1.clone())] {
        for limit in [1, 3, 4, 11] {
            let mut before = None;
            let mut paged = Vec::new();
            loop {
                let page = s
                    .evidence("w1", &f(control, before, limit))
                    .await
                    .expect("page");
                assert!(page.len() as i64 <= limit);
                let Some(last) = page.last() else { break };
                before = Some(last.seq);
                paged.extend(page);
            }
            assert_eq!(paged, want, "control {control:?}, pages of {limit}");
        }
    }

    let theirs = s.evidence("w2", &f(None, None, 100)).await.expect("list");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].note.as_deref(), Some("theirs"));
    assert_eq!(s.evidence_item("w2", 5).await.expect("get"), None);
}

both!(queries_are_scoped_by_workspace);
async fn queries_are_scoped_by_workspace(s: &Store) {
    workspace(s, "wa").await;
    workspace(s, "wb").await;
    let a: Vec<NewEntry> = (0..4).map(|n| entry("incident.opened", n)).collect();
    s.commit("wa", &a, &[Projection::Evidence(3, evidence("AC-1", "a"))])
        .await
        .expect("commit a");
    let b = [entry("incident.closed", 100)];
    assert_eq!(
        s.commit("wb", &b, &[]).await.expect("commit b"),
        [0],
        "wb counts from 0"
    );
    assert_eq!((next_seq(s, "wa").await, next_seq(s, "wb").await), (4, 1));

    let eb = s.entries_from("wb", 0, 100).await.expect("entries");
    assert_eq!(eb.len(), 1);
    assert_eq!(eb[0].body, b[0].body);
    assert_eq!(
        seqs(
            &s.entries_of_type("wb", "incident.", None, 100)
                .await
                .expect("q")
        ),
        [0]
    );
    assert_eq!(
        seqs(
            &s.entries_of_type("wa", "incident.", None, 100)
                .await
                .expect("q")
        ),
        [3, 2, 1, 0]
    );
    assert!(
        s.entries_of_type("wb", "incident.opened", None, 100)
            .await
            .expect("q")
            .is_empty()
    );
    assert_eq!(s.evidence_item("wb", 3).await.expect("get"), None);
    assert!(s.evidence_item("wa", 3).await.expect("get").is_some());
    assert!(
        s.evidence(
            "wb",
            &EvidenceFilter {
                limit: 100,
                ..Default::default()
            }
        )
        .await
        .expect("list")
        .is_empty()
    );
    assert!(
        s.entries_from("nobody", 0, 100)
            .await
            .expect("entries")
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------
// Atomicity and concurrency

both!(failed_projection_rolls_back_the_commit);
async fn failed_projection_rolls_back_the_commit(s: &Store) {
    workspace(s, "w1").await;

    // An evidence row naming an entry past the batch.
    let err = s
        .commit(
            "w1",
            &[entry("evidence.recorded", 0), entry("evidence.recorded", 1)],
            &[
                Projection::Finding(finding("F-1", "open", "high")),
                Projection::Evidence(2, evidence("AC-1", "x")),
            ],
        )
        .await
        .expect_err("evidence index past the batch");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(
        s.entries_from("w1", 0, 100)
            .await
            .expect("entries")
            .is_empty()
    );
    assert_eq!(next_seq(s, "w1").await, 0);
    assert_eq!(
        s.finding("w1", "F-1").await.expect("get"),
        None,
        "the finding rolled back too"
    );

    let ok = s
        .commit(
            "w1",
            &[entry("evidence.recorded", 0)],
            &[Projection::Evidence(0, evidence("AC-1", "ok"))],
        )
        .await
        .expect("a good commit after a failed one");
    assert_eq!(ok, [0]);

    // Two evidence rows for one entry: the second violates the (workspace, seq) key.
    let err = s
        .commit(
            "w1",
            &[entry("evidence.recorded", 1), entry("evidence.recorded", 2)],
            &[
                Projection::Evidence(1, evidence("AC-1", "y")),
                Projection::Finding(finding("F-2", "open", "high")),
                Projection::Evidence(1, evidence("AC-1", "z")),
            ],
        )
        .await
        .expect_err("duplicate evidence row");
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    assert_eq!(
        seqs(&s.entries_from("w1", 0, 100).await.expect("entries")),
        [0]
    );
    assert_eq!(next_seq(s, "w1").await, 1);
    assert_eq!(s.evidence_count("w1").await.expect("count"), 1);
    assert_eq!(s.evidence_item("w1", 2).await.expect("get"), None);
    assert_eq!(s.finding("w1", "F-2").await.expect("get"), None);

    assert_eq!(
        s.commit("w1", &[entry("x", 3)], &[]).await.expect("commit"),
        [1],
        "no gap"
    );
}

both!(concurrent_commits_get_dense_unique_seqs);
async fn concurrent_commits_get_dense_unique_seqs(s: &Store) {
    const TASKS: usize = 8;
    const BATCHES: usize = 50;
    workspace(s, "w1").await;
    workspace(s, "w2").await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                for b in 0..BATCHES {
                    let size = 1 + (t + b) % 3;
                    let batch: Vec<NewEntry> =
                        (0..size).map(|i| entry(&format!("t{t}.b{b}"), i)).collect();
                    let seqs = s
                        .commit("w1", &batch, &[])
                        .await
                        .expect("concurrent commit");
                    assert_eq!(seqs.len(), size);
                    assert!(
                        seqs.windows(2).all(|w| w[1] == w[0] + 1),
                        "a batch is contiguous"
                    );
                    got.push((seqs, format!("t{t}.b{b}")));
                }
                got
            })
        })
        .collect();
    // A writer of another workspace at the same time.
    for n in 0..20 {
        s.commit("w2", &[entry("other", n)], &[])
            .await
            .expect("commit w2");
    }
    let mut all = Vec::new();
    let mut by_type = Vec::new();
    for t in tasks {
        for (seqs, ty) in t.await.expect("task") {
            by_type.extend(seqs.iter().map(|&q| (q, ty.clone())));
            all.extend(seqs);
        }
    }
    all.sort_unstable();
    let n = all.len() as i64;
    assert_eq!(all, (0..n).collect::<Vec<_>>(), "no gaps, no duplicates");
    assert_eq!(next_seq(s, "w1").await, n);
    let stored = s.entries_from("w1", 0, n + 10).await.expect("entries");
    assert_eq!(seqs(&stored), (0..n).collect::<Vec<_>>());
    by_type.sort();
    for (e, (seq, ty)) in stored.iter().zip(&by_type) {
        assert_eq!(
            (e.seq, &e.entry_type),
            (*seq, ty),
            "each entry under the seq returned for it"
        );
    }
    assert_eq!(next_seq(s, "w2").await, 20);
}

// ---------------------------------------------------------------------------------------
// Migrations

both!(url migrations_are_idempotent);
async fn migrations_are_idempotent(s: &Store, url: &str) {
    account(s, "a1", "alice@example.com").await;
    workspace(s, "w1").await;
    s.commit("w1", &[entry("x", 0)], &[]).await.expect("commit");

    let again = Store::connect(url).await.expect("connect a second time");
    again.ping().await.expect("ping");
    assert_eq!(
        again
            .account("a1")
            .await
            .expect("get")
            .map(|a| a.email)
            .as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(
        again
            .commit("w1", &[entry("x", 1)], &[])
            .await
            .expect("commit"),
        [1]
    );
    again.close().await;

    let third = Store::connect(url).await.expect("connect a third time");
    assert_eq!(
        seqs(&third.entries_from("w1", 0, 10).await.expect("entries")),
        [0, 1]
    );
    third.close().await;
    assert_eq!(next_seq(s, "w1").await, 2);
}

both!(access_changes_commit_with_their_entry);
/// Memberships and tokens change in the same transaction as the ledger entry that
/// records them: a revocation of no live token rolls the whole batch back.
async fn access_changes_commit_with_their_entry(s: &Store) {
    workspace(s, "w1").await;
    account(s, "a1", "a1@example.test").await;
    let seqs = s
        .commit(
            "w1",
            &[entry("member.set", 0), entry("token.created", 1)],
            &[
                Projection::Member {
                    account_id: "a1".into(),
                    role: Some("admin".into()),
                    at: 5,
                },
                Projection::Token(token("t1", "w1", 5)),
            ],
        )
        .await
        .expect("commit");
    assert_eq!(seqs, [0, 1]);
    assert_eq!(
        s.member_role("w1", "a1").await.expect("role").as_deref(),
        Some("admin")
    );
    assert_eq!(s.tokens("w1").await.expect("tokens").len(), 1);

    let err = s
        .commit(
            "w1",
            &[entry("member.removed", 2), entry("token.revoked", 3)],
            &[
                Projection::Member {
                    account_id: "a1".into(),
                    role: None,
                    at: 6,
                },
                Projection::TokenRevoked {
                    id: "no-such-token".into(),
                    at: 6,
                },
            ],
        )
        .await
        .expect_err("revoking no token");
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(next_seq(s, "w1").await, 2, "the entries rolled back");
    assert_eq!(
        s.member_role("w1", "a1").await.expect("role").as_deref(),
        Some("admin"),
        "the removal rolled back with them"
    );

    s.commit(
        "w1",
        &[entry("token.revoked", 2)],
        &[Projection::TokenRevoked {
            id: "t1".into(),
            at: 7,
        }],
    )
    .await
    .expect("revoke");
    let t = s.tokens("w1").await.expect("tokens");
    assert_eq!(t[0].revoked_at, Some(7));
    // A token belongs to the workspace whose ledger records it.
    let err = s
        .commit(
            "w1",
            &[entry("token.created", 3)],
            &[Projection::Token(token("t2", "w2", 8))],
        )
        .await
        .expect_err("a token of another workspace");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}
