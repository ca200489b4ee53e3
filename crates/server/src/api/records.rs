//! Incidents, releases and waivers: events that start, stop or pause obligation clocks.

use super::Path;
use crate::api::{Errors, Page, PageQuery, page, time};
use crate::auth::actor::{Access, Actor, access};
use crate::problem::{ApiResult, Problem};
use crate::role::Permission;
use crate::state::Shared;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use covenant_engine::event::Event;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Record {
    pub seq: i64,
    #[serde(rename = "type")]
    pub entry_type: String,
    pub actor: String,
    pub recorded_at: String,
    #[schema(value_type = Object)]
    pub entry: Value,
}

async fn list_of(
    state: &Shared,
    actor: Actor,
    ws: &str,
    prefix: &str,
    q: PageQuery,
) -> ApiResult<Json<Page<Record>>> {
    let a = access(state, actor, ws, Permission::Read).await?;
    let limit = q.limit()?;
    let before = match q.cursor {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| Problem::bad_request("cursor is not valid"))?,
        ),
    };
    let rows = state
        .store
        .entries_of_type(&a.live.workspace.id, prefix, before, limit + 1)
        .await?;
    Ok(Json(page(
        rows,
        limit,
        |r| r.seq.to_string(),
        |r| Record {
            seq: r.seq,
            entry_type: r.entry_type,
            actor: r.actor,
            recorded_at: time(r.at),
            entry: serde_json::from_str(&r.body).unwrap_or(Value::Null),
        },
    )))
}

/// Records `event` for a caller whose access the handler has checked (before reading the
/// body, so that a foreign workspace answers 404 whatever the body says).
async fn record(state: &Shared, a: &Access, event: Event) -> ApiResult<(StatusCode, Json<Record>)> {
    let now = state.clock.now();
    let value = serde_json::to_value(&event).map_err(Problem::internal)?;
    let seqs = a
        .live
        .record(
            &state.store,
            &a.actor.name(),
            now,
            vec![value.clone()],
            vec![],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Record {
            seq: seqs
                .first()
                .and_then(|s| i64::try_from(*s).ok())
                .unwrap_or(0),
            entry_type: value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            actor: a.actor.name(),
            recorded_at: time(now.as_millisecond()),
            entry: value,
        }),
    ))
}

type Q = Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>;
type B<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn at(s: &Option<String>, now: jiff::Timestamp) -> Result<jiff::Timestamp, Problem> {
    match s {
        None => Ok(now),
        Some(t) => t
            .parse()
            .map_err(|_| Problem::bad_request("`at` must be an RFC 3339 time")),
    }
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/incidents", tag = "incidents",
    params(("workspace" = String, Path, description = "Workspace slug"), PageQuery),
    responses((status = 200, description = "Incident entries, newest first", body = Page<Record>), Errors))]
