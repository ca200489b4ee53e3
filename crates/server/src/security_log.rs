//! The instance security log: sign-ins, failures, lockouts, second-factor changes and
//! refused requests, each with the account, address and user agent — never a password,
//! code, token or cookie. Rows go to the store (`security_event`) and the same line to
//! the `security` tracing target, so an operator can ship it with the access log.

use crate::state::Shared;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use covenant_store::{Account, SecurityEvent};
use std::convert::Infallible;
use std::net::SocketAddr;

/// Where a request comes from, as far as the server can tell.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(client_of(parts))
    }
}

/// The peer address and user agent (cut to 200 characters) of a request.
pub fn client_of(parts: &Parts) -> Client {
    client_from(&parts.extensions, &parts.headers)
}

pub fn client_from(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> Client {
    Client {
        address: extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
        user_agent: headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(200).collect()),
    }
}

/// One event: `kind`, who it is about (if known), from where, and a detail.
pub struct Event<'a> {
    pub kind: &'a str,
    pub account: Option<&'a Account>,
    /// The email typed at sign-in when no account matched.
    pub email: Option<&'a str>,
    pub workspace: Option<&'a str>,
    pub detail: Option<String>,
}

impl<'a> Event<'a> {
    pub fn new(kind: &'a str) -> Event<'a> {
        Event {
            kind,
            account: None,
            email: None,
            workspace: None,
            detail: None,
        }
    }
    pub fn account(mut self, a: &'a Account) -> Event<'a> {
        self.account = Some(a);
        self
    }
    pub fn email(mut self, e: &'a str) -> Event<'a> {
        self.email = Some(e);
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Event<'a> {
        self.detail = Some(d.into());
        self
    }
}

/// Records the event. A failure to write it is logged, never the cause of a failed request:
/// the event already happened.
pub async fn record(state: &Shared, client: &Client, e: Event<'_>) {
    let row = SecurityEvent {
        at: state.clock.now_ms(),
        kind: e.kind.to_string(),
        account_id: e.account.map(|a| a.id.clone()),
        email: e
            .account
            .map(|a| a.email.clone())
            .or_else(|| e.email.map(|s| s.chars().take(320).collect())),
        address: client.address.clone(),
        user_agent: client.user_agent.clone(),
        workspace: e.workspace.map(str::to_string),
        detail: e.detail,
    };
    tracing::info!(
        target: "security",
        kind = %row.kind,
        account = row.account_id.as_deref().unwrap_or(""),
        email = row.email.as_deref().unwrap_or(""),
        address = row.address.as_deref().unwrap_or(""),
        user_agent = row.user_agent.as_deref().unwrap_or(""),
        workspace = row.workspace.as_deref().unwrap_or(""),
        detail = row.detail.as_deref().unwrap_or(""),
    );
    if let Err(err) = state.store.record_security_event(&row).await {
        tracing::error!(error = %err, "security event not stored");
    }
}

/// Where the authenticated caller's name is left for the access log: the `observe` layer
/// puts one in each request, and the `Actor` extractor fills it.
#[derive(Debug, Clone, Default)]
pub struct ActorSlot(std::sync::Arc<std::sync::OnceLock<String>>);

impl ActorSlot {
    pub fn set(&self, name: String) {
        // A request has one caller; a second extraction names the same one.
        let _ = self.0.set(name);
    }
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}
