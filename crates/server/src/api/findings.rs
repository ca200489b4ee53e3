//! Vulnerability findings: import scanner output, list with filters, triage.

use super::Path;
use crate::api::{Errors, Page, page};
use crate::auth::actor::{Actor, access};
use crate::problem::{ApiResult, Problem};
use crate::role::Permission;
use crate::state::Shared;
use axum::Json;
use axum::extract::{Multipart, Query, State};
use covenant_store::{FindingFilter, FindingRow, Projection};
use covenant_vuln::{Finding, FindingEvent, FindingSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct FindingInfo {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub score: Option<f64>,
    pub status: String,
    pub component: String,
    pub first_detected: String,
    /// The whole finding: aliases, CVSS vectors, sources, status detail.
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// `open`, `triaged`, `fixed`, `risk_accepted` or `not_affected`.
    pub status: Option<String>,
    /// `critical`, `high`, `medium`, `low` or `none`.
    pub severity: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The row a finding is listed and filtered by.
pub fn row(f: &Finding) -> FindingRow {
    let r = f.rating();
    FindingRow {
        id: f.id.clone(),
        title: format!("{} in {}", f.vulnerability(), f.component.name),
        severity: r.severity.as_str().to_string(),
        score_tenths: r.score.map(|s| (s * 10.0).round() as i64),
        status: f.status.as_str().to_string(),
        component: match &f.component.version {
            Some(v) => format!("{}@{v}", f.component.name),
            None => f.component.name.clone(),
        },
        first_detected: f
            .first_detected
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .unwrap_or(0),
        body: serde_json::to_string(f).unwrap_or_default(),
    }
}

fn info(r: FindingRow) -> FindingInfo {
    FindingInfo {
        score: r.score_tenths.map(|s| s as f64 / 10.0),
        first_detected: crate::api::time(r.first_detected),
        detail: serde_json::from_str(&r.body).unwrap_or(Value::Null),
        id: r.id,
        title: r.title,
        severity: r.severity,
        status: r.status,
        component: r.component,
    }
}

/// Rows for every finding the planned events touch, as they will stand after them.
pub fn projections(
    current: &FindingSet,
    planned: &[FindingEvent],
) -> Result<Vec<Projection>, Problem> {
    let mut after = current.clone();
    for (i, e) in planned.iter().enumerate() {
        covenant_vuln::event::apply(&mut after, i, e)
            .map_err(|e| Problem::bad_request(e.to_string()))?;
    }
    let mut ids: Vec<&str> = planned.iter().map(FindingEvent::finding).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids
        .into_iter()
        .filter_map(|id| after.get(id).map(|f| Projection::Finding(row(f))))
        .collect())
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/findings", tag = "findings",
    params(("workspace" = String, Path, description = "Workspace slug"), Filter),
    responses((status = 200, description = "Findings by id", body = Page<FindingInfo>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<FindingInfo>>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    let Query(f) = q?;
    let limit = crate::api::PageQuery {
        limit: f.limit,
        cursor: None,
    }
    .limit()?;
    let rows = state
        .store
        .findings(
            &a.live.workspace.id,
            &FindingFilter {
                status: f.status,
                severity: f.severity,
                after: f.cursor,
                limit: limit + 1,
            },
        )
        .await?;
    Ok(Json(page(rows, limit, |r| r.id.clone(), info)))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/findings/{finding}", tag = "findings",
    params(("workspace" = String, Path, description = "Workspace slug"), ("finding" = String, Path, description = "Finding id")),
    responses((status = 200, description = "One finding", body = FindingInfo), Errors))]
pub async fn get(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, id)): Path<(String, String)>,
) -> ApiResult<Json<FindingInfo>> {
    let a = access(&state, actor, &ws, Permission::Read).await?;
    state
        .store
        .finding(&a.live.workspace.id, &id)
        .await?
        .map(|r| Json(info(r)))
        .ok_or_else(Problem::not_found)
}

