//! Invitations: an owner or admin invites an email address with a role, and Covenant mails
//! it a single-use link that expires after [`VALID_DAYS`] days. The answer is the same
//! whether or not the address has an account, so inviting cannot be used to learn who
//! has one. The invitee accepts at `/invite/{token}` (or `POST /api/v1/invitations/accept`):
//! a new address sets its name and password there, an existing account must be signed in
//! and consent. Creating, revoking and accepting are each a ledger entry committed with
//! the change (`invitation.created`, `invitation.revoked`, `invitation.accepted`).

use super::Path;
use crate::api::auth::{NewSession, presented_session, start_session};
use crate::api::{Errors, time};
use crate::auth::actor::{Access, Actor, Via, access};
use crate::auth::{password, secret};
use crate::live::Live;
use crate::mail::{Letter, link_base, send_later};
use crate::problem::{ApiResult, Problem};
use crate::role::{MfaPolicy, Permission, Role};
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use covenant_store::{Account, Invitation, NewInvitee, Projection, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;

/// How long an invitation link works.
pub const VALID_DAYS: i64 = 7;

#[derive(Deserialize, ToSchema)]
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
}

/// The answer to an invitation: the same whether or not the address has an account.
#[derive(Serialize, ToSchema)]
pub struct Invited {
    /// Always `invited`: a link is on its way to the address.
    pub status: String,
    pub email: String,
    pub role: Role,
    /// When the link stops working.
    pub expires: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationInfo {
    /// Pass to `DELETE …/invitations/{invitation}` to revoke it.
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created: String,
    pub expires: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptInvitation {
    /// The secret from the emailed link (the last segment of `/invite/{token}`).
    pub token: String,
    /// For an address without an account: the name to show.
    pub name: Option<String>,
    /// For an address without an account: the new password (at least 12 characters and
    /// not guessable).
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub workspace: String,
    pub role: Role,
    /// Send as `x-csrf-token` on writes with the new session (a new account only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// True when the workspace needs a second factor of this role: enrol one with
    /// `POST /api/v1/auth/totp/enroll` before using it.
    pub totp_enrollment_required: bool,
}

fn info(i: Invitation) -> Option<InvitationInfo> {
    Some(InvitationInfo {
        role: Role::parse(&i.role)?,
        id: i.id,
        email: i.email,
        invited_by: i.invited_by,
        created: time(i.created_at),
        expires: time(i.expires_at),
    })
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/invitations", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Pending invitations (never their links)", body = Vec<InvitationInfo>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<InvitationInfo>>> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    Ok(Json(pending(&state, &a).await?))
}

/// The workspace's pending invitations (API and web settings).
pub async fn pending(state: &Shared, a: &Access) -> Result<Vec<InvitationInfo>, Problem> {
    let rows = state
        .store
        .pending_invitations(&a.live.workspace.id, state.clock.now_ms())
        .await?;
    Ok(rows.into_iter().filter_map(info).collect())
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/invitations", tag = "members", request_body = NewInvitation,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 202, description = "Invited; the link is mailed to the address (the same answer whether or not it has an account)", body = Invited), Errors))]
pub async fn create(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    actor: Actor,
    Path(ws): Path<String>,
    body: Result<Json<NewInvitation>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<Invited>)> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    let Json(req) = body?;
    let base = link_base(&state, &headers);
    let invited = invite_for(&state, &a, &client, &base, &req.email, req.role).await?;
    Ok((StatusCode::ACCEPTED, Json(invited)))
}

/// A plausible address: one `@` between non-empty parts, no spaces or controls, at most
/// 254 characters (RFC 5321). The mail server has the last word.
fn valid_email(email: &str) -> bool {
    let ok_chars = !email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c));
    match email.split_once('@') {
        Some((local, domain)) => {
            ok_chars
                && email.len() <= 254
                && !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// Invites `email` with `role` (API, `PUT …/members` for a non-member, and web settings):
/// records `invitation.created` with the invitation in one commit, then mails the link
/// off the request path. `base` is where links point (`mail::link_base`).
pub async fn invite_for(
    state: &Shared,
    a: &Access,
    client: &Client,
    base: &str,
    email: &str,
    role: Role,
) -> Result<Invited, Problem> {
    let email = email.trim().to_lowercase();
    if !valid_email(&email) {
        return Err(Problem::bad_request("that is not an email address"));
    }
    if role == Role::Owner && !a.role.allows(Permission::ManageOwners) {
        return Err(Problem::forbidden(
            "only owners grant or remove the owner role",
        ));
    }
    // Members are listed to whoever may invite, so saying so tells nothing new.
    if let Some(existing) = state.store.account_by_email(&email).await?
        && state
            .store
            .member_role(&a.live.workspace.id, &existing.id)
            .await?
            .is_some()
    {
        return Err(Problem::conflict(
            "this address is already a member; change its role instead",
        ));
    }
    let raw = secret::token().map_err(Problem::internal)?;
    let now = state.clock.now();
    let expires = now.as_millisecond() + VALID_DAYS * 24 * 60 * 60 * 1000;
    let invitation = Invitation {
        id: state.new_id()?,
        workspace_id: a.live.workspace.id.clone(),
        email: email.clone(),
        role: role.as_str().to_string(),
        token_hash: secret::hash(&raw),
        invited_by: a.actor.name(),
        created_at: now.as_millisecond(),
        expires_at: expires,
        accepted_at: None,
        accepted_by: None,
        revoked_at: None,
    };
    let entry = json!({
        "type": "invitation.created",
        "invitation": invitation.id,
        "email": email,
        "role": role.as_str(),
        "expires": time(expires),
        "by": a.actor.name(),
        "at": now.to_string(),
    });
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![Projection::Invitation(invitation)],
        )
        .await?;
    let ws = &a.live.workspace;
    let inviter =
        if a.actor.account.name.is_empty() || a.actor.account.name == a.actor.account.email {
            a.actor.account.email.clone()
        } else {
            format!("{} ({})", a.actor.account.name, a.actor.account.email)
        };
    let expires_text = crate::web::when_ms(expires);
    let body = format!(
        "{inviter} invites you to the workspace \"{name}\" on Covenant, as {role}.\n\
         \n\
         To accept, open this link before {expires_text}. It works once:\n\
         \n\
         {base}/invite/{raw}\n\
         \n\
         If you have no Covenant account yet, you choose a password there. If you have one,\n\
         sign in and confirm. If you did not expect this invitation, ignore this message.\n",
        name = ws.name,
        role = role.as_str(),
    );
    send_later(
        state,
        client,
        Letter {
            kind: "invitation",
            to: email.clone(),
            subject: format!("Invitation to {} on Covenant", ws.name),
            body,
            account: None,
            workspace: Some(ws.slug.clone()),
        },
    );
    Ok(Invited {
        status: "invited".into(),
        email,
        role,
        expires: time(expires),
    })
}

#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace}/invitations/{invitation}", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug"), ("invitation" = String, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked: the link no longer works"), Errors))]
pub async fn revoke(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    revoke_for(&state, &a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a pending invitation and records `invitation.revoked` (API and web settings).
pub async fn revoke_for(state: &Shared, a: &Access, id: &str) -> Result<(), Problem> {
    let now = state.clock.now();
    let inv = state
        .store
        .invitation(&a.live.workspace.id, id)
        .await?
        .filter(|i| i.pending(now.as_millisecond()))
        .ok_or_else(Problem::not_found)?;
    if inv.role == Role::Owner.as_str() && !a.role.allows(Permission::ManageOwners) {
        return Err(Problem::forbidden("only owners revoke owner invitations"));
    }
    let entry = json!({
        "type": "invitation.revoked",
        "invitation": inv.id,
        "email": inv.email,
        "by": a.actor.name(),
        "at": now.to_string(),
    });
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![Projection::InvitationRevoked {
                id: inv.id,
                at: now.as_millisecond(),
            }],
        )
        .await?;
    Ok(())
}

/// An invitation a link names that can still be accepted.
pub struct Open {
    pub invitation: Invitation,
    pub live: Arc<Live>,
    pub role: Role,
    /// The account the address already has, if any: it must sign in and consent.
    pub account: Option<Account>,
}

impl Open {
    /// Whether the workspace's policy needs a second factor of the invited role.
    pub async fn needs_totp(&self, state: &Shared) -> Result<bool, Problem> {
        let ws = state
            .store
            .workspace_by_slug(&self.live.workspace.slug)
            .await?
            .ok_or_else(Problem::not_found)?;
        let policy = MfaPolicy::parse(&ws.mfa_policy).unwrap_or(MfaPolicy::All);
        Ok(policy.requires_totp(self.role))
    }
}

/// The one answer for a link that is unknown, used, revoked or expired.
pub fn invalid_link() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "invitation-invalid",
        "This invitation link is not valid",
    )
    .detail("it was used already, withdrawn, or has expired: ask for a new invitation")
}

/// Looks up the invitation a link's secret names, if it is still pending.
pub async fn open(state: &Shared, token: &str) -> Result<Open, Problem> {
    let now = state.clock.now_ms();
    let invitation = state
        .store
        .invitation_by_token(&secret::hash(token.trim()))
        .await?
        .filter(|i| i.pending(now))
        .ok_or_else(invalid_link)?;
    let live = state
        .all_live()
        .into_iter()
        .find(|l| l.workspace.id == invitation.workspace_id)
        .ok_or_else(invalid_link)?;
    let role = Role::parse(&invitation.role).ok_or_else(invalid_link)?;
    let account = state.store.account_by_email(&invitation.email).await?;
    Ok(Open {
        invitation,
        live,
        role,
        account,
    })
}

fn accept_failed(e: crate::live::LiveError) -> Problem {
    match e {
        crate::live::LiveError::Store(StoreError::NotFound) => invalid_link(),
        crate::live::LiveError::Store(StoreError::Conflict(_)) => Problem::conflict(
            "this address has an account now: sign in as it and open the link again",
        ),
        e => e.into(),
    }
}

/// Accepts for an address without an account (web page and API): the name and password
/// are checked (the password policy, with the email and name as context), the account
/// is created and joined in one commit with `invitation.accepted`, and a new session
/// starts. Returns the account and its session.
pub async fn accept_new(
    state: &Shared,
    client: &Client,
    open: &Open,
    name: &str,
    new_password: &str,
    replaces: Option<&str>,
) -> Result<(Account, NewSession), Problem> {
    if open.account.is_some() {
        return Err(Problem::conflict(
            "this address has an account: sign in as it to accept",
        ));
    }
    let email = open.invitation.email.as_str();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Problem::bad_request(
            "give your name (at most 200 characters)",
        ));
    }
    password::check_new(new_password, &[email, name])
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let hash = match state.hasher.hash(new_password).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return Err(Problem::bad_request(e.to_string())),
        Err(_) => {
            let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Busy")
                .detail("try again in a few seconds");
            p.retry_after = Some(state.hasher.retry_after_secs());
            return Err(p);
        }
    };
    let account_id = state.new_id()?;
    let now = state.clock.now();
    let entry = json!({
        "type": "invitation.accepted",
        "invitation": open.invitation.id,
        "account": email,
        "role": open.role.as_str(),
        "new_account": true,
        "at": now.to_string(),
    });
    let actor = format!("account:{email}");
    open.live
        .record(
            &state.store,
            &actor,
            now,
            vec![entry],
            vec![
                Projection::InvitationAccepted {
                    id: open.invitation.id.clone(),
                    account_id: account_id.clone(),
                    account: Some(NewInvitee {
                        email: email.to_string(),
                        name: name.to_string(),
                        password_hash: hash,
                    }),
                    at: now.as_millisecond(),
                },
                Projection::Member {
                    account_id: account_id.clone(),
                    role: Some(open.role.as_str().to_string()),
                    at: now.as_millisecond(),
                },
            ],
        )
        .await
        .map_err(accept_failed)?;
    let account = state
        .store
        .account(&account_id)
        .await?
        .ok_or_else(|| Problem::internal("the new account vanished"))?;
    let mut event = Event::new("invitation.accepted")
        .account(&account)
        .detail(format!("new account, role {}", open.role.as_str()));
    event.workspace = Some(&open.live.workspace.slug);
    security_log::record(state, client, event).await;
    // No second factor yet: the session is complete, and a workspace whose policy needs
    // one sends the member to enrol before anything else.
    let session = start_session(state, &account, true, replaces).await?;
    Ok((account, session))
}

