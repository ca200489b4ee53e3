//! The workspace ledger: its state, signed checkpoints, entries, proofs and an export
//! an auditor verifies offline with `covenant ledger verify`.

use super::Path;
use crate::api::{Errors, Page, PageQuery, time};
use crate::auth::actor::{Actor, access};
use crate::problem::{ApiResult, Problem};
use crate::role::Permission;
use crate::state::Shared;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct LedgerInfo {
    pub origin: String,
    pub size: u64,
    /// Root hash of the whole log, hex.
    pub root: String,
    /// The verifier key (`name+id+key`) that checks this workspace's checkpoints.
    pub verifier_key: String,
    /// The latest signed checkpoint (a C2SP signed note), if any.
    pub latest_checkpoint: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/ledger", tag = "ledger",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "The ledger's state", body = LedgerInfo), Errors))]
pub async fn info(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Json<LedgerInfo>> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    let key = a.live.verifier_key();
    let info = a
        .live
        .with_ledger(|l| -> Result<LedgerInfo, covenant_ledger::Error> {
            Ok(LedgerInfo {
                origin: l.origin().to_string(),
                size: l.size(),
                root: hex::encode(l.root()?),
                verifier_key: key,
                latest_checkpoint: l.latest_checkpoint()?,
            })
        })
        .await
        .map_err(Problem::internal)?;
    Ok(Json(info))
}

#[derive(Serialize, ToSchema)]
pub struct CheckpointInfo {
    pub size: u64,
    pub root: String,
    /// The signed note.
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/workspaces/{workspace}/ledger/checkpoints", tag = "ledger",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 201, description = "A new signed checkpoint", body = CheckpointInfo), Errors))]
pub async fn checkpoint(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<(StatusCode, Json<CheckpointInfo>)> {
    let a = access(&state, actor, &ws, Permission::ManageProgram).await?;
    let cp = a.live.checkpoint(state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(CheckpointInfo {
            size: cp.checkpoint.size,
            root: hex::encode(cp.checkpoint.root),
            note: cp.note,
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct EntryInfo {
    pub seq: i64,
    #[serde(rename = "type")]
    pub entry_type: String,
    pub actor: String,
    pub recorded_at: String,
    #[schema(value_type = Object)]
    pub entry: Value,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/ledger/entries", tag = "ledger",
    params(("workspace" = String, Path, description = "Workspace slug"), PageQuery),
    responses((status = 200, description = "Entries in order", body = Page<EntryInfo>), Errors))]
pub async fn entries(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<EntryInfo>>> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    let Query(q) = q?;
    let limit = q.limit()?;
    let from = match &q.cursor {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .map_err(|_| Problem::bad_request("cursor is not valid"))?,
    };
    let mut rows = state
        .store
        .entries_from(&a.live.workspace.id, from, limit + 1)
        .await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(50);
    rows.truncate(usize::try_from(limit).unwrap_or(50));
    let next = if more {
        rows.last().map(|r| (r.seq + 1).to_string())
    } else {
        None
    };
    Ok(Json(Page {
        items: rows
            .into_iter()
            .map(|r| EntryInfo {
                seq: r.seq,
                entry_type: r.entry_type,
                actor: r.actor,
                recorded_at: time(r.at),
                entry: serde_json::from_str(&r.body).unwrap_or(Value::Null),
            })
            .collect(),
        next,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Proof {
    pub seq: u64,
    /// The canonical entry, as stored.
    pub entry: String,
    /// Leaf hash of the entry, hex.
    pub leaf_hash: String,
    /// Inclusion proof hashes, hex, from the leaf up.
    pub proof: Vec<String>,
    /// Size of the tree the proof is for (the checkpoint's size).
    pub tree_size: u64,
    pub root: String,
    pub checkpoint: String,
    pub verifier_key: String,
    /// The whole offline bundle, for `covenant ledger proof verify`.
    pub bundle: String,
}

/// The inclusion proof of one entry against the latest checkpoint. A read never signs: an
/// entry newer than the latest checkpoint answers 409 with `Retry-After` until the
/// server's checkpointer (about once a second) or a `POST …/ledger/checkpoints` covers it.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/ledger/proofs/{seq}", tag = "ledger",
    params(("workspace" = String, Path, description = "Workspace slug"), ("seq" = u64, Path, description = "Entry sequence number")),
    responses((status = 200, description = "Inclusion proof", body = Proof), Errors))]
pub async fn proof(
    State(state): State<Shared>,
    actor: Actor,
    Path((ws, seq)): Path<(String, u64)>,
) -> ApiResult<Json<Proof>> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    if seq >= a.live.view().size {
        return Err(Problem::not_found());
    }
    let latest = a
        .live
        .with_ledger(|l| l.latest_checkpoint())
        .await
        .map_err(Problem::internal)?;
    let covered = latest
        .as_deref()
        .and_then(checkpoint_size)
        .is_some_and(|size| seq < size);
    let note = match (covered, latest) {
        (true, Some(n)) => n,
        _ => {
            let mut p = Problem::new(
                axum::http::StatusCode::CONFLICT,
                "not-checkpointed",
                "No signed checkpoint covers this entry yet",
            )
            .detail("checkpoints are signed about once a second; try again shortly");
            p.retry_after = Some(1);
            return Err(p);
        }
    };
    let key = a.live.verifier_key();
    let bundle = a
        .live
        .with_ledger(|l| l.proof_bundle(seq, &note))
        .await
        .map_err(Problem::internal)?;
    let cp = checkpoint_size(&note).unwrap_or(0);
    let root = note.lines().nth(2).unwrap_or("").to_string();
    Ok(Json(Proof {
        seq,
        entry: String::from_utf8_lossy(&bundle.entry).into_owned(),
        leaf_hash: hex::encode(covenant_ledger::merkle::leaf_hash(&bundle.entry)),
        proof: bundle.proof.iter().map(hex::encode).collect(),
        tree_size: cp,
        root,
        checkpoint: note,
        verifier_key: key,
        bundle: bundle.encode(),
    }))
}

/// The tree size a checkpoint note commits to (its second line).
pub fn checkpoint_size(note: &str) -> Option<u64> {
    note.lines().nth(1)?.trim().parse().ok()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Between {
    pub old: u64,
    pub new: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Consistency {
    pub old: u64,
    pub new: u64,
    pub proof: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/ledger/consistency", tag = "ledger",
    params(("workspace" = String, Path, description = "Workspace slug"), Between),
    responses((status = 200, description = "Consistency proof between two tree sizes", body = Consistency), Errors))]
pub async fn consistency(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
    q: Result<Query<Between>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Consistency>> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    let Query(b) = q?;
    if b.old > b.new || b.new > a.live.view().size || b.old == 0 {
        return Err(Problem::bad_request("need 0 < old <= new <= ledger size"));
    }
    let proof = a
        .live
        .with_ledger(|l| l.consistency_proof(b.old, b.new))
        .await
        .map_err(Problem::internal)?;
    Ok(Json(Consistency {
        old: b.old,
        new: b.new,
        proof: proof.iter().map(hex::encode).collect(),
    }))
}

/// A tar archive of the ledger directory (entries, tree, checkpoints, blobs, public key;
/// never the signing key), verifiable offline with `covenant ledger verify`.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace}/ledger/export", tag = "ledger",
    params(("workspace" = String, Path, description = "Workspace slug")),
    responses((status = 200, description = "tar archive", content_type = "application/x-tar"), Errors))]
pub async fn export(
    State(state): State<Shared>,
    actor: Actor,
    Path(ws): Path<String>,
) -> ApiResult<Response> {
    let a = access(&state, actor, &ws, Permission::ReadEvidence).await?;
    let tmp = tempfile::tempdir().map_err(Problem::internal)?;
    let dest = tmp.path().join("ledger");
    a.live
        .with_ledger(|l| l.export(&dest))
        .await
        .map_err(Problem::internal)?;
    let bytes = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut b = tar::Builder::new(Vec::new());
        b.mode(tar::HeaderMode::Deterministic);
        b.append_dir_all("ledger", &dest)?;
        b.into_inner()
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ws}-ledger.tar\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