#[derive(Deserialize, ToSchema)]
pub struct Triage {
    /// `open`, `triaged`, `fixed`, `not_affected` or `risk_accepted`.
    pub status: String,
    /// VEX justification, required for `not_affected`.
    pub justification: Option<String>,
    pub note: Option<String>,
    /// For `risk_accepted`: why, who approved it, and until when (RFC 3339 or a date).
    pub reason: Option<String>,
    pub approver: Option<String>,
    pub until: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/findings/{finding}/triage", tag = "findings", request_body = Triage,
    params(("workspace" = String, Path, description = "Workspace slug"), ("finding" = String, Path, description = "Finding id")),
    responses((status = 200, description = "The finding after triage", body = FindingInfo), Errors))]
pub async fn triage(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, id)): Path<(String, String)>,
    body: Result<Json<Triage>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<FindingInfo>> {
    let a = access(&state, actor, &ws, Permission::Decide).await?;
    let Json(t) = body?;
    apply_triage(&state, &a, &id, t)
        .await
        .map(|r| Json(info(r)))
}

/// Validates a triage and records its `finding.triaged` entry (API and web triage form).
pub async fn apply_triage(
    state: &Shared,
    a: &crate::auth::actor::Access,
    id: &str,
    t: Triage,
) -> Result<FindingRow, Problem> {
    let view = a.live.view();
    if view.finding_set.get(id).is_none() {
        return Err(Problem::not_found());
    }
    let now = state.clock.now();
    let req = covenant_vuln::TriageRequest {
        status: t.status,
        justification: t.justification,
        note: t.note,
        reason: t.reason,
        approver: t.approver,
        until: t.until,
    };
    let event = covenant_vuln::triage(
        &view.finding_set,
        id,
        &req,
        &a.actor.name(),
        &now.to_string(),
    )
    .map_err(|e| Problem::bad_request(e.to_string()))?;
    let rows = projections(&view.finding_set, std::slice::from_ref(&event))?;
    a.live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![event.to_json()],
            rows,
        )
        .await?;
    state
        .store
        .finding(&a.live.workspace.id, id)
        .await?
        .ok_or_else(Problem::not_found)
}

#[derive(Serialize, ToSchema)]
pub struct Ingested {
    pub format: String,
    pub observations: usize,
    pub opened: usize,
    pub seen: usize,
    pub triaged: usize,
    pub warnings: Vec<String>,
}

/// Imports one scanner report, SBOM with vulnerabilities, or VEX document (multipart
/// field `file`). Findings open with the SLA terms in force now.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/findings/import", tag = "findings",
    params(("workspace" = String, Path, description = "Workspace slug")),
    request_body(content_type = "multipart/form-data", content = String, description = "field `file`: the report"),
    responses((status = 200, description = "What the import changed", body = Ingested), Errors))]
pub async fn import(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<Ingested>> {
    let a = access(&state, actor, &ws, Permission::Record).await?;
    let mut form = form.map_err(crate::upload::rejection_problem)?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(crate::upload::multipart_problem)?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(crate::upload::multipart_problem)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| Problem::bad_request("multipart field `file` is required"))?;
    let imp =
        covenant_vuln::import(&name, &bytes).map_err(|e| Problem::bad_request(e.to_string()))?;
    let now = state.clock.now();
    let view = a.live.view();
    let opts = covenant_vuln::IngestOptions {
        at: now.to_string(),
        default_severity: covenant_vuln::Severity::Medium,
    };
    let observations = imp.observations.len();
    let planned = covenant_vuln::plan_ingest_owned(&view.finding_set, imp.observations, &opts);
    let count = |t: &str| planned.iter().filter(|e| e.to_json()["type"] == t).count();
    let summary = Ingested {
        format: imp.format.as_str().to_string(),
        observations,
        opened: count("finding.opened"),
        seen: count("finding.seen"),
        triaged: count("finding.triaged"),
        warnings: imp.warnings.iter().map(|w| w.to_string()).collect(),
    };
    if !planned.is_empty() {
        let mut values: Vec<Value> = planned.iter().map(FindingEvent::to_json).collect();
        covenant_vuln::sla::record_terms(&view.program, &view.finding_set, &planned, &mut values);
        let rows = projections(&view.finding_set, &planned)?;
        a.live
            .record(&state.store, &a.actor.name(), now, values, rows)
            .await?;
    }
    Ok(Json(summary))
}
