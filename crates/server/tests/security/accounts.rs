//! The account lifecycle: password change, recovery codes, sessions, signing out
//! everywhere, deactivation and second-factor resets by an administrator, and the
//! workspace's second-factor policy.

use crate::auth::{me, now_s, pending, sign_in};
use crate::both;
use crate::support::client;
use crate::support::harness::*;
use covenant_server::auth::totp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(s: &Server, who: &(String, String), path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", s.base))
        .header("cookie", &who.0)
        .header("x-csrf-token", &who.1)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Moves the manual clock to the next TOTP step, so a fresh code is not a replay.
fn next_step(s: &Server) {
    s.state.clock.advance(jiff::SignedDuration::from_secs(30));
}

both!(password_change_needs_the_current_password_and_the_second_factor);
async fn password_change_needs_the_current_password_and_the_second_factor(s: Server) {
    let (email, pw, secret) = account(&s, "change@alpha.test", true).await;
    let secret = secret.unwrap();
    let here = sign_in(&s, &email, &pw, &secret).await;
    next_step(&s);
    let elsewhere = sign_in(&s, &email, &pw, &secret).await;
    next_step(&s);
    let code = totp::code(&secret, now_s(&s)).unwrap();
    let strong = "glacier lantern pepper oboe";
    let change = |current: &'static str, new: &'static str, code: Option<String>| json!({"current_password": current, "new_password": new, "code": code});
    let r = post(
        &s,
        &here,
        "/api/v1/auth/password",
        change("wrong password!!", strong, Some(code.clone())),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = post(
        &s,
        &here,
        "/api/v1/auth/password",
        json!({"current_password": pw, "new_password": strong}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "the second factor is required"
    );
    let r = post(
        &s,
        &here,
        "/api/v1/auth/password",
        json!({"current_password": pw, "new_password": "password1234", "code": code}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a guessable password is refused"
    );
    next_step(&s);
    let code = totp::code(&secret, now_s(&s)).unwrap();
    let r = post(
        &s,
        &here,
        "/api/v1/auth/password",
        json!({"current_password": pw, "new_password": strong, "code": code}),
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "{}",
        r.text().await.unwrap()
    );
    let renewed = cookie(&r);
    assert_eq!(me(&s, &renewed).await, StatusCode::OK);
    assert_eq!(me(&s, &here.0).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&s, &elsewhere.0).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&s, &email, &pw).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&s, &email, strong).await.status(), StatusCode::OK);
}

both!(recovery_codes_are_replaced_with_a_code);
async fn recovery_codes_are_replaced_with_a_code(s: Server) {
    let (email, pw, secret) = account(&s, "codes@alpha.test", true).await;
    let secret = secret.unwrap();
    let who = sign_in(&s, &email, &pw, &secret).await;
    let r = post(
        &s,
        &who,
        "/api/v1/auth/recovery-codes",
        json!({"code": "000000"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    next_step(&s);
    let code = totp::code(&secret, now_s(&s)).unwrap();
    let first: Value = post(
        &s,
        &who,
        "/api/v1/auth/recovery-codes",
        json!({"code": code}),
    )
    .await
    .json()
    .await
    .unwrap();
    next_step(&s);
    let code = totp::code(&secret, now_s(&s)).unwrap();
    let second: Value = post(
        &s,
        &who,
        "/api/v1/auth/recovery-codes",
        json!({"code": code}),
    )
    .await
    .json()
    .await
    .unwrap();
    let old = first["recovery_codes"][0].as_str().unwrap();
    let new = second["recovery_codes"][0].as_str().unwrap();
    let p = pending(&s, &email, &pw).await;
    let with = |rc: &str| {
        client()
            .post(format!("{}/api/v1/auth/totp", s.base))
            .header("cookie", &p.0)
            .header("x-csrf-token", &p.1)
            .json(&json!({ "recovery_code": rc }))
            .send()
    };
    assert_eq!(with(old).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(with(new).await.unwrap().status(), StatusCode::NO_CONTENT);
}

both!(sessions_are_listed_and_ended);
async fn sessions_are_listed_and_ended(s: Server) {
    let (email, pw, _) = account(&s, "sessions@alpha.test", false).await;
    let session = |r: reqwest::Response| async move {
        let c = cookie(&r);
        let v: Value = r.json().await.unwrap();
        (c, v["csrf_token"].as_str().unwrap().to_string())
    };
    let here = session(login(&s, &email, &pw).await).await;
    let other = session(login(&s, &email, &pw).await).await;
    let list: Vec<Value> = client()
        .get(format!("{}/api/v1/auth/sessions", s.base))
        .header("cookie", &here.0)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);
    let other_id = list.iter().find(|x| x["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = client()
        .delete(format!("{}/api/v1/auth/sessions/{other_id}", s.base))
        .header("cookie", &here.0)
        .header("x-csrf-token", &here.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&s, &other.0).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&s, &here.0).await, StatusCode::OK);
    let third = session(login(&s, &email, &pw).await).await;
    let r = post(&s, &here, "/api/v1/auth/logout-everywhere", json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&s, &here.0).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&s, &third.0).await, StatusCode::UNAUTHORIZED);
}

both!(deactivation_ends_sessions_and_tokens_at_once);
async fn deactivation_ends_sessions_and_tokens_at_once(s: Server) {
    covenant_server::workspaces::create(&s.state, "alpha", "Alpha", &program(), "test", None)
        .await
        .unwrap();
    let (admin_email, admin_pw, admin_secret) = account(&s, "root@alpha.test", true).await;
    let admin_account = s
        .state
        .store
        .account_by_email(&admin_email)
        .await
        .unwrap()
        .unwrap();
    s.state
        .store
        .set_instance_admin(&admin_account.id, true)
        .await
        .unwrap();
    let admin = sign_in(
        &s,
        &admin_email,
        &admin_pw,
        admin_secret.as_deref().unwrap(),
    )
    .await;
    let (email, pw, secret) = account(&s, "leaver@alpha.test", true).await;
    member(&s, "alpha", &email, covenant_server::role::Role::Viewer).await;
    let t = token(
        &s,
        "alpha",
        &email,
        vec![covenant_server::role::Scope::Read],
    )
    .await;
    next_step(&s);
    let user = sign_in(&s, &email, &pw, secret.as_deref().unwrap()).await;
    let id = s
        .state
        .store
        .account_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id;
    let summary = format!("{}/api/v1/workspaces/alpha/summary", s.base);
    assert_eq!(
        client()
            .get(&summary)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Not an administrator: refused.
    let r = post(
        &s,
        &user,
        &format!("/api/v1/admin/accounts/{}/deactivate", admin_account.id),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &s,
        &admin,
        &format!("/api/v1/admin/accounts/{id}/deactivate"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&s, &user.0).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        client()
            .get(&summary)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // The right password answers as a wrong one would.
    assert_eq!(
        login(&s, &email, &pw).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = post(
        &s,
        &admin,
        &format!("/api/v1/admin/accounts/{id}/reactivate"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(login(&s, &email, &pw).await.status(), StatusCode::OK);
    assert_eq!(
        client()
            .get(&summary)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "tokens revoked by deactivation stay revoked"
    );
    let kinds: Vec<String> = s
        .state
        .store
        .security_events(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.iter().any(|k| k == "account.deactivated"),
        "{kinds:?}"
    );
}

both!(an_administrator_resets_a_second_factor);
async fn an_administrator_resets_a_second_factor(s: Server) {
    let (admin_email, admin_pw, admin_secret) = account(&s, "root@beta.test", true).await;
    let a = s
        .state
        .store
        .account_by_email(&admin_email)
        .await
        .unwrap()
        .unwrap();
    s.state.store.set_instance_admin(&a.id, true).await.unwrap();
    let admin = sign_in(
        &s,
        &admin_email,
        &admin_pw,
        admin_secret.as_deref().unwrap(),
    )
    .await;
    let (email, pw, _) = account(&s, "lostphone@beta.test", true).await;
    let id = s
        .state
        .store
        .account_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = post(
        &s,
        &admin,
        &format!("/api/v1/admin/accounts/{id}/reset-totp"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = login(&s, &email, &pw).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["totp_required"], false,
        "enrols again at the next sign-in"
    );
    let events = s.state.store.security_events(0, 1000).await.unwrap();
    assert!(events.iter().any(|e| {
        e.kind == "totp.reset"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains(&admin_email))
    }));
}

both!(the_second_factor_policy_is_set_by_owners_and_recorded);
async fn the_second_factor_policy_is_set_by_owners_and_recorded(s: Server) {
    covenant_server::workspaces::create(&s.state, "alpha", "Alpha", &program(), "test", None)
        .await
        .unwrap();
    let (owner, _, _) = account(&s, "owner@alpha.test", true).await;
    member(&s, "alpha", &owner, covenant_server::role::Role::Owner).await;
    let owner_token = token(
        &s,
        "alpha",
        &owner,
        vec![covenant_server::role::Scope::Admin],
    )
    .await;
    let (admin, _, _) = account(&s, "admin@alpha.test", true).await;
    member(&s, "alpha", &admin, covenant_server::role::Role::Admin).await;
    let admin_token = token(
        &s,
        "alpha",
        &admin,
        vec![covenant_server::role::Scope::Admin],
    )
    .await;
    let (viewer, vpw, _) = account(&s, "viewer@alpha.test", false).await;
    member(&s, "alpha", &viewer, covenant_server::role::Role::Viewer).await;
    let summary = format!("{}/api/v1/workspaces/alpha/summary", s.base);
    let vck = cookie(&login(&s, &viewer, &vpw).await);
    let viewer_reads = || async {
        client()
            .get(&summary)
            .header("cookie", &vck)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(
        viewer_reads().await,
        StatusCode::FORBIDDEN,
        "new workspaces: everyone"
    );
    let url = format!("{}/api/v1/workspaces/alpha/mfa-policy", s.base);
    let set = |t: String| {
        let url = url.clone();
        async move {
            client()
                .put(url)
                .bearer_auth(t)
                .json(&json!({"policy": "admins"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(set(admin_token).await, StatusCode::FORBIDDEN, "owners only");
    assert_eq!(set(owner_token.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(viewer_reads().await, StatusCode::OK, "applies at once");
    let entries: Value = client()
        .get(format!("{}/api/v1/workspaces/alpha/ledger/entries", s.base))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        entries.to_string().contains("workspace.mfa_policy_set"),
        "{entries}"
    );
}

/// The account page's forms run the same checks (web UI).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_page_changes_the_password_and_signs_out_everywhere() {
    let s = server(false).await.unwrap();
    let (email, pw, _) = account(&s, "web@alpha.test", false).await;
    let r = login(&s, &email, &pw).await;
    let ck = cookie(&r);
    let csrf = r.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let page = client()
        .get(format!("{}/account", s.base))
        .header("cookie", &ck)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign out everywhere") && html.contains("Change password"));
    let form = |ck: &str, path: &str, fields: &[(&str, &str)]| {
        client()
            .post(format!("{}{path}", s.base))
            .header("cookie", ck.to_string())
            .form(
                &fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<Vec<_>>(),
            )
            .send()
    };
    let r = form(
        &ck,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", &pw),
            ("new_password", "password1234"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("too easy to guess"));
    let strong = "harbor velvet quartz meadow";
    let r = form(
        &ck,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", &pw),
            ("new_password", strong),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let renewed = cookie(&r);
    let html = r.text().await.unwrap();
    assert!(html.contains("Password changed"), "{html}");
    let new_csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(login(&s, &email, strong).await.status(), StatusCode::OK);
    let r = form(
        &renewed,
        "/account/logout-everywhere",
        &[("csrf", &new_csrf)],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(&s, &renewed).await, StatusCode::UNAUTHORIZED);
}
