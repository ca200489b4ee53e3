//! The program: controls by area, the shared-responsibility matrix for one deployment
//! model at a time (plain links switch models, so it works without JavaScript), and the
//! commitments with their claim state.

use super::{Shell, WebActor, WebResult, enter, render};
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use covenant_engine::claim::{ClaimId, ClaimState};
use serde::Deserialize;

pub struct Model {
    pub id: String,
    pub name: String,
    pub description: String,
}

pub struct ControlRow {
    pub id: String,
    pub title: String,
    pub statement: String,
    pub health: &'static str,
    pub claim: String,
    pub criteria: String,
    pub owner: String,
    pub vendor: Vec<String>,
    pub customer: Vec<String>,
}

pub struct AreaGroup {
    pub id: String,
    pub title: String,
    pub controls: Vec<ControlRow>,
}

pub struct CommitmentRow {
    pub id: String,
    pub title: String,
    pub statement: String,
    pub claim: String,
    pub controls: String,
}

#[derive(Template)]
#[template(path = "program.html")]
struct ProgramPage {
    shell: Shell,
    models: Vec<Model>,
    model: String,
    model_name: String,
    model_description: String,
    areas: Vec<AreaGroup>,
    commitments: Vec<CommitmentRow>,
    vendor_count: usize,
    customer_count: usize,
    shared_count: usize,
}

#[derive(Deserialize)]
pub struct Q {
    model: Option<String>,
}

pub async fn page(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    Query(q): Query<Q>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let eval = a.live.evaluation_or_stale(state.clock.now()).await?;
    let view = a.live.view();
    let p = &view.program;
    let models: Vec<Model> = p
        .manifest
        .as_ref()
        .map(|m| {
            m.value
                .deployment_models
                .iter()
                .map(|d| Model {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    description: d.description.clone().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let chosen = models
        .iter()
        .find(|m| Some(&m.id) == q.model.as_ref())
        .or(models.first());
    if q.model.is_some() && chosen.is_none_or(|m| Some(&m.id) != q.model.as_ref()) {
        return Err(Problem::not_found().into());
    }
    let (model, model_name, model_description) = chosen
        .map(|m| (m.id.clone(), m.name.clone(), m.description.clone()))
        .unwrap_or_default();
    let claim_of = |id: ClaimId| {
        eval.claim(&id)
            .map_or(ClaimState::Unsupported, |c| c.state)
            .as_str()
            .to_string()
    };
    let (mut vendor_count, mut customer_count, mut shared_count) = (0, 0, 0);
    let mut areas: Vec<AreaGroup> = p
        .areas
        .iter()
        .map(|ar| AreaGroup {
            id: ar.value.id.clone(),
            title: ar.value.title.clone(),
            controls: Vec::new(),
        })
        .collect();
    for c in &p.controls {
        let c = &c.value;
        let r = c.responsibility.get(&model);
        let owner = r.map(|r| r.owner.to_string()).unwrap_or_else(|| "—".into());
        match owner.as_str() {
            "vendor" => vendor_count += 1,
            "customer" => customer_count += 1,
            "shared" => shared_count += 1,
            _ => {}
        }
        let row = ControlRow {
            id: c.id.clone(),
            title: c.title.clone(),
            statement: c.statement.clone(),
            health: eval
                .controls
                .iter()
                .find(|h| h.control == c.id)
                .map_or("untracked", |h| h.health.as_str()),
            claim: claim_of(ClaimId::control(&c.id)),
            criteria: c.criteria.join(", "),
            owner,
            vendor: r
                .and_then(|r| r.vendor.as_ref())
                .map(|s| s.0.clone())
                .unwrap_or_default(),
            customer: r
                .and_then(|r| r.customer.as_ref())
                .map(|s| s.0.clone())
                .unwrap_or_default(),
        };
        match areas.iter_mut().find(|g| g.id == c.area) {
            Some(g) => g.controls.push(row),
            None => areas.push(AreaGroup {
                id: c.area.clone(),
                title: c.area.clone(),
                controls: vec![row],
            }),
        }
    }
    areas.retain(|g| !g.controls.is_empty());
    let commitments = p
        .commitments
        .iter()
        .map(|c| CommitmentRow {
            id: c.value.id.clone(),
            title: c.value.title.clone(),
            statement: c.value.statement.clone(),
            claim: claim_of(ClaimId::commitment(&c.value.id)),
            controls: c.value.controls.join(", "),
        })
        .collect();
    render(&ProgramPage {
        shell: Shell::for_access("Program", &a, "program"),
        models,
        model,
        model_name,
        model_description,
        areas,
        commitments,
        vendor_count,
        customer_count,
        shared_count,
    })
}
