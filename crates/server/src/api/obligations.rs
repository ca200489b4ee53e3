//! Obligations at this moment: status, due date, what met them.

use super::Path;
use crate::api::{Errors, Page, PageQuery, page_slice};
use crate::auth::actor::{Actor, access};
use crate::problem::{ApiResult, Problem};
use crate::role::Permission;
use crate::state::Shared;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// Only this status (`met`, `waived`, `upcoming`, `due-soon`, `missed`, `overdue`).
    pub status: Option<String>,
    /// Only obligations of this control.
    pub control: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/obligations", tag = "obligations",
    params(("workspace" = String, Path, description = "Workspace slug"), Filter),
    responses((status = 200, description = "Obligations by due date", body = Page<crate::api::program::Item>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<crate::api::program::Item>>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let Query(f) = q?;
    let eval = a.live.evaluation(state.clock.now()).await?;
    let all: Vec<crate::api::program::Item> = eval
        .obligations
        .iter()
        .filter(|o| {
            f.control
                .as_ref()
                .is_none_or(|c| o.control.as_ref() == Some(c))
        })
        .map(|o| crate::api::program::Item {
            id: o.id.clone(),
            body: serde_json::to_value(o).unwrap_or(Value::Null),
        })
        .filter(|i| {
            f.status
                .as_ref()
                .is_none_or(|s| i.body.get("status").and_then(Value::as_str) == Some(s))
        })
        .collect();
    Ok(Json(page_slice(
        &all,
        &PageQuery {
            limit: f.limit,
            cursor: f.cursor,
        },
    )?))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/obligations/{obligation}", tag = "obligations",
    params(("workspace" = String, Path, description = "Workspace slug"), ("obligation" = String, Path, description = "Obligation id")),
    responses((status = 200, description = "One obligation", body = crate::api::program::Item), Errors))]
pub async fn get(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<crate::api::program::Item>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let eval = a.live.evaluation(state.clock.now()).await?;
    eval.obligations
        .iter()
        .find(|o| o.id == id)
        .map(|o| {
            Json(crate::api::program::Item {
                id: o.id.clone(),
                body: serde_json::to_value(o).unwrap_or(Value::Null),
            })
        })
        .ok_or_else(Problem::not_found)
}
