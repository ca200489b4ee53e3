//! System security plan for one deployment model, carrying the shared-responsibility
//! matrix the way NIST's leveraged-system example does: each by-component entry's `export`
//! lists what the vendor `provided` and the customer's `responsibilities`.
//!
//! [`matrix`] computes the matrix from a program and [`read_matrix`] reads it back from an
//! SSP, so a round trip (export, import, compare) is a plain equality.

use super::component::components;
use super::{CUSTOMER, NS, VENDOR, control_criteria, manifest, metadata, prop, text};
use crate::error::Error;
use crate::uuid::derive;
use covenant_model::Program;
use covenant_model::party::Owner;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One row of the shared-responsibility matrix: a program control on a component, in one
/// deployment model, with the vendor's and the customer's statements.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub control: String,
    pub component: String,
    pub owner: String,
    pub vendor: Vec<String>,
    pub customer: Vec<String>,
}

/// The deployment model an SSP describes: the given one, else the program's first.
pub fn deployment_model(program: &Program, wanted: Option<&str>) -> Result<String, Error> {
    let file = manifest(program)?;
    match wanted {
        Some(w) => file
            .deployment_models
            .iter()
            .find(|m| m.id == w)
            .map(|m| m.id.clone())
            .ok_or_else(|| {
                let known: Vec<&str> = file
                    .deployment_models
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect();
                Error::Export(format!(
                    "no deployment model `{w}` (the program has: {})",
                    known.join(", ")
                ))
            }),
        None => file
            .deployment_models
            .first()
            .map(|m| m.id.clone())
            .ok_or_else(|| Error::Export("the program has no deployment model".into())),
    }
}

fn lines(s: &Option<covenant_model::party::Statements>) -> Vec<String> {
    s.as_ref()
        .map(|s| {
            s.0.iter()
                .map(|l| text(l, "-"))
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The matrix for one deployment model, sorted.
pub fn matrix(program: &Program, model: &str) -> Vec<Row> {
    let mut out = Vec::new();
    for (component, _, _, controls) in components(program) {
        for c in controls {
            let Some(r) = c.responsibility.get(model) else {
                continue;
            };
            out.push(Row {
                control: c.id.clone(),
                component: component.clone(),
                owner: r.owner.to_string(),
                vendor: if r.owner.includes_vendor() {
                    lines(&r.vendor)
                } else {
                    Vec::new()
                },
                customer: if r.owner.includes_customer() {
                    lines(&r.customer)
                } else {
                    Vec::new()
                },
            });
        }
    }
    out.sort();
    out
}

fn by_component(row: &Row, comp_uuid: &str, statement: &str) -> Value {
    let key = [row.control.as_str(), row.component.as_str()];
    let mut export = serde_json::Map::new();
    let provided: Vec<Value> = row
        .vendor
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "uuid": derive(&["provided", key[0], key[1], &i.to_string()]),
                "description": l,
                "responsible-roles": [{"role-id": VENDOR}],
            })
        })
        .collect();
    let first_provided = provided.first().and_then(|p| p.get("uuid").cloned());
    let responsibilities: Vec<Value> = row
        .customer
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = json!({
                "uuid": derive(&["responsibility", key[0], key[1], &i.to_string()]),
                "description": l,
                "responsible-roles": [{"role-id": CUSTOMER}],
            });
            // In a shared control the customer's part completes what the vendor provides.
            if let Some(p) = &first_provided {
                r["provided-uuid"] = p.clone();
            }
            r
        })
        .collect();
    export.insert(
        "description".into(),
        Value::String(format!(
            "Responsibility for {} on {}: {}.",
            row.control, row.component, row.owner
        )),
    );
    if !provided.is_empty() {
        export.insert("provided".into(), Value::Array(provided));
    }
    if !responsibilities.is_empty() {
        export.insert("responsibilities".into(), Value::Array(responsibilities));
    }
    json!({
        "component-uuid": comp_uuid,
        "uuid": derive(&["by-component", key[0], key[1]]),
        "description": statement,
        "props": [prop("covenant-control", &row.control), prop("responsibility", &row.owner)],
        "implementation-status": {"state": "implemented"},
        "export": Value::Object(export),
    })
}

