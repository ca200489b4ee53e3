//! The workspace's program (controls, commitments), reloading it, and its published
//! documents rendered from the program and the evaluation.

use super::Path;
use crate::api::{Errors, Page, PageQuery, page_slice};
use crate::auth::actor::{Actor, access};
use crate::problem::{ApiResult, Problem};
use crate::role::Permission;
use crate::state::Shared;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use covenant_engine::claim::ClaimId;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema, Clone)]
pub struct Item {
    pub id: String,
    /// The item as written in the program (YAML as JSON), with its claim state for
    /// controls and commitments.
    #[schema(value_type = Object)]
    pub body: Value,
}

#[derive(Serialize, ToSchema)]
pub struct ProgramInfo {
    #[schema(value_type = Object)]
    pub manifest: Value,
    pub controls: usize,
    pub commitments: usize,
    pub areas: usize,
    pub policies: usize,
    pub deployment_models: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/program", tag = "program",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "The program's manifest and sizes", body = ProgramInfo), Errors))]
pub async fn info(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<ProgramInfo>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let v = a.live.view();
    let p = &v.program;
    Ok(Json(ProgramInfo {
        manifest: p
            .manifest
            .as_ref()
            .map(|m| serde_json::to_value(&m.value).unwrap_or(Value::Null))
            .unwrap_or(Value::Null),
        controls: p.controls.len(),
        commitments: p.commitments.len(),
        areas: p.areas.len(),
        policies: p.policies.len(),
        deployment_models: p
            .manifest
            .as_ref()
            .map(|m| {
                m.value
                    .deployment_models
                    .iter()
                    .map(|d| d.id.clone())
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

fn items<T: Serialize>(
    list: &[covenant_model::Located<T>],
    id: impl Fn(&T) -> String,
    claim: impl Fn(&str) -> Option<String>,
) -> Vec<Item> {
    list.iter()
        .map(|l| {
            let id = id(&l.value);
            let mut body = serde_json::to_value(&l.value).unwrap_or(Value::Null);
            if let (Some(m), Some(c)) = (body.as_object_mut(), claim(&id)) {
                m.insert("claim".into(), json!(c));
            }
            Item { id, body }
        })
        .collect()
}

fn claim_state(eval: &covenant_engine::Evaluation, id: &ClaimId) -> Option<String> {
    eval.claim(id).map(|c| c.state.as_str().to_string())
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/controls", tag = "program",
    params(("workspace" = String, Path, description = "Workspace slug"), PageQuery),
    responses((status = 200, description = "Controls with their claim state", body = Page<Item>), Errors))]
pub async fn controls(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Item>>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let Query(q) = q?;
    let eval = a.live.evaluation(state.clock.now()).await?;
    let v = a.live.view();
    let all = items(
        &v.program.controls,
        |c| c.id.clone(),
        |id| claim_state(&eval, &ClaimId::control(id)),
    );
    Ok(Json(page_slice(&all, &q)?))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/controls/{control}", tag = "program",
    params(("workspace" = String, Path, description = "Workspace slug"), ("control" = String, Path, description = "Control id")),
    responses((status = 200, description = "One control", body = Item), Errors))]
pub async fn control(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<Item>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let eval = a.live.evaluation(state.clock.now()).await?;
    let v = a.live.view();
    items(
        &v.program.controls,
        |c| c.id.clone(),
        |id| claim_state(&eval, &ClaimId::control(id)),
    )
    .into_iter()
    .find(|i| i.id == id)
    .map(Json)
    .ok_or_else(Problem::not_found)
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/commitments", tag = "program",
    params(("workspace" = String, Path, description = "Workspace slug"), PageQuery),
    responses((status = 200, description = "Commitments with their claim state", body = Page<Item>), Errors))]
pub async fn commitments(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Item>>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let Query(q) = q?;
    let eval = a.live.evaluation(state.clock.now()).await?;
    let v = a.live.view();
    let all = items(
        &v.program.commitments,
        |c| c.id.clone(),
        |id| claim_state(&eval, &ClaimId::commitment(id)),
    );
    Ok(Json(page_slice(&all, &q)?))
}

#[derive(Serialize, ToSchema)]
pub struct Reloaded {
    pub controls: usize,
    pub warnings: usize,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/program/reload", tag = "program",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Program reloaded from its source", body = Reloaded), Errors))]
pub async fn reload(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<Reloaded>> {
    let a = access(&state, actor, &ws, Permission::ManageProgram).await?;
    let dir = std::path::PathBuf::from(&a.live.workspace.program_source);
    let (program, warnings) = crate::workspaces::load_program(&dir)?;
    let controls = program.controls.len();
    a.live.replace_program(program);
    let now = state.clock.now();
    let entry =
        crate::workspaces::program_entry("program.reloaded", &dir, &a.actor.name(), now).await;
    a.live
        .record(&state.store, &a.actor.name(), now, vec![entry], vec![])
        .await?;
    Ok(Json(Reloaded { controls, warnings }))
}

/// The published documents, rendered from the program and the claims now (API and web).
pub async fn render(
    state: &Shared,
    live: &crate::live::Live,
) -> Result<covenant_publish::Output, Problem> {
    let eval = live.evaluation(state.clock.now()).await?;
    publish(live, &eval)
}

/// The published documents for the claims of one evaluation.
pub fn publish(
    live: &crate::live::Live,
    eval: &covenant_engine::Evaluation,
) -> Result<covenant_publish::Output, Problem> {
    let v = live.view();
    let claims = eval
        .claims
        .iter()
        .map(|c| (c.id.clone(), c.state))
        .collect();
    covenant_publish::publish(
        &v.program,
        &covenant_publish::Options {
            claims,
            ..Default::default()
        },
    )
    .map_err(|e| {
        Problem::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "publish-failed",
            "The documents could not be rendered",
        )
        .detail(e.to_string())
    })
}

#[derive(Serialize, ToSchema)]
pub struct DocumentInfo {
    pub path: String,
    pub bytes: usize,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/documents", tag = "documents",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "The published documents", body = Vec<DocumentInfo>), Errors))]
pub async fn documents(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<Vec<DocumentInfo>>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let out = render(&state, &a.live).await?;
    Ok(Json(
        out.files
            .iter()
            .map(|(p, b)| DocumentInfo {
                path: p.clone(),
                bytes: b.len(),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/documents/{path}", tag = "documents",
    params(("workspace" = String, Path, description = "Workspace slug"), ("path" = String, Path, description = "Document path, e.g. `matrix.md`")),
    responses((status = 200, description = "The document, typed by its extension", content(
        (String = "text/markdown"), (String = "text/html"), (serde_json::Value = "application/json"),
        (String = "image/svg+xml"), (Vec<u8> = "application/octet-stream"))), Errors))]
pub async fn document(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, path)): Path<(String, String)>,
) -> ApiResult<Response> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let out = render(&state, &a.live).await?;
    let bytes = out
        .files
        .get(&path)
        .cloned()
        .ok_or_else(Problem::not_found)?;
    let ct = match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    // Rendered documents are shown, never run: no script may execute in them.
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
        ),
    );
    Ok(res)
}
