//! Evidence: the upload form (a file input that JavaScript turns into a drop zone), the
//! list newest first, and one item with its ledger entry, download link, the obligations
//! it met, and a "verify" button that checks its inclusion proof in the browser.

use super::csrf::UploadActor;
use super::{Shell, WebActor, WebError, WebResult, enter, render};
use crate::api::evidence::{Upload, read, record};
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use crate::upload;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use covenant_store::{EvidenceFilter, EvidenceRow};
use serde::Deserialize;

const PAGE: i64 = 50;
const KINDS: [&str; 7] = [
    "document",
    "attestation",
    "report",
    "command-output",
    "log",
    "configuration",
    "url",
];

pub struct Line {
    pub seq: i64,
    pub control: String,
    pub kind: String,
    pub file: String,
    pub size: String,
    pub effective: String,
    pub recorded: String,
    pub by: String,
}

fn line(r: EvidenceRow) -> Line {
    Line {
        seq: r.seq,
        file: r.filename.unwrap_or_else(|| "(no file)".into()),
        size: r.size.map(human_size).unwrap_or_default(),
        control: r.control,
        kind: r.kind,
        effective: r.effective,
        recorded: super::when_ms(r.recorded_at),
        by: r.recorded_by,
    }
}

fn human_size(n: i64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

pub struct ControlOption {
    pub id: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Line>,
    total: i64,
    next: String,
    first_page: bool,
    control: String,
    kind: String,
    controls: Vec<ControlOption>,
    kinds: [&'static str; 7],
    today: String,
    can_upload: bool,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    control: Option<String>,
    /// Preselects the upload form's kind (links from an evidence obligation).
    kind: Option<String>,
    before: Option<i64>,
}

async fn list_page(
    state: &Shared,
    a: &crate::auth::actor::Access,
    q: ListQuery,
    error: String,
) -> WebResult {
    let control = q.control.filter(|c| !c.is_empty());
    let mut rows = state
        .store
        .evidence(
            &a.live.workspace.id,
            &EvidenceFilter {
                control: control.clone(),
                before: q.before,
                limit: PAGE + 1,
            },
        )
        .await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let next = if more {
        rows.last().map(|r| r.seq.to_string()).unwrap_or_default()
    } else {
        String::new()
    };
    let view = a.live.view();
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ListPage {
        shell: Shell::for_access("Evidence", a, "evidence"),
        rows: rows.into_iter().map(line).collect(),
        total: i64::try_from(view.evidence).unwrap_or(i64::MAX),
        next,
        first_page: q.before.is_none(),
        control: control.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        controls: view
            .program
            .controls
            .iter()
            .map(|c| ControlOption {
                id: c.value.id.clone(),
                title: c.value.title.clone(),
            })
            .collect(),
        kinds: KINDS,
        today: state
            .clock
            .now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
        can_upload: a.role.allows(Permission::Record),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn list(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ReadEvidence).await?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    list_page(&state, &a, q, String::new()).await
}

/// The upload form: the session is authenticated from the headers, the role checked, and
/// the form's first field must be the session's CSRF token (`csrf::UploadActor`) before
/// the file is streamed to disk by the reader the API uses.
pub async fn upload(
    State(state): State<Shared>,
    caller: UploadActor,
    Path(ws): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> WebResult {
    let mut form = form.map_err(upload::rejection_problem)?;
    let a = caller
        .enter(&state, &ws, Permission::Record, &mut form)
        .await?;
    let fields = read(&state, &mut form).await?;
    // A refused upload shows the form again with the reason, filtered as it was.
    let again = |msg: &str| {
        let q = ListQuery {
            control: fields.control.clone(),
            kind: fields.kind.clone(),
            before: None,
        };
        (q, msg.to_string())
    };
    let Some((file_name, file)) = fields.file else {
        let (q, msg) = again("Choose a file to upload (or drop one on the drop zone).");
        return list_page(&state, &a, q, msg).await;
    };
    let Some(ctl) = fields.control.clone() else {
        let (q, msg) = again("Choose the control this evidence is for.");
        return list_page(&state, &a, q, msg).await;
    };
    let kind = fields.kind.clone();
    let upload = Upload {
        file_name,
        file,
        control: ctl.clone(),
        kind: kind.clone(),
        effective: fields.effective,
        note: fields.note,
    };
    match record(&state, &a, upload).await {
        Ok(row) => {
            Ok(Redirect::to(&format!("/w/{ws}/evidence/{}?uploaded=1", row.seq)).into_response())
        }
        Err(p) if p.status == 400 => {
            let q = ListQuery {
                control: Some(ctl),
                kind,
                before: None,
            };
            let msg = p.detail.as_deref().unwrap_or("The upload was refused.");
            list_page(&state, &a, q, msg.to_string()).await
        }
        Err(p) => Err(WebError(p)),
    }
}

pub struct Met {
    pub id: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "evidence_item.html")]
struct ItemPage {
    shell: Shell,
    e: Line,
    note: String,
    blob: String,
    entry_type: String,
    entry_actor: String,
    entry_json: String,
    met: Vec<Met>,
    uploaded: bool,
}

#[derive(Deserialize, Default)]
pub struct ItemQuery {
    uploaded: Option<String>,
}

pub async fn item(
    State(state): State<Shared>,
    actor: WebActor,
    Path((ws, seq)): Path<(String, String)>,
    q: Result<Query<ItemQuery>, axum::extract::rejection::QueryRejection>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ReadEvidence).await?;
    let seq: i64 = seq.parse().map_err(|_| Problem::not_found())?;
    let row = state
        .store
        .evidence_item(&a.live.workspace.id, seq)
        .await?
        .ok_or_else(Problem::not_found)?;
    let entry = state
        .store
        .entries_from(&a.live.workspace.id, seq, 1)
        .await?
        .into_iter()
        .next()
        .filter(|e| e.seq == seq)
        .ok_or_else(Problem::not_found)?;
    let pretty = serde_json::from_str::<serde_json::Value>(&entry.body)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or(entry.body.clone());
    let eval = a.live.evaluation_or_stale(state.clock.now()).await?;
    let met = eval
        .obligations
        .iter()
        .filter(|o| o.met_by.and_then(|m| i64::try_from(m).ok()) == Some(seq))
        .map(|o| Met {
            id: o.id.clone(),
            title: o.title.clone(),
        })
        .collect();
    render(&ItemPage {
        shell: Shell::for_access("Evidence", &a, "evidence"),
        note: row.note.clone().unwrap_or_default(),
        blob: row.blob.clone().unwrap_or_default(),
        e: line(row),
        entry_type: entry.entry_type,
        entry_actor: entry.actor,
        entry_json: pretty,
        met,
        uploaded: q.is_ok_and(|Query(q)| q.uploaded.is_some()),
    })
}
