//! Accepting an invitation from its emailed link, `/invite/{token}`. A new address sets
//! its name and password (the password policy applies) and is signed in, then sent to
//! enrol a second factor when the workspace needs one of its role. An existing account
//! must be signed in as the invited address and confirm; nothing changes before it does.
//! The checks are the API's (`api::invitations`).

use super::{Shell, WebActor, WebForm, WebResult, render};
use crate::api::auth::presented_session;
use crate::api::invitations::{Open, accept_existing, accept_new, open};
use crate::auth::actor::Actor;
use crate::problem::Problem;
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    shell: Shell,
    /// `new` (choose a password), `consent` (signed in as the invitee), `sign-in` (the
    /// address has an account; sign in first), `other` (signed in as someone else),
    /// `invalid` (used, revoked, expired or unknown).
    mode: &'static str,
    token: String,
    workspace: String,
    role: String,
    email: String,
    name: String,
    expires: String,
    /// The workspace needs a second factor of this role.
    totp: bool,
    error: String,
}

impl InvitePage {
    fn invalid() -> InvitePage {
        InvitePage {
            shell: Shell::anonymous("Invitation"),
            mode: "invalid",
            token: String::new(),
            workspace: String::new(),
            role: String::new(),
            email: String::new(),
            name: String::new(),
            expires: String::new(),
            totp: false,
            error: String::new(),
        }
    }

    async fn of(state: &Shared, token: &str, o: &Open) -> Result<InvitePage, Problem> {
        Ok(InvitePage {
            mode: "new",
            token: token.to_string(),
            workspace: o.live.workspace.name.clone(),
            role: o.role.as_str().to_string(),
            email: o.invitation.email.clone(),
            expires: super::when_ms(o.invitation.expires_at),
            totp: o.needs_totp(state).await?,
            ..InvitePage::invalid()
        })
    }
}

fn invalid_page() -> WebResult {
    Ok((StatusCode::NOT_FOUND, render(&InvitePage::invalid())?).into_response())
}

pub async fn page(
    State(state): State<Shared>,
    Path(token): Path<String>,
    actor: Result<Actor, Problem>,
) -> WebResult {
    let Ok(o) = open(&state, &token).await else {
        return invalid_page();
    };
    let mut page = InvitePage::of(&state, &token, &o).await?;
    if o.account.is_some() {
        page.mode = match &actor {
            Ok(a) if a.account.email == o.invitation.email => "consent",
            Ok(_) => "other",
            Err(_) => "sign-in",
        };
    }
    if let Ok(a) = &actor {
        page.shell = Shell::for_actor("Invitation", a);
    }
    render(&page)
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    name: String,
    password: String,
}

/// A new address accepts: the account is created and joined, and signed in.
pub async fn create(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    Path(token): Path<String>,
    WebForm(f): WebForm<NewAccountForm>,
) -> WebResult {
    // Like the sign-in form, this one starts a session without a CSRF token to check.
    if super::login::cross_site(&headers) {
        security_log::record(
            &state,
            &client,
            Event::new("request.refused").detail("cross-site invitation acceptance"),
        )
        .await;
        return Err(Problem::forbidden("accept the invitation from this site's own page").into());
    }
    let Ok(o) = open(&state, &token).await else {
        return invalid_page();
    };
    let old = presented_session(&headers);
    match accept_new(&state, &client, &o, &f.name, &f.password, old.as_deref()).await {
        Ok((_, session)) => {
            let to = if o.needs_totp(&state).await? {
                "/account".to_string()
            } else {
                format!("/w/{}", o.live.workspace.slug)
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().insert(header::SET_COOKIE, session.cookie);
            Ok(res)
        }
        Err(p) if p.kind.ends_with("/invitation-invalid") => invalid_page(),
        Err(p) if matches!(p.status, 400 | 409 | 503) => {
            let mut page = InvitePage::of(&state, &token, &o).await?;
            page.name = f.name;
            page.error = p.detail.unwrap_or(p.title);
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}

/// An existing account, signed in as the invited address, consents.
pub async fn accept(
    State(state): State<Shared>,
    client: Client,
    WebActor(actor): WebActor,
    Path(token): Path<String>,
) -> WebResult {
    let Ok(o) = open(&state, &token).await else {
        return invalid_page();
    };
    match accept_existing(&state, &client, &o, &actor).await {
        Ok(()) => {
            let to = if o.needs_totp(&state).await? && !actor.account.totp_enabled {
                "/account".to_string()
            } else {
                format!("/w/{}", o.live.workspace.slug)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(p) if p.kind.ends_with("/invitation-invalid") => invalid_page(),
        Err(p) if matches!(p.status, 403 | 409) => {
            let mut page = InvitePage::of(&state, &token, &o).await?;
            page.mode = "consent";
            page.shell = Shell::for_actor("Invitation", &actor);
            page.error = p.detail.unwrap_or(p.title);
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
            Ok((status, render(&page)?).into_response())
        }
        Err(p) => Err(p.into()),
    }
}