/// Accepts for an existing account (web page and API): the caller must be signed in, in
/// a browser session, as the invited address, and this call is its consent.
pub async fn accept_existing(
    state: &Shared,
    client: &Client,
    open: &Open,
    actor: &Actor,
) -> Result<(), Problem> {
    if !matches!(actor.via, Via::Session(_)) {
        return Err(Problem::forbidden(
            "invitations are accepted in a browser session",
        ));
    }
    if actor.account.email != open.invitation.email {
        return Err(Problem::forbidden(format!(
            "this invitation is for {}; sign in as that account to accept it",
            open.invitation.email
        )));
    }
    if state
        .store
        .member_role(&open.live.workspace.id, &actor.account.id)
        .await?
        .is_some()
    {
        return Err(Problem::conflict(
            "you are already a member of this workspace",
        ));
    }
    let now = state.clock.now();
    let entry = json!({
        "type": "invitation.accepted",
        "invitation": open.invitation.id,
        "account": actor.account.email,
        "role": open.role.as_str(),
        "new_account": false,
        "at": now.to_string(),
    });
    open.live
        .record(
            &state.store,
            &actor.name(),
            now,
            vec![entry],
            vec![
                Projection::InvitationAccepted {
                    id: open.invitation.id.clone(),
                    account_id: actor.account.id.clone(),
                    account: None,
                    at: now.as_millisecond(),
                },
                Projection::Member {
                    account_id: actor.account.id.clone(),
                    role: Some(open.role.as_str().to_string()),
                    at: now.as_millisecond(),
                },
            ],
        )
        .await
        .map_err(accept_failed)?;
    let mut event = Event::new("invitation.accepted")
        .account(&actor.account)
        .detail(format!("existing account, role {}", open.role.as_str()));
    event.workspace = Some(&open.live.workspace.slug);
    security_log::record(state, client, event).await;
    Ok(())
}

