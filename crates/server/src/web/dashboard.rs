//! The dashboard: what is late, what is coming, which promises are unbacked, findings by
//! SLA state, control health, and coverage and SLA compliance by week.

use super::chart;
use super::{Shell, WebActor, WebResult, enter, render};
use crate::api::workspaces::{ObligationBrief, Summary, summarize};
use crate::live::Live;
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, State};
use covenant_engine::claim::{ClaimKind, ClaimState};
use covenant_engine::obligation::{ObligationKind, Status};
use jiff::{Timestamp, ToSpan};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

const WEEKS: i64 = 12;
const SHOWN: usize = 8;

/// Coverage and SLA compliance at the end of each of the last weeks.
pub struct Trend {
    pub labels: Vec<String>,
    /// Vendor controls whose claim is backed, in percent of tracked ones.
    pub coverage: Vec<f64>,
    /// Finding clocks that came due and were met (or waived), in percent.
    pub sla: Vec<f64>,
}

/// Trends are re-evaluations of the whole history (one per week shown), too slow to run
/// on a request: each workspace's is kept with the ledger size and hour it was computed
/// for. A stale trend is served while a fresh one is computed in the background; only a
/// workspace's very first one is computed on the request (and `warm` computes those when
/// the server starts).
type TrendCache = Mutex<HashMap<String, (u64, i64, Arc<Trend>)>>;
static TRENDS: LazyLock<TrendCache> = LazyLock::new(Default::default);
static REFRESHING: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

fn cached(live: &Live, now: Timestamp) -> Option<(bool, Arc<Trend>)> {
    let size = live.view().size;
    let hour = now.as_second().div_euclid(3600);
    let c = TRENDS.lock().ok()?;
    let (s, h, t) = c.get(&live.workspace.slug)?;
    Some((*s == size && *h == hour, t.clone()))
}

fn trend(live: &Arc<Live>, now: Timestamp) -> Result<Arc<Trend>, Problem> {
    match cached(live, now) {
        Some((true, t)) => Ok(t),
        Some((false, stale)) => {
            let slug = live.workspace.slug.clone();
            let first = REFRESHING.lock().is_ok_and(|mut r| r.insert(slug.clone()));
            if first {
                let live = live.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = compute(&live, now) {
                        tracing::warn!(error = %e.title, "trend refresh failed");
                    }
                    if let Ok(mut r) = REFRESHING.lock() {
                        r.remove(&slug);
                    }
                });
            }
            Ok(stale)
        }
        None => compute(live, now),
    }
}

/// Computes every live workspace's trend in the background, so that no dashboard view
/// after a restart waits for one.
pub fn warm(state: &Shared) {
    let all = state.all_live();
    let now = state.clock.now();
    tokio::task::spawn_blocking(move || {
        for live in all {
            if let Err(e) = compute(&live, now) {
                tracing::warn!(workspace = %live.workspace.slug, error = %e.title, "trend warm-up failed");
            }
        }
    });
}

