//! Assessment results from an evaluation: each obligation with its status is an
//! observation, each (control, criterion) a finding whose state says whether the control's
//! obligations are met (satisfied) or some is overdue (not satisfied).

use super::{control_criteria, manifest, metadata, prop, text};
use crate::error::Error;
use crate::uuid::derive;
use covenant_engine::Evaluation;
use covenant_engine::claim::Health;
use covenant_engine::obligation::Status;
use covenant_model::Program;
use serde_json::{Value, json};

/// The assessment-results document at `evaluation.at`.
pub fn export(program: &Program, evaluation: &Evaluation) -> Result<Value, Error> {
    let file = manifest(program)?;
    let product = &file.product.name;
    let at = evaluation.at.to_string();
    let mut observations = Vec::new();
    for o in &evaluation.obligations {
        let status = o.status.label();
        let collected = o
            .met_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| at.clone());
        let mut props = vec![
            prop("obligation", &o.id),
            prop("status", status),
            prop("due", &o.due.to_string()),
        ];
        if let Some(c) = &o.control {
            props.push(prop("covenant-control", c));
        }
        if let Some(seq) = o.met_by {
            props.push(prop("ledger-entry", &seq.to_string()));
        }
        let mut obs = json!({
            "uuid": derive(&["observation", product, &o.id, &at]),
            "title": text(&o.title, &o.id),
            "description": format!("{} (due {}): {}.", text(&o.title, &o.id), o.due, status),
            "props": props,
            "methods": ["EXAMINE"],
            "collected": collected,
        });
        if let Some(d) = &o.detail {
            obs["remarks"] = Value::String(text(d, "-"));
        }
        observations.push(obs);
    }
    let mut findings = Vec::new();
    let mut reviewed = Vec::new();
    for located in &program.controls {
        let c = &located.value;
        let health = evaluation.controls.iter().find(|h| h.control == c.id);
        let (state, reason) = match health.map(|h| h.health) {
            Some(Health::Failing) => ("not-satisfied", "an obligation is overdue"),
            Some(Health::Healthy) => ("satisfied", "its obligations are met or not yet due"),
            Some(Health::AtRisk) => ("satisfied", "met so far, with obligations due soon"),
            Some(Health::Untracked) | None => {
                ("satisfied", "no cadence or evidence requirement tracks it")
            }
        };
        let related: Vec<Value> = evaluation
            .obligations
            .iter()
            .filter(|o| o.control.as_deref() == Some(c.id.as_str()))
            .map(|o| json!({"observation-uuid": derive(&["observation", product, &o.id, &at])}))
            .collect();
        let overdue = evaluation
            .obligations
            .iter()
            .filter(|o| o.control.as_deref() == Some(c.id.as_str()) && o.status == Status::Overdue)
            .count();
        for (_, crit) in control_criteria(c) {
            reviewed.push(json!({"control-id": crit.control_id}));
            let mut f = json!({
                "uuid": derive(&["finding", product, &c.id, &crit.control_id, &at]),
                "title": format!("{} ({}:{})", text(&c.title, &c.id), crit.framework, crit.id),
                "description": format!("{} is {state}: {reason}; {overdue} overdue obligation(s).", c.id),
                "props": [prop("covenant-control", &c.id)],
                "target": {
                    "type": "objective-id",
                    "target-id": crit.control_id,
                    "status": {"state": state},
                },
            });
            if !related.is_empty() {
                f["related-observations"] = Value::Array(related.clone());
            }
            findings.push(f);
        }
    }
    reviewed.sort_by(|a, b| a["control-id"].as_str().cmp(&b["control-id"].as_str()));
    reviewed.dedup();
    let plan = derive(&["assessment-plan", product]);
    let mut result = json!({
        "uuid": derive(&["result", product, &at]),
        "title": format!("Covenant evaluation of {product} at {at}"),
        "description": "Obligation and evidence status computed from the program and its ledger.",
        "start": at,
        "end": at,
        "reviewed-controls": {"control-selections": [{"include-controls": reviewed}]},
    });
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    Ok(json!({
        "assessment-results": {
            "uuid": derive(&["assessment-results", product, &at]),
            "metadata": metadata(file, format!("{product}: assessment results"), &at),
            "import-ap": {"href": format!("#{plan}")},
            "results": [result],
            "back-matter": {"resources": [{
                "uuid": plan,
                "title": "Covenant program",
                "description": "The assessment plan is the program itself: its controls, cadences and evidence requirements.",
            }]},
        }
    }))
}