/// Accepting by API. For an address without an account, send `name` and `password`: the
/// account is created, joined, and signed in (the session cookie is set). For an
/// existing account, call it from that account's session (with its CSRF token).
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = AcceptInvitation,
    responses((status = 200, description = "Joined", body = Accepted), Errors))]
pub async fn accept(
    State(state): State<Shared>,
    client: Client,
    headers: HeaderMap,
    actor: Result<Actor, Problem>,
    body: Result<Json<AcceptInvitation>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body?;
    let open = open(&state, &req.token).await?;
    let totp = open.needs_totp(&state).await?;
    if open.account.is_some() {
        let actor = actor?;
        accept_existing(&state, &client, &open, &actor).await?;
        let totp_enrollment_required = totp && !actor.account.totp_enabled;
        return Ok(Json(Accepted {
            workspace: open.live.workspace.slug.clone(),
            role: open.role,
            csrf_token: None,
            totp_enrollment_required,
        })
        .into_response());
    }
    let (Some(name), Some(pw)) = (req.name.as_deref(), req.password.as_deref()) else {
        return Err(Problem::bad_request(
            "send `name` and `password` to create the account",
        ));
    };
    let old = presented_session(&headers);
    let (_, session) = accept_new(&state, &client, &open, name, pw, old.as_deref()).await?;
    let mut res = Json(Accepted {
        workspace: open.live.workspace.slug.clone(),
        role: open.role,
        csrf_token: Some(session.csrf),
        totp_enrollment_required: totp,
    })
    .into_response();
    res.headers_mut().insert(header::SET_COOKIE, session.cookie);
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn plausible_addresses() {
        for ok in ["a@b.example", "first.last+tag@mail.example.com"] {
            assert!(super::valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@b.example",
            "a@",
            "a@@b",
            "a b@c.example",
            "a@b.example\nBcc: x@y",
            "<a@b.example>",
            "a@.example",
        ] {
            assert!(!super::valid_email(bad), "{bad:?}");
        }
    }
}
