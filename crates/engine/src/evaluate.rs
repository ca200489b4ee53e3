//! Deriving obligations from the program, the ledger's events and the findings, and
//! deciding where each stands at `now`.

use crate::calendar::{CalendarError, WorkCalendar};
use crate::event::Event;
use crate::finding::{FindingClock, FindingState, SlaTerms};
use crate::obligation::{Obligation, ObligationKind, Status, Waiver};
use covenant_model::Program;
use covenant_model::Severity;
use covenant_model::cadence::Cadence;
use covenant_model::commitment::{Commitment, NoticeTrigger};
use covenant_model::control::Control;
use covenant_model::duration::{Duration, Target};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use std::collections::{BTreeMap, HashMap};

/// How many past occurrences of one cadence are kept; older ones are history the ledger holds.
const MAX_HISTORY: usize = 400;
/// "Next scheduled release" with no horizon in the commitment.
const DEFAULT_RELEASE_HORIZON: Duration = Duration::Days(90);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("the program has no program.yaml")]
    NoManifest,
}

/// One piece of evidence, as the engine indexes it.
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    effective: Date,
    kind: &'a str,
    seq: u64,
}

pub(crate) struct Context<'a> {
    pub program: &'a Program,
    pub now: Timestamp,
    pub calendars: BTreeMap<String, WorkCalendar>,
    pub default_calendar: WorkCalendar,
    evidence: HashMap<&'a str, Vec<Item<'a>>>,
    waivers: HashMap<&'a str, Waiver>,
}

impl<'a> Context<'a> {
    pub fn new(
        program: &'a Program,
        events: &'a [(u64, Event)],
        now: Timestamp,
    ) -> Result<Self, EvalError> {
        let manifest = &program
            .manifest
            .as_ref()
            .ok_or(EvalError::NoManifest)?
            .value;
        let mut calendars = BTreeMap::new();
        for c in &manifest.calendars {
            calendars.insert(c.id.clone(), WorkCalendar::from_model(c)?);
        }
        let default_calendar = calendars
            .values()
            .next()
            .cloned()
            .unwrap_or_else(WorkCalendar::utc_weekdays);
        let today = default_calendar.local_date(now);
        let mut evidence: HashMap<&str, Vec<Item>> = HashMap::new();
        let mut waivers = HashMap::new();
        for (seq, e) in events {
            match e {
                // Evaluating at a past moment must not see what was recorded later.
                Event::EvidenceAdded {
                    control,
                    kind,
                    effective,
                    recorded_at,
                    ..
                } if *recorded_at <= now && *effective <= today => {
                    evidence.entry(control.as_str()).or_default().push(Item {
                        effective: *effective,
                        kind,
                        seq: *seq,
                    });
                }
                Event::WaiverGranted {
                    obligation,
                    reason,
                    approver,
                    until,
                    at,
                } if *at <= now => {
                    waivers.insert(
                        obligation.as_str(),
                        Waiver {
                            reason: reason.clone(),
                            approver: approver.clone(),
                            until: *until,
                            seq: *seq,
                        },
                    );
                }
                _ => {}
            }
        }
        for items in evidence.values_mut() {
            items.sort_by_key(|i| (i.effective, i.seq));
        }
        Ok(Context {
            program,
            now,
            calendars,
            default_calendar,
            evidence,
            waivers,
        })
    }

    fn calendar(&self, id: Option<&String>) -> &WorkCalendar {
        id.and_then(|i| self.calendars.get(i))
            .unwrap_or(&self.default_calendar)
    }

    fn waiver(&self, id: &str) -> Option<&Waiver> {
        self.waivers.get(id).filter(|w| w.until > self.now)
    }

    /// Upcoming or due soon, from how close the deadline is: due soon within a quarter of
    /// the clock's length, at most 14 days.
    fn pending(&self, start: Timestamp, due: Timestamp) -> Status {
        let window = due.duration_since(start).as_secs().max(0);
        let soon = (window / 4).min(14 * 86_400);
        if due.duration_since(self.now).as_secs() <= soon {
            Status::DueSoon
        } else {
            Status::Upcoming
        }
    }

    fn status(
        &self,
        id: &str,
        start: Timestamp,
        due: Timestamp,
        met_at: Option<Timestamp>,
    ) -> (Status, Option<Waiver>) {
        if met_at.is_some_and(|m| m <= self.now) {
            return (Status::Met, None);
        }
        if let Some(w) = self.waiver(id) {
            return (Status::Waived, Some(w.clone()));
        }
        if self.now >= due {
            (Status::Overdue, None)
        } else {
            (self.pending(start, due), None)
        }
    }
}

