//! HTML forms cannot send the `x-csrf-token` header the API expects from browser sessions,
//! so web forms carry the token in a hidden `csrf` field. No body is read before the
//! caller is known to be signed in:
//!
//! - URL-encoded forms: the layer `form_token` (on web routes only) reads the body, at most
//!   `FORM_LIMIT` bytes, only when the request carries a live session, and hands the field
//!   over as a `FormCsrf` extension; the `Actor` extractor compares it with the session's
//!   token exactly as it compares the header. Without a session the request goes on with
//!   its body unread, and the handler's extractor answers it (sign-in forms read their own,
//!   within the same limit).
//! - Multipart forms (the evidence upload) are not read by the layer. Their handler takes
//!   an `UploadActor`, which authenticates the session from the headers, and the token
//!   must be the form's first field: it is read and checked before any other field, so a
//!   file is never read for a request that fails the check (403).
//!
//! A request that sends the header (or a bearer token) is checked on that alone.

use super::WebActor;
use crate::auth::actor::{Access, Actor, CSRF_HEADER, FormCsrf, session_secret};
use crate::auth::secret;
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use covenant_store::Session;

/// Largest URL-encoded form body accepted on web routes.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Longest `csrf` field read from a multipart form.
const TOKEN_LIMIT: usize = 1024;

#[derive(serde::Deserialize)]
struct Field {
    csrf: Option<String>,
}

/// The request names its CSRF token (or needs none) in its headers.
fn checked_by_headers(headers: &HeaderMap) -> bool {
    headers.contains_key(CSRF_HEADER)
        || headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "))
}

/// The unexpired session the cookie names, if any. Read before any body; the `Actor`
/// extractor then makes the full check (second factor, CSRF token).
async fn live_session(state: &Shared, headers: &HeaderMap) -> Option<Session> {
    let cookie = session_secret(headers)?;
    let session = state.store.session(&secret::hash(&cookie)).await.ok()??;
    let now = state.clock.now_ms();
    let s = &state.settings;
    (now - session.last_seen_at <= s.session_idle_ms
        && now - session.created_at <= s.session_absolute_ms)
        .then_some(session)
}

pub async fn form_token(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if req.method() != Method::POST || !urlencoded || checked_by_headers(req.headers()) {
        return next.run(req).await;
    }
    if live_session(&state, req.headers()).await.is_none() {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    // Within the route's body limit (`FORM_LIMIT` on web routes).
    let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return super::error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The form is larger than this server accepts.",
            );
        }
        Err(e) => return super::error_page(e.status(), "Invalid request", &e.body_text()),
    };
    let copy = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    if let Some(t) = axum::Form::<Field>::from_request(copy, &())
        .await
        .ok()
        .and_then(|f| f.0.csrf)
    {
        parts.extensions.insert(FormCsrf(t));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
        .into_response()
}

/// The caller of a multipart form, authenticated from the headers, whose CSRF token is
/// still in the unread body. Only `enter` gives the caller out, after checking it.
pub struct UploadActor {
    actor: Actor,
    /// The session's token, which the form's first field must carry; `None` when the
    /// headers already settled it (the `x-csrf-token` header, or a bearer token).
    expected: Option<String>,
}

impl FromRequestParts<Shared> for UploadActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
        let expected = if checked_by_headers(&parts.headers) {
            None
        } else {
            live_session(state, &parts.headers)
                .await
                .map(|s| s.csrf_token)
        };
        // Every other check of the session is the `Actor` extractor's; the token it would
        // compare is the one `enter` compares with the first field.
        if let Some(t) = &expected {
            parts.extensions.insert(FormCsrf(t.clone()));
        }
        let actor = WebActor::from_request_parts(parts, state).await;
        parts.extensions.remove::<FormCsrf>();
        Ok(UploadActor {
            actor: actor?.0,
            expected,
        })
    }
}

impl UploadActor {
    /// The caller's standing in the workspace (404 or 403 first, as everywhere), once the
    /// form's first field has been read and found to be `csrf` with the session's token;
    /// otherwise 403, with nothing else of the body read.
    pub async fn enter(
        self,
        state: &Shared,
        slug: &str,
        permission: Permission,
        form: &mut Multipart,
    ) -> Result<Access, super::WebError> {
        let a = super::enter(state, WebActor(self.actor), slug, permission).await?;
        let Some(expected) = self.expected else {
            return Ok(a);
        };
        match first_token(form).await {
            Some(sent) if secret::equal(&sent, &expected) => Ok(a),
            _ => Err(super::WebError(Problem::forbidden(
                "This request was refused. If you submitted a form, reload the page and try again.",
            ))),
        }
    }
}

/// The value of the form's first field if that field is `csrf`.
async fn first_token(form: &mut Multipart) -> Option<String> {
    let mut field = form.next_field().await.ok()??;
    if field.name() != Some("csrf") {
        return None;
    }
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if buf.len() + chunk.len() > TOKEN_LIMIT {
            return None;
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).ok()
}
