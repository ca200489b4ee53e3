//! The Covenant server: a multi-tenant JSON API over the model, engine and ledger, with
//! accounts, second factors, roles and API tokens. Every change is committed with its
//! ledger entry (see `live`); the store crate owns SQL and the domain crates own meaning.

pub mod api;
pub mod app;
pub mod auth;
pub mod blobs;
pub mod clock;
pub mod demo;
pub mod live;
pub mod metrics;
pub mod middleware;
pub mod oidc;
pub mod openapi;
pub mod problem;
pub mod role;
pub mod state;
pub mod tls;
pub mod web;
pub mod workspaces;

use clock::Clock;
use state::{AppState, Settings, Shared};
use std::net::SocketAddr;
use std::sync::Arc;

/// Connects the store, opens every workspace and returns the shared state.
pub async fn start(database_url: &str, settings: Settings, clock: Clock) -> anyhow::Result<Shared> {
    std::fs::create_dir_all(&settings.data)?;
    // Discovery first: a misconfigured provider stops the start, not the first login.
    let oidc = match &settings.oidc {
        Some(cfg) => {
            oidc::install_crypto_provider();
            Some(oidc::OidcClient::discover(cfg).await?)
        }
        None => None,
    };
    let store = covenant_store::Store::connect(database_url).await?;
    let state = Arc::new(AppState {
        store,
        clock,
        settings,
        live: Default::default(),
        metrics: Default::default(),
        oidc,
    });
    workspaces::open_all(&state).await?;
    Ok(state)
}

/// The default database: SQLite in the data directory.
pub fn default_database(settings: &Settings) -> String {
    format!("sqlite://{}", settings.data.join("covenant.db").display())
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
/// On plain TCP or on a [`tls::TlsListener`].
pub async fn serve<L>(state: Shared, listener: L) -> anyhow::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    web::dashboard::warm(&state);
    let app = app::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    // axum gives any listener's address to `ConnectInfo` only through `tap_io`; the tap
    // itself does nothing.
    let listener = axum::serve::ListenerExt::tap_io(listener, |_| {});
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    state.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
