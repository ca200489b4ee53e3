//! Framework coverage: for each criterion of a framework, the controls that implement it
//! (directly, or through a crosswalk with its relationship as provenance), whether they are
//! backed right now, and what is a gap. The ISO 27001 Statement of Applicability is this
//! view of Annex A together with the program's applicability decisions.

use crate::Evaluation;
use crate::claim::{ClaimKind, ClaimState};
use covenant_model::Program;
use covenant_model::crosswalk::{self, Crosswalk, Relationship};
use covenant_model::framework::{Catalog, Registry};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageState {
    /// Implemented by a vendor control whose claim is backed now.
    Backed,
    /// Implemented, but no implementing vendor control is backed now.
    Unbacked,
    /// Implemented by controls with nothing tracked behind them.
    Unsupported,
    /// Only customer-owned controls address it.
    Customer,
    /// No control addresses it.
    Gap,
    /// Excluded in the Statement of Applicability.
    NotApplicable,
}

/// How a control reaches a criterion of another framework.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Via {
    /// The reference the control cites, e.g. `soc2:CC6.2`.
    pub cited: String,
    pub relationship: Relationship,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Implementation {
    pub control: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// The control's claim state; none for customer-owned controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<ClaimState>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    pub criterion: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub applicable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    pub state: CoverageState,
    pub implementations: Vec<Implementation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Summary {
    pub criteria: usize,
    pub backed: usize,
    pub unbacked: usize,
    pub unsupported: usize,
    pub customer: usize,
    pub gaps: usize,
    pub not_applicable: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub framework: String,
    pub name: String,
    pub summary: Summary,
    pub rows: Vec<CoverageRow>,
}

/// Every crosswalk available to the program: the shipped ones and its own.
pub fn crosswalks(program: &Program) -> Vec<Crosswalk> {
    let mut all = crosswalk::builtin();
    all.extend(program.crosswalks.iter().map(|c| c.value.clone()));
    all
}

/// Target criteria (canonical ids) that a cited criterion reaches in `target`.
fn reach(
    cited_fw: &str,
    cited_id: &str,
    target: &Catalog,
    walks: &[Crosswalk],
) -> Vec<(String, Relationship)> {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let canon = |id: &str| target.criterion(id).map(|c| c.id.to_string());
    let mut out = Vec::new();
    for w in walks {
        if w.from == cited_fw && w.to == target.prefix() {
            for m in w.mappings.iter().filter(|m| same(&m.from, cited_id)) {
                out.extend(
                    m.to.iter()
                        .filter_map(|t| canon(t))
                        .map(|t| (t, m.relationship)),
                );
            }
        } else if w.to == cited_fw && w.from == target.prefix() {
            for m in w
                .mappings
                .iter()
                .filter(|m| m.to.iter().any(|t| same(t, cited_id)))
            {
                out.extend(canon(&m.from).map(|f| (f, m.relationship.inverse())));
            }
        }
    }
    out
}

/// Coverage of one framework; `None` when the program knows no framework with that prefix.
pub fn coverage(program: &Program, eval: &Evaluation, framework: &str) -> Option<Coverage> {
    let registry = Registry::of(program);
    let target = registry.get(framework)?;
    let walks = crosswalks(program);
    let claims: HashMap<&str, ClaimState> = eval
        .claims
        .iter()
        .filter(|c| c.id.kind() == ClaimKind::Control)
        .map(|c| (c.id.subject(), c.state))
        .collect();
    let area_criteria: HashMap<&str, &Vec<String>> = program
        .areas
        .iter()
        .map(|a| (a.value.id.as_str(), &a.value.criteria))
        .collect();
    let mut by_criterion: HashMap<String, Vec<Implementation>> = HashMap::new();
    for c in program.controls.iter().map(|c| &c.value) {
        // A control meets its own criteria and those its area speaks to.
        let cited = c.criteria.iter().chain(
            area_criteria
                .get(c.area.as_str())
                .into_iter()
                .flat_map(|v| v.iter()),
        );
        let mut reached: Vec<(String, Option<Via>)> = Vec::new();
        for r in cited {
            let Some((fw, id)) = r.split_once(':') else {
                continue;
            };
            if fw == framework {
                if let Some(k) = target.criterion(id) {
                    reached.push((k.id.to_string(), None));
                }
            } else {
                for (t, relationship) in reach(fw, id, &target, &walks) {
                    reached.push((
                        t,
                        Some(Via {
                            cited: r.clone(),
                            relationship,
                        }),
                    ));
                }
            }
        }
        // Direct citations win over crosswalk ones for the same criterion.
        reached.sort_by(|a, b| (&a.0, a.1.is_some()).cmp(&(&b.0, b.1.is_some())));
        reached.dedup_by(|a, b| a.0 == b.0);
        for (criterion, via) in reached {
            by_criterion
                .entry(criterion)
                .or_default()
                .push(Implementation {
                    control: c.id.clone(),
                    title: c.title.clone(),
                    via,
                    claim: claims.get(c.id.as_str()).copied(),
                });
        }
    }
    let decisions: Vec<_> = program
        .applicability
        .iter()
        .filter(|a| a.value.framework == framework)
        .collect();
    let find = |id: &str, excluded: bool| {
        decisions.iter().find_map(|a| {
            let list = if excluded {
                &a.value.exclusions
            } else {
                &a.value.justifications
            };
            list.iter()
                .find(|e| target.criterion(&e.criterion).is_some_and(|k| k.id == id))
                .map(|e| e.justification.clone())
        })
    };
    let mut summary = Summary::default();
    let rows = target
        .criteria()
        .into_iter()
        .map(|k| {
            let implementations = by_criterion.remove(k.id).unwrap_or_default();
            let exclusion = find(k.id, true);
            let state = if exclusion.is_some() {
                CoverageState::NotApplicable
            } else if implementations.is_empty() {
                CoverageState::Gap
            } else if implementations
                .iter()
                .any(|i| i.claim == Some(ClaimState::Backed))
            {
                CoverageState::Backed
            } else if implementations
                .iter()
                .any(|i| i.claim == Some(ClaimState::Unbacked))
            {
                CoverageState::Unbacked
            } else if implementations.iter().all(|i| i.claim.is_none()) {
                CoverageState::Customer
            } else {
                CoverageState::Unsupported
            };
            summary.criteria += 1;
            match state {
                CoverageState::Backed => summary.backed += 1,
                CoverageState::Unbacked => summary.unbacked += 1,
                CoverageState::Unsupported => summary.unsupported += 1,
                CoverageState::Customer => summary.customer += 1,
                CoverageState::Gap => summary.gaps += 1,
                CoverageState::NotApplicable => summary.not_applicable += 1,
            }
            CoverageRow {
                criterion: k.id.to_string(),
                title: k.title.to_string(),
                parent: k.parent.map(str::to_string),
                applicable: exclusion.is_none(),
                justification: exclusion.or_else(|| find(k.id, false)),
                state,
                implementations,
            }
        })
        .collect();
    Some(Coverage {
        framework: framework.to_string(),
        name: target.name().to_string(),
        summary,
        rows,
    })
}
