//! The signed-in account: second-factor (TOTP) enrolment with a QR code drawn as inline
//! SVG, password change, new recovery codes, and the account's sessions — each through
//! the API's own function, so the rules and the security log are the same.

use super::WebForm;
use super::{Shell, WebActor, WebResult, render};
use crate::api::auth::{TotpRequest, confirm as confirm_totp, enroll as enroll_totp};
use crate::auth::actor::Actor;
use crate::problem::Problem;
use crate::security_log::Client;
use crate::state::Shared;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    shell: Shell,
    name: String,
    totp_enabled: bool,
    /// Set while enrolling: the secret, its URI and the QR code.
    secret: String,
    otpauth: String,
    qr_svg: String,
    recovery_codes: Vec<String>,
    error: String,
    /// A confirmation shown at the top ("Password changed.").
    notice: String,
    sessions: Vec<crate::api::account::SessionInfo>,
}

impl AccountPage {
    fn new(actor: &crate::auth::actor::Actor) -> AccountPage {
        AccountPage {
            shell: Shell::for_actor("Account", actor),
            name: actor.account.name.clone(),
            totp_enabled: actor.account.totp_enabled,
            secret: String::new(),
            otpauth: String::new(),
            qr_svg: String::new(),
            recovery_codes: Vec::new(),
            error: String::new(),
            notice: String::new(),
            sessions: Vec::new(),
        }
    }

    /// The page with the account's sessions listed.
    async fn with_sessions(state: &Shared, actor: &Actor) -> Result<AccountPage, Problem> {
        let mut page = AccountPage::new(actor);
        page.sessions = crate::api::account::list_sessions(state, actor).await?;
        Ok(page)
    }
}

/// The otpauth URI as an SVG QR code; empty if it cannot be encoded (the secret and URI
/// are shown as text beside it anyway).
fn qr(uri: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(uri.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline SVG in HTML takes no XML declaration.
    match svg.find("<svg") {
        Some(i) => svg[i..].replacen(
            "<svg ",
            r#"<svg role="img" aria-label="QR code for your authenticator app" "#,
            1,
        ),
        None => String::new(),
    }
}

pub async fn page(State(state): State<Shared>, WebActor(actor): WebActor) -> WebResult {
    render(&AccountPage::with_sessions(&state, &actor).await?)
}

#[derive(Deserialize)]
pub struct NewPassword {
    current_password: String,
    new_password: String,
    code: Option<String>,
}

pub async fn password(
    State(state): State<Shared>,
    client: Client,
    WebActor(actor): WebActor,
    WebForm(f): WebForm<NewPassword>,
) -> WebResult {
    let req = crate::api::account::ChangePassword {
        current_password: f.current_password,
        new_password: f.new_password,
        code: f.code.filter(|c| !c.trim().is_empty()),
        recovery_code: None,
    };
    match crate::api::account::change(&state, &client, &actor, req).await {
        Ok(new) => {
            let renewed = renewed(&actor, &new);
            let mut page = AccountPage::with_sessions(&state, &renewed).await?;
            page.notice = "Password changed. Your other sessions were signed out.".into();
            let mut res = render(&page)?;
            res.headers_mut().insert(header::SET_COOKIE, new.cookie);
            Ok(res)
        }
        Err(p) if matches!(p.status, 400 | 401 | 429) => {
            let mut page = AccountPage::with_sessions(&state, &actor).await?;
            page.error = p.detail.unwrap_or(p.title);
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}

#[derive(Deserialize)]
pub struct CodeOnly {
    code: String,
}

pub async fn recovery_codes(
    State(state): State<Shared>,
    client: Client,
    WebActor(actor): WebActor,
    WebForm(f): WebForm<CodeOnly>,
) -> WebResult {
    let req = TotpRequest {
        code: Some(f.code),
        recovery_code: None,
    };
    let mut page = AccountPage::with_sessions(&state, &actor).await?;
    match crate::api::account::recovery_codes(&state, &client, &actor, req).await {
        Ok(codes) => {
            page.recovery_codes = codes.recovery_codes;
            render(&page)
        }
        Err(p) if matches!(p.status, 400 | 401 | 429) => {
            page.error = p.detail.unwrap_or(p.title);
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}

#[derive(Deserialize)]
pub struct SessionId {
    id: String,
}

pub async fn end_session(
    State(state): State<Shared>,
    client: Client,
    WebActor(actor): WebActor,
    WebForm(f): WebForm<SessionId>,
) -> WebResult {
    if !state
        .store
        .delete_session_of(&actor.account.id, &f.id)
        .await?
    {
        return Err(Problem::not_found().into());
    }
    crate::security_log::record(
        &state,
        &client,
        crate::security_log::Event::new("session.ended").account(&actor.account),
    )
    .await;
    Ok(Redirect::to("/account").into_response())
}

pub async fn logout_everywhere(
    State(state): State<Shared>,
    client: Client,
    WebActor(actor): WebActor,
) -> WebResult {
    state.store.delete_sessions_of(&actor.account.id).await?;
    crate::security_log::record(
        &state,
        &client,
        crate::security_log::Event::new("session.ended_everywhere").account(&actor.account),
    )
    .await;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, crate::api::auth::session_cookie("", 0)?);
    Ok(res)
}

/// The actor as it is after its session was replaced: the page's forms need the new
/// session's CSRF token.
fn renewed(actor: &Actor, new: &crate::api::auth::NewSession) -> Actor {
    let mut renewed = actor.clone();
    if let crate::auth::actor::Via::Session(s) = &mut renewed.via {
        s.csrf_token = new.csrf.clone();
        s.id_hash = new.id_hash.clone();
    }
    renewed
}

pub async fn enroll(State(state): State<Shared>, WebActor(actor): WebActor) -> WebResult {
    let e = enroll_totp(&state, &actor).await?;
    let mut page = AccountPage::new(&actor);
    page.qr_svg = qr(&e.otpauth_url);
    page.secret = e.secret;
    page.otpauth = e.otpauth_url;
    render(&page)
}

#[derive(Deserialize)]
pub struct Code {
    code: String,
    secret: Option<String>,
    otpauth: Option<String>,
}

pub async fn confirm(
    State(state): State<Shared>,
    client: crate::security_log::Client,
    WebActor(actor): WebActor,
    WebForm(c): WebForm<Code>,
) -> WebResult {
    let mut page = AccountPage::new(&actor);
    match confirm_totp(&state, &client, &actor, c.code.trim()).await {
        Ok((codes, new)) => {
            page = AccountPage::new(&renewed(&actor, &new));
            page.totp_enabled = true;
            page.recovery_codes = codes.recovery_codes;
            let mut res = render(&page)?;
            res.headers_mut().insert(header::SET_COOKIE, new.cookie);
            Ok(res)
        }
        Err(p) if p.status == 400 => {
            // Show the same secret again: enrolment is pending until a code matches.
            page.otpauth = c.otpauth.unwrap_or_default();
            page.qr_svg = qr(&page.otpauth);
            page.secret = c.secret.unwrap_or_default();
            page.error = p.detail.unwrap_or(p.title);
            Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}
