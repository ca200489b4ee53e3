//! Finding events: the JSON entries the ledger records for every change, and the pure fold that
//! rebuilds the current findings from them. Ingest does not mutate state; it plans events.

use crate::component::Component;
use crate::cvss::{CvssError, CvssScore, Declared};
use crate::dedupe::{Merged, merge_owned};
use crate::finding::{Finding, FindingSet, Status, finding_id};
use crate::observation::{Justification, Observation, Source, VexState};
use covenant_model::Severity;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// One change to one finding. Serialised with `"type": "finding.…"` so it can sit in a ledger that
/// also holds other kinds of entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FindingEvent {
    #[serde(rename = "finding.opened")]
    Opened {
        finding: String,
        at: String,
        aliases: BTreeSet<String>,
        component: Component,
        /// CVSS vectors only: scores are derived on fold, and the ledger's canonical JSON holds no floats.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cvss: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported_severity: Option<Severity>,
        default_severity: Severity,
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        fixed_versions: BTreeSet<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        sources: BTreeSet<Source>,
    },
    /// Reported again. Carries only what is new besides the sources of this sighting.
    #[serde(rename = "finding.seen")]
    Seen {
        finding: String,
        at: String,
        sources: BTreeSet<Source>,
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        new_aliases: BTreeSet<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        new_cvss: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported_severity: Option<Severity>,
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        new_fixed_versions: BTreeSet<String>,
    },
    #[serde(rename = "finding.triaged")]
    Triaged {
        finding: String,
        at: String,
        status: Status,
        /// Who decided: a user for manual triage, or the VEX document's source.
        by: String,
    },
}

impl FindingEvent {
    pub fn finding(&self) -> &str {
        match self {
            FindingEvent::Opened { finding, .. }
            | FindingEvent::Seen { finding, .. }
            | FindingEvent::Triaged { finding, .. } => finding,
        }
    }