/// True when the vendor owns or shares the control in at least one deployment model:
/// only then is it the vendor's duty to keep and its promise to publish.
pub fn vendor_duty(c: &Control) -> bool {
    c.responsibility.values().any(|r| r.owner.includes_vendor())
}

fn add_period(anchor: Date, cadence: Cadence, k: i64) -> Option<Date> {
    match (cadence.months(), cadence.days()) {
        // Months from the anchor each time, not from the previous date, so Jan 31 gives
        // Apr 30 and then Jul 31 rather than drifting to the 30th.
        (Some(m), _) => anchor
            .checked_add(i64::from(m).checked_mul(k)?.months())
            .ok(),
        (_, Some(d)) => anchor.checked_add(i64::from(d).checked_mul(k)?.days()).ok(),
        _ => None,
    }
}

pub(crate) fn cadence_obligations(
    ctx: &Context,
    control: &Control,
    out: &mut Vec<Obligation>,
) -> Result<(), EvalError> {
    let Some(cadence) = control.cadence else {
        return Ok(());
    };
    let Some(manifest) = &ctx.program.manifest else {
        return Ok(());
    };
    let anchor = control
        .anchor
        .map_or(manifest.value.version.effective.0, |d| d.0);
    let cal = &ctx.default_calendar;
    let today = cal.local_date(ctx.now);
    let kinds: Vec<&str> = control.evidence.iter().map(|e| e.kind.as_str()).collect();
    let items: Vec<&Item> = ctx
        .evidence
        .get(control.id.as_str())
        .map(|v| {
            v.iter()
                .filter(|i| kinds.is_empty() || kinds.contains(&i.kind))
                .collect()
        })
        .unwrap_or_default();
    // The first occurrence whose window can still matter: skip far history in one step.
    let period_days = i64::from(cadence.days().unwrap_or(0))
        .max(i64::from(cadence.months().unwrap_or(0)) * 28)
        .max(1);
    let elapsed = (today - anchor).get_days().max(0) as i64;
    let first_k = (elapsed / period_days - MAX_HISTORY as i64).max(0);
    let mut occurrences = Vec::new();
    let mut k = first_k;
    // The anchor starts the first period; occurrence k is due at the end of period k.
    while let (Some(due), Some(prev)) = (
        add_period(anchor, cadence, k + 1),
        add_period(anchor, cadence, k),
    ) {
        let start = cal.end_of(prev)?;
        let mut deadline = cal.end_of(due)?;
        if let Some(g) = control.grace {
            deadline = cal.add(deadline, g)?;
        }
        let grace_end = cal.local_date(deadline.checked_sub(1.second()).unwrap_or(deadline));
        // Evidence effective after the previous due date and by the end of grace meets it.
        let met = items
            .iter()
            .find(|i| i.effective > prev && i.effective <= grace_end);
        let id = format!("cadence:{}:{}", control.id, due);
        let met_at = met
            .and_then(|i| cal.end_of(i.effective).ok())
            .map(|t| t.min(ctx.now));
        let (status, waiver) = ctx.status(&id, start, deadline, met_at);
        occurrences.push(Obligation {
            id,
            kind: ObligationKind::Cadence,
            title: format!("{} ({} occurrence due {})", control.title, cadence, due),
            control: Some(control.id.clone()),
            commitment: None,
            subject: None,
            due: deadline,
            status,
            met_at,
            met_by: met.map(|i| i.seq),
            waiver,
            detail: met.map(|i| format!("met by evidence effective {}", i.effective)),
        });
        if due > today {
            break;
        }
        k += 1;
    }
    // Only the latest past-due miss is a to-do; earlier misses stay as history.
    let mut seen_later = false;
    for o in occurrences.iter_mut().rev() {
        if o.status == Status::Overdue {
            if seen_later {
                o.status = Status::Missed;
            }
            seen_later = true;
        } else if o.status == Status::Met && ctx.now >= o.due {
            seen_later = true;
        }
    }
    out.extend(occurrences);
    Ok(())
}

