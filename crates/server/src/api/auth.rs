//! Logging in and out, the second factor, and single sign-on.

use crate::api::Errors;
use crate::auth::actor::{Actor, PendingActor, SESSION_COOKIE, Via};
use crate::auth::{password, secret, throttle, totp};
use crate::problem::{ApiResult, Problem};
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use covenant_store::{Account, Reservation, Session};
use serde::{Deserialize, Serialize};
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

/// A new session for an account: the cookie to set and its CSRF token. `replaces` is the
/// session the request came with, if any: it ends in the same transaction, so every
/// authentication step hands out a new session id (no fixation).
pub async fn start_session(
    state: &Shared,
    account: &Account,
    mfa_done: bool,
    replaces: Option<&str>,
) -> Result<NewSession, Problem> {
    let raw = secret::token().map_err(Problem::internal)?;
    let csrf = secret::token().map_err(Problem::internal)?;
    let now = state.clock.now_ms();
    let session = Session {
        id_hash: secret::hash(&raw),
        account_id: account.id.clone(),
        csrf_token: csrf.clone(),
        mfa_done,
        created_at: now,
        last_seen_at: now,
    };
    match replaces {
        Some(old) => state.store.rotate_session(old, &session).await?,
        None => state.store.create_session(&session).await?,
    }
    let cookie = session_cookie(&raw, state.settings.session_absolute_ms / 1000)?;
    Ok(NewSession {
        cookie,
        csrf,
        id_hash: session.id_hash,
    })
}

/// A session just started: the `Set-Cookie` value, its CSRF token and its stored id.
pub struct NewSession {
    pub cookie: HeaderValue,
    pub csrf: String,
    pub id_hash: String,
}

fn invalid_login() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
        "Email or password is wrong",
    )
}

/// 503 with `Retry-After`: the password hashing queue is full.
pub(crate) fn busy(state: &Shared) -> Problem {
    let mut p = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "Too many sign-ins at once",
    )
    .detail("try again in a few seconds");
    p.retry_after = Some(state.hasher.retry_after_secs());
    p
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "Session started", body = LoginResponse), Errors))]
pub async fn login(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let account = check_password(&state, &client, &req.email, &req.password).await?;
    let old = presented_session(&headers);
    let new = start_session(&state, &account, !account.totp_enabled, old.as_deref()).await?;
    let mut res = Json(LoginResponse {
        totp_required: account.totp_enabled,
        csrf_token: new.csrf,
    })
    .into_response();
    res.headers_mut().insert(header::SET_COOKIE, new.cookie);
    Ok(res)
}

/// The hash of the session cookie a request carried, to end it when a new one starts.
pub fn presented_session(headers: &HeaderMap) -> Option<String> {
    crate::auth::actor::session_secret(headers).map(|raw| secret::hash(&raw))
}

/// Counts an attempt before it is verified (see `Store::reserve_attempt`): a key at its
/// limit answers 429 at once. Returns the attempt's id, to give back on success.
pub(crate) async fn reserve(
    state: &Shared,
    client: &Client,
    keys: &[(&str, usize)],
    what: Event<'_>,
) -> Result<String, Problem> {
    let now = state.clock.now_ms();
    let attempt = secret::id().map_err(Problem::internal)?;
    match state
        .store
        .reserve_attempt(&attempt, keys, now - throttle::WINDOW_MS, now)
        .await?
    {
        Reservation::Granted => Ok(attempt),
        Reservation::Refused { key, failures } => {
            let limit = keys
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(throttle::ACCOUNT_LIMIT, |(_, l)| *l);
            let wait = throttle::locked_for(&failures, limit, now).unwrap_or(1);
            security_log::record(state, client, what.detail(format!("locked by {key}"))).await;
            Err(Problem::too_many(wait))
        }
    }
}