    /// Reads a ledger entry. `Ok(None)` for entries that are not finding events (other `type`s).
    pub fn from_json(v: &serde_json::Value) -> Result<Option<FindingEvent>, serde_json::Error> {
        match v.get("type").and_then(serde_json::Value::as_str) {
            Some(t) if t.starts_with("finding.") => serde_json::from_value(v.clone()).map(Some),
            _ => Ok(None),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        // Serialising these plain data types cannot fail; Null is unreachable in practice.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    #[error("event {index}: finding {finding:?} was opened twice")]
    DuplicateOpen { index: usize, finding: String },
    #[error("event {index}: finding {finding:?} does not exist")]
    UnknownFinding { index: usize, finding: String },
    #[error("event {index}: finding {finding:?}: {error}")]
    Cvss {
        index: usize,
        finding: String,
        error: CvssError,
    },
}

/// Parsed vectors, shared across a fold: thousands of findings carry the same few advisory vectors.
type VectorCache = HashMap<String, CvssScore>;

fn scores(
    cache: &mut VectorCache,
    index: usize,
    finding: &str,
    vectors: &[String],
) -> Result<Vec<CvssScore>, FoldError> {
    let mut out = Vec::with_capacity(vectors.len());
    for v in vectors {
        if let Some(s) = cache.get(v) {
            out.push(s.clone());
            continue;
        }
        let s = CvssScore::parse(v, Declared::Unknown).map_err(|error| FoldError::Cvss {
            index,
            finding: finding.to_owned(),
            error,
        })?;
        cache.insert(v.clone(), s.clone());
        out.push(s);
    }
    Ok(out)
}

fn vectors(scores: &[CvssScore]) -> Vec<String> {
    scores.iter().map(|s| s.vector.clone()).collect()
}

/// Rebuilds the findings from their events, in ledger order.
pub fn fold<'a>(
    events: impl IntoIterator<Item = &'a FindingEvent>,
) -> Result<FindingSet, FoldError> {
    let mut set = FindingSet::default();
    let mut cache = VectorCache::new();
    for (index, e) in events.into_iter().enumerate() {
        apply_cached(&mut set, &mut cache, index, e)?;
    }
    Ok(set)
}

/// Applies one event to a set (the incremental form of [`fold`]).
pub fn apply(set: &mut FindingSet, index: usize, e: &FindingEvent) -> Result<(), FoldError> {
    apply_cached(set, &mut VectorCache::new(), index, e)
}

fn apply_cached(
    set: &mut FindingSet,
    cache: &mut VectorCache,
    index: usize,
    e: &FindingEvent,
) -> Result<(), FoldError> {
    match e {
        FindingEvent::Opened {
            finding,
            at,
            aliases,
            component,
            cvss,
            reported_severity,
            default_severity,
            fixed_versions,
            title,
            sources,
        } => {
            if set.contains(finding) {
                return Err(FoldError::DuplicateOpen {
                    index,
                    finding: finding.clone(),
                });
            }
            let cvss = scores(cache, index, finding, cvss)?;
            set.insert(Finding {
                id: finding.clone(),
                aliases: aliases.clone(),
                component: component.clone(),
                cvss,
                reported_severity: *reported_severity,
                default_severity: *default_severity,
                first_detected: at.clone(),
                last_seen: at.clone(),
                status: Status::Open,
                status_since: at.clone(),
                responded_at: None,
                fixed_at: None,
                sources: sources.clone(),
                fixed_versions: fixed_versions.clone(),
                title: title.clone(),
            });
        }
        FindingEvent::Seen {
            finding,
            at,
            sources,
            new_aliases,
            new_cvss,
            reported_severity,
            new_fixed_versions,
        } => {
            let f = set
                .get_mut(finding)
                .ok_or_else(|| FoldError::UnknownFinding {
                    index,
                    finding: finding.clone(),
                })?;
            // Only `last_seen` moves; the SLA clock (`first_detected`) never restarts on a rescan.
            f.last_seen = at.clone();
            f.sources.extend(sources.iter().cloned());
            f.aliases.extend(new_aliases.iter().cloned());
            for s in scores(cache, index, finding, new_cvss)? {
                if !f.cvss.contains(&s) {
                    f.cvss.push(s);
                }
            }
            if let Some(r) = reported_severity {
                f.reported_severity = Some(f.reported_severity.map_or(*r, |old| old.max(*r)));
            }
            f.fixed_versions.extend(new_fixed_versions.iter().cloned());
        }
        FindingEvent::Triaged {
            finding,
            at,
            status,
            ..
        } => {
            let f = set
                .get_mut(finding)
                .ok_or_else(|| FoldError::UnknownFinding {
                    index,
                    finding: finding.clone(),
                })?;
            f.status = status.clone();
            f.status_since = at.clone();
            if f.responded_at.is_none() && *status != Status::Open {
                f.responded_at = Some(at.clone());
            }
            match status {
                Status::Fixed { .. } => f.fixed_at = Some(at.clone()),
                Status::Open => f.fixed_at = None,
                _ => {}
            }
        }
    }
    Ok(())
}

/// Options for [`plan_ingest`].
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The detection time stamped on new findings and sightings (RFC 3339, from the caller's clock).
    pub at: String,
    /// Severity for findings no source scores or labels; such findings are flagged as defaulted.
    pub default_severity: Severity,
}

/// The events an ingest of `observations` adds on top of `current`: `finding.opened` for new
/// findings, `finding.seen` for known ones, `finding.triaged` where a VEX assertion changes a status
/// or a fixed finding is reported again.
pub fn plan_ingest(
    current: &FindingSet,
    observations: &[Observation],
    opts: &IngestOptions,
) -> Vec<FindingEvent> {
    plan_ingest_owned(current, observations.to_vec(), opts)
}

/// [`plan_ingest`] without copying the observations.
pub fn plan_ingest_owned(
    current: &FindingSet,
    observations: Vec<Observation>,
    opts: &IngestOptions,
) -> Vec<FindingEvent> {
    let mut events = Vec::new();
    // Within one batch, `merge` already joined everything that shares a component and an id, so new
    // findings only need their ids kept unique.
    let merged = merge_owned(observations);
    let mut opened: HashSet<String> = HashSet::with_capacity(merged.len());
    events.reserve(merged.len());
    for m in merged {
        let existing = current.lookup(&m.component, m.ids.iter().map(String::as_str));
        let (id, old_status) = match existing {
            Some(f) => {
                events.push(FindingEvent::Seen {
                    finding: f.id.clone(),
                    at: opts.at.clone(),
                    sources: m.sources.clone(),
                    new_aliases: m.ids.difference(&f.aliases).cloned().collect(),
                    new_cvss: m
                        .cvss
                        .iter()
                        .filter(|s| !f.cvss.contains(s))
                        .map(|s| s.vector.clone())
                        .collect(),
                    reported_severity: m
                        .reported_severity
                        .filter(|r| f.reported_severity.is_none_or(|o| *r > o)),
                    new_fixed_versions: m
                        .fixed_versions
                        .difference(&f.fixed_versions)
                        .cloned()
                        .collect(),
                });
                (f.id.clone(), f.status.clone())
            }
            None => {
                let base = finding_id(m.primary_id(), &m.component);
                let mut id = base.clone();
                // Two different components can print the same (e.g. names differing only in case).
                let mut n = 2;
                while current.contains(&id) || opened.contains(&id) {
                    id = format!("{base}#{n}");
                    n += 1;
                }
                opened.insert(id.clone());
                let triaged = triage_event(&m, &Status::Open, &id, opts);
                events.push(opened_event(&id, m, opts));
                events.extend(triaged);
                continue;
            }
        };
        events.extend(triage_event(&m, &old_status, &id, opts));
    }
    events
}

fn opened_event(id: &str, m: Merged, opts: &IngestOptions) -> FindingEvent {
    FindingEvent::Opened {
        finding: id.to_owned(),
        at: opts.at.clone(),
        cvss: vectors(&m.cvss),
        aliases: m.ids,
        component: m.component,
        reported_severity: m.reported_severity,
        default_severity: opts.default_severity,
        fixed_versions: m.fixed_versions,
        title: m.title,
        sources: m.sources,
    }
}

fn triage_event(m: &Merged, old: &Status, id: &str, opts: &IngestOptions) -> Option<FindingEvent> {
    let status = status_change(m, old)?;
    let by = m.vex.as_ref().map_or_else(
        || "covenant".to_owned(),
        |(_, s)| format!("{} ({})", s.tool, s.file),
    );
    Some(FindingEvent::Triaged {
        finding: id.to_owned(),
        at: opts.at.clone(),
        status,
        by,
    })
}

/// What a merged sighting does to a status. A VEX assertion sets it (unless a person already
/// accepted the risk, which a document does not override); a plain scanner sighting of a finding
/// marked fixed reopens it.
fn status_change(m: &Merged, old: &Status) -> Option<Status> {
    let new = match &m.vex {
        Some((vex, _)) => match vex.state {
            VexState::NotAffected => Status::NotAffected {
                justification: vex.justification,
                statement: vex.detail.clone(),
            },
            VexState::Fixed => Status::Fixed {
                note: vex.detail.clone(),
            },
            VexState::Affected => Status::Triaged {
                note: vex.detail.clone(),
            },
            VexState::UnderInvestigation => return None,
        },
        None => match old {
            Status::Fixed { .. } => Status::Open,
            _ => return None,
        },
    };
    if matches!(old, Status::RiskAccepted { .. }) && m.vex.is_some() {
        return None;
    }
    (new != *old).then_some(new)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriageError {
    #[error(
        "unknown status {0:?} (expected one of open, triaged, fixed, risk_accepted, not_affected)"
    )]
    UnknownStatus(String),
    #[error("status not_affected needs a justification (one of {0})")]
    MissingJustification(String),
    #[error("unknown justification {0:?}")]
    UnknownJustification(String),
    #[error("status risk_accepted needs a reason, an approver and an expiry date (until)")]
    IncompleteRiskAcceptance,
    #[error("{0:?} is not an RFC 3339 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")]
    BadDate(String),
    #[error("finding {0:?} does not exist")]
    UnknownFinding(String),
}

