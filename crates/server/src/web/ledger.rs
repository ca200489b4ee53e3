//! The ledger: its size and root, the signed checkpoints, a consistency check between two
//! of them, signing a new checkpoint, and the export an auditor verifies offline.

use super::{Shell, WebActor, WebResult, enter, render, when};
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use covenant_ledger::layout::parse_checkpoint_file_name;
use covenant_ledger::merkle::verify_consistency;
use serde::Deserialize;

const SHOWN: usize = 50;

pub struct Checkpoint {
    pub size: u64,
    pub signed: String,
}

pub struct Consistency {
    pub old: u64,
    pub new: u64,
    pub proof: Vec<String>,
    pub ok: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    shell: Shell,
    origin: String,
    size: u64,
    root: String,
    verifier_key: String,
    latest: String,
    checkpoints: Vec<Checkpoint>,
    total_checkpoints: usize,
    consistency: Option<Consistency>,
    old: u64,
    new: u64,
    can_sign: bool,
    signed: bool,
}

#[derive(Deserialize, Default)]
pub struct Q {
    old: Option<u64>,
    new: Option<u64>,
    signed: Option<String>,
}

struct Snapshot {
    origin: String,
    size: u64,
    root: String,
    latest: String,
    checkpoints: Vec<(u64, u64)>,
    consistency: Option<Consistency>,
}

pub async fn page(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    q: Result<Query<Q>, axum::extract::rejection::QueryRejection>,
) -> WebResult {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let a = enter(&state, actor, &ws, Permission::ReadEvidence).await?;
    let wanted = q.old.zip(q.new);
    let s = a
        .live
        .with_ledger(|l| -> Result<Snapshot, covenant_ledger::Error> {
            // Checkpoints are write-once files named by size and time.
            let mut checkpoints: Vec<(u64, u64)> =
                std::fs::read_dir(l.layout().checkpoints())
                    .map(|rd| {
                        rd.filter_map(Result::ok)
                            .filter_map(|e| {
                                parse_checkpoint_file_name(&e.file_name().to_string_lossy())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            checkpoints.sort_unstable_by(|x, y| y.cmp(x));
            let consistency = match wanted {
                Some((old, new)) if old == 0 || old > new || new > l.size() => Some(Consistency {
                    old,
                    new,
                    proof: Vec::new(),
                    ok: false,
                    message: format!(
                        "Choose two sizes with 0 < old ≤ new ≤ {} (the ledger's size).",
                        l.size()
                    ),
                }),
                Some((old, new)) => {
                    let proof = l.consistency_proof(old, new)?;
                    let ok = verify_consistency(old, new, &l.root_at(old)?, &l.root_at(new)?, &proof)
                        .is_ok();
                    Some(Consistency {
                        old,
                        new,
                        proof: proof.iter().map(hex::encode).collect(),
                        ok,
                        message: if ok {
                            format!("The ledger at size {new} extends the ledger at size {old}: nothing before entry {old} was changed, dropped or reordered.")
                        } else {
                            "The consistency proof does not verify.".to_string()
                        },
                    })
                }
                None => None,
            };
            Ok(Snapshot {
                origin: l.origin().to_string(),
                size: l.size(),
                root: hex::encode(l.root()?),
                latest: l.latest_checkpoint()?.unwrap_or_default(),
                checkpoints,
                consistency,
            })
        })
        .await
        .map_err(Problem::internal)?;
    let total_checkpoints = s.checkpoints.len();
    let old = q
        .old
        .or_else(|| s.checkpoints.get(1).map(|c| c.0))
        .unwrap_or(1);
    let new = q
        .new
        .or_else(|| s.checkpoints.first().map(|c| c.0))
        .unwrap_or(s.size);
    render(&LedgerPage {
        shell: Shell::for_access("Ledger", &a, "ledger"),
        origin: s.origin,
        size: s.size,
        root: s.root,
        verifier_key: a.live.verifier_key(),
        latest: s.latest,
        checkpoints: s
            .checkpoints
            .iter()
            .take(SHOWN)
            .map(|(size, secs)| Checkpoint {
                size: *size,
                signed: jiff::Timestamp::from_second(i64::try_from(*secs).unwrap_or(0))
                    .map(when)
                    .unwrap_or_default(),
            })
            .collect(),
        total_checkpoints,
        consistency: s.consistency,
        old,
        new,
        can_sign: a.role.allows(Permission::ManageProgram),
        signed: q.signed.is_some(),
    })
}

/// Signs a checkpoint of the ledger as it stands (as `POST .../ledger/checkpoints`).
pub async fn checkpoint(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::ManageProgram).await?;
    a.live.checkpoint(state.clock.now()).await?;
    Ok(Redirect::to(&format!("/w/{ws}/ledger?signed=1")).into_response())
}
