//! The engine: time, calendars, cadences, SLA clocks, obligation status, claim backing and
//! the CI gate. Pure: it takes the program, the events read from the ledger, the findings
//! and `now`, and returns where everything stands. It never reads a clock or a file.

pub mod calendar;
pub mod claim;
pub mod coverage;
pub mod evaluate;
pub mod event;
pub mod finding;
pub mod gate;
pub mod obligation;

use claim::{Claim, ClaimId, ClaimKind, ClaimState, ControlHealth};
use covenant_model::Program;
use evaluate::{Context, EvalError, vendor_duty};
use event::Event;
use finding::FindingClock;
use jiff::Timestamp;
use obligation::{Obligation, Status};
use serde::Serialize;

/// Where the program stands at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub at: Timestamp,
    pub obligations: Vec<Obligation>,
    pub controls: Vec<ControlHealth>,
    pub claims: Vec<Claim>,
}

impl Evaluation {
    pub fn count(&self, status: Status) -> usize {
        self.obligations
            .iter()
            .filter(|o| o.status == status)
            .count()
    }

    pub fn claim(&self, id: &ClaimId) -> Option<&Claim> {
        self.claims.iter().find(|c| &c.id == id)
    }
}

/// Evaluates every obligation, control and claim at `now`.
pub fn evaluate(
    program: &Program,
    events: &[(u64, Event)],
    findings: &[FindingClock],
    now: Timestamp,
) -> Result<Evaluation, EvalError> {
    let ctx = Context::new(program, events, now)?;
    let mut obligations = Vec::new();
    for c in program
        .controls
        .iter()
        .map(|c| &c.value)
        .filter(|c| vendor_duty(c))
    {
        evaluate::cadence_obligations(&ctx, c, &mut obligations)?;
        evaluate::evidence_obligations(&ctx, c, &mut obligations)?;
    }
    evaluate::finding_obligations(&ctx, events, findings, &mut obligations)?;
    evaluate::event_obligations(&ctx, events, &mut obligations)?;
    obligations.sort_by(|a, b| (a.due, &a.id).cmp(&(b.due, &b.id)));

    let mut by_control: std::collections::HashMap<&str, Vec<&Obligation>> =
        std::collections::HashMap::new();
    for o in &obligations {
        if let Some(c) = &o.control {
            by_control.entry(c.as_str()).or_default().push(o);
        }
    }
    let mut controls = Vec::new();
    let mut claims = Vec::new();
    for c in program
        .controls
        .iter()
        .map(|c| &c.value)
        .filter(|c| vendor_duty(c))
    {
        let obs = by_control.get(c.id.as_str()).cloned().unwrap_or_default();
        controls.push(claim::health(&c.id, &c.title, &obs));
        let reasons: Vec<String> = obs
            .iter()
            .filter(|o| claim::failing(o))
            .map(|o| claim::reason(o))
            .collect();
        let state = if obs.is_empty() {
            ClaimState::Unsupported
        } else if reasons.is_empty() {
            ClaimState::Backed
        } else {
            ClaimState::Unbacked
        };
        claims.push(Claim {
            id: ClaimId::control(&c.id),
            text: c.statement.clone(),
            state,
            reasons,
        });
    }
    for cm in program.commitments.iter().map(|c| &c.value) {
        let mut reasons = Vec::new();
        let mut supported = false;
        for id in &cm.controls {
            if let Some(cl) = claims
                .iter()
                .find(|cl| cl.id.kind() == ClaimKind::Control && cl.id.subject() == id)
            {
                supported |= cl.state != ClaimState::Unsupported;
                reasons.extend(cl.reasons.iter().map(|r| format!("control {id}: {r}")));
            }
        }
        for o in obligations
            .iter()
            .filter(|o| o.commitment.as_ref() == Some(&cm.id))
        {
            supported = true;
            if claim::failing(o) {
                reasons.push(claim::reason(o));
            }
        }
        let state = if !reasons.is_empty() {
            ClaimState::Unbacked
        } else if supported {
            ClaimState::Backed
        } else {
            ClaimState::Unsupported
        };
        claims.push(Claim {
            id: ClaimId::commitment(&cm.id),
            text: cm.statement.clone(),
            state,
            reasons,
        });
    }
    Ok(Evaluation {
        at: now,
        obligations,
        controls,
        claims,
    })
}
