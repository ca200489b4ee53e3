//! Obligations: a filtered, paginated list, a month calendar, and one obligation with the
//! evidence behind it and its history in the ledger.

use super::{Shell, WebActor, WebResult, enter, render, when};
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use covenant_engine::obligation::{Obligation, ObligationKind};
use covenant_store::EvidenceFilter;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;

const PAGE: usize = 50;

pub const STATUSES: [&str; 6] = ["overdue", "due-soon", "upcoming", "met", "waived", "missed"];
pub const KINDS: [&str; 5] = ["cadence", "evidence", "response", "remediation", "notice"];

pub struct Row {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub due: String,
    pub countdown: String,
    pub control: String,
}

fn row(o: &Obligation, now: Timestamp) -> Row {
    Row {
        id: o.id.clone(),
        title: o.title.clone(),
        kind: o.kind.as_str(),
        status: o.status.as_str(),
        due: when(o.due),
        countdown: super::countdown(o.due, now),
        control: o.control.clone().unwrap_or_default(),
    }
}

#[derive(Deserialize, Default)]
pub struct Filter {
    status: Option<String>,
    kind: Option<String>,
    view: Option<String>,
    month: Option<String>,
    page: Option<usize>,
}

pub struct Day {
    pub label: String,
    pub in_month: bool,
    pub items: Vec<Row>,
    pub more: usize,
}

