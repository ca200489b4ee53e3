//! Findings as the engine sees them: SLA clocks folded from the ledger's finding events.

use crate::{FindingEvent, FindingSet, Status};
use covenant_engine::finding::{FindingClock, FindingState, SlaTerms};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;

fn time(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok().or_else(|| {
        s.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    })
}

/// Folds the ledger's finding events into SLA clocks for the engine. Malformed or
/// out-of-order finding events are skipped (the verifier and `vuln list` report them).
pub fn from_values(values: &[(u64, Value)]) -> Vec<FindingClock> {
    let mut set = FindingSet::default();
    let mut responded: HashMap<String, Timestamp> = HashMap::new();
    let mut fixed: HashMap<String, Timestamp> = HashMap::new();
    let mut terms: HashMap<String, SlaTerms> = HashMap::new();
    for (index, (_, v)) in values.iter().enumerate() {
        let Ok(Some(event)) = FindingEvent::from_json(v) else {
            continue;
        };
        if crate::event::apply(&mut set, index, &event).is_err() {
            continue;
        }
        match &event {
            FindingEvent::Opened { finding, .. } => {
                // Terms recorded when the clock started win over today's commitment.
                if let Some(t) = v
                    .get("sla")
                    .and_then(|s| serde_json::from_value::<SlaTerms>(s.clone()).ok())
                {
                    terms.insert(finding.clone(), t);
                }
            }
            FindingEvent::Triaged {
                finding,
                at,
                status,
                ..
            } => {
                if let Some(t) = time(at) {
                    responded.entry(finding.clone()).or_insert(t);
                    if matches!(status, Status::Fixed { .. }) {
                        fixed.insert(finding.clone(), t);
                    } else {
                        fixed.remove(finding);
                    }
                }
            }
            FindingEvent::Seen { .. } => {}
        }
    }
    set.iter()
        .filter_map(|f| {
            let rating = f.rating();
            let state = match &f.status {
                Status::Open => FindingState::Open,
                Status::Triaged { .. } => FindingState::Triaged,
                Status::Fixed { .. } => FindingState::Fixed,
                // An acceptance whose expiry cannot be read accepts nothing: the clock runs.
                Status::RiskAccepted { until, .. } => time(until)
                    .map_or(FindingState::Open, |until| FindingState::RiskAccepted {
                        until,
                    }),
                Status::NotAffected { .. } => FindingState::NotAffected,
            };
            Some(FindingClock {
                id: f.id.clone(),
                title: format!("{} in {}", f.vulnerability(), f.component.name),
                score: rating.score,
                severity: rating.severity,
                first_detected: time(&f.first_detected)?,
                terms: terms.get(&f.id).copied(),
                responded_at: responded.get(&f.id).copied(),
                fixed_at: fixed.get(&f.id).copied(),
                state,
            })
        })
        .collect()
}

/// Adds to each `finding.opened` entry the SLA terms of the program's remediation
/// commitment for that finding's score, so the clock keeps the terms it started with.
pub fn record_terms(
    program: &covenant_model::Program,
    current: &FindingSet,
    planned: &[FindingEvent],
    values: &mut [Value],
) {
    let Some(commitment) = program
        .commitments
        .iter()
        .find(|c| c.value.remediation_sla.is_some())
    else {
        return;
    };
    let mut after = current.clone();
    for (i, e) in planned.iter().enumerate() {
        // A plan that does not apply is refused by the fold on read; nothing to stamp then.
        if crate::event::apply(&mut after, i, e).is_err() {
            return;
        }
    }
    for (e, v) in planned.iter().zip(values.iter_mut()) {
        let FindingEvent::Opened { finding, .. } = e else {
            continue;
        };
        let Some(f) = after.get(finding) else {
            continue;
        };
        let rating = f.rating();
        let Some(terms) =
            covenant_engine::evaluate::terms_for(&commitment.value, rating.score, rating.severity)
        else {
            continue;
        };
        if let (Some(m), Ok(json)) = (v.as_object_mut(), serde_json::to_value(terms)) {
            m.insert("sla".into(), json);
        }
    }
}
