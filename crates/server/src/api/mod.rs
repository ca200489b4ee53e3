//! The JSON REST API under `/api/v1`. Each file holds one noun's routes.

pub mod account;
pub mod admin;
pub mod auth;
pub mod evidence;
pub mod findings;
pub mod invitations;
pub mod ledger;
pub mod members;
pub mod obligations;
pub mod password_reset;
pub mod program;
pub mod records;
pub mod tokens;
pub mod workspaces;

use crate::problem::Problem;
use axum::extract::FromRequestParts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, IntoResponses, ToSchema};

/// The error answers every route may give, as problem details.
#[allow(dead_code)]
#[derive(IntoResponses)]
pub enum Errors {
    #[response(
        status = 400,
        description = "Invalid request",
        content_type = "application/problem+json"
    )]
    BadRequest(#[to_schema] Problem),
    #[response(
        status = 401,
        description = "Not authenticated",
        content_type = "application/problem+json"
    )]
    Unauthenticated(#[to_schema] Problem),
    #[response(
        status = 403,
        description = "Not permitted",
        content_type = "application/problem+json"
    )]
    Forbidden(#[to_schema] Problem),
    #[response(
        status = 404,
        description = "Not found (or not visible to the caller)",
        content_type = "application/problem+json"
    )]
    NotFound(#[to_schema] Problem),
    #[response(
        status = 409,
        description = "Conflict",
        content_type = "application/problem+json"
    )]
    Conflict(#[to_schema] Problem),
    #[response(
        status = 413,
        description = "Request too large",
        content_type = "application/problem+json"
    )]
    TooLarge(#[to_schema] Problem),
    #[response(
        status = 422,
        description = "Unprocessable",
        content_type = "application/problem+json"
    )]
    Unprocessable(#[to_schema] Problem),
    #[response(
        status = 429,
        description = "Throttled",
        content_type = "application/problem+json"
    )]
    Throttled(#[to_schema] Problem),
    #[response(
        status = 503,
        description = "Busy; retry after `Retry-After` seconds",
        content_type = "application/problem+json"
    )]
    Busy(#[to_schema] Problem),
}

/// axum's `Path`, answering a segment that does not parse (a negative or overflowing
/// sequence number) as the RFC 9457 404 every unknown object gets, instead of axum's
/// plain-text 400: such a segment names no object.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Path<T>(pub T);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next` value of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, Problem> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=200).contains(&n) => Ok(n),
            Some(_) => Err(Problem::bad_request("limit must be between 1 and 200")),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A page from a query that fetched one row more than asked, to know whether more follow.
pub fn page<R, T: ToSchema>(
    mut rows: Vec<R>,
    limit: i64,
    cursor: impl Fn(&R) -> String,
    map: impl Fn(R) -> T,
) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(50);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(&cursor) } else { None };
    Page {
        items: rows.into_iter().map(map).collect(),
        next,
    }
}

/// Offset pagination over an in-memory list (obligations, controls): the cursor is the
/// next offset.
pub fn page_slice<T: Clone + ToSchema>(all: &[T], q: &PageQuery) -> Result<Page<T>, Problem> {
    let limit = usize::try_from(q.limit()?).unwrap_or(50);
    let start = match &q.cursor {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| Problem::bad_request("cursor is not valid"))?,
    };
    let end = start.saturating_add(limit).min(all.len());
    let items = all.get(start.min(all.len())..end).unwrap_or(&[]).to_vec();
    Ok(Page {
        items,
        next: (end < all.len()).then(|| end.to_string()),
    })
}

pub fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
