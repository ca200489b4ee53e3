//! Members of a workspace and their roles.

use super::Path;
use crate::api::{Errors, time};
use crate::auth::actor::access;
use crate::problem::{ApiResult, Problem};
use crate::role::{Permission, Role};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use covenant_store::Projection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MemberInfo {
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub since: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SetMember {
    /// A member's email changes their role; any other address is invited.
    pub email: String,
    pub role: Role,
}

/// What `set_for` did.
pub enum SetOutcome {
    /// An existing member's role changed.
    Changed,
    /// The address is not a member: it was invited, with the same answer whether or not
    /// it has an account.
    Invited(crate::api::invitations::Invited),
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/members", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Members", body = Vec<MemberInfo>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: crate::auth::actor::Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<MemberInfo>>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let rows = state.store.members(&a.live.workspace.id).await?;
    Ok(Json(
        rows.into_iter()
            .filter_map(|m| {
                Some(MemberInfo {
                    role: Role::parse(&m.role)?,
                    account_id: m.account_id,
                    email: m.email,
                    name: m.name,
                    since: time(m.created_at),
                })
            })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/api/v1/workspaces/{workspace}/members", tag = "members", request_body = SetMember,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses(
        (status = 204, description = "A member's role changed"),
        (status = 202, description = "Not a member: invited by email, with the same answer whether or not the address has an account", body = crate::api::invitations::Invited),
        Errors))]
pub async fn set(
    State(state): State<Shared>,
    client: crate::security_log::Client,
    headers: axum::http::HeaderMap,
    actor: crate::auth::actor::Actor,
    Path(ws): Path<String>,
    body: Result<Json<SetMember>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    let Json(req) = body?;
    let base = crate::mail::link_base(&state, &headers);
    Ok(match set_for(&state, &a, &client, &base, &req).await? {
        SetOutcome::Changed => StatusCode::NO_CONTENT.into_response(),
        SetOutcome::Invited(i) => (StatusCode::ACCEPTED, Json(i)).into_response(),
    })
}

/// Changes a member's role and records `member.set`, or invites an address that is not
/// a member (`invitations::invite_for`); API and web settings. `base` is where an
/// invitation's link points (`mail::link_base`).
pub async fn set_for(
    state: &Shared,
    a: &crate::auth::actor::Access,
    client: &crate::security_log::Client,
    base: &str,
    req: &SetMember,
) -> Result<SetOutcome, Problem> {
    let email = req.email.trim().to_lowercase();
    let member = match state.store.account_by_email(&email).await? {
        Some(account) => state
            .store
            .member_role(&a.live.workspace.id, &account.id)
            .await?
            .map(|role| (account, role)),
        None => None,
    };
    let Some((target, current)) = member else {
        let invited =
            crate::api::invitations::invite_for(state, a, client, base, &email, req.role).await?;
        return Ok(SetOutcome::Invited(invited));
    };
    let current = Role::parse(&current);
    if (req.role == Role::Owner || current == Some(Role::Owner))
        && !a.role.allows(Permission::ManageOwners)
    {
        return Err(Problem::forbidden(
            "only owners grant or remove the owner role",
        ));
    }
    // Demoting the last owner is refused inside the commit (`StoreError::LastOwner`).
    let now = state.clock.now();
    let entry = json!({"type": "member.set", "account": target.email, "role": req.role.as_str(), "by": a.actor.name(), "at": now.to_string()});
    let member = Projection::Member {
        account_id: target.id,
        role: Some(req.role.as_str().to_string()),
        at: now.as_millisecond(),
    };
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![member],
        )
        .await?;
    Ok(SetOutcome::Changed)
}

#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace}/members/{account}", tag = "members",
    params(("workspace" = String, Path, description = "Workspace slug"), ("account" = String, Path, description = "Account id")),
    responses((status = 204, description = "Removed"), Errors))]
pub async fn remove(
    State(state): State<Shared>,
    actor: crate::auth::actor::Actor,
    Path((ws, account)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    remove_for(&state, &a, &account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member and records `member.removed` (API and web settings).
pub async fn remove_for(
    state: &Shared,
    a: &crate::auth::actor::Access,
    account: &str,
) -> Result<(), Problem> {
    let current = state
        .store
        .member_role(&a.live.workspace.id, account)
        .await?
        .and_then(|r| Role::parse(&r))
        .ok_or_else(Problem::not_found)?;
    if current == Role::Owner && !a.role.allows(Permission::ManageOwners) {
        return Err(Problem::forbidden("only owners remove owners"));
    }
    if account == a.actor.account.id {
        return Err(Problem::conflict("you cannot remove yourself"));
    }
    let now = state.clock.now();
    let entry = json!({"type": "member.removed", "account": account, "by": a.actor.name(), "at": now.to_string()});
    let member = Projection::Member {
        account_id: account.to_string(),
        role: None,
        at: now.as_millisecond(),
    };
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![member],
        )
        .await?;
    Ok(())
}
