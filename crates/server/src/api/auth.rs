//! Logging in and out, the second factor, and single sign-on.

use crate::api::Errors;
use crate::auth::actor::{Actor, PendingActor, SESSION_COOKIE, Via};
use crate::auth::{password, secret, throttle, totp};
use crate::problem::{ApiResult, Problem};
use crate::state::Shared;
use axum::Json;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use covenant_store::{Account, Session};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// True when a TOTP code (or a recovery code) must be sent next.
    pub totp_required: bool,
    /// Send as the `x-csrf-token` header on every write made with this session.
    pub csrf_token: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TotpRequest {
    /// A 6-digit code from the authenticator app.
    pub code: Option<String>,
    /// Or one of the recovery codes, each usable once.
    pub recovery_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub totp_enabled: bool,
    /// For browser sessions: send as `x-csrf-token` on writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    pub workspaces: Vec<Membership>,
}

#[derive(Serialize, ToSchema)]
pub struct Membership {
    pub workspace: String,
    pub name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnrollment {
    /// Base32 secret, for manual entry.
    pub secret: String,
    /// `otpauth://` URL, for a QR code.
    pub otpauth_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown once; store them somewhere safe.
    pub recovery_codes: Vec<String>,
}

pub fn session_cookie(secret: &str, max_age_s: i64) -> Result<HeaderValue, Problem> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age_s}"
    ))
    .map_err(Problem::internal)
}

/// Starts a session for an account; the second factor is still owed if it has one.
pub async fn start_session(
    state: &Shared,
    account: &Account,
    mfa_done: bool,
) -> Result<(HeaderValue, String), Problem> {
    let raw = secret::token().map_err(Problem::internal)?;
    let csrf = secret::token().map_err(Problem::internal)?;
    let now = state.clock.now_ms();
    state
        .store
        .create_session(&Session {
            id_hash: secret::hash(&raw),
            account_id: account.id.clone(),
            csrf_token: csrf.clone(),
            mfa_done,
            created_at: now,
            last_seen_at: now,
        })
        .await?;
    let cookie = session_cookie(&raw, state.settings.session_absolute_ms / 1000)?;
    Ok((cookie, csrf))
}

fn invalid_login() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
        "Email or password is wrong",
    )
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Session started", body = LoginResponse), Errors))]
pub async fn login(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let account = check_password(&state, addr.ip(), &req.email, &req.password).await?;
    let (cookie, csrf) = start_session(&state, &account, !account.totp_enabled).await?;
    let mut res = Json(LoginResponse {
        totp_required: account.totp_enabled,
        csrf_token: csrf,
    })
    .into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// The password step, shared by the API and the web login: throttled per account and per
/// address, the same answer for an unknown email and a wrong password.
pub async fn check_password(
    state: &Shared,
    ip: std::net::IpAddr,
    email: &str,
    password: &str,
) -> Result<Account, Problem> {
    let email = email.trim().to_lowercase();
    let now = state.clock.now_ms();
    let since = now - throttle::WINDOW_MS;
    let keys = [
        (throttle::account_key(&email), throttle::ACCOUNT_LIMIT),
        (
            throttle::address_key(&ip.to_string()),
            throttle::ADDRESS_LIMIT,
        ),
    ];
    for (key, limit) in &keys {
        let failures = state.store.login_failures(key, since).await?;
        if let Some(wait) = throttle::locked_for(&failures, *limit, now) {
            return Err(Problem::too_many(wait));
        }
    }
    let account = state.store.account_by_email(&email).await?;
    let hash = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::decoy().to_string());
    let ok = tokio::task::spawn_blocking({
        let pw = password.to_string();
        move || password::verify(&pw, &hash)
    })
    .await
    .unwrap_or(false);
    let Some(account) = account.filter(|a| ok && a.password_hash.is_some()) else {
        for (key, _) in &keys {
            state.store.record_login_failure(key, now).await?;
        }
        return Err(invalid_login());
    };
    state.store.clear_login_failures(&keys[0].0).await?;
    Ok(account)
}

#[utoipa::path(post, path = "/api/v1/auth/totp", tag = "auth", request_body = TotpRequest,
    responses((status = 204, description = "Second factor accepted"), Errors))]
