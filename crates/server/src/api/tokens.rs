//! Scoped API tokens: created with an expiry, shown once, stored hashed.

use super::Path;
use crate::api::{Errors, time};
use crate::auth::actor::{Actor, Via, access};
use crate::auth::secret;
use crate::problem::{ApiResult, Problem};
use crate::role::{Permission, Scope};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use covenant_store::ApiToken;
use covenant_store::Projection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Days until it expires, 1 to 365.
    pub expires_in_days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: String,
    /// The secret, shown this once. Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/tokens", tag = "tokens",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Tokens (never their secrets)", body = Vec<TokenInfo>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    let rows = state.store.tokens(&a.live.workspace.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                name: t.name,
                scopes: t.scopes.split(' ').map(str::to_string).collect(),
                created_by: t.account_id,
                created_at: time(t.created_at),
                expires_at: t.expires_at.map(time),
                last_used_at: t.last_used_at.map(time),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
    ))
}

/// Creates a token acting as the caller, limited to its scopes. Tokens are created from
/// a session only: a leaked token must not be able to mint more.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/tokens", tag = "tokens", request_body = NewToken,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 201, description = "Created; the secret is shown once", body = CreatedToken), Errors))]
pub async fn create(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    body: Result<Json<NewToken>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let session = matches!(actor.via, Via::Session(_));
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let Json(req) = body?;
    let created = create_for(&state, &a, session, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Mints a token for the caller and records `token.created` (API and web settings).
pub async fn create_for(
    state: &Shared,
    a: &crate::auth::actor::Access,
    session: bool,
    req: &NewToken,
) -> Result<CreatedToken, Problem> {
    if !session {
        return Err(Problem::forbidden(
            "tokens are created from a browser session",
        ));
    }
    if req.scopes.is_empty()
        || req.name.trim().is_empty()
        || !(1..=365).contains(&req.expires_in_days)
    {
        return Err(Problem::bad_request(
            "name, at least one scope and expires_in_days (1–365) are required",
        ));
    }
    // A token may not carry a scope its creator's role could not use.
    if req.scopes.contains(&Scope::Admin) && !a.role.allows(Permission::ManageAccess)
        || req.scopes.contains(&Scope::Write) && !a.role.allows(Permission::Record)
    {
        return Err(Problem::forbidden("the role does not allow these scopes"));
    }
    let (t, raw) = mint(state, &a.live.workspace.id, &a.actor.account.id, req)?;
    let now = state.clock.now();
    let entry = json!({"type": "token.created", "token": t.id, "name": t.name, "scopes": t.scopes, "by": a.actor.name(), "at": now.to_string()});
    let id = t.id.clone();
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![Projection::Token(t)],
        )
        .await?;
    Ok(CreatedToken { id, secret: raw })
}

pub fn mint(
    state: &Shared,
    workspace_id: &str,
    account_id: &str,
    req: &NewToken,
) -> Result<(ApiToken, String), Problem> {
    let raw = format!("cov_{}", secret::token().map_err(Problem::internal)?);
    let now = state.clock.now_ms();
    let scopes: Vec<&str> = req.scopes.iter().map(|s| s.as_str()).collect();
    Ok((
        ApiToken {
            id: state.new_id()?,
            workspace_id: workspace_id.to_string(),
            account_id: account_id.to_string(),
            name: req.name.trim().to_string(),
            secret_hash: secret::hash(&raw),
            scopes: scopes.join(" "),
            created_at: now,
            expires_at: Some(now + req.expires_in_days * 86_400_000),
            last_used_at: None,
            revoked_at: None,
        },
        raw,
    ))
}

#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace}/tokens/{token}", tag = "tokens",
    params(("workspace" = String, Path, description = "Workspace slug"), ("token" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), Errors))]
pub async fn revoke(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let a = access(&state, actor, &ws, Permission::ManageAccess).await?;
    revoke_for(&state, &a, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a token and records `token.revoked` (API and web settings).
pub async fn revoke_for(
    state: &Shared,
    a: &crate::auth::actor::Access,
    token: &str,
) -> Result<(), Problem> {
    let now = state.clock.now();
    let entry = json!({"type": "token.revoked", "token": token, "by": a.actor.name(), "at": now.to_string()});
    // No live token of this workspace by that id: the commit rolls back and answers 404.
    let revoked = Projection::TokenRevoked {
        id: token.to_string(),
        at: now.as_millisecond(),
    };
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![revoked],
        )
        .await?;
    Ok(())
}
