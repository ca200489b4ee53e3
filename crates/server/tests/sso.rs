//! Single sign-on through the server, end to end, against a real OpenID provider
//! (`tests/support/oidc.rs`): the browser's path from `/api/v1/auth/oidc/login` to a
//! session, played with reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use covenant_server::clock::Clock;
use covenant_server::oidc::OidcConfig;
use covenant_server::state::Settings;
use covenant_store::NewAccount;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use std::net::SocketAddr;
use support::client;

struct Server {
    base: String,
    state: covenant_server::state::Shared,
    _provider: support::oidc::Provider,
    _dir: tempfile::TempDir,
}

async fn server() -> Option<Server> {
    // The callback URL must be known to the provider before the server can discover it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let provider = support::oidc::start(&format!("{base}/api/v1/auth/oidc/callback"))?;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new(dir.path().join("data"));
    settings.oidc = Some(OidcConfig {
        issuer: provider.issuer.clone(),
        client_id: "covenant".to_owned(),
        client_secret: Some("covenant-test-secret".to_owned()),
        redirect_url: format!("{base}/api/v1/auth/oidc/callback"),
        scopes: vec!["email".to_owned(), "profile".to_owned()],
    });
    let url = covenant_server::default_database(&settings);
    let clock = Clock::System;
    let state = covenant_server::start(&url, settings, clock).await.unwrap();
    let app = covenant_server::app::router(state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Some(Server {
        base,
        state,
        _provider: provider,
        _dir: dir,
    })
}

/// From our login route to the callback URL the provider sends the browser back to.
async fn sign_in_at_provider(s: &Server, account: &str) -> String {
    let r = client()
        .get(format!("{}/api/v1/auth/oidc/login", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let authorize = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let callback = support::oidc::login_at_provider(&authorize, account).await;
    assert!(
        callback.starts_with(&s.base),
        "provider sent the browser to {callback}"
    );
    callback
}

async fn invite(s: &Server, email: &str) {
    let id = s.state.new_id().unwrap();
    s.state
        .store
        .create_account(NewAccount {
            id: &id,
            email,
            name: email,
            password_hash: None,
            created_at: 0,
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_login_makes_a_session_for_an_invited_account_only() {
    let Some(s) = server().await else {
        return;
    };
    invite(&s, "alice@example.test").await;
    let c = client();

    let callback = sign_in_at_provider(&s, "alice").await;
    let r = c.get(&callback).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-covenant_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("Secure"));
    let session = cookie.split(';').next().unwrap().to_owned();
    let me: Value = c
        .get(format!("{}/api/v1/auth/me", s.base))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "alice@example.test");

    // The same callback again (a replayed code and state) makes no session.
    let r = c.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get(SET_COOKIE).is_none());

    // A callback whose state the server never issued is refused before the code is used.
    let forged = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/auth/oidc/callback", s.base),
        &[("code", "x"), ("state", "never-issued")],
    )
    .unwrap();
    let r = c.get(forged).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // A person the provider knows but nobody invited gets no account.
    let callback = sign_in_at_provider(&s, "mallory").await;
    let r = c.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(SET_COOKIE).is_none());
    assert!(
        s.state
            .store
            .account_by_email("mallory@example.test")
            .await
            .unwrap()
            .is_none()
    );
}
