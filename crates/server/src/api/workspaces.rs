//! Workspaces: the caller's list, creation from a program directory, and the dashboard
//! summary.

use super::Path;
use crate::api::Errors;
use crate::auth::actor::{Actor, Via, access};
use crate::problem::{ApiResult, Problem};
use crate::role::{Permission, Role};
use crate::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use covenant_engine::claim::ClaimState;
use covenant_engine::obligation::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct WorkspaceInfo {
    pub slug: String,
    pub name: String,
    pub role: String,
    pub program_source: String,
    /// Ledger entries committed.
    pub ledger_size: u64,
    pub organization: String,
    pub product: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewWorkspace {
    /// Lowercase letters, digits and dashes; used in URLs.
    pub slug: String,
    pub name: String,
    /// A program directory on the server, under the configured import root.
    pub program_path: String,
}

pub fn info(state: &Shared, slug: &str, role: &str) -> Option<WorkspaceInfo> {
    let live = state.live(slug)?;
    let view = live.view();
    let m = &view.program.manifest;
    Some(WorkspaceInfo {
        slug: live.workspace.slug.clone(),
        name: live.workspace.name.clone(),
        role: role.to_string(),
        program_source: live.workspace.program_source.clone(),
        ledger_size: view.size,
        organization: m
            .as_ref()
            .map(|m| m.value.organization.name.clone())
            .unwrap_or_default(),
        product: m
            .as_ref()
            .map(|m| m.value.product.name.clone())
            .unwrap_or_default(),
    })
}

#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    responses((status = 200, description = "Workspaces the caller belongs to", body = Vec<WorkspaceInfo>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: Actor,
) -> ApiResult<Json<Vec<WorkspaceInfo>>> {
    let only = match &actor.via {
        Via::Token(t, _) => Some(t.workspace_id.clone()),
        Via::Session(_) => None,
    };
    let rows = state.store.memberships(&actor.account.id).await?;
    Ok(Json(
        rows.into_iter()
            .filter(|(w, _)| only.as_ref().is_none_or(|id| id == &w.id))
            .filter_map(|(w, role)| info(&state, &w.slug, &role))
            .collect(),
    ))
}

pub fn valid_slug(slug: &str) -> bool {
    (2..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
}

#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", request_body = NewWorkspace,
    responses((status = 201, description = "Created; the caller is its owner", body = WorkspaceInfo), Errors))]
pub async fn create(
    State(state): State<Shared>,
    actor: Actor,
    body: Result<Json<NewWorkspace>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<WorkspaceInfo>)> {
    let Json(req) = body?;
    if !matches!(actor.via, Via::Session(_)) {
        return Err(Problem::forbidden(
            "workspaces are created from a browser session",
        ));
    }
    if !actor.account.totp_enabled {
        return Err(Problem::forbidden(
            "owners must enrol a second factor first",
        ));
    }
    if !actor.account.instance_admin && !state.settings.anyone_creates_workspaces {
        return Err(Problem::forbidden(
            "only instance administrators create workspaces on this server",
        ));
    }
    if !valid_slug(&req.slug) {
        return Err(Problem::bad_request(
            "slug: 2–40 lowercase letters, digits and dashes",
        ));
    }
    let root = state.settings.import_root.clone().ok_or_else(|| {
        Problem::forbidden("importing programs by path is disabled on this server (--import-root)")
    })?;
    let dir = crate::workspaces::resolve_import(&root, &req.program_path)?;
    // A program directory serves one workspace: no tenant can name another's program and
    // read it through documents of its own.
    let source = dir.display().to_string();
    if state
        .all_live()
        .iter()
        .any(|l| l.workspace.program_source == source)
    {
        return Err(Problem::conflict(
            "another workspace runs this program directory; give each workspace its own checkout",
        ));
    }
    crate::workspaces::create(
        &state,
        &req.slug,
        &req.name,
        &dir,
        &actor.name(),
        Some(&actor.account.id),
    )
    .await?;
    let info = info(&state, &req.slug, Role::Owner.as_str())
        .ok_or_else(|| Problem::internal("workspace not live"))?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}", tag = "workspaces",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "The workspace", body = WorkspaceInfo), Errors))]
