use crate::{Backend, Result, Store};
use sqlx::Row;

/// What [`Store::reserve_attempt`] decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Reservation {
    /// The attempt may be verified; it is already counted.
    Granted,
    /// `key` is at its limit; `failures` are its counted attempts, oldest first.
    Refused { key: String, failures: Vec<i64> },
}

impl Store {
    /// Reserves one attempt (a password or a code to verify) against every throttle key
    /// of `keys`, each with its limit of attempts at or after `since`. The attempt counts
    /// as a failure from the moment it is granted, before it is verified, so N parallel
    /// attempts can never get more than `limit` verifications: the count and the insert
    /// run in one transaction, serialized per key (SQLite's write lock, taken by
    /// `BEGIN IMMEDIATE`; a transaction-scoped advisory lock per key on PostgreSQL, where
    /// two READ COMMITTED transactions would otherwise both count before either inserts).
    /// A verified attempt gives its reservation back with [`Store::release_attempt`].
    pub async fn reserve_attempt(
        &self,
        attempt: &str,
        keys: &[(&str, usize)],
        since: i64,
        now: i64,
    ) -> Result<Reservation> {
        let mut keys: Vec<(&str, usize)> = keys.to_vec();
        // One order for every caller, so two attempts never wait on each other's locks.
        keys.sort_unstable();
        let mut tx = self.begin().await?;
        for (key, _) in &keys {
            if self.backend == Backend::Postgres {
                sqlx::query(
                    "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS l",
                )
                .bind(*key)
                .fetch_all(&mut *tx)
                .await?;
            }
            // Failures that aged out of the window no longer count; drop them here so the
            // table stays the size of the window.
            sqlx::query("DELETE FROM login_failure WHERE throttle_key = $1 AND at < $2")
                .bind(*key)
                .bind(since)
                .execute(&mut *tx)
                .await?;
        }
        for (i, (key, limit)) in keys.iter().enumerate() {
            let rows = sqlx::query(
                "SELECT at FROM login_failure WHERE throttle_key = $1 AND at >= $2 ORDER BY at",
            )
            .bind(*key)
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            let failures = rows
                .iter()
                .map(|r| Ok(r.try_get("at")?))
                .collect::<Result<Vec<i64>>>()?;
            if failures.len() >= *limit {
                tx.rollback().await?;
                return Ok(Reservation::Refused {
                    key: keys[i].0.to_string(),
                    failures,
                });
            }
        }
        for (key, _) in &keys {
            sqlx::query(
                "INSERT INTO login_failure (throttle_key, at, attempt) VALUES ($1, $2, $3)",
            )
            .bind(*key)
            .bind(now)
            .bind(attempt)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Reservation::Granted)
    }

    /// Gives back the reservation `attempt` made on `key` (the attempt was verified).
    pub async fn release_attempt(&self, attempt: &str, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failure WHERE throttle_key = $1 AND attempt = $2")
            .bind(key)
            .bind(attempt)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The failures of `key` at or after `since`, oldest first.
    pub async fn login_failures(&self, key: &str, since: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT at FROM login_failure WHERE throttle_key = $1 AND at >= $2 ORDER BY at",
        )
        .bind(key)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("at")?)).collect()
    }

    /// Forgets every counted attempt of `key` (a successful sign-in of that account).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failure WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keeps a pending single-sign-on login, keyed by its `state`.
    pub async fn put_oidc_login(&self, state: &str, pending: &str, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO oidc_login (state, pending, created_at) VALUES ($1, $2, $3)")
            .bind(state)
            .bind(pending)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes (and deletes) a pending login, so a callback cannot be replayed. One
    /// `DELETE … RETURNING`, so of racing callbacks exactly one gets the login: a SELECT
    /// followed by a DELETE would hand it to both on PostgreSQL (READ COMMITTED lets both
    /// read the row before either deletes it).
    pub async fn take_oidc_login(&self, state: &str) -> Result<Option<(String, i64)>> {
        let row =
            sqlx::query("DELETE FROM oidc_login WHERE state = $1 RETURNING pending, created_at")
                .bind(state)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((r.try_get("pending")?, r.try_get("created_at")?)))
            .transpose()
    }
}
