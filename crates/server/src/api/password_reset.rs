//! Password reset by an emailed, single-use link valid for [`VALID_MINUTES`] minutes. The
//! request is answered 202 whether or not the address has an account, and only an
//! account gets a mail, so the form cannot be used to learn who has one. Requests are
//! throttled per address and per email like sign-in attempts. Using the link sets the new
//! password (the same policy as everywhere), ends every session of the account and
//! leaves its second factor as it was: the next sign-in still asks for it.

use crate::api::Errors;
use crate::auth::{password, secret, throttle};
use crate::mail::{Letter, link_base, send_later};
use crate::problem::{ApiResult, Problem};
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use covenant_store::{Account, PasswordReset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How long a reset link works.
pub const VALID_MINUTES: i64 = 60;

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    pub email: String,
}

/// The one answer to a reset request, whether or not the address has an account.
#[derive(Serialize, ToSchema)]
pub struct ResetRequested {
    pub detail: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ResetConfirm {
    /// The secret from the emailed link (the last segment of `/reset/{token}`).
    pub token: String,
    /// At least 12 characters and not guessable.
    pub password: String,
}

pub const REQUESTED: &str = "If an account has this email, a link to reset its password is on its way. It works once, within an hour.";

#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, description = "A link is mailed if the address has an account (the same answer either way)", body = ResetRequested), Errors))]
pub async fn request(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    body: Result<Json<ResetRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<ResetRequested>)> {
    let Json(req) = body?;
    request_for(&state, &client, &headers, &req.email).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            detail: REQUESTED.into(),
        }),
    ))
}

/// Asks for a reset link (API and web): counted per email and per address first (429
/// at the limit, the same for every address), then, only for an active account with a
/// password, a new link replaces its earlier ones and is mailed off the request path.
pub async fn request_for(
    state: &Shared,
    client: &Client,
    headers: &HeaderMap,
    email: &str,
) -> Result<(), Problem> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || email.len() > 320 {
        return Err(Problem::bad_request("give the email of your account"));
    }
    let email_key = format!("password-reset:{email}");
    let address_key = format!(
        "password-reset-address:{}",
        client.address.as_deref().unwrap_or("")
    );
    let limits = state.settings.throttle;
    // Every request counts, granted or not, and none is given back: a mail is sent.
    crate::api::auth::reserve(
        state,
        client,
        &[
            (email_key.as_str(), limits.account),
            (address_key.as_str(), limits.address),
        ],
        Event::new("password_reset.locked").email(&email),
    )
    .await?;
    let now = state.clock.now_ms();
    let account = state
        .store
        .account_by_email(&email)
        .await?
        .filter(|a| a.password_hash.is_some() && a.deactivated_at.is_none());
    let Some(account) = account else {
        security_log::record(
            state,
            client,
            Event::new("password_reset.requested")
                .email(&email)
                .detail("no active account with a password: nothing sent"),
        )
        .await;
        return Ok(());
    };
    let raw = secret::token().map_err(Problem::internal)?;
    let expires = now + VALID_MINUTES * 60 * 1000;
    state
        .store
        .create_password_reset(&PasswordReset {
            token_hash: secret::hash(&raw),
            account_id: account.id.clone(),
            created_at: now,
            expires_at: expires,
            used_at: None,
        })
        .await?;
    security_log::record(
        state,
        client,
        Event::new("password_reset.requested").account(&account),
    )
    .await;
    let base = link_base(state, headers);
    let body = format!(
        "Someone, hopefully you, asked to reset the password of the Covenant account\n\
         {email}.\n\
         \n\
         To choose a new password, open this link before {until}. It works once:\n\
         \n\
         {base}/reset/{raw}\n\
         \n\
         Every session of the account ends when the password changes. Your second factor\n\
         stays as it is: signing in still asks for your authenticator app.\n\
         \n\
         If you did not ask for this, ignore this message; your password stays as it is.\n",
        email = account.email,
        until = crate::web::when_ms(expires),
    );
    send_later(
        state,
        client,
        Letter {
            kind: "password_reset",
            to: account.email.clone(),
            subject: "Reset your Covenant password".into(),
            body,
            account: Some(account),
            workspace: None,
        },
    );
    Ok(())
}

/// The one answer for a reset link that is unknown, used or expired.
pub fn invalid_link() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "reset-link-invalid",
        "This password reset link is not valid",
    )
    .detail("it was used already or has expired: ask for a new one")
}

/// The account a reset link is for, if the link still works.
pub async fn check_link(state: &Shared, token: &str) -> Result<Account, Problem> {
    let now = state.clock.now_ms();
    let reset = state
        .store
        .password_reset(&secret::hash(token.trim()))
        .await?
        .filter(|r| r.usable(now))
        .ok_or_else(invalid_link)?;
    state
        .store
        .account(&reset.account_id)
        .await?
        .filter(|a| a.deactivated_at.is_none())
        .ok_or_else(invalid_link)
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "Password set; every session of the account ended"), Errors))]
pub async fn confirm(
    State(state): State<Shared>,
    client: Client,
    body: Result<Json<ResetConfirm>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(req) = body?;
    complete(&state, &client, &req.token, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uses a reset link (API and web): the new password must pass the policy; then, in one
/// transaction, the link is used up, the password set and every session of the account
/// ended. Failed sign-ins counted against the account are forgotten.
pub async fn complete(
    state: &Shared,
    client: &Client,
    token: &str,
    new_password: &str,
) -> Result<Account, Problem> {
    let account = check_link(state, token).await?;
    password::check_new(new_password, &[&account.email, &account.name])
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let hash = match state.hasher.hash(new_password).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return Err(Problem::bad_request(e.to_string())),
        Err(_) => return Err(crate::api::auth::busy(state)),
    };
    let done = state
        .store
        .complete_password_reset(&secret::hash(token.trim()), &hash, state.clock.now_ms())
        .await?;
    if done.as_deref() != Some(account.id.as_str()) {
        return Err(invalid_link());
    }
    state
        .store
        .clear_login_failures(&throttle::account_key(&account.email))
        .await?;
    security_log::record(
        state,
        client,
        Event::new("password.reset")
            .account(&account)
            .detail("by emailed link; every session ended"),
    )
    .await;
    Ok(account)
}
