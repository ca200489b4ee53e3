//! The Covenant server: a multi-tenant JSON API over the model, engine and ledger, with
//! accounts, second factors, roles and API tokens. Every change is committed with its
//! ledger entry (see `live`); the store crate owns SQL and the domain crates own meaning.

pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod blobs;
pub mod checkpointer;
pub mod clock;
pub mod demo;
mod error;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod oidc;
pub mod openapi;
pub mod problem;
pub mod role;
pub mod security_log;
pub mod state;
pub mod tls;
pub mod upload;
pub mod web;
pub mod workspaces;

pub use error::ServerError;

use clock::Clock;
use state::{AppState, Settings, Shared};
use std::net::SocketAddr;
use std::sync::Arc;

/// Connects the store, opens every workspace and returns the shared state.
pub async fn start(
    database_url: &str,
    settings: Settings,
    clock: Clock,
) -> Result<Shared, ServerError> {
    std::fs::create_dir_all(&settings.data).map_err(|source| ServerError::Data {
        path: settings.data.clone(),
        source,
    })?;
    workspaces::check_import_root(&settings)?;
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
        hasher: auth::password::Hasher::for_this_machine().map_err(ServerError::Hasher)?,
    });
    workspaces::open_all(&state).await?;
    checkpointer::spawn(&state);
    Ok(state)
}

/// The default database: SQLite in the data directory.
pub fn default_database(settings: &Settings) -> String {
    format!("sqlite://{}", settings.data.join("covenant.db").display())
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
/// On plain TCP or on a [`tls::TlsListener`].
pub async fn serve<L>(state: Shared, listener: L) -> Result<(), ServerError>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    serve_until(state, listener, shutdown_signal()).await
}

/// [`serve`], stopping when `shutdown` completes (tests pass their own).
///
/// The accept loop is written here rather than taken from `axum::serve` because that one
/// gives hyper no timer: without it hyper's header read timeout never fires, and a client
/// that sends headers one byte at a time, or opens a connection and says nothing, holds
/// it forever. With the timer, a connection that has not sent a complete request head
/// within `header_timeout` (idle keep-alive connections included) is closed.
pub async fn serve_until<L>(
    state: Shared,
    mut listener: L,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServerError>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    web::dashboard::warm(&state);
    let app = app::router(state.clone());
    // HTTP/1.1 only, as the TLS listener's ALPN says: hyper-util's version detection
    // would wait for a silent client's first bytes with no timeout at all.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(state.settings.header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
                let mut app = app.clone();
                async move { tower_service::Service::call(&mut app, req).await }
            });
        let conn = builder.serve_connection(TokioIo::new(io), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that goes away or times out ends its own connection; nothing to do.
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    graceful.shutdown().await;
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
