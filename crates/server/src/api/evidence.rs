//! Evidence: upload a file for a control, list, download, and its inclusion proof.

use super::Path;
use crate::api::{Errors, Page, page, time};
use crate::auth::actor::{Actor, access};
use crate::problem::{ApiResult, Problem};
use crate::role::Permission;
use crate::state::Shared;
use crate::upload;
use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use covenant_ledger::EvidenceAdded;
use covenant_store::{EvidenceFilter, EvidenceRow, Projection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct EvidenceInfo {
    /// The ledger entry that records it.
    pub seq: i64,
    pub control: String,
    pub kind: String,
    pub effective: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub blob: Option<String>,
    pub filename: Option<String>,
    pub size: Option<i64>,
    pub note: Option<String>,
}

fn info(r: EvidenceRow) -> EvidenceInfo {
    EvidenceInfo {
        seq: r.seq,
        control: r.control,
        kind: r.kind,
        effective: r.effective,
        recorded_at: time(r.recorded_at),
        recorded_by: r.recorded_by,
        blob: r.blob,
        filename: r.filename,
        size: r.size,
        note: r.note,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    pub control: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/evidence", tag = "evidence",
    params(("workspace" = String, Path, description = "Workspace slug"), Filter),
    responses((status = 200, description = "Evidence, newest first", body = Page<EvidenceInfo>), Errors))]
pub async fn list(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<EvidenceInfo>>> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    let Query(f) = q?;
    let limit = crate::api::PageQuery {
        limit: f.limit,
        cursor: None,
    }
    .limit()?;
    let before = match f.cursor {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| Problem::bad_request("cursor is not valid"))?,
        ),
    };
    let rows = state
        .store
        .evidence(
            &a.live.workspace.id,
            &EvidenceFilter {
                control: f.control,
                before,
                limit: limit + 1,
            },
        )
        .await?;
    Ok(Json(page(rows, limit, |r| r.seq.to_string(), info)))
}

/// Uploads evidence (multipart: `file`, `control`, `kind`, `effective` date, optional
/// `note`). The effective date is the day the activity happened, which may be earlier
/// than today. The file is streamed to disk; one over the upload limit (32 MiB by
/// default) is refused with 413.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/evidence", tag = "evidence",
    params(("workspace" = String, Path, description = "Workspace slug")),
    request_body(content_type = "multipart/form-data", content = String, description = "fields `file`, `control`, `kind`, `effective`, `note`"),
    responses((status = 201, description = "Recorded", body = EvidenceInfo), Errors))]
pub async fn upload(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<EvidenceInfo>)> {
    let a = access(&state, actor, &ws, Permission::Record).await?;
    let mut form = form.map_err(upload::rejection_problem)?;
    let fields = read(&state, &mut form).await?;
    let (file_name, file) = fields
        .file
        .ok_or_else(|| Problem::bad_request("multipart field `file` is required"))?;
    let control = fields
        .control
        .ok_or_else(|| Problem::bad_request("field `control` is required"))?;
    let upload = Upload {
        file_name,
        file,
        control,
        kind: fields.kind,
        effective: fields.effective,
        note: fields.note,
    };
    let row = record(&state, &a, upload).await?;
    Ok((StatusCode::CREATED, Json(info(row))))
}

/// Reads an evidence form (API and web) with this server's upload limit.
pub async fn read(state: &Shared, form: &mut Multipart) -> Result<upload::EvidenceForm, Problem> {
    let limit = u64::try_from(state.settings.max_body).unwrap_or(u64::MAX);
    upload::read_evidence(form, &upload::staging_dir(&state.settings.data), limit).await
}

/// One uploaded file and the fields that describe it.
pub struct Upload {
    pub file_name: String,
    /// The content, staged on disk (removed once stored).
    pub file: upload::Staged,
    pub control: String,
    pub kind: Option<String>,
    /// `YYYY-MM-DD`; today when absent or empty.
    pub effective: Option<String>,
    pub note: Option<String>,
}

