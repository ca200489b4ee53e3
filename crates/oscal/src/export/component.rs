//! Component definition: each program component (and the product itself, for controls
//! bound to no component) with its control implementations, one per framework, and who is
//! responsible in each deployment model.

use super::{CUSTOMER, NS, VENDOR, control_criteria, manifest, metadata, prop, text};
use crate::error::Error;
use crate::uuid::derive;
use covenant_model::Program;
use covenant_model::control::Control;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Roles responsible for a control in any deployment model.
fn roles(control: &Control) -> Vec<Value> {
    let vendor = control
        .responsibility
        .values()
        .any(|r| r.owner.includes_vendor());
    let customer = control
        .responsibility
        .values()
        .any(|r| r.owner.includes_customer());
    let mut out = Vec::new();
    if vendor {
        out.push(json!({"role-id": VENDOR}));
    }
    if customer {
        out.push(json!({"role-id": CUSTOMER}));
    }
    out
}

fn requirement(component: &str, control: &Control, source: &str, control_id: &str) -> Value {
    let mut props = vec![prop("covenant-control", &control.id)];
    for (model, r) in &control.responsibility {
        props.push(json!({"name": "responsibility", "ns": NS, "class": model, "value": r.owner.to_string()}));
    }
    let mut remarks = Vec::new();
    for (model, r) in &control.responsibility {
        for (who, s) in [("vendor", &r.vendor), ("customer", &r.customer)] {
            if let Some(s) = s {
                for line in &s.0 {
                    remarks.push(format!("- {model}, {who}: {}", text(line, "-")));
                }
            }
        }
    }
    let mut req = json!({
        "uuid": derive(&["implemented-requirement", component, &control.id, source, control_id]),
        "control-id": control_id,
        "description": text(&control.statement, &control.title),
        "props": props,
    });
    let roles = roles(control);
    if !roles.is_empty() {
        req["responsible-roles"] = Value::Array(roles);
    }
    if !remarks.is_empty() {
        req["remarks"] = Value::String(remarks.join("\n"));
    }
    req
}

/// Control implementations of one component, grouped by framework source.
fn implementations(component: &str, controls: &[&Control]) -> Vec<Value> {
    let mut by_source: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for c in controls {
        for (source, crit) in control_criteria(c) {
            let req = requirement(component, c, &source, &crit.control_id);
            by_source.entry(source).or_default().push(req);
        }
    }
    by_source
        .into_iter()
        .map(|(source, reqs)| {
            json!({
                "uuid": derive(&["control-implementation", component, &source]),
                "source": source,
                "description": format!("How {component} meets the criteria of {source}."),
                "implemented-requirements": reqs,
            })
        })
        .collect()
}

/// The program's components; controls that name no component belong to the product.
pub(crate) fn components(program: &Program) -> Vec<(String, String, String, Vec<&Control>)> {
    let mut out = Vec::new();
    let product = program
        .manifest
        .as_ref()
        .map(|m| m.value.product.name.clone())
        .unwrap_or_else(|| "product".into());
    let unbound: Vec<&Control> = program
        .controls
        .iter()
        .map(|c| &c.value)
        .filter(|c| c.components.is_empty())
        .collect();
    for comp in &program.components {
        let c = &comp.value;
        let controls: Vec<&Control> = program
            .controls
            .iter()
            .map(|x| &x.value)
            .filter(|x| x.components.iter().any(|id| id == &c.id))
            .collect();
        out.push((
            c.id.clone(),
            c.name.clone(),
            text(c.description.as_deref().unwrap_or(""), &c.name),
            controls,
        ));
    }
    if !unbound.is_empty() {
        out.push((
            "product".to_string(),
            product.clone(),
            format!("{product} as a whole: controls that are not bound to one component."),
            unbound,
        ));
    }
    out
}

/// The component-definition document (`{"component-definition": ...}`).
pub fn export(program: &Program, timestamp: &str) -> Result<Value, Error> {
    let file = manifest(program)?;
    let product = &file.product.name;
    let comps: Vec<Value> = components(program)
        .into_iter()
        .map(|(id, name, description, controls)| {
            let mut c = json!({
                "uuid": derive(&["component", product, &id]),
                "type": "software",
                "title": name,
                "description": description,
                "props": [prop("covenant-component", &id)],
                "responsible-roles": [{"role-id": VENDOR, "party-uuids": [super::party_uuid(file)]}],
            });
            let impls = implementations(&id, &controls);
            if !impls.is_empty() {
                c["control-implementations"] = Value::Array(impls);
            }
            c
        })
        .collect();
    Ok(json!({
        "component-definition": {
            "uuid": derive(&["component-definition", &file.organization.name, product]),
            "metadata": metadata(file, format!("{product}: component definition"), timestamp),
            "components": comps,
        }
    }))
}
