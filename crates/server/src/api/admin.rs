//! Instance administration over the API: the account list, deactivation (sessions and
//! tokens end at once) and second-factor resets. Instance administrators only, from a
//! browser session with a second factor; every action is a security event.

use super::Path;
use crate::api::Errors;
use crate::auth::actor::{Actor, Via};
use crate::problem::{ApiResult, Problem};
use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use covenant_store::Account;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct AccountInfo {
    pub id: String,
    pub email: String,
    pub name: String,
    pub instance_admin: bool,
    pub totp_enabled: bool,
    pub deactivated: bool,
}

fn administrator(actor: &Actor) -> Result<(), Problem> {
    let session = matches!(actor.via, Via::Session(_));
    if !session || !actor.account.instance_admin || !actor.account.totp_enabled {
        return Err(Problem::forbidden(
            "instance administrators only, from a browser session with a second factor",
        ));
    }
    Ok(())
}

async fn target(state: &Shared, actor: &Actor, id: &str) -> Result<Account, Problem> {
    administrator(actor)?;
    let account = state
        .store
        .account(id)
        .await?
        .ok_or_else(Problem::not_found)?;
    if account.id == actor.account.id {
        return Err(Problem::conflict(
            "administrators do not deactivate or reset themselves; ask another administrator",
        ));
    }
    Ok(account)
}

#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "admin",
    responses((status = 200, description = "Every account", body = Vec<AccountInfo>), Errors))]
pub async fn accounts(
    State(state): State<Shared>,
    actor: Actor,
) -> ApiResult<Json<Vec<AccountInfo>>> {
    administrator(&actor)?;
    Ok(Json(
        state
            .store
            .accounts()
            .await?
            .into_iter()
            .map(|a| AccountInfo {
                deactivated: a.deactivated_at.is_some(),
                id: a.id,
                email: a.email,
                name: a.name,
                instance_admin: a.instance_admin,
                totp_enabled: a.totp_enabled,
            })
            .collect(),
    ))
}

/// One administrative change to another account, recorded as `kind` with the
/// administrator's name.
async fn administer(
    state: &Shared,
    client: &Client,
    actor: &Actor,
    id: &str,
    kind: &str,
    change: impl AsyncFnOnce(&covenant_store::Store, &Account) -> Result<(), Problem>,
) -> ApiResult<StatusCode> {
    let account = target(state, actor, id).await?;
    change(&state.store, &account).await?;
    security_log::record(
        state,
        client,
        Event::new(kind)
            .account(&account)
            .detail(format!("by {}", actor.name())),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{account}/deactivate", tag = "admin",
    params(("account" = String, Path, description = "Account id")),
    responses((status = 204, description = "Deactivated: its sessions and API tokens ended"), Errors))]
pub async fn deactivate(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now_ms();
    administer(
        &state,
        &client,
        &actor,
        &id,
        "account.deactivated",
        async |store, a| {
            store.set_deactivated(&a.id, Some(now)).await?;
            Ok(())
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{account}/reactivate", tag = "admin",
    params(("account" = String, Path, description = "Account id")),
    responses((status = 204, description = "Reactivated (its old tokens stay revoked)"), Errors))]
pub async fn reactivate(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    administer(
        &state,
        &client,
        &actor,
        &id,
        "account.reactivated",
        async |store, a| {
            store.set_deactivated(&a.id, None).await?;
            Ok(())
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{account}/reset-totp", tag = "admin",
    params(("account" = String, Path, description = "Account id")),
    responses((status = 204, description = "Second factor removed; the account enrols again at its next sign-in"), Errors))]
pub async fn reset_totp(
    State(state): State<Shared>,
    client: Client,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    administer(
        &state,
        &client,
        &actor,
        &id,
        "totp.reset",
        async |store, a| Ok(store.reset_totp(&a.id).await?),
    )
    .await
}
