//! HTML forms cannot send the `x-csrf-token` header the API expects from browser sessions,
//! so web forms carry the token in a hidden `csrf` field. This layer (on web routes only)
//! reads that field from a form body before the `Actor` extractor runs and hands it over
//! as a `FormCsrf` extension; the extractor compares it with the session's token exactly as
//! it compares the header. The body is buffered and passed on unchanged.

use crate::auth::actor::FormCsrf;
use crate::state::Shared;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(serde::Deserialize)]
struct Field {
    csrf: Option<String>,
}

pub async fn form_token(State(state): State<Shared>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let urlencoded = ct.starts_with("application/x-www-form-urlencoded");
    let multipart = ct.starts_with("multipart/form-data");
    if !urlencoded && !multipart {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.settings.max_body).await {
        Ok(b) => b,
        Err(_) => {
            return super::error_page(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The upload is larger than this server accepts.",
            );
        }
    };
    let copy = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let token = if urlencoded {
        axum::Form::<Field>::from_request(copy, &())
            .await
            .ok()
            .and_then(|f| f.0.csrf)
    } else {
        multipart_token(copy).await
    };
    if let Some(t) = token {
        parts.extensions.insert(FormCsrf(t));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
        .into_response()
}

/// The `csrf` field of a multipart form; forms put it first, so the file is not parsed.
async fn multipart_token(req: Request) -> Option<String> {
    let mut form = Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.ok();
        }
    }
    None
}