#[derive(Template)]
#[template(path = "obligations.html")]
struct ListPage {
    shell: Shell,
    statuses: [&'static str; 6],
    kinds: [&'static str; 5],
    status: String,
    kind: String,
    calendar: bool,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    query: String,
    month_label: String,
    prev_month: String,
    next_month: String,
    weeks: Vec<Vec<Day>>,
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
    let status = f.status.clone().unwrap_or_default();
    let kind = f.kind.clone().unwrap_or_default();
    let mut matching: Vec<&Obligation> = eval
        .obligations
        .iter()
        .filter(|o| status.is_empty() || o.status.as_str() == status)
        .filter(|o| kind.is_empty() || o.kind.as_str() == kind)
        .collect();
    // What needs attention first: worst status, then the earliest due date.
    matching.sort_by(|x, y| y.status.cmp(&x.status).then(x.due.cmp(&y.due)));
    let calendar = f.view.as_deref() == Some("calendar");
    let mut query = format!(
        "status={}&kind={}",
        super::query_escape(&status),
        super::query_escape(&kind)
    );
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let month = f
        .month
        .as_deref()
        .and_then(|m| format!("{m}-01").parse::<Date>().ok())
        .unwrap_or_else(|| today.first_of_month());
    let (mut weeks, mut rows) = (Vec::new(), Vec::new());
    let total = matching.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    if calendar {
        weeks = month_grid(month, &matching, now);
        query.push_str("&view=calendar");
    } else {
        rows = matching
            .iter()
            .skip((page - 1) * PAGE)
            .take(PAGE)
            .map(|o| row(o, now))
            .collect();
    }
    let shift = |months: i32| {
        month
            .checked_add(months.months())
            .map(|d| d.strftime("%Y-%m").to_string())
            .unwrap_or_default()
    };
    render(&ListPage {
        shell: Shell::for_access("Obligations", &a, "obligations"),
        statuses: STATUSES,
        kinds: KINDS,
        status,
        kind,
        calendar,
        rows,
        total,
        page,
        pages,
        query,
        month_label: month.strftime("%B %Y").to_string(),
        prev_month: shift(-1),
        next_month: shift(1),
        weeks,
    })
}

/// The weeks (Monday first) covering a month, each day with up to three obligations.
fn month_grid(month: Date, list: &[&Obligation], now: Timestamp) -> Vec<Vec<Day>> {
    let start = month
        .checked_sub(i64::from(month.weekday().to_monday_zero_offset()).days())
        .unwrap_or(month);
    let mut by_day: std::collections::HashMap<Date, Vec<&Obligation>> = Default::default();
    for o in list {
        let d = o.due.to_zoned(jiff::tz::TimeZone::UTC).date();
        if d.year() == month.year() && d.month() == month.month() {
            by_day.entry(d).or_default().push(o);
        }
    }
    let mut weeks = Vec::new();
    let mut day = start;
    loop {
        let mut week = Vec::new();
        for _ in 0..7 {
            let items = by_day.get(&day).map(Vec::as_slice).unwrap_or(&[]);
            week.push(Day {
                label: day.day().to_string(),
                in_month: day.month() == month.month(),
                items: items.iter().take(3).map(|o| row(o, now)).collect(),
                more: items.len().saturating_sub(3),
            });
            day = day.tomorrow().unwrap_or(day);
        }
        weeks.push(week);
        if day.month() != month.month() || weeks.len() >= 6 {
            break;
        }
    }
    weeks
}

#[derive(Deserialize)]
pub struct Id {
    id: String,
}

pub struct EvidenceLine {
    pub seq: i64,
    pub file: String,
    pub effective: String,
    pub recorded: String,
}

pub struct Event {
    pub seq: u64,
    pub what: String,
}

#[derive(Template)]
#[template(path = "obligation.html")]
struct ItemPage {
    shell: Shell,
    o: Row,
    detail: String,
    subject: String,
    commitment: String,
    met: String,
    waiver: String,
    evidence: Vec<EvidenceLine>,
    history: Vec<Event>,
    can_upload: bool,
    /// For evidence obligations, the kind of evidence that meets them.
    upload_kind: String,
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
    let now = state.clock.now();
    let eval = a.live.evaluation_or_stale(now).await?;
    let o = eval
        .obligations
        .iter()
        .find(|o| o.id == q.id)
        .ok_or_else(Problem::not_found)?;
    let see_evidence = a.role.allows(Permission::ReadEvidence);
    let evidence = match (&o.control, see_evidence) {
        (Some(c), true) => state
            .store
            .evidence(
                &a.live.workspace.id,
                &EvidenceFilter {
                    control: Some(c.clone()),
                    before: None,
                    limit: 10,
                },
            )
            .await?
            .into_iter()
            .map(|r| EvidenceLine {
                seq: r.seq,
                file: r.filename.unwrap_or_else(|| r.kind.clone()),
                effective: r.effective,
                recorded: super::when_ms(r.recorded_at),
            })
            .collect(),
        _ => Vec::new(),
    };
    // Its history: the ledger entries that decided where it stands.
    let mut history = Vec::new();
    if let Some(seq) = o.met_by {
        history.push(Event {
            seq,
            what: format!(
                "met{}",
                o.met_at
                    .map(|t| format!(" at {}", when(t)))
                    .unwrap_or_default()
            ),
        });
    }
    if let Some(w) = &o.waiver {
        history.push(Event {
            seq: w.seq,
            what: format!(
                "waived by {} until {}: {}",
                w.approver,
                when(w.until),
                w.reason
            ),
        });
    }
    render(&ItemPage {
        shell: Shell::for_access("Obligation", &a, "obligations"),
        detail: o.detail.clone().unwrap_or_default(),
        subject: o.subject.clone().unwrap_or_default(),
        commitment: o.commitment.clone().unwrap_or_default(),
        met: o.met_at.map(when).unwrap_or_default(),
        waiver: o
            .waiver
            .as_ref()
            .map(|w| format!("until {} ({})", when(w.until), w.approver))
            .unwrap_or_default(),
        o: row(o, now),
        evidence,
        history,
        can_upload: a.role.allows(Permission::Record) && o.control.is_some(),
        upload_kind: match o.kind {
            // `evidence:{control}:{kind}`
            ObligationKind::Evidence => o.id.rsplit(':').next().unwrap_or("").to_string(),
            _ => String::new(),
        },
    })
}