/// The SSP document for `model` (`{"system-security-plan": ...}`).
pub fn export(program: &Program, model: &str, timestamp: &str) -> Result<Value, Error> {
    let file = manifest(program)?;
    let product = &file.product.name;
    let model_name = file
        .deployment_models
        .iter()
        .find(|m| m.id == model)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| model.to_string());
    let system_uuid = derive(&["system", &file.organization.name, product, model]);
    let this_system = derive(&["component", product, "this-system", model]);
    let mut comp_uuid: BTreeMap<String, String> = BTreeMap::new();
    let mut comps = vec![json!({
        "uuid": this_system,
        "type": "this-system",
        "title": product,
        "description": text(file.product.description.as_deref().unwrap_or(""), product),
        "status": {"state": "operational"},
    })];
    for (id, name, description, _) in components(program) {
        let uuid = derive(&["component", product, &id]);
        comp_uuid.insert(id.clone(), uuid.clone());
        comps.push(json!({
            "uuid": uuid,
            "type": "software",
            "title": name,
            "description": description,
            "props": [prop("covenant-component", &id)],
            "status": {"state": "operational"},
        }));
    }

    let rows = matrix(program, model);
    let mut reqs = Vec::new();
    for located in &program.controls {
        let c = &located.value;
        let my_rows: Vec<&Row> = rows.iter().filter(|r| r.control == c.id).collect();
        if my_rows.is_empty() {
            continue;
        }
        let statement = text(&c.statement, &c.title);
        for (source, crit) in control_criteria(c) {
            let bys: Vec<Value> = my_rows
                .iter()
                .map(|r| {
                    let uuid = comp_uuid
                        .get(&r.component)
                        .cloned()
                        .unwrap_or_else(|| this_system.clone());
                    by_component(r, &uuid, &statement)
                })
                .collect();
            reqs.push(json!({
                "uuid": derive(&["ssp-requirement", model, &c.id, &source, &crit.control_id]),
                "control-id": crit.control_id,
                "props": [prop("covenant-control", &c.id), json!({"name": "framework", "ns": NS, "value": crit.framework})],
                "links": [{"href": source, "rel": "reference"}],
                "by-components": bys,
            }));
        }
    }
    let profile_resource = derive(&["criteria-resource", product]);
    let boundary = file
        .boundaries
        .get(model)
        .map(|b| {
            let mut parts = Vec::new();
            if !b.vendor.is_empty() {
                parts.push(format!("Vendor: {}.", b.vendor.join("; ")));
            }
            if !b.customer.is_empty() {
                parts.push(format!("Customer: {}.", b.customer.join("; ")));
            }
            parts.join(" ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("{product} in the {model_name} deployment model."));
    Ok(json!({
        "system-security-plan": {
            "uuid": derive(&["system-security-plan", &file.organization.name, product, model]),
            "metadata": metadata(file, format!("{product}: system security plan ({model_name})"), timestamp),
            "import-profile": {"href": format!("#{profile_resource}")},
            "system-characteristics": {
                "system-ids": [{"identifier-type": "https://ietf.org/rfc/rfc4122", "id": system_uuid}],
                "system-name": format!("{product} ({model_name})"),
                "description": text(file.summary.as_deref().or(file.product.description.as_deref()).unwrap_or(""), product),
                "props": [prop("deployment-model", model)],
                "system-information": {"information-types": [{
                    "uuid": derive(&["information-type", product]),
                    "title": format!("Data processed by {product}"),
                    "description": "The customer's data that the software stores and processes.",
                }]},
                "status": {"state": "operational"},
                "authorization-boundary": {"description": boundary},
            },
            "system-implementation": {
                "users": [
                    {"uuid": derive(&["user", product, VENDOR]), "title": "Vendor personnel", "role-ids": [VENDOR]},
                    {"uuid": derive(&["user", product, CUSTOMER]), "title": "Customer users", "role-ids": [CUSTOMER]}
                ],
                "components": comps,
            },
            "control-implementation": {
                "description": format!("How {product} meets the criteria it cites, and who does what, in the {model_name} deployment model."),
                "implemented-requirements": reqs,
            },
            "back-matter": {"resources": [{
                "uuid": profile_resource,
                "title": "Criteria cited by the program",
                "description": "The frameworks whose criteria the control implementations cite; see docs/oscal.md for the control-id mapping.",
            }]},
        }
    }))
}

/// Reads the shared-responsibility matrix back out of an SSP written by [`export`].
pub fn read_matrix(doc: &Value) -> Result<Vec<Row>, Error> {
    let bad = |m: &str| Error::Export(format!("not a Covenant SSP: {m}"));
    let ssp = doc
        .get("system-security-plan")
        .ok_or_else(|| bad("no system-security-plan root"))?;
    let comps = ssp
        .pointer("/system-implementation/components")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no components"))?;
    let prop_of = |v: &Value, name: &str| -> Option<String> {
        v.get("props")?.as_array()?.iter().find_map(|p| {
            (p.get("name")?.as_str()? == name && p.get("ns").and_then(Value::as_str) == Some(NS))
                .then(|| p.get("value")?.as_str().map(str::to_string))?
        })
    };
    let mut comp_ids: BTreeMap<String, String> = BTreeMap::new();
    for c in comps {
        if let (Some(u), Some(id)) = (
            c.get("uuid").and_then(Value::as_str),
            prop_of(c, "covenant-component"),
        ) {
            comp_ids.insert(u.to_string(), id);
        }
    }
    let reqs = ssp
        .pointer("/control-implementation/implemented-requirements")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no implemented requirements"))?;
    let mut rows = std::collections::BTreeSet::new();
    for r in reqs {
        for b in r
            .get("by-components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let control = prop_of(b, "covenant-control")
                .ok_or_else(|| bad("a by-component has no covenant-control"))?;
            let owner = prop_of(b, "responsibility")
                .ok_or_else(|| bad("a by-component has no responsibility"))?;
            let comp = b
                .get("component-uuid")
                .and_then(Value::as_str)
                .and_then(|u| comp_ids.get(u).cloned())
                .unwrap_or_else(|| "product".into());
            let list = |key: &str| -> Vec<String> {
                b.pointer(&format!("/export/{key}"))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.get("description")?.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            rows.insert(Row {
                control,
                component: comp,
                owner,
                vendor: list("provided"),
                customer: list("responsibilities"),
            });
        }
    }
    Ok(rows.into_iter().collect())
}

/// Owner names as the SSP writes them.
pub fn owner_name(o: Owner) -> String {
    o.to_string()
}
