//! Layers every response passes through: security headers, metrics and access logs.

use crate::metrics::{RequestLabels, RouteLabels};
use crate::state::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Strict by default: no inline script, no third-party origin, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(h, header::CACHE_CONTROL, "no-store");
    if state.settings.https {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    res
}

pub async fn observe(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    let slot = crate::security_log::ActorSlot::default();
    req.extensions_mut().insert(slot.clone());
    let client = crate::security_log::client_from(req.extensions(), req.headers());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(elapsed.as_secs_f64());
    let actor = slot.get().unwrap_or("");
    // Route templates only: query strings and ids can carry secrets or personal data.
    tracing::info!(
        target: "access",
        method,
        route,
        status,
        actor,
        address = client.address.as_deref().unwrap_or(""),
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
    );
    if status == 401 || status == 403 {
        let mut detail = format!("{method} {route} answered {status}");
        if !actor.is_empty() {
            detail.push_str(" to ");
            detail.push_str(actor);
        }
        crate::security_log::record(
            &state,
            &client,
            crate::security_log::Event::new("request.refused").detail(detail),
        )
        .await;
    }
    res
}
