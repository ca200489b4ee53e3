//! The router: every route, its layers, and the operational endpoints.

use crate::api;
use crate::state::Shared;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

/// Largest JSON request body accepted.
pub const JSON_LIMIT: usize = 1024 * 1024;

pub fn router(state: Shared) -> Router {
    let ws = "/api/v1/workspaces/{workspace}";
    let api = Router::new()
        .route("/api/v1/auth/login", post(api::auth::login))
        .route("/api/v1/auth/totp", post(api::auth::totp_verify))
        .route("/api/v1/auth/totp/enroll", post(api::auth::totp_enroll))
        .route("/api/v1/auth/totp/confirm", post(api::auth::totp_confirm))
        .route("/api/v1/auth/logout", post(api::auth::logout))
        .route("/api/v1/auth/me", get(api::auth::me))
        .route(
            "/api/v1/auth/password-reset",
            post(api::password_reset::request),
        )
        .route(
            "/api/v1/auth/password-reset/confirm",
            post(api::password_reset::confirm),
        )
        .route("/api/v1/invitations/accept", post(api::invitations::accept))
        .route("/api/v1/auth/password", post(api::account::change_password))
        .route(
            "/api/v1/auth/recovery-codes",
            post(api::account::regenerate_recovery_codes),
        )
        .route("/api/v1/auth/sessions", get(api::account::sessions))
        .route(
            "/api/v1/auth/sessions/{session}",
            delete(api::account::end_session),
        )
        .route(
            "/api/v1/auth/logout-everywhere",
            post(api::account::logout_everywhere),
        )
        .route("/api/v1/admin/accounts", get(api::admin::accounts))
        .route(
            "/api/v1/admin/accounts/{account}/deactivate",
            post(api::admin::deactivate),
        )
        .route(
            "/api/v1/admin/accounts/{account}/reactivate",
            post(api::admin::reactivate),
        )
        .route(
            "/api/v1/admin/accounts/{account}/reset-totp",
            post(api::admin::reset_totp),
        )
        .route("/api/v1/auth/oidc/login", get(api::auth::oidc_login))
        .route("/api/v1/auth/oidc/callback", get(api::auth::oidc_callback))
        .route(
            "/api/v1/workspaces",
            get(api::workspaces::list).post(api::workspaces::create),
        )
        .route(ws, get(api::workspaces::get))
        .route(
            &format!("{ws}/mfa-policy"),
            put(api::workspaces::set_mfa_policy),
        )
        .route(&format!("{ws}/summary"), get(api::workspaces::summary))
        .route(
            &format!("{ws}/members"),
            get(api::members::list).put(api::members::set),
        )
        .route(
            &format!("{ws}/members/{{account}}"),
            delete(api::members::remove),
        )
        .route(
            &format!("{ws}/invitations"),
            get(api::invitations::list).post(api::invitations::create),
        )
        .route(
            &format!("{ws}/invitations/{{invitation}}"),
            delete(api::invitations::revoke),
        )
        .route(
            &format!("{ws}/tokens"),
            get(api::tokens::list).post(api::tokens::create),
        )
        .route(
            &format!("{ws}/tokens/{{token}}"),
            delete(api::tokens::revoke),
        )
        .route(&format!("{ws}/program"), get(api::program::info))
        .route(&format!("{ws}/program/reload"), post(api::program::reload))
        .route(&format!("{ws}/controls"), get(api::program::controls))
        .route(
            &format!("{ws}/controls/{{control}}"),
            get(api::program::control),
        )
        .route(&format!("{ws}/commitments"), get(api::program::commitments))
        .route(&format!("{ws}/documents"), get(api::program::documents))
        .route(
            &format!("{ws}/documents/{{path}}"),
            get(api::program::document),
        )
        .route(&format!("{ws}/obligations"), get(api::obligations::list))
        .route(
            &format!("{ws}/obligations/{{obligation}}"),
            get(api::obligations::get),
        )
        .route(
            &format!("{ws}/evidence"),
            get(api::evidence::list)
                .post(api::evidence::upload)
                .layer(DefaultBodyLimit::max(state.settings.max_body)),
        )
        .route(&format!("{ws}/evidence/{{seq}}"), get(api::evidence::get))
        .route(
            &format!("{ws}/evidence/{{seq}}/download"),
            get(api::evidence::download),
        )
        .route(&format!("{ws}/findings"), get(api::findings::list))
        .route(
            &format!("{ws}/findings/import"),
            post(api::findings::import).layer(DefaultBodyLimit::max(state.settings.max_body)),
        )
        .route(
            &format!("{ws}/findings/{{finding}}"),
            get(api::findings::get),
        )
        .route(
            &format!("{ws}/findings/{{finding}}/triage"),
            post(api::findings::triage),
        )
        .route(
            &format!("{ws}/incidents"),
            get(api::records::incidents).post(api::records::open_incident),
        )
        .route(
            &format!("{ws}/incidents/{{incident}}"),
            post(api::records::incident_step),
        )
        .route(
            &format!("{ws}/releases"),
            get(api::records::releases).post(api::records::release),
        )
        .route(
            &format!("{ws}/waivers"),
            get(api::records::waivers).post(api::records::waive),
        )
        .route(&format!("{ws}/ledger"), get(api::ledger::info))
        .route(
            &format!("{ws}/ledger/checkpoints"),
            post(api::ledger::checkpoint),
        )
        .route(&format!("{ws}/ledger/entries"), get(api::ledger::entries))
        .route(
            &format!("{ws}/ledger/proofs/{{seq}}"),
            get(api::ledger::proof),
        )
        .route(
            &format!("{ws}/ledger/consistency"),
            get(api::ledger::consistency),
        )
        .route(&format!("{ws}/ledger/export"), get(api::ledger::export));
    api.merge(crate::web::router(state.clone()))
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .fallback(|| async { crate::problem::Problem::not_found() })
        .method_not_allowed_fallback(|| async {
            crate::problem::Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::security_headers,
        ))
        // JSON bodies; the two upload routes above take up to `max_body`, web forms 64 KiB.
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

async fn openapi() -> Response {
    let mut res = crate::openapi::json().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Ready when the database answers and every workspace's ledger is in step with it.
async fn ready(State(state): State<Shared>) -> Response {
    if state.store.ping().await.is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    if state.all_live().iter().any(|l| !l.healthy()) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "a ledger is behind the database",
        )
            .into_response();
    }
    "ready".into_response()
}

/// Metrics name routes and counts, which tell an outsider what the server is doing: served
/// only when `--metrics-token` is set, to a caller that presents it as a bearer token.
async fn metrics(State(state): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = state.settings.metrics_token.as_deref() else {
        return crate::problem::Problem::not_found().into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::auth::secret::equal(sent, expected) {
        return crate::problem::Problem::unauthenticated().into_response();
    }
    let mut res = state.metrics.encode().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}
