//! Findings: filtered by severity, status and SLA state, paginated, with SLA countdowns;
//! one finding with its history and the triage form (status, VEX justification, risk
//! acceptance with approver and expiry).

use super::{Shell, WebActor, WebError, WebForm, WebResult, countdown, enter, render, when};
use crate::api::findings::{Triage, apply_triage};
use crate::live::View;
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use covenant_engine::Evaluation;
use covenant_engine::obligation::{ObligationKind, Status};
use covenant_vuln::Finding;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::HashMap;

const PAGE: usize = 50;
const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "none"];
const STATUSES: [&str; 5] = ["open", "triaged", "fixed", "risk_accepted", "not_affected"];
const SLA: [&str; 5] = ["overdue", "due-soon", "upcoming", "met", "waived"];
const JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// A finding's SLA state: the worst of its response and remediation clocks, and the
/// nearest deadline still open.
#[derive(Clone, Copy)]
pub struct Clock {
    pub status: Status,
    pub next_due: Option<Timestamp>,
}

pub fn clocks(eval: &Evaluation) -> HashMap<&str, Clock> {
    let mut map: HashMap<&str, Clock> = HashMap::new();
    for o in &eval.obligations {
        if !matches!(
            o.kind,
            ObligationKind::Response | ObligationKind::Remediation
        ) {
            continue;
        }
        let Some(subject) = o.subject.as_deref() else {
            continue;
        };
        let open = !matches!(o.status, Status::Met | Status::Waived);
        let c = map.entry(subject).or_insert(Clock {
            status: o.status,
            next_due: None,
        });
        c.status = c.status.max(o.status);
        if open {
            c.next_due = Some(c.next_due.map_or(o.due, |d| d.min(o.due)));
        }
    }
    map
}

pub struct Row {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub score: String,
    pub status: String,
    pub component: String,
    pub sla: &'static str,
    pub countdown: String,
}

fn row(f: &Finding, clock: Option<&Clock>, now: Timestamp) -> Row {
    let r = f.rating();
    let sla = clock.map_or("none", |c| c.status.as_str());
    Row {
        id: f.id.clone(),
        title: f.vulnerability().to_string(),
        severity: r.severity.as_str().to_string(),
        score: r.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
        status: f.status.as_str().to_string(),
        component: match &f.component.version {
            Some(v) => format!("{}@{v}", f.component.name),
            None => f.component.name.clone(),
        },
        sla,
        countdown: clock
            .and_then(|c| c.next_due)
            .map(|d| format!("due {}", countdown(d, now)))
            .unwrap_or_default(),
    }
}

#[derive(Deserialize, Default)]
pub struct Filter {
    severity: Option<String>,
    status: Option<String>,
    sla: Option<String>,
    page: Option<usize>,
}

