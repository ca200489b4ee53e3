//! Signing in (password, then the second factor), signing out, and the workspace list.
//! The checks are the API's own (`api::auth::check_password`, `second_factor`): the same
//! throttling, lockout and answers.

use super::{Shell, WebActor, WebForm, WebResult, render};
use crate::api::auth::{
    TotpRequest, check_password, presented_session, second_factor, session_cookie, start_session,
};
use crate::auth::actor::{PendingActor, Via, session_secret};
use crate::auth::secret;
use crate::problem::Problem;
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use askama::Template;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    totp_step: bool,
    error: String,
    email: String,
    next: String,
    csrf: String,
    sso: bool,
}

impl LoginPage {
    fn new(state: &Shared, next: &str) -> LoginPage {
        LoginPage {
            shell: Shell::anonymous("Sign in"),
            totp_step: false,
            error: String::new(),
            email: String::new(),
            next: safe_next(next).to_string(),
            csrf: String::new(),
            sso: state.oidc.is_some(),
        }
    }
}

/// Only local paths: a login link must not send the user to another site afterwards.
/// Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\t/evil.example`
/// would become `//evil.example`: any control character or backslash is refused.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.bytes().any(|b| b == b'\\' || b.is_ascii_control())
    {
        next
    } else {
        "/"
    }
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn root() -> Redirect {
    Redirect::to("/w")
}

/// The sign-in page; a session that passed the password but not the second factor
/// resumes at the code step.
pub async fn form(State(state): State<Shared>, Query(q): Query<Next>, req: Request) -> WebResult {
    let next = q.next.unwrap_or_default();
    let mut page = LoginPage::new(&state, &next);
    let (mut parts, _) = req.into_parts();
    if let Some(raw) = session_secret(&parts.headers)
        && let Some(session) = state.store.session(&secret::hash(&raw)).await?
    {
        if session.mfa_done {
            if crate::auth::actor::Actor::from_request_parts(&mut parts, &state)
                .await
                .is_ok()
            {
                return Ok(Redirect::to(safe_next(&page.next)).into_response());
            }
        } else {
            page.totp_step = true;
            page.csrf = session.csrf_token;
        }
    }
    render(&page)
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
    next: Option<String>,
}

fn lockout_message(p: &Problem) -> String {
    let minutes = p.retry_after.unwrap_or(60).div_ceil(60);
    format!(
        "Too many failed attempts. Sign-in is locked for this account; try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

pub async fn password(
    State(state): State<Shared>,
    client: Client,
    headers: axum::http::HeaderMap,
    WebForm(c): WebForm<Credentials>,
) -> WebResult {
    if cross_site(&headers) {
        security_log::record(
            &state,
            &client,
            Event::new("request.refused").detail("cross-site sign-in"),
        )
        .await;
        return Err(Problem::forbidden("sign in from this site's own login page").into());
    }
    let mut page = LoginPage::new(&state, c.next.as_deref().unwrap_or("/"));
    page.email = c.email.clone();
    let account = match check_password(&state, &client, &c.email, &c.password).await {
        Ok(a) => a,
        Err(p) => {
            page.error = match p.status {
                429 => lockout_message(&p),
                401 => "That email and password do not match an account.".to_string(),
                503 => "Too many sign-ins at once; try again in a few seconds.".to_string(),
                _ => return Err(p.into()),
            };
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNAUTHORIZED);
            return Ok((status, render(&page)?).into_response());
        }
    };
    let old = presented_session(&headers);
    let new = start_session(&state, &account, !account.totp_enabled, old.as_deref()).await?;
    let mut res = if account.totp_enabled {
        page.totp_step = true;
        page.csrf = new.csrf;
        render(&page)?
    } else {
        Redirect::to(safe_next(&page.next)).into_response()
    };
    res.headers_mut().insert(header::SET_COOKIE, new.cookie);
    Ok(res)
}

/// The sign-in form has no session to carry a CSRF token yet, and SameSite does not stop
/// another site from posting it to sign the victim into the attacker's account. Browsers
/// say where a request comes from: `Sec-Fetch-Site` when they send it, else `Origin`
/// (older browsers send only that), which must then be this site's own.
pub(crate) fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        return site != "same-origin" && site != "none";
    }
    match (get("origin"), get("host")) {
        (None, _) => false,
        (Some(origin), Some(host)) => {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            rest != Some(host)
        }
        (Some(_), None) => true,
    }
}

