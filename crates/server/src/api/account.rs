//! The caller's own account: password change, recovery codes, sessions, and signing out
//! everywhere. Each change is a security event; none takes a token (a browser session is
//! required, as for second factors).

use super::Path;
use crate::api::auth::{RecoveryCodes, TotpRequest, session_cookie, start_session, verify_code};
use crate::api::{Errors, time};
use crate::auth::actor::{Actor, Via};
use crate::auth::{password, secret, throttle};
use crate::problem::{ApiResult, Problem};
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use covenant_store::{Account, Session};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
    /// The second factor, when the account has one: a TOTP code...
    pub code: Option<String>,
    /// ...or a recovery code.
    pub recovery_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    /// Pass to `DELETE /api/v1/auth/sessions/{session}` to end it.
    pub id: String,
    pub started: String,
    pub last_seen: String,
    /// The session this request came with.
    pub current: bool,
}

fn session_of(actor: &Actor) -> Result<&Session, Problem> {
    match &actor.via {
        Via::Session(s) => Ok(s),
        Via::Token(..) => Err(Problem::forbidden(
            "accounts are managed in a browser session",
        )),
    }
}

/// The second factor again, for changes that hand the account over (password, codes).
async fn second_factor_again(
    state: &Shared,
    client: &Client,
    account: &Account,
    code: Option<String>,
    recovery_code: Option<String>,
) -> Result<(), Problem> {
    if !account.totp_enabled {
        return Ok(());
    }
    let req = TotpRequest {
        code,
        recovery_code,
    };
    verify_code(state, client, account, None, &req).await
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "account", request_body = ChangePassword,
    responses((status = 204, description = "Changed; the account's other sessions ended and this one has a new id"), Errors))]
pub async fn change_password(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    body: Result<Json<ChangePassword>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let new = change(&state, &client, &actor, req).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, new.cookie);
    Ok(res)
}

/// Changes the password (API and web account page): the current password and the second
/// factor first, then the new one must pass the password policy. Every other session of
/// the account ends and this one gets a new id.
pub async fn change(
    state: &Shared,
    client: &Client,
    actor: &Actor,
    req: ChangePassword,
) -> Result<crate::api::auth::NewSession, Problem> {
    let session = session_of(actor)?;
    let account = &actor.account;
    let key = throttle::account_key(&format!("password-change:{}", account.id));
    crate::api::auth::reserve(
        state,
        client,
        &[(key.as_str(), state.settings.throttle.account)],
        Event::new("password.change_locked").account(account),
    )
    .await?;
    let hash = account.password_hash.clone().ok_or_else(|| {
        Problem::bad_request("this account signs in through single sign-on and has no password")
    })?;
    let ok = state
        .hasher
        .verify(&req.current_password, &hash)
        .await
        .map_err(|_| crate::api::auth::busy(state))?;
    if !ok {
        security_log::record(
            state,
            client,
            Event::new("password.change_failed").account(account),
        )
        .await;
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
            "The current password is wrong",
        ));
    }
    second_factor_again(state, client, account, req.code, req.recovery_code).await?;
    password::check_new(&req.new_password, &[&account.email, &account.name])
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let new_hash = state
        .hasher
        .hash(&req.new_password)
        .await
        .map_err(|_| crate::api::auth::busy(state))?
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    state.store.set_password(&account.id, &new_hash).await?;
    state.store.clear_login_failures(&key).await?;
    let new = start_session(state, account, true, Some(&session.id_hash)).await?;
    state
        .store
        .delete_other_sessions(&account.id, &new.id_hash)
        .await?;
    security_log::record(
        state,
        client,
        Event::new("password.changed").account(account),
    )
    .await;
    Ok(new)
}

#[utoipa::path(post, path = "/api/v1/auth/recovery-codes", tag = "account", request_body = TotpRequest,
    responses((status = 200, description = "New recovery codes, shown once; the old ones no longer work", body = RecoveryCodes), Errors))]
pub async fn regenerate_recovery_codes(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    body: Result<Json<TotpRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<RecoveryCodes>> {
    let Json(req) = body?;
    recovery_codes(&state, &client, &actor, req).await.map(Json)
}

/// New recovery codes after a TOTP code (API and web account page).
pub async fn recovery_codes(
    state: &Shared,
    client: &Client,
    actor: &Actor,
    req: TotpRequest,
) -> Result<RecoveryCodes, Problem> {
    session_of(actor)?;
    if !actor.account.totp_enabled {
        return Err(Problem::bad_request("enrol a second factor first"));
    }
    // A recovery code cannot mint new ones: that needs the authenticator itself.
    let req = TotpRequest {
        code: req.code,
        recovery_code: None,
    };
    verify_code(state, client, &actor.account, None, &req).await?;
    let codes = secret::recovery_codes().map_err(Problem::internal)?;
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| secret::hash(&secret::normalize_recovery_code(c)))
        .collect();
    state
        .store
        .replace_recovery_codes(&actor.account.id, &hashes)
        .await?;
    security_log::record(
        state,
        client,
        Event::new("recovery_codes.regenerated").account(&actor.account),
    )
    .await;
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "account",
    responses((status = 200, description = "The caller's sessions, newest first", body = Vec<SessionInfo>), Errors))]
pub async fn sessions(
    State(state): State<Shared>,
    actor: Actor,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    list_sessions(&state, &actor).await.map(Json)
}

pub async fn list_sessions(state: &Shared, actor: &Actor) -> Result<Vec<SessionInfo>, Problem> {
    let current = session_of(actor)?;
    Ok(state
        .store
        .sessions_of(&actor.account.id)
        .await?
        .into_iter()
        .map(|s| SessionInfo {
            current: s.id_hash == current.id_hash,
            id: s.id_hash,
            started: time(s.created_at),
            last_seen: time(s.last_seen_at),
        })
        .collect())
}

#[utoipa::path(delete, path = "/api/v1/auth/sessions/{session}", tag = "account",
    params(("session" = String, Path, description = "A session id from the list")),
    responses((status = 204, description = "Ended"), Errors))]
pub async fn end_session(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    session_of(&actor)?;
    if !state
        .store
        .delete_session_of(&actor.account.id, &id)
        .await?
    {
        return Err(Problem::not_found());
    }
    security_log::record(
        &state,
        &client,
        Event::new("session.ended").account(&actor.account),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/auth/logout-everywhere", tag = "account",
    responses((status = 204, description = "Every session of the account ended, this one too"), Errors))]
pub async fn logout_everywhere(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
) -> ApiResult<Response> {
    session_of(&actor)?;
    state.store.delete_sessions_of(&actor.account.id).await?;
    security_log::record(
        &state,
        &client,
        Event::new("session.ended_everywhere").account(&actor.account),
    )
    .await;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0)?);
    Ok(res)
}