/// What a person asks for in a manual triage.
#[derive(Debug, Clone, Default)]
pub struct TriageRequest {
    pub status: String,
    pub justification: Option<String>,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub approver: Option<String>,
    pub until: Option<String>,
}

/// Validates a manual triage and returns its event.
pub fn triage(
    set: &FindingSet,
    finding: &str,
    req: &TriageRequest,
    by: &str,
    at: &str,
) -> Result<FindingEvent, TriageError> {
    if set.get(finding).is_none() {
        return Err(TriageError::UnknownFinding(finding.to_owned()));
    }
    let status = match req.status.as_str() {
        "open" => Status::Open,
        "triaged" => Status::Triaged {
            note: req.note.clone(),
        },
        "fixed" => Status::Fixed {
            note: req.note.clone(),
        },
        "not_affected" => {
            let all = Justification::ALL.map(Justification::as_str).join(", ");
            let j = req
                .justification
                .as_deref()
                .ok_or(TriageError::MissingJustification(all))?;
            let j = Justification::parse(j)
                .ok_or_else(|| TriageError::UnknownJustification(j.to_owned()))?;
            Status::NotAffected {
                justification: Some(j),
                statement: req.note.clone(),
            }
        }
        "risk_accepted" => {
            let (Some(reason), Some(approver), Some(until)) =
                (&req.reason, &req.approver, &req.until)
            else {
                return Err(TriageError::IncompleteRiskAcceptance);
            };
            if reason.trim().is_empty() || approver.trim().is_empty() {
                return Err(TriageError::IncompleteRiskAcceptance);
            }
            if !looks_like_rfc3339(until) {
                return Err(TriageError::BadDate(until.clone()));
            }
            Status::RiskAccepted {
                reason: reason.clone(),
                approver: approver.clone(),
                until: until.clone(),
            }
        }
        other => return Err(TriageError::UnknownStatus(other.to_owned())),
    };
    Ok(FindingEvent::Triaged {
        finding: finding.to_owned(),
        at: at.to_owned(),
        status,
        by: by.to_owned(),
    })
}

/// Shape check only: calendars and time zones are the engine's business.
fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let date_ok = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    date_ok && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}