/// The password step, shared by the API and the web login: throttled per account and per
/// address, the attempt counted before the hash is checked, and the same answer (and the
/// same work) for an unknown email and a wrong password.
pub async fn check_password(
    state: &Shared,
    client: &Client,
    email: &str,
    password: &str,
) -> Result<Account, Problem> {
    let email = email.trim().to_lowercase();
    let account_key = throttle::account_key(&email);
    let address_key = throttle::address_key(client.address.as_deref().unwrap_or(""));
    let limits = state.settings.throttle;
    let keys = [
        (account_key.as_str(), limits.account),
        (address_key.as_str(), limits.address),
    ];
    let attempt = reserve(
        state,
        client,
        &keys,
        Event::new("login.locked").email(&email),
    )
    .await?;
    let account = state.store.account_by_email(&email).await?;
    let hash = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .unwrap_or_else(|| password::decoy().to_string());
    let ok = match state.hasher.verify(password, &hash).await {
        Ok(ok) => ok,
        Err(_) => {
            // Not the caller's guess: give the reservations back.
            for (key, _) in &keys {
                state.store.release_attempt(&attempt, key).await?;
            }
            security_log::record(state, client, Event::new("login.busy").email(&email)).await;
            return Err(busy(state));
        }
    };
    let usable = |a: &Account| ok && a.password_hash.is_some() && a.deactivated_at.is_none();
    let Some(account) = account.filter(usable) else {
        security_log::record(state, client, Event::new("login.failed").email(&email)).await;
        return Err(invalid_login());
    };
    state.store.release_attempt(&attempt, &address_key).await?;
    state.store.clear_login_failures(&account_key).await?;
    let kind = if account.totp_enabled {
        "login.password_accepted"
    } else {
        "login.succeeded"
    };
    security_log::record(state, client, Event::new(kind).account(&account)).await;
    Ok(account)
}

#[utoipa::path(post, path = "/api/v1/auth/totp", tag = "auth", request_body = TotpRequest,
    responses((status = 204, description = "Second factor accepted; a new session cookie replaces the pending one"), Errors))]
pub async fn totp_verify(
    State(state): State<Shared>,
    client: Client,
    pending: PendingActor,
    body: Result<Json<TotpRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let PendingActor { account, session } = pending;
    let new = second_factor(&state, &client, &account, &session, &req).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, new.cookie);
    Ok(res)
}

/// The second-factor step, shared by the API and the web login. Each guess is counted
/// before it is checked, per account, per pending session and per address; a TOTP code is
/// accepted once (its time step and earlier ones are refused afterwards). On success the
/// pending session is replaced by a new one: returns its cookie and CSRF token.
pub async fn second_factor(
    state: &Shared,
    client: &Client,
    account: &Account,
    session: &Session,
    req: &TotpRequest,
) -> Result<NewSession, Problem> {
    verify_code(state, client, account, Some(&session.id_hash), req).await?;
    let kind = if req.code.is_some() {
        "login.succeeded"
    } else {
        "login.succeeded_recovery_code"
    };
    security_log::record(state, client, Event::new(kind).account(account)).await;
    start_session(state, account, true, Some(&session.id_hash)).await
}

