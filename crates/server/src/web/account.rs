//! The signed-in account: second-factor (TOTP) enrolment with a QR code drawn as inline
//! SVG, through the API's `enroll` and `confirm`.

use super::{Shell, WebActor, WebResult, render};
use crate::api::auth::{confirm as confirm_totp, enroll as enroll_totp};
use crate::state::Shared;
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
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
        }
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

pub async fn page(WebActor(actor): WebActor) -> WebResult {
    render(&AccountPage::new(&actor))
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
    Form(c): Form<Code>,
) -> WebResult {
    let mut page = AccountPage::new(&actor);
    match confirm_totp(&state, &client, &actor, c.code.trim()).await {
        Ok((codes, new)) => {
            // The page's forms carry the new session's CSRF token.
            let mut renewed = actor.clone();
            if let crate::auth::actor::Via::Session(s) = &mut renewed.via {
                s.csrf_token = new.csrf;
                s.id_hash = new.id_hash;
            }
            page = AccountPage::new(&renewed);
            page.totp_enabled = true;
            page.recovery_codes = codes.recovery_codes;
            let mut res = render(&page)?;
            res.headers_mut()
                .insert(axum::http::header::SET_COOKIE, new.cookie);
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