pub async fn incidents(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Q,
) -> ApiResult<Json<Page<Record>>> {
    list_of(&state, actor, &ws, "incident.", q?.0).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewIncident {
    /// A short id, e.g. `INC-2026-07`.
    #[schema(pattern = r"\S")]
    pub incident: String,
    #[schema(pattern = r"\S")]
    pub title: String,
    /// When it was confirmed (default: now); the notice clock starts here.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    /// The notice commitment whose terms apply.
    pub commitment: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/incidents", tag = "incidents", request_body = NewIncident,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 201, description = "Incident opened", body = Record), Errors))]
pub async fn open_incident(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    body: B<NewIncident>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let a = access(&state, actor, &ws, Permission::Record).await?;
    let Json(r) = body?;
    if r.incident.trim().is_empty() || r.title.trim().is_empty() {
        return Err(Problem::bad_request("incident and title are required"));
    }
    let now = state.clock.now();
    let ev = Event::IncidentOpened {
        incident: r.incident,
        title: r.title,
        at: at(&r.at, now)?,
        commitment: r.commitment,
        within: None,
    };
    record(&state, &a, ev).await
}

#[derive(Deserialize, ToSchema)]
pub struct IncidentStep {
    /// `notified` (customers were told) or `closed`.
    #[schema(pattern = "^(notified|closed)$")]
    pub step: String,
    #[schema(format = DateTime)]
    pub at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/incidents/{incident}", tag = "incidents", request_body = IncidentStep,
    params(("workspace" = String, Path, description = "Workspace slug"), ("incident" = String, Path, description = "Incident id")),
    responses((status = 201, description = "Recorded", body = Record), Errors))]
pub async fn incident_step(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, incident)): Path<(String, String)>,
    body: B<IncidentStep>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let a = access(&state, actor, &ws, Permission::Record).await?;
    let Json(r) = body?;
    let known = a
        .live
        .view()
        .events
        .iter()
        .any(|(_, e)| matches!(e, Event::IncidentOpened { incident: i, .. } if *i == incident));
    let now = state.clock.now();
    let at = at(&r.at, now)?;
    let ev = match r.step.as_str() {
        "notified" => Event::IncidentNotified { incident, at },
        "closed" => Event::IncidentClosed { incident, at },
        _ => return Err(Problem::bad_request("step must be `notified` or `closed`")),
    };
    if !known {
        return Err(Problem::not_found());
    }
    record(&state, &a, ev).await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/releases", tag = "releases",
    params(("workspace" = String, Path, description = "Workspace slug"), PageQuery),
    responses((status = 200, description = "Releases, newest first", body = Page<Record>), Errors))]
pub async fn releases(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Q,
) -> ApiResult<Json<Page<Record>>> {
    list_of(&state, actor, &ws, "release.", q?.0).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewRelease {
    #[schema(pattern = r"\S")]
    pub version: String,
    #[schema(format = DateTime)]
    pub at: Option<String>,
    /// Findings whose fix ships in this release.
    #[serde(default)]
    pub fixes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/releases", tag = "releases", request_body = NewRelease,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 201, description = "Release recorded", body = Record), Errors))]
pub async fn release(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    body: B<NewRelease>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let a = access(&state, actor, &ws, Permission::Record).await?;
    let Json(r) = body?;
    if r.version.trim().is_empty() {
        return Err(Problem::bad_request("version is required"));
    }
    let ev = Event::ReleaseRecorded {
        version: r.version,
        at: at(&r.at, state.clock.now())?,
        fixes: r.fixes,
    };
    record(&state, &a, ev).await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/waivers", tag = "waivers",
    params(("workspace" = String, Path, description = "Workspace slug"), PageQuery),
    responses((status = 200, description = "Waivers, newest first", body = Page<Record>), Errors))]
pub async fn waivers(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Q,
) -> ApiResult<Json<Page<Record>>> {
    list_of(&state, actor, &ws, "waiver.", q?.0).await
}

#[derive(Deserialize, ToSchema)]
pub struct NewWaiver {
    #[schema(pattern = r"\S")]
    pub obligation: String,
    #[schema(pattern = r"\S")]
    pub reason: String,
    #[schema(pattern = r"\S")]
    pub approver: String,
    /// RFC 3339 time the waiver lapses.
    #[schema(format = DateTime)]
    pub until: String,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/waivers", tag = "waivers", request_body = NewWaiver,
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 201, description = "Waiver granted", body = Record), Errors))]
pub async fn waive(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    body: B<NewWaiver>,
) -> ApiResult<(StatusCode, Json<Record>)> {
    let a = access(&state, actor, &ws, Permission::Decide).await?;
    let Json(r) = body?;
    if r.reason.trim().is_empty() || r.approver.trim().is_empty() || r.obligation.trim().is_empty()
    {
        return Err(Problem::bad_request(
            "obligation, reason and approver are required",
        ));
    }
    let until: jiff::Timestamp = r
        .until
        .parse()
        .map_err(|_| Problem::bad_request("`until` must be an RFC 3339 time"))?;
    let ev = Event::WaiverGranted {
        obligation: r.obligation,
        reason: r.reason,
        approver: r.approver,
        until,
        at: state.clock.now(),
    };
    record(&state, &a, ev).await
}
