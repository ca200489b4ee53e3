//! Creating and opening live workspaces from their programs.

use crate::ServerError;
use crate::live::Live;
use crate::problem::Problem;
use crate::state::Shared;
use covenant_model::{Level, Program, Sources};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Loads and checks a program; errors are answered with their diagnostics.
pub fn load_program(dir: &Path) -> Result<(Program, usize), Problem> {
    let sources = Sources::read_dir(dir)
        .map_err(|e| Problem::bad_request(format!("cannot read the program: {e}")))?;
    let (program, diags) = covenant_model::check(&sources);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(|d| format!("{}: {}", d.file.display(), d.message))
        .collect();
    if !errors.is_empty() {
        return Err(Problem::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-program",
            "The program has errors",
        )
        .detail(errors.join("\n")));
    }
    let warnings = diags.len();
    Ok((program, warnings))
}

/// A path under the import root, refusing anything that escapes it. Whether the path does
/// not exist, is not a directory or lies outside the root (a `..` or a link out of it),
/// the answer is the same, so that it does not tell what exists on the server.
pub fn resolve_import(root: &Path, rel: &str) -> Result<PathBuf, Problem> {
    let refused =
        || Problem::bad_request("program_path must name a directory under the import root");
    let root = root.canonicalize().map_err(|_| refused())?;
    let dir = root.join(rel).canonicalize().map_err(|_| refused())?;
    if !dir.starts_with(&root) || !dir.is_dir() {
        return Err(refused());
    }
    Ok(dir)
}

/// Refuses an import root that holds the data directory or lies inside it: a program
/// path could then name the ledgers, their signing keys or the database.
pub fn check_import_root(settings: &crate::state::Settings) -> Result<(), ServerError> {
    let Some(root) = &settings.import_root else {
        return Ok(());
    };
    let root = root
        .canonicalize()
        .map_err(|source| ServerError::ImportRoot {
            path: root.clone(),
            source,
        })?;
    let data = settings
        .data
        .canonicalize()
        .map_err(|source| ServerError::Data {
            path: settings.data.clone(),
            source,
        })?;
    if data.starts_with(&root) || root.starts_with(&data) {
        return Err(ServerError::Overlap { root, data });
    }
    Ok(())
}

/// When the program directory is in a git checkout: the commit it is at and whether the
/// directory has uncommitted changes, so the ledger says which version of the program was
/// in force. It runs `git` itself: resolving HEAD (packed refs, worktrees, submodules) is
/// git's job, and the server, unlike the domain crates, may start processes.
pub async fn git_revision(dir: &Path) -> Option<serde_json::Value> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .arg("-C")
                .arg(&dir)
                .args(args)
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let commit = run(&["rev-parse", "--verify", "HEAD"])?;
        let dirty = !run(&["status", "--porcelain", "--", "."])?.is_empty();
        Some(serde_json::json!({"commit": commit, "dirty": dirty}))
    })
    .await
    .ok()
    .flatten()
}

/// The ledger entry saying which program a workspace now runs, and who put it there.
pub async fn program_entry(
    kind: &str,
    dir: &Path,
    actor: &str,
    now: jiff::Timestamp,
) -> serde_json::Value {
    let mut entry = serde_json::json!({
        "type": kind,
        "source": dir.display().to_string(),
        "by": actor,
        "at": now.to_string(),
    });
    if let Some(git) = git_revision(dir).await {
        entry["git"] = git;
    }
    entry
}

/// Creates a workspace running the program in `dir`; its first ledger entry
/// (`program.imported`) names the source, its git revision if any, and `actor`, and
/// commits with the `owner`'s membership when one is given.
pub async fn create(
    state: &Shared,
    slug: &str,
    name: &str,
    dir: &Path,
    actor: &str,
    owner: Option<&str>,
) -> Result<Arc<Live>, Problem> {
    let (program, _) = load_program(dir)?;
    let id = state.new_id()?;
    let ws = state
        .store
        .create_workspace(
            &id,
            slug,
            name,
            &dir.display().to_string(),
            state.clock.now_ms(),
        )
        .await?;
    let live = Arc::new(
        Live::open(&state.store, ws, &state.settings.data, program)
            .await
            .map_err(Problem::internal)?,
    );
    let now = state.clock.now();
    let mut entry = program_entry("program.imported", dir, actor, now).await;
    let mut projections = Vec::new();
    if let Some(owner) = owner {
        entry["owner"] = serde_json::Value::String(owner.to_string());
        projections.push(covenant_store::Projection::Member {
            account_id: owner.to_string(),
            role: Some(crate::role::Role::Owner.as_str().to_string()),
            at: now.as_millisecond(),
        });
    }
    live.record(&state.store, actor, now, vec![entry], projections)
        .await?;
    Ok(state.insert_shared(live))
}

/// Opens every workspace in the store. One whose program no longer loads, or whose ledger
/// does not agree with the database, is skipped with an error in the log, so one broken
/// workspace does not take down the others.
pub async fn open_all(state: &Shared) -> Result<(), ServerError> {
    for ws in state.store.workspaces().await? {
        let program = match load_program(Path::new(&ws.program_source)) {
            Ok((p, _)) => p,
            Err(p) => {
                tracing::error!(workspace = %ws.slug, problem = ?p.detail, "program does not load; workspace not served");
                continue;
            }
        };
        let slug = ws.slug.clone();
        // One damaged ledger does not stop the others: it is logged and not served.
        match Live::open(&state.store, ws, &state.settings.data, program).await {
            Ok(live) => {
                state.insert_live(live);
            }
            Err(source) => {
                let e = ServerError::Workspace { slug, source };
                tracing::error!(error = %e, "workspace not served");
            }
        }
    }
    Ok(())
}
