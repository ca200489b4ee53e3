//! What every handler shares: the store, the clock, the live workspaces and settings.

use crate::clock::Clock;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::problem::Problem;
use covenant_store::Store;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug)]
pub struct Settings {
    /// Directory for ledgers, blobs and imported programs.
    pub data: PathBuf,
    /// Directories under which programs may be imported by path; none disables it.
    pub import_root: Option<PathBuf>,
    /// True when clients reach the server over HTTPS (built-in TLS or a proxy): adds HSTS.
    pub https: bool,
    pub session_idle_ms: i64,
    pub session_absolute_ms: i64,
    /// Largest request body accepted, in bytes (evidence uploads included).
    pub max_body: usize,
    /// OpenID Connect single sign-on, discovered at start.
    pub oidc: Option<crate::oidc::OidcConfig>,
    /// Bearer token that `/metrics` requires; without one, `/metrics` is not served.
    pub metrics_token: Option<String>,
    /// How often new ledger entries get a signed checkpoint (proofs are served against
    /// the latest one; a read never signs).
    pub checkpoint_interval: std::time::Duration,
    /// A connection must send a complete request head within this time, also between
    /// requests on a kept-alive connection, or it is closed.
    pub header_timeout: std::time::Duration,
    /// Failed sign-in attempts allowed per account, address and pending session.
    pub throttle: crate::auth::throttle::Limits,
    /// Any account with a second factor may create workspaces (by default only instance
    /// administrators may).
    pub anyone_creates_workspaces: bool,
    /// Where invitations and password-reset links are mailed through (`--smtp-url`);
    /// without one they are recorded but no mail goes out.
    pub mailer: Option<covenant_mail::Mailer>,
    /// The From address of that mail (`--mail-from`); by default `covenant@` the host of
    /// `public_url`.
    pub mail_from: Option<String>,
    /// The URL browsers reach this server at (`--public-url`): links in mail start with
    /// it. Without it they are built from the request's `Host` header.
    pub public_url: Option<String>,
}

impl Settings {
    pub fn new(data: PathBuf) -> Settings {
        Settings {
            data,
            import_root: None,
            https: false,
            session_idle_ms: 30 * 60 * 1000,
            session_absolute_ms: 12 * 60 * 60 * 1000,
            max_body: 32 * 1024 * 1024,
            oidc: None,
            metrics_token: None,
            checkpoint_interval: std::time::Duration::from_secs(1),
            header_timeout: std::time::Duration::from_secs(10),
            throttle: Default::default(),
            anyone_creates_workspaces: false,
            mailer: None,
            mail_from: None,
            public_url: None,
        }
    }
}

pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub settings: Settings,
    pub live: RwLock<HashMap<String, Arc<Live>>>,
    pub metrics: Metrics,
    pub oidc: Option<crate::oidc::OidcClient>,
    /// Every password hash and check runs here, bounded in threads and memory.
    pub hasher: crate::auth::password::Hasher,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub fn live(&self, slug: &str) -> Option<Arc<Live>> {
        match self.live.read() {
            Ok(m) => m.get(slug).cloned(),
            Err(p) => p.into_inner().get(slug).cloned(),
        }
    }

    pub fn insert_live(&self, live: Live) -> Arc<Live> {
        self.insert_shared(Arc::new(live))
    }

    pub fn insert_shared(&self, live: Arc<Live>) -> Arc<Live> {
        let slug = live.workspace.slug.clone();
        match self.live.write() {
            Ok(mut m) => m.insert(slug, live.clone()),
            Err(p) => p.into_inner().insert(slug, live.clone()),
        };
        live
    }

    pub fn all_live(&self) -> Vec<Arc<Live>> {
        match self.live.read() {
            Ok(m) => m.values().cloned().collect(),
            Err(p) => p.into_inner().values().cloned().collect(),
        }
    }

    pub fn new_id(&self) -> Result<String, Problem> {
        crate::auth::secret::id().map_err(Problem::internal)
    }
}
