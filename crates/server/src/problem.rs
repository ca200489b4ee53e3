//! Errors as RFC 9457 problem details. Handlers return `Problem`; nothing else leaves the
//! API as an error, and no message carries a secret or says whether another workspace's
//! object exists.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str) -> Problem {
        Problem {
            kind: format!("https://covenant.dev/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: None,
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    /// The one answer for anything the caller may not see, whether or not it exists.
    pub fn not_found() -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found")
    }

    pub fn unauthenticated() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not permitted").detail(detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", "Invalid request").detail(detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(detail)
    }

    pub fn too_many(retry_after: u64) -> Problem {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            "Too many failed attempts",
        )
        .detail("try again later");
        p.retry_after = Some(retry_after);
        p
    }

    /// Internal failures are logged with their cause; the client sees only that one happened.
    pub fn internal(cause: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %cause, "internal error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<covenant_store::StoreError> for Problem {
    fn from(e: covenant_store::StoreError) -> Problem {
        match e {
            covenant_store::StoreError::Conflict(what) => {
                Problem::conflict(format!("{what} already exists"))
            }
            covenant_store::StoreError::NotFound => Problem::not_found(),
            covenant_store::StoreError::LastOwner => Problem::conflict(
                "a workspace keeps at least one owner; make another member owner first",
            ),
            other => Problem::internal(other),
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for Problem {
    fn from(e: axum::extract::rejection::JsonRejection) -> Problem {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return crate::upload::too_large(e.body_text());
        }
        Problem::bad_request(e.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for Problem {
    fn from(e: axum::extract::rejection::QueryRejection) -> Problem {
        Problem::bad_request(e.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for Problem {
    fn from(_: axum::extract::rejection::PathRejection) -> Problem {
        Problem::not_found()
    }
}

/// A write's store outcome (not found, conflict) reaches the caller; anything else about
/// the ledger is internal.
impl From<crate::live::LiveError> for Problem {
    fn from(e: crate::live::LiveError) -> Problem {
        match e {
            crate::live::LiveError::Store(s) => s.into(),
            other => Problem::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, Problem>;