pub(crate) fn evidence_obligations(
    ctx: &Context,
    control: &Control,
    out: &mut Vec<Obligation>,
) -> Result<(), EvalError> {
    let cal = &ctx.default_calendar;
    for req in &control.evidence {
        let Some(fresh) = req.fresh_for else { continue };
        let kind = req.kind.as_str();
        let id = format!("evidence:{}:{}", control.id, kind);
        let latest = ctx
            .evidence
            .get(control.id.as_str())
            .and_then(|v| v.iter().rev().find(|i| i.kind == kind));
        let (status, due, detail, waiver, met_by) = match latest {
            Some(item) => {
                let start = cal.start_of(item.effective)?;
                let due = cal.add(cal.end_of(item.effective)?, fresh)?;
                let (status, waiver) = if ctx.now >= due {
                    ctx.status(&id, start, due, None)
                } else if ctx.pending(start, due) == Status::DueSoon {
                    // Fresh now, but about to expire: time to collect the next one.
                    (Status::DueSoon, None)
                } else {
                    (Status::Met, None)
                };
                (
                    status,
                    due,
                    format!(
                        "latest {kind} evidence effective {}, fresh for {fresh}",
                        item.effective
                    ),
                    waiver,
                    Some(item.seq),
                )
            }
            None => {
                let effective = ctx
                    .program
                    .manifest
                    .as_ref()
                    .map(|m| m.value.version.effective.0);
                // With nothing recorded yet, the first item is due one freshness period
                // after the program took effect.
                let (start, due) = match effective {
                    Some(d) => (cal.start_of(d)?, cal.add(cal.start_of(d)?, fresh)?),
                    None => (ctx.now, ctx.now),
                };
                let (status, waiver) = ctx.status(&id, start, due, None);
                (
                    status,
                    due,
                    format!("no {kind} evidence recorded"),
                    waiver,
                    None,
                )
            }
        };
        out.push(Obligation {
            id,
            kind: ObligationKind::Evidence,
            title: format!("{}: fresh {} evidence", control.title, kind),
            control: Some(control.id.clone()),
            commitment: None,
            subject: None,
            due,
            status,
            met_at: None,
            met_by,
            waiver,
            detail: Some(detail),
        });
    }
    Ok(())
}

/// The SLA terms for a finding: the ones recorded when its clock started, else today's band.
pub fn terms_for(
    commitment: &Commitment,
    score: Option<f64>,
    severity: Severity,
) -> Option<SlaTerms> {
    let sla = commitment.remediation_sla.as_ref()?;
    let band = match score {
        Some(s) => sla.bands.iter().find(|b| b.cvss.contains(s)),
        None => sla.bands.iter().find(|b| b.severity == severity),
    }?;
    Some(SlaTerms {
        response: band.response,
        remediation: band.remediation,
    })
}

pub(crate) fn finding_obligations(
    ctx: &Context,
    events: &[(u64, Event)],
    findings: &[FindingClock],
    out: &mut Vec<Obligation>,
) -> Result<(), EvalError> {
    let sla_commitment = ctx
        .program
        .commitments
        .iter()
        .find(|c| c.value.remediation_sla.is_some());
    let mut releases: HashMap<&str, (Timestamp, u64, &str)> = HashMap::new();
    for (seq, e) in events {
        if let Event::ReleaseRecorded { version, at, fixes } = e
            && *at <= ctx.now
        {
            for f in fixes {
                let entry = releases.entry(f.as_str()).or_insert((*at, *seq, version));
                if *at < entry.0 {
                    *entry = (*at, *seq, version);
                }
            }
        }
    }
    for f in findings {
        if f.state == FindingState::NotAffected || f.first_detected > ctx.now {
            continue;
        }
        let commitment = sla_commitment.map(|c| &c.value);
        let Some(terms) = f
            .terms
            .or_else(|| commitment.and_then(|c| terms_for(c, f.score, f.severity)))
        else {
            continue;
        };
        let sla = commitment.and_then(|c| c.remediation_sla.as_ref());
        let cal = ctx.calendar(sla.and_then(|s| s.calendar.as_ref()));
        let accepted = match f.state {
            FindingState::RiskAccepted { until } if until > ctx.now => Some(until),
            _ => None,
        };
        let mut push = |kind: ObligationKind,
                        id: String,
                        title: String,
                        due: Timestamp,
                        met_at: Option<Timestamp>,
                        met_by: Option<u64>,
                        detail: Option<String>| {
            let (mut status, waiver) = ctx.status(&id, f.first_detected, due, met_at);
            if accepted.is_some() && status != Status::Met {
                status = Status::Waived;
            }
            out.push(Obligation {
                id,
                kind,
                title,
                control: None,
                commitment: commitment.map(|c| c.id.clone()),
                subject: Some(f.id.clone()),
                due,
                status,
                met_at: met_at.filter(|m| *m <= ctx.now),
                met_by,
                waiver,
                detail,
            });
        };
        let respond_by = cal.add(f.first_detected, terms.response)?;
        let responded = f.responded_at.or(f.fixed_at);
        push(
            ObligationKind::Response,
            format!("response:{}", f.id),
            format!("Respond to {} ({})", f.title, f.severity.label()),
            respond_by,
            responded,
            None,
            None,
        );
        let (due, met_at, met_by, detail) = match terms.remediation {
            Target::Within(d) => (cal.add(f.first_detected, d)?, f.fixed_at, None, None),
            Target::NextRelease => {
                let horizon = sla
                    .and_then(|s| s.release_horizon)
                    .unwrap_or(DEFAULT_RELEASE_HORIZON);
                let release = releases.get(f.id.as_str());
                (
                    cal.add(f.first_detected, horizon)?,
                    release.map(|r| r.0),
                    release.map(|r| r.1),
                    Some(match release {
                        Some(r) => format!("fixed in release {}", r.2),
                        None => format!(
                            "due in the next scheduled release, at most {horizon} after detection"
                        ),
                    }),
                )
            }
        };
        push(
            ObligationKind::Remediation,
            format!("remediation:{}", f.id),
            format!("Remediate {} ({})", f.title, f.severity.label()),
            due,
            met_at,
            met_by,
            detail,
        );
        // Customers are advised about confirmed vulnerabilities: the clock starts when
        // triage confirms the finding, not when a scanner first reports it.
        let confirmed = match f.state {
            FindingState::Triaged | FindingState::Fixed | FindingState::RiskAccepted { .. } => {
                f.responded_at.filter(|t| *t <= ctx.now)
            }
            FindingState::Open | FindingState::NotAffected => None,
        };
        for c in &ctx.program.commitments {
            let Some(n) = &c.value.notice else { continue };
            let Some(start) = confirmed else { break };
            if n.trigger == NoticeTrigger::Vulnerability && n.severities.contains(&f.severity) {
                let notice = Notice {
                    commitment: c,
                    start,
                    within: n.within,
                    subject: &f.id,
                };
                out.push(notice.obligation(
                    ctx,
                    events,
                    format!("Advise {} about {}", n.recipients, f.title),
                )?);
            }
        }
    }
    Ok(())
}

