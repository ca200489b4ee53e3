//! Documents rendered from the program and today's claims (the API's `render`): the list
//! and a preview of one, shown as text so that nothing in a document can run here.

use super::{Shell, WebActor, WebResult, enter, render};
use crate::api::program;
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

/// Larger documents are cut in the preview; the download has them whole.
const PREVIEW_BYTES: usize = 256 * 1024;

pub struct Doc {
    pub path: String,
    pub kind: &'static str,
    pub size: String,
}

fn kind(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("md") => "Markdown",
        Some("html") => "HTML",
        Some("json") => "JSON (OSCAL / CSAF)",
        Some("svg") => "SVG",
        _ => "file",
    }
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    shell: Shell,
    docs: Vec<Doc>,
}

pub async fn list(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
) -> WebResult {
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let eval = a.live.evaluation_or_stale(state.clock.now()).await?;
    let out = program::publish(&a.live, &eval)?;
    render(&ListPage {
        shell: Shell::for_access("Documents", &a, "documents"),
        docs: out
            .files
            .iter()
            .map(|(p, b)| Doc {
                path: p.clone(),
                kind: kind(p),
                size: format!("{:.1} KB", b.len() as f64 / 1024.0),
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct Q {
    path: String,
}

#[derive(Template)]
#[template(path = "document.html")]
struct ViewPage {
    shell: Shell,
    path: String,
    kind: &'static str,
    text: String,
    cut: bool,
    others: Vec<String>,
    /// SVG diagrams are also shown as images (an `<img>` runs no script in them).
    svg: bool,
}

pub async fn view(
    State(state): State<Shared>,
    actor: WebActor,
    Path(ws): Path<String>,
    q: Result<Query<Q>, axum::extract::rejection::QueryRejection>,
) -> WebResult {
    // Without its id there is nothing to show: the same page as an unknown id.
    let Query(q) = q.map_err(|_| Problem::not_found())?;
    let a = enter(&state, actor, &ws, Permission::Read).await?;
    let eval = a.live.evaluation_or_stale(state.clock.now()).await?;
    let out = program::publish(&a.live, &eval)?;
    let bytes = out.files.get(&q.path).ok_or_else(Problem::not_found)?;
    let cut = bytes.len() > PREVIEW_BYTES;
    let shown = bytes.get(..PREVIEW_BYTES.min(bytes.len())).unwrap_or(&[]);
    render(&ViewPage {
        shell: Shell::for_access("Document", &a, "documents"),
        kind: kind(&q.path),
        text: String::from_utf8_lossy(shown).into_owned(),
        cut,
        others: out.files.keys().cloned().collect(),
        svg: q.path.ends_with(".svg"),
        path: q.path,
    })
}
