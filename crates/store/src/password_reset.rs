//! Password reset links: single use, valid for a limited time, stored as the SHA-256 of
//! the link's secret. Using one sets the new password and ends every session of the
//! account in one transaction.

use crate::{Result, Store};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct PasswordReset {
    pub token_hash: String,
    pub account_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl PasswordReset {
    /// Not used yet and not expired at `now`.
    pub fn usable(&self, now: i64) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

impl Store {
    /// Stores a new reset link for the account; its earlier links stop working.
    pub async fn create_password_reset(&self, r: &PasswordReset) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM password_reset WHERE account_id = $1")
            .bind(&r.account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO password_reset (token_hash, account_id, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&r.token_hash)
        .bind(&r.account_id)
        .bind(r.created_at)
        .bind(r.expires_at)
        .bind(r.used_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reset link a secret's hash names, whatever its state.
    pub async fn password_reset(&self, token_hash: &str) -> Result<Option<PasswordReset>> {
        let row = sqlx::query(
            "SELECT token_hash, account_id, created_at, expires_at, used_at FROM password_reset \
             WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PasswordReset {
                token_hash: r.try_get("token_hash")?,
                account_id: r.try_get("account_id")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                used_at: r.try_get("used_at")?,
            })
        })
        .transpose()
    }

    /// Uses the link once: marks it used, sets the account's password, ends every session
    /// of the account and its other links, all in one transaction. Returns the account's
    /// id, or `None` when the link is unknown, used or expired (then nothing changes). Of
    /// two requests racing with one link, exactly one gets the account.
    pub async fn complete_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE password_reset SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
             AND expires_at > $1 RETURNING account_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let account_id: String = row.try_get("account_id")?;
        sqlx::query("UPDATE account SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(&account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM session WHERE account_id = $1")
            .bind(&account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM password_reset WHERE account_id = $1 AND token_hash <> $2")
            .bind(&account_id)
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(account_id))
    }
}