fn compute(live: &Live, now: Timestamp) -> Result<Arc<Trend>, Problem> {
    let view = live.view();
    let hour = now.as_second().div_euclid(3600);
    let slug = &live.workspace.slug;
    let mut t = Trend {
        labels: Vec::new(),
        coverage: Vec::new(),
        sla: Vec::new(),
    };
    for back in (0..WEEKS).rev() {
        let at = now
            .checked_sub((back * 7 * 24).hours())
            .map_err(Problem::internal)?;
        let eval = covenant_engine::evaluate(&view.program, &view.events, &view.findings, at)
            .map_err(Problem::internal)?;
        let claims: Vec<_> = eval
            .claims
            .iter()
            .filter(|c| c.id.kind() == ClaimKind::Control && c.state != ClaimState::Unsupported)
            .collect();
        let backed = claims
            .iter()
            .filter(|c| c.state == ClaimState::Backed)
            .count();
        t.coverage.push(percent(backed, claims.len()));
        let (mut kept, mut due) = (0usize, 0usize);
        for o in &eval.obligations {
            if !matches!(
                o.kind,
                ObligationKind::Response | ObligationKind::Remediation
            ) {
                continue;
            }
            match o.status {
                Status::Met | Status::Waived if o.due <= at => {
                    kept += 1;
                    due += 1;
                }
                Status::Overdue | Status::Missed => due += 1,
                _ => {}
            }
        }
        t.sla.push(percent(kept, due));
        t.labels.push(at.strftime("%b %d").to_string());
    }
    let t = Arc::new(t);
    if let Ok(mut c) = TRENDS.lock() {
        c.insert(slug.clone(), (view.size, hour, t.clone()));
    }
    Ok(t)
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        100.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

pub struct Brief {
    pub id: String,
    pub title: String,
    pub due: String,
    pub countdown: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    s: Summary,
    overdue: Vec<Brief>,
    due_soon: Vec<Brief>,
    open_findings: usize,
    trend_svg: String,
    sla_svg: String,
    health_svg: String,
    coverage_now: String,
    sla_now: String,
    at: String,
    overdue_count: usize,
    due_soon_count: usize,
}

fn count(map: &std::collections::BTreeMap<String, usize>, k: &str) -> usize {
    map.get(k).copied().unwrap_or(0)
}

pub async fn page(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let now = state.clock.now();
    let eval = a.live.evaluation_or_stale(now).await?;
    let s = summarize(&a.live, &eval);
    let live = a.live.clone();
    let t = tokio::task::spawn_blocking(move || trend(&live, now))
        .await
        .map_err(Problem::internal)??;
    let brief = |list: &[ObligationBrief]| -> Vec<Brief> {
        // The most urgent few; the obligations page has them all.
        list.iter()
            .take(SHOWN)
            .map(|o| {
                let due = o.due.parse::<Timestamp>().unwrap_or(now);
                Brief {
                    id: o.id.clone(),
                    title: o.title.clone(),
                    due: super::when(due),
                    countdown: super::countdown(due, now),
                }
            })
            .collect()
    };
    let sla_rows: Vec<(String, usize, String)> =
        ["overdue", "due-soon", "upcoming", "met", "waived", "missed"]
            .iter()
            .map(|k| {
                (
                    k.replace('-', " "),
                    count(&s.findings_sla, k),
                    k.to_string(),
                )
            })
            .collect();
    let health_rows: Vec<(String, usize, String)> = ["failing", "at-risk", "healthy", "untracked"]
        .iter()
        .map(|k| (k.replace('-', " "), count(&s.controls, k), k.to_string()))
        .collect();
    let desc = format!(
        "Week by week from {} to {}: coverage {} percent now, SLA compliance {} percent now.",
        t.labels.first().cloned().unwrap_or_default(),
        t.labels.last().cloned().unwrap_or_default(),
        t.coverage.last().copied().unwrap_or(0.0).round(),
        t.sla.last().copied().unwrap_or(0.0).round()
    );
    let open_findings = a
        .live
        .view()
        .finding_set
        .iter()
        .filter(|f| matches!(f.status.as_str(), "open" | "triaged"))
        .count();
    render(&DashboardPage {
        shell: Shell::for_access("Dashboard", &a, "dashboard"),
        overdue: brief(&s.overdue),
        due_soon: brief(&s.due_soon),
        open_findings,
        trend_svg: chart::lines("trend", &desc, &t.labels, &t.coverage, &t.sla),
        sla_svg: chart::bars("sla", "Finding clocks by SLA state", &sla_rows),
        health_svg: chart::bars("health", "Controls by health", &health_rows),
        coverage_now: format!("{:.0}%", t.coverage.last().copied().unwrap_or(0.0)),
        sla_now: format!("{:.0}%", t.sla.last().copied().unwrap_or(0.0)),
        at: super::when(eval.at),
        overdue_count: count(&s.obligations, "overdue"),
        due_soon_count: count(&s.obligations, "due-soon"),
        s,
    })
}