/// Checks a TOTP or recovery code of `account`: counted before it is checked, per
/// account, per session (when given) and per address; a TOTP step is accepted once, a
/// recovery code used once. Also guards a password change and new recovery codes.
pub async fn verify_code(
    state: &Shared,
    client: &Client,
    account: &Account,
    session: Option<&str>,
    req: &TotpRequest,
) -> Result<(), Problem> {
    let now = state.clock.now_ms();
    let secret_b32 = account
        .totp_secret
        .as_deref()
        .filter(|_| account.totp_enabled)
        .ok_or_else(|| Problem::bad_request("this account has no second factor"))?;
    if req.code.is_none() && req.recovery_code.is_none() {
        return Err(Problem::bad_request("send `code` or `recovery_code`"));
    }
    let account_key = throttle::account_key(&format!("totp:{}", account.id));
    let session_key = format!("session:{}", session.unwrap_or("none"));
    let address_key = throttle::address_key(client.address.as_deref().unwrap_or(""));
    let limits = state.settings.throttle;
    let mut keys = vec![
        (account_key.as_str(), limits.account),
        (address_key.as_str(), limits.address),
    ];
    if session.is_some() {
        keys.push((session_key.as_str(), limits.session));
    }
    let attempt = reserve(
        state,
        client,
        &keys,
        Event::new("totp.locked").account(account),
    )
    .await?;
    let passed = match (&req.code, &req.recovery_code) {
        (Some(code), _) => match totp::matching_step(secret_b32, code, unix_seconds(now)) {
            Some(step) => state.store.accept_totp_step(&account.id, step).await?,
            None => false,
        },
        (None, Some(rc)) => {
            let h = secret::hash(&secret::normalize_recovery_code(rc));
            state.store.use_recovery_code(&account.id, &h, now).await?
        }
        (None, None) => false,
    };
    if !passed {
        security_log::record(state, client, Event::new("totp.failed").account(account)).await;
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-code",
            "The code is wrong, expired or already used",
        ));
    }
    for (key, _) in keys.iter().skip(1) {
        state.store.release_attempt(&attempt, key).await?;
    }
    state.store.clear_login_failures(&account_key).await?;
    Ok(())
}

fn unix_seconds(now_ms: i64) -> u64 {
    u64::try_from(now_ms / 1000).unwrap_or(0)
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
    responses((status = 200, description = "Enrolled; recovery codes shown once; a new session cookie replaces this one and the account's other sessions end", body = RecoveryCodes), Errors))]
pub async fn totp_confirm(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    body: Result<Json<TotpRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let (codes, new) = confirm(&state, &client, &actor, req.code.as_deref().unwrap_or("")).await?;
    let mut res = Json(codes).into_response();
    res.headers_mut().insert(header::SET_COOKIE, new.cookie);
    Ok(res)
}

/// Confirms enrolment with a first code (API and web settings); returns the recovery
/// codes (shown once) and the cookie and CSRF token of the new session that replaces the
/// caller's. The confirming code's time step counts as used, so it cannot sign in again,
/// and every other session of the account ends.
pub async fn confirm(
    state: &Shared,
    client: &Client,
    actor: &Actor,
    code: &str,
) -> Result<(RecoveryCodes, NewSession), Problem> {
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
    let step = totp::matching_step(secret_b32, code, unix_seconds(now));
    let accepted = match step {
        Some(step) => {
            state
                .store
                .accept_totp_step(&actor.account.id, step)
                .await?
        }
        None => false,
    };
    if !accepted {
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
    let new = start_session(state, &actor.account, true, Some(&session.id_hash)).await?;
    state
        .store
        .delete_other_sessions(&actor.account.id, &new.id_hash)
        .await?;
    security_log::record(
        state,
        client,
        Event::new("totp.enrolled").account(&actor.account),
    )
    .await;
    Ok((
        RecoveryCodes {
            recovery_codes: codes,
        },
        new,
    ))
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
    from: Client,
    cb: Result<Query<Callback>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
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
    let account = match state
        .store
        .account_by_oidc(&id.issuer, &id.subject)
        .await?
        .filter(|a| a.deactivated_at.is_none())
    {
        Some(a) => a,
        None => {
            let by_email = match (&id.email, id.email_verified) {
                (Some(e), true) => state.store.account_by_email(&e.to_lowercase()).await?,
                _ => None,
            };
            let a = by_email
                .filter(|a| a.deactivated_at.is_none())
                .ok_or_else(|| Problem::forbidden("no account is invited for this identity"))?;
            state
                .store
                .link_oidc(&a.id, &id.issuer, &id.subject)
                .await?;
            a
        }
    };
    // The provider authenticated the user; its own MFA policy applies.
    security_log::record(
        &state,
        &from,
        Event::new("login.succeeded")
            .account(&account)
            .detail("single sign-on"),
    )
    .await;
    let old = presented_session(&headers);
    let new = start_session(&state, &account, true, old.as_deref()).await?;
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().insert(header::SET_COOKIE, new.cookie);
    Ok(res)
}
