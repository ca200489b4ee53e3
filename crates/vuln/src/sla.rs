//! The SLA hand-off to the engine: findings as the engine's SLA clocks see them
//! ([`FindingClock`]s folded from the ledger's finding events), and the SLA terms stamped on
//! `finding.opened` so a clock keeps the terms it started with. Deadlines themselves
//! (calendars, business days, "next release") are computed by the engine from the program's
//! remediation commitment; this crate only hands over each finding's score, severity, first
//! detection and triage times.

use crate::FindingEvent;
use crate::finding::{Finding, FindingSet, Rating, Status};
use covenant_engine::finding::{FindingClock, FindingState, SlaTerms};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What the engine's SLA function receives for one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaInput<'a> {
    pub finding: &'a str,
    pub rating: Rating,
    /// RFC 3339 timestamp of first detection; rescans never move it.
    pub first_detected: &'a str,
    pub status: &'a Status,
    /// When the status last changed (the start of a risk acceptance, a fix, ...).
    pub status_since: &'a str,
    /// First triage decision: ends the response clock.
    pub responded_at: Option<&'a str>,
    /// When it was marked fixed: ends the remediation clock.
    pub fixed_at: Option<&'a str>,
}

/// Calls `terms` for every finding, in id order. The engine passes a closure over the program's
/// remediation commitment and `now`.
pub fn assign_sla<'a, T>(
    findings: &'a FindingSet,
    terms: &dyn Fn(&SlaInput<'a>) -> T,
) -> Vec<(&'a str, T)> {
    findings
        .iter()
        .map(|f| {
            let input = SlaInput {
                finding: f.id.as_str(),
                rating: f.rating(),
                first_detected: f.first_detected.as_str(),
                status: &f.status,
                status_since: f.status_since.as_str(),
                responded_at: f.responded_at.as_deref(),
                fixed_at: f.fixed_at.as_deref(),
            };
            (f.id.as_str(), terms(&input))
        })
        .collect()
}

/// The finding in the serde shape of the engine's `FindingClock`, for callers that hand findings
/// over as JSON ([`from_values`] builds the clocks directly). A date-only risk-acceptance `until`
/// becomes the start of that day in UTC.
pub fn clock_json(f: &Finding) -> Value {
    let r = f.rating();
    let state = match &f.status {
        Status::Open => json!("open"),
        Status::Triaged { .. } => json!("triaged"),
        Status::Fixed { .. } => json!("fixed"),
        Status::NotAffected { .. } => json!("not-affected"),
        Status::RiskAccepted { until, .. } => {
            let until = if until.len() == 10 {
                format!("{until}T00:00:00Z")
            } else {
                until.clone()
            };
            json!({ "risk-accepted": { "until": until } })
        }
    };
    json!({
        "id": f.id,
        "title": f.title.clone().unwrap_or_else(|| format!("{} in {}", f.vulnerability(), f.component.name)),
        "score": r.score,
        "severity": r.severity,
        "first_detected": f.first_detected,
        "responded_at": f.responded_at,
        "fixed_at": f.fixed_at,
        "state": state,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::Component;
    use crate::event::{FindingEvent, fold};
    use crate::observation::{Format, Source};
    use covenant_model::Severity;

    fn opened(id: &str, at: &str, cvss: &[&str]) -> FindingEvent {
        FindingEvent::Opened {
            finding: id.into(),
            at: at.into(),
            aliases: [id.to_owned()].into_iter().collect(),
            component: Component {
                name: "c".into(),
                version: Some("1".into()),
                purl: None,
            },
            cvss: cvss.iter().map(|s| (*s).to_owned()).collect(),
            reported_severity: None,
            default_severity: Severity::Low,
            fixed_versions: Default::default(),
            title: None,
            sources: [Source {
                tool: "t".into(),
                format: Format::Grype,
                file: "f".into(),
                rule: None,
            }]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn engine_gets_score_severity_and_first_detection() {
        let events = [
            opened(
                "CVE-1",
                "2026-01-01T00:00:00Z",
                &["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
            ),
            opened("CVE-2", "2026-01-02T00:00:00Z", &[]),
        ];
        let set = fold(&events).expect("fold");
        // A stand-in for the engine's rule: days to remediate by severity, from the score when present.
        let terms = |i: &SlaInput<'_>| match (i.rating.score, i.rating.defaulted()) {
            (Some(s), _) if s >= 9.0 => (3, i.first_detected.to_owned()),
            (_, true) => (90, i.first_detected.to_owned()),
            _ => (30, i.first_detected.to_owned()),
        };
        let out = assign_sla(&set, &terms);
        let clock = clock_json(set.get("CVE-1").expect("finding"));
        assert_eq!(clock["severity"], "critical");
        assert_eq!(clock["state"], "open");
        assert_eq!(clock["first_detected"], "2026-01-01T00:00:00Z");
        assert_eq!(
            out,
            vec![
                ("CVE-1", (3, "2026-01-01T00:00:00Z".to_owned())),
                ("CVE-2", (90, "2026-01-02T00:00:00Z".to_owned()))
            ]
        );
    }
}