pub async fn get(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<WorkspaceInfo>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    info(&state, &ws, a.role.as_str())
        .map(Json)
        .ok_or_else(Problem::not_found)
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    pub at: String,
    /// Obligations by status (`met`, `waived`, `upcoming`, `due-soon`, `missed`, `overdue`).
    pub obligations: BTreeMap<String, usize>,
    pub overdue: Vec<ObligationBrief>,
    pub due_soon: Vec<ObligationBrief>,
    pub claims: BTreeMap<String, usize>,
    pub unbacked_claims: Vec<String>,
    /// Controls by health.
    pub controls: BTreeMap<String, usize>,
    /// Open findings' SLA obligations by status.
    pub findings_sla: BTreeMap<String, usize>,
    pub findings_total: usize,
    pub evidence_total: i64,
    pub ledger_size: u64,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct ObligationBrief {
    pub id: String,
    pub title: String,
    pub due: String,
}

/// Counts by status, naming each status once: a workspace has tens of thousands of
/// obligations and only a handful of statuses.
fn tally(statuses: impl Iterator<Item = Status>) -> BTreeMap<String, usize> {
    let mut counts: Vec<(Status, usize)> = Vec::new();
    for s in statuses {
        match counts.iter_mut().find(|(k, _)| *k == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s, 1)),
        }
    }
    counts
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect()
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/summary", tag = "workspaces",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "Where the program stands now", body = Summary), Errors))]
pub async fn summary(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<Summary>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let eval = a.live.evaluation_or_stale(state.clock.now()).await?;
    Ok(Json(summarize(&a.live, &eval)))
}

/// Where the program stands in an evaluation (API summary and the web dashboard).
pub fn summarize(live: &crate::live::Live, eval: &covenant_engine::Evaluation) -> Summary {
    let view = live.view();
    let obligations = tally(eval.obligations.iter().map(|o| o.status));
    // Findings' clocks are their response and remediation obligations.
    let findings_sla = tally(
        eval.obligations
            .iter()
            .filter(|o| {
                matches!(
                    o.kind,
                    covenant_engine::obligation::ObligationKind::Response
                        | covenant_engine::obligation::ObligationKind::Remediation
                )
            })
            .map(|o| o.status),
    );
    let brief = |s: Status| -> Vec<ObligationBrief> {
        eval.obligations
            .iter()
            .filter(|o| o.status == s)
            .take(20)
            .map(|o| ObligationBrief {
                id: o.id.clone(),
                title: o.title.clone(),
                due: o.due.to_string(),
            })
            .collect()
    };
    let mut claims = BTreeMap::new();
    for c in &eval.claims {
        *claims.entry(c.state.as_str().to_string()).or_insert(0) += 1;
    }
    let mut controls = BTreeMap::new();
    for c in &eval.controls {
        *controls.entry(c.health.as_str().to_string()).or_insert(0) += 1;
    }
    Summary {
        at: eval.at.to_string(),
        obligations,
        overdue: brief(Status::Overdue),
        due_soon: brief(Status::DueSoon),
        claims,
        unbacked_claims: eval
            .claims
            .iter()
            .filter(|c| c.state == ClaimState::Unbacked)
            .map(|c| c.id.to_string())
            .collect(),
        controls,
        findings_sla,
        findings_total: view.findings.len(),
        evidence_total: i64::try_from(view.evidence).unwrap_or(i64::MAX),
        ledger_size: view.size,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SetMfaPolicy {
    pub policy: crate::role::MfaPolicy,
}

#[utoipa::path(put, path = "/api/v1/workspaces/{workspace}/mfa-policy", tag = "workspaces", request_body = SetMfaPolicy,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 204, description = "Policy set; it applies to the next request of every member"), Errors))]
pub async fn set_mfa_policy(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    body: Result<Json<SetMfaPolicy>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let a = access(&state, actor, &ws, Permission::ManageOwners).await?;
    let Json(req) = body?;
    mfa_policy_for(&state, &a, req.policy).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets who needs a second factor (API and web settings), recorded as
/// `workspace.mfa_policy_set` in the same commit as the change.
pub async fn mfa_policy_for(
    state: &Shared,
    a: &crate::auth::actor::Access,
    policy: crate::role::MfaPolicy,
) -> Result<(), Problem> {
    let now = state.clock.now();
    let entry = serde_json::json!({
        "type": "workspace.mfa_policy_set",
        "policy": policy.as_str(),
        "by": a.actor.name(),
        "at": now.to_string(),
    });
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![entry],
            vec![covenant_store::Projection::MfaPolicy(
                policy.as_str().to_string(),
            )],
        )
        .await?;
    Ok(())
}
