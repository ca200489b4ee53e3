//! A server on loopback with a scratch database (SQLite, or PostgreSQL when
//! COVENANT_TEST_POSTGRES is set), and the accounts, members and tokens tests make in it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::client;
use covenant_server::auth::{password, totp};
use covenant_server::clock::Clock;
use covenant_server::role::{Role, Scope};
use covenant_server::state::{Settings, Shared};
use covenant_store::NewAccount;
use serde_json::{Value, json};
use std::path::PathBuf;

pub struct Server {
    pub state: Shared,
    pub base: String,
    pub _dir: tempfile::TempDir,
}

pub fn program() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard")
}

pub async fn database(dir: &std::path::Path, postgres: bool) -> Option<String> {
    if !postgres {
        return Some(format!("sqlite://{}", dir.join("covenant.db").display()));
    }
    match covenant_store::postgres_test_url() {
        Some(url) => Some(
            covenant_store::scratch_database(&url)
                .await
                .expect("scratch database"),
        ),
        None if std::env::var("COVENANT_REQUIRE_POSTGRES").is_ok() => {
            panic!("COVENANT_TEST_POSTGRES is required")
        }
        None => {
            eprintln!("skipping PostgreSQL: COVENANT_TEST_POSTGRES is not set");
            None
        }
    }
}

pub async fn server(postgres: bool) -> Option<Server> {
    server_with(postgres, |_| {}).await
}

/// A server whose settings `adjust` changes first; it serves through the server's own
/// accept loop (`covenant_server::serve_until`), timeouts included.
pub async fn server_with(postgres: bool, adjust: impl FnOnce(&mut Settings)) -> Option<Server> {
    covenant_server::oidc::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path(), postgres).await?;
    let clock = Clock::manual("2026-11-01T12:00:00Z".parse().unwrap());
    let mut settings = Settings::new(dir.path().join("data"));
    adjust(&mut settings);
    let state = covenant_server::start(&url, settings, clock).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(covenant_server::serve_until(
        state.clone(),
        listener,
        std::future::pending(),
    ));
    Some(Server {
        state,
        base: format!("http://{addr}"),
        _dir: dir,
    })
}

/// GET with a bearer token, answering the JSON body.
pub async fn get_json(c: &reqwest::Client, url: String, token: &str) -> Value {
    c.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An account with a password and (optionally) a TOTP secret; returns (email, password, secret).
pub async fn account(s: &Server, email: &str, with_totp: bool) -> (String, String, Option<String>) {
    let pw = "correct horse battery staple".to_string();
    let id = s.state.new_id().unwrap();
    let hash = password::hash(&pw).unwrap();
    s.state
        .store
        .create_account(NewAccount {
            id: &id,
            email,
            name: email,
            password_hash: Some(&hash),
            created_at: 0,
        })
        .await
        .unwrap();
    let secret = with_totp.then(totp::generate_secret);
    if let Some(sec) = &secret {
        s.state.store.set_totp(&id, Some(sec), true).await.unwrap();
    }
    (email.to_string(), pw, secret)
}

pub async fn member(s: &Server, ws: &str, email: &str, role: Role) {
    let live = s.state.live(ws).unwrap();
    let a = s
        .state
        .store
        .account_by_email(email)
        .await
        .unwrap()
        .unwrap();
    s.state
        .store
        .set_member(&live.workspace.id, &a.id, role.as_str(), 0)
        .await
        .unwrap();
}

pub async fn token(s: &Server, ws: &str, email: &str, scopes: Vec<Scope>) -> String {
    let live = s.state.live(ws).unwrap();
    let a = s
        .state
        .store
        .account_by_email(email)
        .await
        .unwrap()
        .unwrap();
    let req = covenant_server::api::tokens::NewToken {
        name: "t".into(),
        scopes,
        expires_in_days: 30,
    };
    let (t, raw) =
        covenant_server::api::tokens::mint(&s.state, &live.workspace.id, &a.id, &req).unwrap();
    s.state.store.create_token(&t).await.unwrap();
    raw
}

pub async fn login(s: &Server, email: &str, pw: &str) -> reqwest::Response {
    client()
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&json!({"email": email, "password": pw}))
        .send()
        .await
        .unwrap()
}

pub fn cookie(r: &reqwest::Response) -> String {
    r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}
