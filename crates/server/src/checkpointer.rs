//! Signs a checkpoint for each workspace whose ledger grew, once per interval. Proofs are
//! served against the latest checkpoint, so reads never sign (a GET must not write, and a
//! read-only token must not be able to make the server sign); this task is the one
//! place, besides an explicit `POST …/ledger/checkpoints`, where checkpoints are made.

use crate::state::Shared;
use std::sync::Weak;

/// Starts the task on the current runtime; it ends when the server's state is dropped.
pub fn spawn(state: &Shared) {
    let weak = std::sync::Arc::downgrade(state);
    let every = state.settings.checkpoint_interval;
    tokio::spawn(async move {
        // The first round one interval after start, not at once.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The size each workspace's latest checkpoint covers, so an idle workspace costs
        // no file read per round.
        let mut covered = std::collections::HashMap::new();
        loop {
            tick.tick().await;
            if !round(&weak, &mut covered).await {
                return;
            }
        }
    });
}

/// One pass over the workspaces; false once the server is gone.
async fn round(
    state: &Weak<crate::state::AppState>,
    known: &mut std::collections::HashMap<String, u64>,
) -> bool {
    let Some(state) = state.upgrade() else {
        return false;
    };
    for live in state.all_live() {
        let size = live.view().size;
        let slug = &live.workspace.slug;
        if size == 0 || !live.healthy() || known.get(slug) == Some(&size) {
            continue;
        }
        let covered = live
            .with_ledger(|l| l.latest_checkpoint())
            .await
            .ok()
            .flatten()
            .as_deref()
            .and_then(crate::api::ledger::checkpoint_size)
            .unwrap_or(0);
        if covered >= size {
            known.insert(slug.clone(), covered);
            continue;
        }
        match live.checkpoint(state.clock.now()).await {
            Ok(cp) => {
                known.insert(slug.clone(), cp.checkpoint.size);
            }
            Err(e) => {
                tracing::error!(workspace = %slug, error = %e, "checkpoint not signed");
            }
        }
    }
    true
}
