use crate::{Result, Store};
use sqlx::Row;

impl Store {
    /// Records one failed login for a throttle key (an account or an address).
    pub async fn record_login_failure(&self, key: &str, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO login_failure (throttle_key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now)
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
