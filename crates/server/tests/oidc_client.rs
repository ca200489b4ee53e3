//! The OIDC client against a real OpenID provider (see `tests/support/oidc.rs`).

mod support;

use covenant_server::oidc::{OidcClient, OidcConfig, OidcError, PendingLogin};

/// Never contacted: the test plays the browser and stops at this redirect.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/oidc/callback";

fn config(issuer: &str) -> OidcConfig {
    OidcConfig {
        issuer: issuer.to_owned(),
        client_id: "covenant".to_owned(),
        client_secret: Some("covenant-test-secret".to_owned()),
        redirect_url: REDIRECT_URI.to_owned(),
        scopes: vec!["email".to_owned(), "profile".to_owned()],
    }
}

/// `(code, state)` from the callback URL.
fn callback_params(callback: &str) -> (String, String) {
    let url = reqwest::Url::parse(callback).expect("callback URL parses");
    assert!(
        callback.starts_with(REDIRECT_URI),
        "redirected to {callback}"
    );
    let get = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("callback {callback} has no {name}"))
    };
    (get("code"), get("state"))
}

async fn login(client: &OidcClient, account: &str) -> (PendingLogin, String, String) {
    let (url, pending) = client.begin();
    let callback = support::oidc::login_at_provider(&url, account).await;
    let (code, state) = callback_params(&callback);
    (pending, code, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_flow_with_pkce_against_a_real_provider() {
    let Some(provider) = support::oidc::start(REDIRECT_URI) else {
        return;
    };
    let client = OidcClient::discover(&config(&provider.issuer))
        .await
        .expect("discovery");

    let (url, pending) = client.begin();
    let authorize = reqwest::Url::parse(&url).expect("authorize URL parses");
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("response_type").as_deref(), Some("code"));
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert!(param("code_challenge").is_some_and(|c| !c.is_empty()));
    assert_eq!(param("state").as_deref(), Some(pending.state.as_str()));
    assert_eq!(param("nonce").as_deref(), Some(pending.nonce.as_str()));
    let scope = param("scope").expect("scope");
    assert!(scope.split(' ').any(|s| s == "openid") && scope.split(' ').any(|s| s == "email"));
    assert!(
        !url.contains(&pending.pkce_verifier),
        "the verifier must not leave the server"
    );

    let callback = support::oidc::login_at_provider(&url, "alice").await;
    let (code, state) = callback_params(&callback);
    assert_eq!(state, pending.state);

    // A tampered state is refused before the code is redeemed ...
    let err = client
        .finish(&pending, &code, "tampered")
        .await
        .expect_err("tampered state");
    assert!(matches!(err, OidcError::StateMismatch), "{err}");
    let err = client
        .finish(&pending, &code, "")
        .await
        .expect_err("empty state");
    assert!(matches!(err, OidcError::StateMismatch), "{err}");

    // ... so the genuine callback still succeeds afterwards.
    let identity = client
        .finish(&pending, &code, &state)
        .await
        .expect("finish");
    assert_eq!(identity.subject, "alice");
    assert_eq!(identity.issuer, provider.issuer);
    assert_eq!(identity.email.as_deref(), Some("alice@example.test"));
    assert!(identity.email_verified);
    assert_eq!(identity.name.as_deref(), Some("Test User alice"));

    // A code is single use.
    let err = client
        .finish(&pending, &code, &state)
        .await
        .expect_err("replayed code");
    assert!(matches!(err, OidcError::TokenRejected(_)), "{err}");
    assert!(err.to_string().contains("invalid_grant"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_verifier_nonce_or_secret_is_refused() {
    let Some(provider) = support::oidc::start(REDIRECT_URI) else {
        return;
    };
    let client = OidcClient::discover(&config(&provider.issuer))
        .await
        .expect("discovery");

    // The PKCE verifier of another login attempt.
    let (pending, code, state) = login(&client, "bob").await;
    let (_, other) = client.begin();
    let wrong = PendingLogin {
        pkce_verifier: other.pkce_verifier,
        ..pending.clone()
    };
    let err = client
        .finish(&wrong, &code, &state)
        .await
        .expect_err("wrong verifier");
    assert!(matches!(err, OidcError::TokenRejected(_)), "{err}");
    assert!(!err.to_string().contains(&wrong.pkce_verifier), "{err}");

    // A nonce other than the one sent: the ID token is not for this attempt.
    let (pending, code, state) = login(&client, "bob").await;
    let wrong = PendingLogin {
        nonce: "not-the-nonce".to_owned(),
        ..pending
    };
    let err = client
        .finish(&wrong, &code, &state)
        .await
        .expect_err("wrong nonce");
    assert!(matches!(err, OidcError::IdToken(_)), "{err}");

    // A client secret the provider does not know.
    let mut bad = config(&provider.issuer);
    bad.client_secret = Some("not-the-secret".to_owned());
    let impostor = OidcClient::discover(&bad).await.expect("discovery");
    let (pending, code, state) = login(&impostor, "bob").await;
    let err = impostor
        .finish(&pending, &code, &state)
        .await
        .expect_err("wrong secret");
    assert!(matches!(err, OidcError::TokenRejected(_)), "{err}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");

    // The good client still works against the same provider.
    let (pending, code, state) = login(&client, "carol").await;
    let identity = client
        .finish(&pending, &code, &state)
        .await
        .expect("finish");
    assert_eq!(identity.subject, "carol");
    assert_eq!(identity.email.as_deref(), Some("carol@example.test"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_refuses_an_issuer_mismatch() {
    let Some(provider) = support::oidc::start(REDIRECT_URI) else {
        return;
    };
    // The provider's issuer has no trailing slash; OIDC requires an exact match.
    let err = OidcClient::discover(&config(&format!("{}/", provider.issuer)))
        .await
        .expect_err("issuer mismatch");
    assert!(matches!(err, OidcError::Discovery(_)), "{err}");

    let mut cfg = config(&provider.issuer);
    cfg.redirect_url = "not a url".to_owned();
    let err = OidcClient::discover(&cfg)
        .await
        .expect_err("bad redirect URL");
    assert!(matches!(err, OidcError::Config(_)), "{err}");
}

/// Handlers hold these across awaits, so the futures must be `Send`.
#[allow(dead_code)]
fn finish_future_is_send(client: &OidcClient, pending: &PendingLogin) {
    fn assert_send<T: Send>(_: T) {}
    assert_send(client.finish(pending, "code", "state"));
    assert_send(OidcClient::discover(&config("https://example.test")));
}