#[derive(Template)]
#[template(path = "findings.html")]
struct ListPage {
    shell: Shell,
    severities: [&'static str; 5],
    statuses: [&'static str; 5],
    slas: [&'static str; 5],
    severity: String,
    status: String,
    sla: String,
    rows: Vec<Row>,
    total: usize,
    all: usize,
    page: usize,
    pages: usize,
    query: String,
}

pub async fn list(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    q: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> WebResult {
    // A malformed query shows the unfiltered page rather than an error.
    let f = q.map(|Query(f)| f).unwrap_or_default();
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let now = state.clock.now();
    let eval = a.live.evaluation_or_stale(now).await?;
    let view = a.live.view();
    let clocks = clocks(&eval);
    let severity = f.severity.unwrap_or_default();
    let status = f.status.unwrap_or_default();
    let sla = f.sla.unwrap_or_default();
    // Filtered in memory: the finding set is already held per workspace, and the SLA state
    // comes from the evaluation, not from a column.
    let matching: Vec<&Finding> = view
        .finding_set
        .iter()
        .filter(|x| severity.is_empty() || x.rating().severity.as_str() == severity)
        .filter(|x| status.is_empty() || x.status.as_str() == status)
        .filter(|x| {
            sla.is_empty()
                || clocks
                    .get(x.id.as_str())
                    .is_some_and(|c| c.status.as_str() == sla)
        })
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let rows = matching
        .iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|x| row(x, clocks.get(x.id.as_str()), now))
        .collect();
    let query = format!(
        "severity={}&status={}&sla={}",
        super::query_escape(&severity),
        super::query_escape(&status),
        super::query_escape(&sla)
    );
    render(&ListPage {
        shell: Shell::for_access("Findings", &a, "findings"),
        severities: SEVERITIES,
        statuses: STATUSES,
        slas: SLA,
        severity,
        status,
        sla,
        rows,
        total,
        all: view.finding_set.len(),
        page,
        pages,
        query,
    })
}

#[derive(Deserialize)]
pub struct Id {
    id: String,
    triaged: Option<String>,
}

pub struct HistoryLine {
    pub seq: u64,
    pub what: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "finding.html")]
struct ItemPage {
    shell: Shell,
    f: Row,
    first_detected: String,
    aliases: String,
    history: Vec<HistoryLine>,
    justifications: [&'static str; 5],
    statuses: [&'static str; 5],
    can_triage: bool,
    error: String,
    triaged: bool,
    form: TriageForm,
}

fn history(view: &View, id: &str) -> Vec<HistoryLine> {
    view.finding_values
        .iter()
        .filter(|(_, v)| v.get("finding").and_then(|f| f.as_str()) == Some(id))
        .map(|(seq, v)| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let mut what = s("type");
            // A triage's status is an object tagged by `state`, with its own fields.
            if let Some(st) = v.get("status").and_then(|x| x.as_object()) {
                for (k, val) in st {
                    if let Some(val) = val.as_str() {
                        what.push_str(&format!(" · {k}: {val}"));
                    }
                }
            }
            let by = s("by");
            if !by.is_empty() {
                what.push_str(&format!(" · by {by}"));
            }
            let at = s("at");
            HistoryLine {
                seq: *seq,
                what,
                at: at.parse::<Timestamp>().map(when).unwrap_or(at),
            }
        })
        .collect()
}

async fn item_page(
    state: &Shared,
    a: &crate::auth::actor::Access,
    id: &str,
    error: String,
    triaged: bool,
    form: TriageForm,
) -> WebResult {
    let now = state.clock.now();
    let eval = a.live.evaluation_or_stale(now).await?;
    let view = a.live.view();
    let f = view.finding_set.get(id).ok_or_else(Problem::not_found)?;
    let clocks = clocks(&eval);
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ItemPage {
        shell: Shell::for_access("Finding", a, "findings"),
        f: row(f, clocks.get(id), now),
        first_detected: f
            .first_detected
            .parse::<Timestamp>()
            .map(when)
            .unwrap_or_else(|_| f.first_detected.clone()),
        aliases: f.aliases.iter().cloned().collect::<Vec<_>>().join(", "),
        history: history(&view, id),
        justifications: JUSTIFICATIONS,
        statuses: STATUSES,
        can_triage: a.role.allows(Permission::Decide),
        error,
        triaged,
        form,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn item(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    q: Result<Query<Id>, axum::extract::rejection::QueryRejection>,
) -> WebResult {
    // Without its id there is nothing to show: the same page as an unknown id.
    let Query(q) = q.map_err(|_| Problem::not_found())?;
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let form = TriageForm {
        id: q.id.clone(),
        ..TriageForm::default()
    };
    item_page(&state, &a, &q.id, String::new(), q.triaged.is_some(), form).await
}

/// The triage form's fields; blanks mean "not given".
#[derive(Deserialize, Default)]
pub struct TriageForm {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub approver: String,
    #[serde(default)]
    pub until: String,
}

pub async fn triage(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    WebForm(form): WebForm<TriageForm>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::Decide).await?;
    let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let t = Triage {
        status: form.status.clone(),
        justification: given(&form.justification),
        note: given(&form.note),
        reason: given(&form.reason),
        approver: given(&form.approver),
        until: given(&form.until),
    };
    match apply_triage(&state, &a, &form.id, t).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/w/{ws}/findings/item?id={}&triaged=1",
            super::query_escape(&form.id)
        ))
        .into_response()),
        Err(p) if p.status == 400 => {
            let msg = p.detail.clone().unwrap_or_else(|| p.title.clone());
            let id = form.id.clone();
            item_page(&state, &a, &id, msg, false, form).await
        }
        Err(p) => Err(WebError(p)),
    }
}