#[derive(Deserialize)]
pub struct Code {
    code: Option<String>,
    recovery_code: Option<String>,
    next: Option<String>,
}

pub async fn totp(
    State(state): State<Shared>,
    client: Client,
    pending: Result<PendingActor, Problem>,
    WebForm(c): WebForm<Code>,
) -> WebResult {
    let mut page = LoginPage::new(&state, c.next.as_deref().unwrap_or("/"));
    let pending = match pending {
        Ok(p) => p,
        Err(p) if p.status == 401 => {
            page.error = "Your sign-in expired. Please start again.".into();
            return Ok((StatusCode::UNAUTHORIZED, render(&page)?).into_response());
        }
        Err(p) => return Err(p.into()),
    };
    let nonblank = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let req = TotpRequest {
        code: nonblank(c.code),
        recovery_code: nonblank(c.recovery_code),
    };
    match second_factor(&state, &client, &pending.account, &pending.session, &req).await {
        Ok(new) => {
            let mut res = Redirect::to(safe_next(&page.next)).into_response();
            res.headers_mut().insert(header::SET_COOKIE, new.cookie);
            Ok(res)
        }
        Err(p) => {
            page.totp_step = true;
            page.csrf = pending.session.csrf_token.clone();
            page.error = match p.status {
                429 => lockout_message(&p),
                400 if req.code.is_none() && req.recovery_code.is_none() => {
                    "Enter the code from your authenticator app.".into()
                }
                400 | 401 => {
                    "That code is wrong or has expired. Codes change every 30 seconds.".into()
                }
                _ => return Err(p.into()),
            };
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNAUTHORIZED);
            Ok((status, render(&page)?).into_response())
        }
    }
}

pub async fn logout(State(state): State<Shared>, WebActor(actor): WebActor) -> WebResult {
    if let Via::Session(s) = &actor.via {
        state.store.delete_session(&s.id_hash).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0)?);
    Ok(res)
}

#[derive(Template)]
#[template(path = "workspaces.html")]
struct WorkspacesPage {
    shell: Shell,
    items: Vec<crate::api::workspaces::WorkspaceInfo>,
}

/// The caller's workspaces; with exactly one, straight to its dashboard.
pub async fn workspaces(State(state): State<Shared>, WebActor(actor): WebActor) -> WebResult {
    let rows = state.store.memberships(&actor.account.id).await?;
    let items: Vec<_> = rows
        .into_iter()
        .filter(|(w, _)| match &actor.via {
            Via::Token(t, _) => t.workspace_id == w.id,
            Via::Session(_) => true,
        })
        .filter_map(|(w, role)| crate::api::workspaces::info(&state, &w.slug, &role))
        .collect();
    if let [only] = items.as_slice() {
        return Ok(Redirect::to(&format!("/w/{}", only.slug)).into_response());
    }
    render(&WorkspacesPage {
        shell: Shell::for_actor("Workspaces", &actor),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        for local in ["/", "/w/demo", "/w/demo/findings?status=open"] {
            assert_eq!(safe_next(local), local);
        }
        for foreign in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(foreign), "/", "{foreign:?}");
        }
    }

    #[test]
    fn sign_in_from_another_site_is_cross_site() {
        use axum::http::{HeaderMap, HeaderValue};
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(super::cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(!super::cross_site(&h(&[("sec-fetch-site", "same-origin")])));
        assert!(super::cross_site(&h(&[
            ("origin", "https://evil.example"),
            ("host", "covenant.test")
        ])));
        assert!(!super::cross_site(&h(&[
            ("origin", "http://covenant.test"),
            ("host", "covenant.test")
        ])));
        assert!(super::cross_site(&h(&[
            ("origin", "null"),
            ("host", "covenant.test")
        ])));
        assert!(!super::cross_site(&h(&[("host", "covenant.test")])));
    }
}
