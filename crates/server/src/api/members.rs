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
    /// The email of an existing account.
    pub email: String,
    pub role: Role,
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
    responses((status = 204, description = "Member added or role changed"), Errors))]
pub async fn set(
    State(state): State<Shared>,
    actor: crate::auth::actor::Actor,
    Path(ws): Path<String>,
    body: Result<Json<SetMember>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    let Json(req) = body?;
    set_for(&state, &a, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a member or changes a role and records `member.set` (API and web settings).
pub async fn set_for(
    state: &Shared,
    a: &crate::auth::actor::Access,
    req: &SetMember,
) -> Result<(), Problem> {
    let target = state
        .store
        .account_by_email(&req.email.trim().to_lowercase())
        .await?
        .ok_or_else(|| Problem::bad_request("no account has this email"))?;
    let current = state
        .store
        .member_role(&a.live.workspace.id, &target.id)
        .await?
        .and_then(|r| Role::parse(&r));
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
    Ok(())
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
