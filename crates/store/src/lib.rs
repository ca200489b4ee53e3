//! Persistence for the server: accounts, workspaces, members, sessions, API tokens, login
//! throttling, and each workspace's ledger entries with the state they record. One
//! interface over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once, at run time, through sqlx's `Any` driver: the schema uses
//! only types both databases share (TEXT, BIGINT) and `$n` placeholders, which SQLite
//! also accepts. sqlx's compile-time checked macros check against one database per
//! crate, so they would force two copies of every query; `docs/server.md` explains the
//! choice and its cost (queries are checked by the shared test suite instead).

mod account;
mod entry;
mod error;
mod evidence;
mod finding;
mod invitation;
mod password_reset;
pub mod scratch;
mod security_event;
mod session;
mod throttle;
mod token;
mod workspace;

pub use account::{Account, NewAccount};
pub use entry::{EntryRow, NewEntry};
pub use error::StoreError;
pub use evidence::{EvidenceFilter, EvidenceRow};
pub use finding::{FindingFilter, FindingRow};
pub use invitation::{Invitation, NewInvitee};
pub use password_reset::PasswordReset;
pub use scratch::{postgres_test_url, scratch_database};
pub use security_event::SecurityEvent;
pub use session::Session;
pub use throttle::Reservation;
pub use token::ApiToken;
pub use workspace::{Member, Workspace};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A state change: rows written in the same transaction as the ledger entries that
/// record it, so both commit or neither does.
#[derive(Debug, Clone)]
pub enum Projection {
    /// Evidence recorded by the batch's entry at this index.
    Evidence(usize, EvidenceRow),
    Finding(FindingRow),
    /// A member's role in the batch's workspace; `None` removes them.
    Member {
        account_id: String,
        role: Option<String>,
        at: i64,
    },
    Token(ApiToken),
    /// Fails the batch (`StoreError::NotFound`) when there is no live token to revoke.
    TokenRevoked {
        id: String,
        at: i64,
    },
    /// The workspace's second-factor policy: `all` or `admins`.
    MfaPolicy(String),
    /// A new invitation to the batch's workspace; the address's earlier pending ones are
    /// revoked.
    Invitation(Invitation),
    /// Fails the batch (`StoreError::NotFound`) when the invitation is not pending.
    InvitationRevoked {
        id: String,
        at: i64,
    },
    /// Uses a pending invitation once (`StoreError::NotFound` when it is not pending at
    /// `at`), for `account_id`; with `account`, that account is created first. The
    /// membership itself is a `Member` projection of the same batch.
    InvitationAccepted {
        id: String,
        account_id: String,
        account: Option<NewInvitee>,
        at: i64,
    },
}

impl Store {
    /// Connects and runs the embedded migrations. `url` is `sqlite://PATH` (created when
    /// missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Url(url.chars().take(16).collect()));
        };
        let url = match backend {
            // Create the file when missing. sqlx 0.9 rejects any other URL parameter
            // (`_journal_mode=…` fails with "unknown query parameter"), so the journal
            // mode and sync level are set by the PRAGMAs below, on every connection.
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let mut opts = AnyPoolOptions::new().max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    // WAL lets readers run beside the one writer; NORMAL sync is durable
                    // in WAL mode at each checkpoint and the ledger files carry their own
                    // fsync.
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(&url).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap query, for readiness.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. Every transaction of the store writes, so on SQLite it
    /// is `BEGIN IMMEDIATE`, which takes the database's write lock up front, waiting for it
    /// under `busy_timeout`. A plain (deferred) `BEGIN` takes it only at the first write:
    /// when another connection wrote in between, SQLite cannot upgrade the transaction's
    /// read snapshot and fails at once with "database is locked" (SQLITE_BUSY, or
    /// SQLITE_BUSY_SNAPSHOT in WAL mode) instead of waiting. PostgreSQL locks rows as
    /// statements touch them, so its default `BEGIN` is right.
    async fn begin(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// sqlx refuses dynamic SQL unless asserted safe; ours is assembled only from the column
/// list constants of each file, never from input (which is always bound).
fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}
