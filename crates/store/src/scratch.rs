//! Throwaway PostgreSQL databases for tests, of this crate and of others.
//!
//! Tests read a server URL from `COVENANT_TEST_POSTGRES` (see `.ci/postgres.sh`) and call
//! [`scratch_database`] once per test, so tests running in parallel never share tables.
//! The databases are not dropped: the server is throwaway as a whole.

use crate::{Result, StoreError};
use sqlx::{Connection, Executor};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming the PostgreSQL server that tests may use.
pub const POSTGRES_TEST_ENV: &str = "COVENANT_TEST_POSTGRES";

/// The PostgreSQL URL tests should use, from `COVENANT_TEST_POSTGRES`; `None` when it is
/// unset or empty (tests then skip their PostgreSQL variant).
pub fn postgres_test_url() -> Option<String> {
    std::env::var(POSTGRES_TEST_ENV)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Creates a fresh, empty database `covenant_t_<pid>_<random>_<counter>` on the server of
/// `admin_url` (a `postgres://` URL whose role has CREATEDB) and returns the URL of the
/// new database: `admin_url` with its database path replaced, query string kept.
pub async fn scratch_database(admin_url: &str) -> Result<String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // A random part (std's per-process random hash keys; no clock, no extra crate), so
    // names stay unique on a long-lived server when a process id comes round again.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        & 0xffff_ffff;
    let name = format!(
        "covenant_t_{}_{random:x}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let url = with_database(admin_url, &name)?;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    // An identifier cannot be bound; `name` is made only of [a-z0-9_] above.
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await?;
    conn.close().await?;
    Ok(url)
}

/// `url` with its path (the database name) replaced by `name`.
fn with_database(url: &str, name: &str) -> Result<String> {
    let bad = || StoreError::Url(url.chars().take(16).collect());
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(bad());
    }
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").ok_or_else(bad)? + 3;
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database() {
        let r = |u: &str| with_database(u, "x").expect("a postgres URL");
        assert_eq!(r("postgres://u:p@h:5/db"), "postgres://u:p@h:5/x");
        assert_eq!(r("postgres://u:p@h:5"), "postgres://u:p@h:5/x");
        assert_eq!(
            r("postgresql://h/db?sslmode=disable"),
            "postgresql://h/x?sslmode=disable"
        );
        assert!(with_database("sqlite://a.db", "x").is_err());
    }
}