/// A notice clock: telling someone about `subject` within `within` of `start`.
struct Notice<'a> {
    commitment: &'a covenant_model::Located<Commitment>,
    start: Timestamp,
    within: Duration,
    subject: &'a str,
}

impl Notice<'_> {
    fn obligation(
        &self,
        ctx: &Context,
        events: &[(u64, Event)],
        title: String,
    ) -> Result<Obligation, EvalError> {
        let n = self.commitment.value.notice.as_ref();
        let cal = ctx.calendar(n.and_then(|n| n.calendar.as_ref()));
        let due = cal.add(self.start, self.within)?;
        let sent = notices(events, self.subject, ctx.now);
        let id = format!("notice:{}:{}", self.commitment.value.id, self.subject);
        let (status, waiver) = ctx.status(&id, self.start, due, sent.map(|s| s.0));
        Ok(Obligation {
            id,
            kind: ObligationKind::Notice,
            title,
            control: None,
            commitment: Some(self.commitment.value.id.clone()),
            subject: Some(self.subject.to_string()),
            due,
            status,
            met_at: sent.map(|s| s.0),
            met_by: sent.map(|s| s.1),
            waiver,
            detail: None,
        })
    }
}

/// The first notice about a subject recorded by `now`.
fn notices(events: &[(u64, Event)], subject: &str, now: Timestamp) -> Option<(Timestamp, u64)> {
    events
        .iter()
        .filter_map(|(seq, e)| match e {
            Event::NoticeSent { subject: s, at } | Event::IncidentNotified { incident: s, at }
                if s == subject && *at <= now =>
            {
                Some((*at, *seq))
            }
            Event::RequestAnswered { request: s, at } if s == subject && *at <= now => {
                Some((*at, *seq))
            }
            _ => None,
        })
        .min()
}

pub(crate) fn event_obligations(
    ctx: &Context,
    events: &[(u64, Event)],
    out: &mut Vec<Obligation>,
) -> Result<(), EvalError> {
    for (_, e) in events {
        let (subject, title, at, commitment_id, within, trigger) = match e {
            Event::IncidentOpened {
                incident,
                title,
                at,
                commitment,
                within,
            } => (
                incident,
                title,
                at,
                commitment,
                within,
                NoticeTrigger::Incident,
            ),
            Event::RequestReceived {
                request,
                title,
                at,
                commitment,
                within,
            } => (
                request,
                title,
                at,
                commitment,
                within,
                NoticeTrigger::Request,
            ),
            _ => continue,
        };
        if *at > ctx.now {
            continue;
        }
        for c in &ctx.program.commitments {
            let Some(n) = &c.value.notice else { continue };
            if n.trigger != trigger || commitment_id.as_ref().is_some_and(|id| *id != c.value.id) {
                continue;
            }
            // Terms recorded at the start win over today's commitment.
            let notice = Notice {
                commitment: c,
                start: *at,
                within: within.unwrap_or(n.within),
                subject,
            };
            out.push(notice.obligation(
                ctx,
                events,
                format!("Notify {} about {}", n.recipients, title),
            )?);
        }
    }
    Ok(())
}
