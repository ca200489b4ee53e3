//! The CI gate: which obligations and claims fail `covenant check` under the program's policy.

use crate::Evaluation;
use crate::claim::ClaimState;
use crate::obligation::{ObligationKind, Status};
use covenant_model::Severity;
use covenant_model::program::Gate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The obligation or claim id.
    pub id: String,
    pub rule: &'static str,
    pub message: String,
}

/// Applies the gate policy. `severity_of` gives a finding's severity by id, for SLA breaches.
pub fn violations(
    eval: &Evaluation,
    gate: &Gate,
    severity_of: &dyn Fn(&str) -> Option<Severity>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for o in eval
        .obligations
        .iter()
        .filter(|o| o.status == Status::Overdue)
    {
        let (rule, applies) = match o.kind {
            ObligationKind::Cadence | ObligationKind::Evidence => {
                ("overdue-obligation", gate.overdue_obligations)
            }
            ObligationKind::Notice => ("overdue-notice", gate.overdue_notices),
            ObligationKind::Response | ObligationKind::Remediation => {
                let sev = o
                    .subject
                    .as_deref()
                    .and_then(severity_of)
                    .unwrap_or(Severity::None);
                (
                    "sla-breach",
                    gate.sla_breaches != Severity::None && sev >= gate.sla_breaches,
                )
            }
        };
        if applies {
            out.push(Violation {
                id: o.id.clone(),
                rule,
                message: format!("{} was due {}", o.title, o.due),
            });
        }
    }
    if gate.unbacked_claims {
        for c in eval
            .claims
            .iter()
            .filter(|c| c.state == ClaimState::Unbacked)
        {
            out.push(Violation {
                id: c.id.to_string(),
                rule: "unbacked-claim",
                message: format!("\"{}\" is not backed: {}", c.text, c.reasons.join("; ")),
            });
        }
    }
    out
}