/// Stores the file and records its `evidence.added` entry (API and web upload).
pub async fn record(
    state: &Shared,
    a: &crate::auth::actor::Access,
    upload: Upload,
) -> Result<EvidenceRow, Problem> {
    let Upload {
        file_name: fname,
        file,
        control,
        kind,
        effective,
        note,
    } = upload;
    let view = a.live.view();
    if !view.program.controls.iter().any(|c| c.value.id == control) {
        return Err(Problem::bad_request(format!(
            "no control `{control}` in this program"
        )));
    }
    let now = state.clock.now();
    let effective = match effective.filter(|e| !e.is_empty()) {
        Some(e) => e
            .parse::<jiff::civil::Date>()
            .map_err(|_| Problem::bad_request("effective must be a YYYY-MM-DD date"))?,
        None => now.to_zoned(jiff::tz::TimeZone::UTC).date(),
    };
    let recorded_at = jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string();
    let mut entry = EvidenceAdded {
        control: control.clone(),
        // Checked before the file is stored, so a refused entry leaves no blob behind.
        blob: format!("sha256:{}", "0".repeat(64)),
        file_name: fname.clone(),
        kind: kind.clone().unwrap_or_else(|| "document".into()),
        recorded_by: a.actor.name(),
        recorded_at: recorded_at.clone(),
        collected_at: recorded_at,
        effective: effective.to_string(),
        note: note.clone(),
    };
    entry
        .validate()
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    // Hashing and copying up to the upload limit is file work: off the async threads.
    let live = a.live.clone();
    let blob = tokio::task::spawn_blocking(move || {
        let blob = live.blobs.put_file(file.path());
        drop(file);
        blob
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    entry.blob = blob.id();
    let value = entry
        .to_value()
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let row = EvidenceRow {
        seq: 0,
        control,
        kind: entry.kind.clone(),
        effective: entry.effective.clone(),
        recorded_at: now.as_millisecond(),
        recorded_by: a.actor.name(),
        blob: Some(blob.id()),
        filename: Some(fname),
        size: i64::try_from(blob.size).ok(),
        note,
    };
    let seqs = a
        .live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![value],
            vec![Projection::Evidence(0, row)],
        )
        .await?;
    let seq = seqs
        .first()
        .and_then(|s| i64::try_from(*s).ok())
        .unwrap_or(0);
    state
        .store
        .evidence_item(&a.live.workspace.id, seq)
        .await?
        .ok_or_else(|| Problem::internal("evidence row missing after commit"))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/evidence/{seq}", tag = "evidence",
    params(("workspace" = String, Path, description = "Workspace slug"), ("seq" = i64, Path, description = "Ledger sequence number")),
    responses((status = 200, description = "One piece of evidence", body = EvidenceInfo), Errors))]
pub async fn get(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, seq)): Path<(String, i64)>,
) -> ApiResult<Json<EvidenceInfo>> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    state
        .store
        .evidence_item(&a.live.workspace.id, seq)
        .await?
        .map(|r| Json(info(r)))
        .ok_or_else(Problem::not_found)
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/evidence/{seq}/download", tag = "evidence",
    params(("workspace" = String, Path, description = "Workspace slug"), ("seq" = i64, Path, description = "Ledger sequence number")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), Errors))]
pub async fn download(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, seq)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    let row = state
        .store
        .evidence_item(&a.live.workspace.id, seq)
        .await?
        .ok_or_else(Problem::not_found)?;
    let blob = row.blob.as_deref().ok_or_else(Problem::not_found)?;
    let bytes = a
        .live
        .blobs
        .get(blob)
        .map_err(Problem::internal)?
        .ok_or_else(Problem::not_found)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    // Served as an attachment of unknown type: an uploaded HTML file must never render.
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let safe: String = row
        .filename
        .unwrap_or_else(|| "evidence".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
