//! The view of a program that templates see: references resolved, ownership laid out per
//! deployment model, numbers written as words. Everything is ordered, so output is stable.

use covenant_engine::claim::{ClaimId, ClaimState};
use covenant_model::Program;
use covenant_model::commitment::Commitment;
use covenant_model::criteria;
use covenant_model::party::{Deployer, Owner, Responsibility};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub organization: String,
    pub legal_name: String,
    pub website: Option<String>,
    pub product: String,
    pub product_description: Option<String>,
    pub summary: Option<String>,
    pub version: String,
    pub effective: String,
    pub updated: String,
    pub contact: Contact,
    pub models: Vec<ModelView>,
    pub areas: Vec<AreaView>,
    pub commitments: Vec<CommitmentView>,
    pub sla: Option<SlaView>,
    pub components: Vec<ComponentView>,
    pub artifacts: Vec<ArtifactView>,
    pub frameworks: Vec<AlignmentView>,
    pub model_changes: Vec<ModelChange>,
    pub policies: Vec<PolicyView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub email: String,
    pub name: Option<String>,
    pub report_url: Option<String>,
    pub pgp_key_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub vendor_boundary: Vec<String>,
    pub customer_boundary: Vec<String>,
    /// What the vendor does in this model, by area (areas with nothing left out).
    pub vendor_duties: Vec<Duties>,
    /// What the customer does in this model, by area.
    pub customer_duties: Vec<Duties>,
}

/// One party's statements in one area, in control order.
#[derive(Debug, Clone, Serialize)]
pub struct Duties {
    pub area: String,
    pub items: Vec<String>,
}

