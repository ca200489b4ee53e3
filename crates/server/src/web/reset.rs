//! Password reset by emailed link: `/reset` asks for the link (the same page whether or
//! not the address has an account), `/reset/{token}` sets the new password. The checks
//! are the API's (`api::password_reset`).

use super::{Shell, WebForm, WebResult, render};
use crate::api::auth::session_cookie;
use crate::api::password_reset::{REQUESTED, check_link, complete, request_for};
use crate::security_log::Client;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    shell: Shell,
    /// `request` (ask for a link), `requested` (asked), `choose` (a new password),
    /// `done`, or `invalid` (a used, expired or unknown link).
    mode: &'static str,
    token: String,
    email: String,
    error: String,
    notice: String,
}

impl ResetPage {
    fn new(mode: &'static str) -> ResetPage {
        ResetPage {
            shell: Shell::anonymous("Reset your password"),
            mode,
            token: String::new(),
            email: String::new(),
            error: String::new(),
            notice: String::new(),
        }
    }
}

fn invalid_page() -> WebResult {
    Ok((StatusCode::NOT_FOUND, render(&ResetPage::new("invalid"))?).into_response())
}

pub async fn form() -> WebResult {
    render(&ResetPage::new("request"))
}

#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
}

pub async fn request(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    WebForm(f): WebForm<EmailForm>,
) -> WebResult {
    match request_for(&state, &client, &headers, &f.email).await {
        Ok(()) => {
            let mut page = ResetPage::new("requested");
            page.notice = REQUESTED.to_string();
            Ok((StatusCode::ACCEPTED, render(&page)?).into_response())
        }
        Err(p) if matches!(p.status, 400 | 429) => {
            let mut page = ResetPage::new("request");
            page.email = f.email;
            page.error = if p.status == 429 {
                let minutes = p.retry_after.unwrap_or(60).div_ceil(60);
                format!(
                    "Too many reset requests. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )
            } else {
                p.detail.unwrap_or(p.title)
            };
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}

pub async fn choose(State(state): State<Shared>, Path(token): Path<String>) -> WebResult {
    let Ok(account) = check_link(&state, &token).await else {
        return invalid_page();
    };
    let mut page = ResetPage::new("choose");
    page.token = token;
    page.email = account.email;
    render(&page)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn set(
    State(state): State<Shared>,
    client: Client,
    Path(token): Path<String>,
    WebForm(f): WebForm<PasswordForm>,
) -> WebResult {
    match complete(&state, &client, &token, &f.password).await {
        Ok(_) => {
            let mut res = render(&ResetPage::new("done"))?;
            // Every session of the account ended; so does this browser's, if it had one.
            res.headers_mut()
                .insert(header::SET_COOKIE, session_cookie("", 0)?);
            Ok(res)
        }
        Err(p) if p.kind.ends_with("/reset-link-invalid") => invalid_page(),
        Err(p) if matches!(p.status, 400 | 503) => {
            let Ok(account) = check_link(&state, &token).await else {
                return invalid_page();
            };
            let mut page = ResetPage::new("choose");
            page.token = token;
            page.email = account.email;
            page.error = p.detail.unwrap_or(p.title);
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}
