//! Workspace settings: members and their roles, invitations by email (pending ones
//! listed and revocable), and API tokens (a new token's secret is shown once, on the
//! page that created it). Changes go through the API's functions, so
//! they are checked and recorded in the ledger exactly as API calls are.

use super::{Shell, WebActor, WebError, WebForm, WebResult, enter, render};
use crate::api::invitations::{invite_for, revoke_for as revoke_invitation_for};
use crate::api::members::{SetMember, SetOutcome, remove_for, set_for};
use crate::api::tokens::{NewToken, create_for, revoke_for};
use crate::auth::actor::{Access, Via};
use crate::problem::Problem;
use crate::role::{ALL_ROLES, Permission, Role, Scope};
use crate::security_log::Client;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use std::str::FromStr;

pub struct MemberRow {
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub since: String,
    pub me: bool,
}

pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub invited_by: String,
    pub expires: String,
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: Shell,
    members: Vec<MemberRow>,
    roles: Vec<&'static str>,
    tokens: Vec<TokenRow>,
    /// Pending invitations (for those who manage access).
    invitations: Vec<InvitationRow>,
    manage: bool,
    new_secret: String,
    error: String,
    notice: String,
    /// Who needs a second factor (`all` or `admins`), and whether the caller may change it.
    mfa_policy: String,
    owner: bool,
}

async fn settings_page(
    state: &Shared,
    a: &Access,
    error: String,
    notice: String,
    new_secret: String,
) -> WebResult {
    let manage = a.role.allows(Permission::ManageAccess);
    let members = state
        .store
        .members(&a.live.workspace.id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            me: m.account_id == a.actor.account.id,
            account_id: m.account_id,
            email: m.email,
            name: m.name,
            role: m.role,
            since: super::when_ms(m.created_at),
        })
        .collect();
    let tokens = if manage {
        state
            .store
            .tokens(&a.live.workspace.id)
            .await?
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                scopes: t.scopes,
                expires: t
                    .expires_at
                    .map(super::when_ms)
                    .unwrap_or_else(|| "never".into()),
                last_used: t
                    .last_used_at
                    .map(super::when_ms)
                    .unwrap_or_else(|| "never".into()),
                revoked: t.revoked_at.is_some(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let invitations = if manage {
        crate::api::invitations::pending(state, a)
            .await?
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                email: i.email,
                role: i.role.as_str().to_string(),
                invited_by: i.invited_by,
                expires: jiff::Timestamp::from_str(&i.expires)
                    .map(super::when)
                    .unwrap_or(i.expires),
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mfa_policy = state
        .store
        .member_access(&a.live.workspace.id, &a.actor.account.id)
        .await?
        .map(|(_, policy)| policy)
        .unwrap_or_default();
    let page = SettingsPage {
        mfa_policy,
        owner: a.role.allows(Permission::ManageOwners),
        shell: Shell::for_access("Settings", a, "settings"),
        members,
        roles: ALL_ROLES.iter().map(|r| r.as_str()).collect(),
        tokens,
        invitations,
        manage,
        new_secret,
        error,
        notice,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn page(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    settings_page(&state, &a, String::new(), String::new(), String::new()).await
}

/// Refusals a person can act on are shown on the page; anything else is an error page.
async fn outcome(state: &Shared, a: &Access, ws: &str, r: Result<(), Problem>) -> WebResult {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/w/{ws}/settings")).into_response()),
        Err(p) if matches!(p.status, 400 | 403 | 409) => {
            let msg = p.detail.clone().unwrap_or_else(|| p.title.clone());
            settings_page(state, a, msg, String::new(), String::new()).await
        }
        Err(p) => Err(WebError(p)),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    email: String,
    role: String,
}

/// Changes a member's role; an address that is not a member is invited instead.
pub async fn set_member(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<MemberForm>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageAccess).await?;
    let base = crate::mail::link_base(&state, &headers);
    let r = match Role::parse(&f.role) {
        Some(role) => {
            set_for(
                &state,
                &a,
                &client,
                &base,
                &SetMember {
                    email: f.email,
                    role,
                },
            )
            .await
        }
        None => Err(Problem::bad_request("choose one of the roles")),
    };
    match r {
        Ok(SetOutcome::Invited(i)) => invited_page(&state, &a, &i).await,
        Ok(SetOutcome::Changed) => outcome(&state, &a, &ws, Ok(())).await,
        Err(p) => outcome(&state, &a, &ws, Err(p)).await,
    }
}

async fn invited_page(
    state: &Shared,
    a: &Access,
    i: &crate::api::invitations::Invited,
) -> WebResult {
    let until = jiff::Timestamp::from_str(&i.expires)
        .map(super::when)
        .unwrap_or_else(|_| i.expires.clone());
    let notice = format!(
        "Invitation sent to {} as {}. The emailed link works once, until {until}.",
        i.email,
        i.role.as_str()
    );
    settings_page(state, a, String::new(), notice, String::new()).await
}

/// Invites an address by email with a role.
pub async fn invite(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<MemberForm>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageAccess).await?;
    let base = crate::mail::link_base(&state, &headers);
    let r = match Role::parse(&f.role) {
        Some(role) => invite_for(&state, &a, &client, &base, &f.email, role).await,
        None => Err(Problem::bad_request("choose one of the roles")),
    };
    match r {
        Ok(i) => invited_page(&state, &a, &i).await,
        Err(p) => outcome(&state, &a, &ws, Err(p)).await,
    }
}

#[derive(Deserialize)]
pub struct InvitationId {
    invitation: String,
}

/// Revokes a pending invitation: its link stops working.
pub async fn revoke_invitation(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<InvitationId>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageAccess).await?;
    let r = revoke_invitation_for(&state, &a, &f.invitation).await;
    outcome(&state, &a, &ws, r).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    account: String,
}

pub async fn remove_member(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<AccountForm>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageAccess).await?;
    let r = remove_for(&state, &a, &f.account).await;
    outcome(&state, &a, &ws, r).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    scope: String,
    expires_in_days: i64,
}

pub async fn create_token(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<TokenForm>,
) -> WebResult {
    let session = matches!(actor.0.via, Via::Session(_));
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let Some(scope) = Scope::parse(&f.scope) else {
        return outcome(&state, &a, &ws, Err(Problem::bad_request("choose a scope"))).await;
    };
    let req = NewToken {
        name: f.name,
        scopes: vec![scope],
        expires_in_days: f.expires_in_days,
    };
    match create_for(&state, &a, session, &req).await {
        Ok(t) => {
            let notice = format!(
                "Token “{}” created. Copy its secret now: it is not shown again.",
                req.name.trim()
            );
            settings_page(&state, &a, String::new(), notice, t.secret).await
        }
        Err(p) => outcome(&state, &a, &ws, Err(p)).await,
    }
}

#[derive(Deserialize)]
pub struct TokenId {
    token: String,
}

pub async fn revoke_token(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<TokenId>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageAccess).await?;
    let r = revoke_for(&state, &a, &f.token).await;
    outcome(&state, &a, &ws, r).await
}

#[derive(Deserialize)]
pub struct PolicyForm {
    policy: String,
}

/// Who needs a second factor in this workspace (owners only).
pub async fn set_mfa_policy(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(f): WebForm<PolicyForm>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageOwners).await?;
    let r = match crate::role::MfaPolicy::parse(&f.policy) {
        Some(policy) => crate::api::workspaces::mfa_policy_for(&state, &a, policy).await,
        None => Err(Problem::bad_request("choose a policy: all or admins")),
    };
    outcome(&state, &a, &ws, r).await
}