/// Each area's statements for one party; validation guarantees a party only has
/// statements where it owns or shares the control.
fn duties(areas: &[AreaView], model: &str, party: fn(&PartyView) -> &Vec<String>) -> Vec<Duties> {
    areas
        .iter()
        .map(|a| Duties {
            area: a.title.clone(),
            items: a
                .controls
                .iter()
                .filter_map(|c| c.owners.get(model))
                .flat_map(|o| party(o).iter().cloned())
                .collect(),
        })
        .filter(|d| !d.items.is_empty())
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaView {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub criteria: Vec<CriterionView>,
    pub controls: Vec<ControlView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriterionView {
    /// The reference as written: `soc2:CC6.1`.
    pub reference: String,
    /// The id alone: `CC6.1`.
    pub id: String,
    pub title: String,
    pub framework: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    pub id: String,
    pub title: String,
    pub statement: String,
    pub criteria: Vec<CriterionView>,
    pub cadence: Option<String>,
    /// Whether the statement is backed right now: `backed`, `unbacked`, `unsupported`.
    pub claim: Option<ClaimState>,
    /// Ownership per deployment model id.
    pub owners: BTreeMap<String, PartyView>,
}

/// Who does what in one model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PartyView {
    pub owner: Owner,
    pub vendor: Vec<String>,
    pub customer: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitmentView {
    pub id: String,
    pub title: String,
    pub statement: String,
    /// The numbers of the promise in one line ("respond within 24 hours").
    pub terms: Vec<String>,
    pub claim: Option<ClaimState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlaView {
    pub commitment: String,
    pub title: String,
    pub statement: String,
    pub bands: Vec<BandView>,
    pub release_horizon: Option<String>,
    pub claim: Option<ClaimState>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BandView {
    pub severity: String,
    pub cvss: String,
    pub response: String,
    pub remediation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub network_boundary: String,
    pub deployed_by: BTreeMap<String, String>,
    pub deployer: BTreeMap<String, Deployer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactView {
    pub id: String,
    pub need: String,
    pub location: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlignmentView {
    pub framework: String,
    pub name: String,
    pub rows: Vec<AlignmentRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlignmentRow {
    pub criterion: CriterionView,
    pub label: String,
    pub owners: BTreeMap<String, PartyView>,
}

/// A control whose owner differs between two models.
#[derive(Debug, Clone, Serialize)]
pub struct ModelChange {
    pub from: String,
    pub to: String,
    pub rows: Vec<ChangeRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub control: String,
    pub title: String,
    pub before: Owner,
    pub after: Owner,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub approver: String,
    pub version: String,
    pub review: String,
    pub last_review: String,
    pub body: String,
}

pub fn criterion(reference: &str) -> CriterionView {
    let (prefix, id) = reference.split_once(':').unwrap_or(("", reference));
    let fw = criteria::framework(prefix);
    CriterionView {
        reference: reference.to_string(),
        id: id.to_string(),
        title: fw
            .and_then(|f| f.criterion(id))
            .map(|c| c.title.to_string())
            .unwrap_or_default(),
        framework: fw.map(|f| f.name.to_string()).unwrap_or_default(),
    }
}

fn party(r: &Responsibility) -> PartyView {
    PartyView {
        owner: r.owner,
        vendor: r.vendor.as_ref().map(|s| s.0.clone()).unwrap_or_default(),
        customer: r.customer.as_ref().map(|s| s.0.clone()).unwrap_or_default(),
    }
}

fn deployer_label(d: Deployer) -> &'static str {
    match d {
        Deployer::Vendor => "Vendor",
        Deployer::Customer => "Customer",
        Deployer::Partner => "Partner",
    }
}

fn terms(c: &Commitment) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(sla) = &c.remediation_sla {
        for b in &sla.bands {
            out.push(format!(
                "{} (CVSS {}): respond within {}, remediate within {}",
                b.severity.label(),
                b.cvss,
                b.response,
                b.remediation
            ));
        }
    }
    if let Some(n) = &c.notice {
        out.push(format!("notify {} within {}", n.recipients, n.within));
    }
    if let Some(r) = &c.recovery {
        if let Some(rto) = r.rto {
            out.push(format!("recovery time objective: {rto}"));
        }
        if let Some(rpo) = r.rpo {
            out.push(format!("recovery point objective: {rpo}"));
        }
    }
    if let Some(r) = &c.retention {
        out.push(format!("{} kept for {}", r.subject, r.period));
    }
    out
}

impl View {
    /// Builds the view of a valid program. Only call it on a program without errors.
    /// `claims` holds the state of each claim, when known.
    pub fn of(program: &Program, claims: &BTreeMap<ClaimId, ClaimState>) -> Option<View> {
        let m = &program.manifest.as_ref()?.value;
        let mut models: Vec<ModelView> = m
            .deployment_models
            .iter()
            .map(|d| {
                let b = m.boundaries.get(&d.id).cloned().unwrap_or_default();
                ModelView {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    description: d.description.clone(),
                    vendor_boundary: b.vendor,
                    customer_boundary: b.customer,
                    vendor_duties: Vec::new(),
                    customer_duties: Vec::new(),
                }
            })
            .collect();
        let areas = program
            .areas
            .iter()
            .map(|a| AreaView {
                id: a.value.id.clone(),
                title: a.value.title.clone(),
                description: a.value.description.clone(),
                criteria: a.value.criteria.iter().map(|c| criterion(c)).collect(),
                controls: program
                    .controls
                    .iter()
                    .filter(|c| c.value.area == a.value.id)
                    .map(|c| ControlView {
                        id: c.value.id.clone(),
                        title: c.value.title.clone(),
                        statement: c.value.statement.clone(),
                        criteria: c.value.criteria.iter().map(|r| criterion(r)).collect(),
                        cadence: c.value.cadence.map(|c| c.to_string()),
                        claim: claims.get(&ClaimId::control(&c.value.id)).copied(),
                        owners: c
                            .value
                            .responsibility
                            .iter()
                            .map(|(k, r)| (k.clone(), party(r)))
                            .collect(),
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        for mv in &mut models {
            mv.vendor_duties = duties(&areas, &mv.id, |p| &p.vendor);
            mv.customer_duties = duties(&areas, &mv.id, |p| &p.customer);
        }
        let sla = program.commitments.iter().find_map(|c| {
            let s = c.value.remediation_sla.as_ref()?;
            Some(SlaView {
                commitment: c.value.id.clone(),
                title: c.value.title.clone(),
                statement: c.value.statement.clone(),
                bands: s
                    .bands
                    .iter()
                    .map(|b| BandView {
                        severity: b.severity.label().to_string(),
                        cvss: b.cvss.to_string(),
                        response: b.response.to_string(),
                        remediation: b.remediation.to_string(),
                    })
                    .collect(),
                release_horizon: s.release_horizon.map(|h| h.to_string()),
                claim: claims.get(&ClaimId::commitment(&c.value.id)).copied(),
            })
        });
        let mut frameworks: BTreeMap<String, AlignmentView> = BTreeMap::new();
        for a in &program.alignments {
            let c = criterion(&a.value.criterion);
            let prefix = a
                .value
                .criterion
                .split_once(':')
                .map(|p| p.0)
                .unwrap_or_default()
                .to_string();
            let entry = frameworks
                .entry(prefix.clone())
                .or_insert_with(|| AlignmentView {
                    framework: prefix,
                    name: c.framework.clone(),
                    rows: Vec::new(),
                });
            entry.rows.push(AlignmentRow {
                label: a.value.label.clone().unwrap_or_else(|| c.title.clone()),
                criterion: c,
                owners: a
                    .value
                    .responsibility
                    .iter()
                    .map(|(k, r)| (k.clone(), party(r)))
                    .collect(),
            });
        }
        let model_changes = models
            .windows(2)
            .map(|pair| ModelChange {
                from: pair[0].id.clone(),
                to: pair[1].id.clone(),
                rows: program
                    .controls
                    .iter()
                    .filter_map(|c| {
                        let before = c.value.responsibility.get(&pair[0].id)?.owner;
                        let after = c.value.responsibility.get(&pair[1].id)?.owner;
                        (before != after).then(|| ChangeRow {
                            control: c.value.id.clone(),
                            title: c.value.title.clone(),
                            before,
                            after,
                        })
                    })
                    .collect(),
            })
            .collect();
        Some(View {
            organization: m.organization.name.clone(),
            legal_name: m
                .organization
                .legal_name
                .clone()
                .unwrap_or_else(|| m.organization.name.clone()),
            website: m.organization.website.clone(),
            product: m.product.name.clone(),
            product_description: m.product.description.clone(),
            summary: m.summary.clone(),
            version: m.version.label.clone(),
            effective: m.version.effective.to_string(),
            updated: m.version.updated.to_string(),
            contact: Contact {
                email: m.security_contact.email.clone(),
                name: m.security_contact.name.clone(),
                report_url: m.security_contact.report_url.clone(),
                pgp_key_url: m.security_contact.pgp_key_url.clone(),
            },
            models,
            areas,
            commitments: program
                .commitments
                .iter()
                .map(|c| CommitmentView {
                    id: c.value.id.clone(),
                    title: c.value.title.clone(),
                    statement: c.value.statement.clone(),
                    terms: terms(&c.value),
                    claim: claims.get(&ClaimId::commitment(&c.value.id)).copied(),
                })
                .collect(),
            sla,
            components: program
                .components
                .iter()
                .map(|c| ComponentView {
                    id: c.value.id.clone(),
                    name: c.value.name.clone(),
                    description: c.value.description.clone(),
                    network_boundary: c.value.network_boundary.clone(),
                    deployed_by: c
                        .value
                        .deployed_by
                        .iter()
                        .map(|(k, d)| {
                            let label = match &c.value.deployment_note {
                                Some(n) => format!("{} ({n})", deployer_label(*d)),
                                None => deployer_label(*d).to_string(),
                            };
                            (k.clone(), label)
                        })
                        .collect(),
                    deployer: c.value.deployed_by.clone(),
                })
                .collect(),
            artifacts: program
                .artifacts
                .iter()
                .map(|a| ArtifactView {
                    id: a.value.id.clone(),
                    need: a.value.need.clone(),
                    location: a.value.location.clone(),
                })
                .collect(),
            frameworks: frameworks.into_values().collect(),
            model_changes,
            policies: program
                .policies
                .iter()
                .map(|p| PolicyView {
                    id: p.value.id.clone(),
                    title: p.value.meta.title.clone(),
                    owner: p.value.meta.owner.clone(),
                    approver: p.value.meta.approver.clone(),
                    version: p.value.meta.version.clone(),
                    review: p.value.meta.review.to_string(),
                    last_review: p.value.meta.last_review.to_string(),
                    body: p.value.body.clone(),
                })
                .collect(),
        })
    }
}