pub async fn totp_verify(
    State(state): State<Shared>,
    pending: PendingActor,
    body: Result<Json<TotpRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(req) = body?;
    let PendingActor { account, session } = pending;
    second_factor(&state, &account, &session, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The second-factor step, shared by the API and the web login.
pub async fn second_factor(
    state: &Shared,
    account: &Account,
    session: &Session,
    req: &TotpRequest,
) -> Result<(), Problem> {
    let now = state.clock.now_ms();
    let key = throttle::account_key(&format!("totp:{}", account.id));
    let failures = state
        .store
        .login_failures(&key, now - throttle::WINDOW_MS)
        .await?;
    if let Some(wait) = throttle::locked_for(&failures, throttle::ACCOUNT_LIMIT, now) {
        return Err(Problem::too_many(wait));
    }
    let secret_b32 = account
        .totp_secret
        .as_deref()
        .filter(|_| account.totp_enabled)
        .ok_or_else(|| Problem::bad_request("this account has no second factor"))?;
    let passed = match (&req.code, &req.recovery_code) {
        (Some(code), _) => totp::check(secret_b32, code, u64::try_from(now / 1000).unwrap_or(0)),
        (None, Some(rc)) => {
            let h = secret::hash(&secret::normalize_recovery_code(rc));
            state.store.use_recovery_code(&account.id, &h, now).await?
        }
        (None, None) => return Err(Problem::bad_request("send `code` or `recovery_code`")),
    };
    if !passed {
        state.store.record_login_failure(&key, now).await?;
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-code",
            "The code is wrong or expired",
        ));
    }
    state.store.clear_login_failures(&key).await?;
    state.store.complete_session_mfa(&session.id_hash).await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Session ended"), Errors))]
pub async fn logout(State(state): State<Shared>, actor: Actor) -> ApiResult<Response> {
    if let Via::Session(s) = &actor.via {
        state.store.delete_session(&s.id_hash).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0)?);
    Ok(res)
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, description = "The caller", body = Me), Errors))]
pub async fn me(State(state): State<Shared>, actor: Actor) -> ApiResult<Json<Me>> {
    let memberships = state.store.memberships(&actor.account.id).await?;
    let (only, csrf_token) = match &actor.via {
        Via::Token(t, _) => (Some(t.workspace_id.clone()), None),
        Via::Session(s) => (None, Some(s.csrf_token.clone())),
    };
    Ok(Json(Me {
        id: actor.account.id.clone(),
        email: actor.account.email.clone(),
        name: actor.account.name.clone(),
        totp_enabled: actor.account.totp_enabled,
        csrf_token,
        workspaces: memberships
            .into_iter()
            .filter(|(w, _)| only.as_ref().is_none_or(|id| id == &w.id))
            .map(|(w, role)| Membership {
                workspace: w.slug,
                name: w.name,
                role,
            })
            .collect(),
    }))
}

/// Enrolment is open to a signed-in session whose second factor is not on yet, even
/// when its role demands one (that is how such a user gets one).
#[utoipa::path(post, path = "/api/v1/auth/totp/enroll", tag = "auth",
    responses((status = 200, description = "A new secret to confirm", body = TotpEnrollment), Errors))]
pub async fn totp_enroll(
    State(state): State<Shared>,
    actor: Actor,
) -> ApiResult<Json<TotpEnrollment>> {
    enroll(&state, &actor).await.map(Json)
}

/// Starts TOTP enrolment (API and web settings): a new secret, not yet enabled.
pub async fn enroll(state: &Shared, actor: &Actor) -> Result<TotpEnrollment, Problem> {
    if !matches!(actor.via, Via::Session(_)) {
        return Err(Problem::forbidden(
            "second factors are managed in a browser session",
        ));
    }
    if actor.account.totp_enabled {
        return Err(Problem::conflict("a second factor is already enrolled"));
    }
    let s = totp::generate_secret();
    state
        .store
        .set_totp(&actor.account.id, Some(&s), false)
        .await?;
    Ok(TotpEnrollment {
        otpauth_url: totp::url(&s, &actor.account.email).map_err(Problem::internal)?,
        secret: s,
    })
}

