//! Who is calling: a browser session (cookie, CSRF token on writes, second factor done)
//! or an API token (bearer). `access` then decides what that caller may do in a workspace.

use crate::auth::secret;
use crate::live::Live;
use crate::problem::Problem;
use crate::role::{MfaPolicy, Permission, Role, Scope};
use crate::state::Shared;
use axum::extract::FromRequestParts;
use axum::http::{Method, StatusCode, request::Parts};
use covenant_store::{Account, ApiToken, Session};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "__Host-covenant_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub enum Via {
    Session(Session),
    Token(ApiToken, Vec<Scope>),
}

/// An authenticated caller whose second factor, if any, is done.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: Account,
    pub via: Via,
}

/// A session that has passed the password but not yet the second factor.
pub struct PendingActor {
    pub account: Account,
    pub session: Session,
}

impl Actor {
    /// How entries name the caller in the ledger.
    pub fn name(&self) -> String {
        match &self.via {
            Via::Session(_) => format!("account:{}", self.account.email),
            Via::Token(t, _) => format!("token:{}:{}", t.id, self.account.email),
        }
    }
}

/// The session cookie's secret, if the request carries one.
pub fn session_secret(headers: &axum::http::HeaderMap) -> Option<String> {
    let prefix = format!("{SESSION_COOKIE}=");
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find_map(|c| c.strip_prefix(&prefix).map(str::to_string))
}

/// The CSRF token a form POST carried in its hidden `csrf` field. HTML forms cannot set
/// headers, and extractors cannot read the body, so the web UI's form layer
/// (`web::csrf::form_token`) lifts the field into this extension before extraction.
#[derive(Debug, Clone)]
pub struct FormCsrf(pub String);

/// The CSRF token sent with a write: the `x-csrf-token` header, else the form field.
fn sent_csrf(parts: &Parts) -> &str {
    parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.extensions.get::<FormCsrf>().map(|f| f.0.as_str()))
        .unwrap_or("")
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

async fn session_of(parts: &Parts, state: &Shared) -> Result<(Account, Session), Problem> {
    let secret = session_secret(&parts.headers).ok_or_else(Problem::unauthenticated)?;
    let hash = secret::hash(&secret);
    let session = state
        .store
        .session(&hash)
        .await?
        .ok_or_else(Problem::unauthenticated)?;
    let now = state.clock.now_ms();
    let s = &state.settings;
    if now - session.last_seen_at > s.session_idle_ms
        || now - session.created_at > s.session_absolute_ms
    {
        state.store.delete_session(&hash).await?;
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "session-expired",
            "Session expired",
        ));
    }
    let account = state
        .store
        .account(&session.account_id)
        .await?
        .filter(|a| a.deactivated_at.is_none())
        .ok_or_else(Problem::unauthenticated)?;
    // Touch at most once a minute: sessions are read on every request.
    if now - session.last_seen_at > 60_000 {
        state.store.touch_session(&hash, now).await?;
    }
    Ok((account, session))
}

impl FromRequestParts<Shared> for Actor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Problem> {
        let actor = authenticate(parts, state).await?;
        if let Some(slot) = parts.extensions.get::<crate::security_log::ActorSlot>() {
            slot.set(actor.name());
        }
        Ok(actor)
    }
}

async fn authenticate(parts: &Parts, state: &Shared) -> Result<Actor, Problem> {
    if let Some(raw) = bearer(parts) {
        let token = state
            .store
            .token_by_hash(&secret::hash(raw))
            .await?
            .ok_or_else(Problem::unauthenticated)?;
        let now = state.clock.now_ms();
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now) {
            return Err(Problem::unauthenticated());
        }
        let account = state
            .store
            .account(&token.account_id)
            .await?
            .ok_or_else(Problem::unauthenticated)?;
        if token.last_used_at.is_none_or(|t| now - t > 60_000) {
            state.store.touch_token(&token.id, now).await?;
        }
        let scopes = token.scopes.split(' ').filter_map(Scope::parse).collect();
        return Ok(Actor {
            account,
            via: Via::Token(token, scopes),
        });
    }
    let (account, session) = session_of(parts, state).await?;
    if account.totp_enabled && !session.mfa_done {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "totp-required",
            "Second factor required",
        )
        .detail("POST /api/v1/auth/totp with a code from your authenticator app"));
    }
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !secret::equal(sent_csrf(parts), &session.csrf_token) {
        return Err(Problem::forbidden(
            "missing or wrong CSRF token (x-csrf-token header)",
        ));
    }
    Ok(Actor {
        account,
        via: Via::Session(session),
    })
}

impl FromRequestParts<Shared> for PendingActor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Problem> {
        let (account, session) = session_of(parts, state).await?;
        if !secret::equal(sent_csrf(parts), &session.csrf_token) {
            return Err(Problem::forbidden(
                "missing or wrong CSRF token (x-csrf-token header)",
            ));
        }
        Ok(PendingActor { account, session })
    }
}

/// A caller's standing in one workspace.
pub struct Access {
    pub live: Arc<Live>,
    pub role: Role,
    pub actor: Actor,
}

/// Resolves a workspace for a caller and checks one permission. A workspace the caller
/// is not a member of answers exactly like one that does not exist.
pub async fn access(
    state: &Shared,
    actor: Actor,
    slug: &str,
    permission: Permission,
) -> Result<Access, Problem> {
    let live = state.live(slug).ok_or_else(Problem::not_found)?;
    let ws_id = &live.workspace.id;
    if let Via::Token(t, _) = &actor.via
        && &t.workspace_id != ws_id
    {
        return Err(Problem::not_found());
    }
    let (role, policy) = state
        .store
        .member_access(ws_id, &actor.account.id)
        .await?
        .and_then(|(r, p)| Some((Role::parse(&r)?, MfaPolicy::parse(&p)?)))
        .ok_or_else(Problem::not_found)?;
    match &actor.via {
        Via::Token(_, scopes) => {
            if !scopes.iter().any(|s| s.allows(permission)) {
                return Err(Problem::forbidden("the token's scopes do not allow this"));
            }
        }
        Via::Session(_) => {
            if policy.requires_totp(role) && !actor.account.totp_enabled {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "totp-enrollment-required",
                    "Second factor required for this role",
                )
                .detail(match policy {
                    MfaPolicy::All => "this workspace requires a second factor of every member: POST /api/v1/auth/totp/enroll",
                    MfaPolicy::Admins => "owners and admins must enrol TOTP: POST /api/v1/auth/totp/enroll",
                }));
            }
        }
    }
    if !role.allows(permission) {
        return Err(Problem::forbidden(format!(
            "the {} role does not allow this",
            role.as_str()
        )));
    }
    Ok(Access { live, role, actor })
}