#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", request_body = TotpRequest,
    responses((status = 200, description = "Enrolled; recovery codes shown once", body = RecoveryCodes), Errors))]
pub async fn totp_confirm(
    State(state): State<Shared>,
    actor: Actor,
    body: Result<Json<TotpRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<RecoveryCodes>> {
    let Json(req) = body?;
    confirm(&state, &actor, req.code.as_deref().unwrap_or(""))
        .await
        .map(Json)
}

/// Confirms enrolment with a first code (API and web settings); returns the recovery
/// codes, shown once.
pub async fn confirm(state: &Shared, actor: &Actor, code: &str) -> Result<RecoveryCodes, Problem> {
    let Via::Session(session) = &actor.via else {
        return Err(Problem::forbidden(
            "second factors are managed in a browser session",
        ));
    };
    let secret_b32 = actor
        .account
        .totp_secret
        .as_deref()
        .filter(|_| !actor.account.totp_enabled)
        .ok_or_else(|| Problem::bad_request("start with POST /api/v1/auth/totp/enroll"))?;
    let now = state.clock.now_ms();
    if !totp::check(secret_b32, code, u64::try_from(now / 1000).unwrap_or(0)) {
        return Err(Problem::bad_request(
            "the code does not match; check the device's clock",
        ));
    }
    state
        .store
        .set_totp(&actor.account.id, Some(secret_b32), true)
        .await?;
    let codes = secret::recovery_codes().map_err(Problem::internal)?;
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| secret::hash(&secret::normalize_recovery_code(c)))
        .collect();
    state
        .store
        .replace_recovery_codes(&actor.account.id, &hashes)
        .await?;
    state.store.complete_session_mfa(&session.id_hash).await?;
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

#[derive(Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
}

/// Redirects the browser to the identity provider.
pub async fn oidc_login(State(state): State<Shared>) -> ApiResult<Redirect> {
    let client = state.oidc.as_ref().ok_or_else(Problem::not_found)?;
    let (url, pending) = client.begin();
    let json = serde_json::to_string(&pending).map_err(Problem::internal)?;
    state
        .store
        .put_oidc_login(&pending.state, &json, state.clock.now_ms())
        .await?;
    Ok(Redirect::to(&url))
}

/// The provider sends the browser back here. Accounts are matched by the provider's
/// subject, or on first use by a verified email that already has an account (accounts are
/// created by invitation, never by signing in).
pub async fn oidc_callback(
    State(state): State<Shared>,
    cb: Result<Query<Callback>, axum::extract::rejection::QueryRejection>,
    _headers: HeaderMap,
) -> ApiResult<Response> {
    let client = state.oidc.as_ref().ok_or_else(Problem::not_found)?;
    let Query(cb) = cb?;
    let (Some(code), Some(st)) = (cb.code, cb.state) else {
        return Err(Problem::bad_request("missing code or state"));
    };
    let (json, created) = state
        .store
        .take_oidc_login(&st)
        .await?
        .ok_or_else(|| Problem::bad_request("unknown or used login state"))?;
    if state.clock.now_ms() - created > 10 * 60 * 1000 {
        return Err(Problem::bad_request("the login took too long; start again"));
    }
    let pending: crate::oidc::PendingLogin =
        serde_json::from_str(&json).map_err(Problem::internal)?;
    let id = client.finish(&pending, &code, &st).await.map_err(|e| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "sso-failed",
            "Single sign-on failed",
        )
        .detail(e.to_string())
    })?;
    let account = match state.store.account_by_oidc(&id.issuer, &id.subject).await? {
        Some(a) => a,
        None => {
            let by_email = match (&id.email, id.email_verified) {
                (Some(e), true) => state.store.account_by_email(&e.to_lowercase()).await?,
                _ => None,
            };
            let a = by_email
                .ok_or_else(|| Problem::forbidden("no account is invited for this identity"))?;
            state
                .store
                .link_oidc(&a.id, &id.issuer, &id.subject)
                .await?;
            a
        }
    };
    // The provider authenticated the user; its own MFA policy applies.
    let (cookie, _csrf) = start_session(&state, &account, true).await?;
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}
