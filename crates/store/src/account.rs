use crate::{Result, Store, StoreError, flag, sql};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub created_at: i64,
    /// Instance administrators create workspaces and accounts.
    pub instance_admin: bool,
    /// Set when an administrator deactivated the account: it cannot sign in or use tokens.
    pub deactivated_at: Option<i64>,
}

pub struct NewAccount<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, name, password_hash, totp_secret, totp_enabled, oidc_issuer, oidc_subject, created_at, instance_admin, deactivated_at";

fn account(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        totp_secret: row.try_get("totp_secret")?,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        oidc_issuer: row.try_get("oidc_issuer")?,
        oidc_subject: row.try_get("oidc_subject")?,
        created_at: row.try_get("created_at")?,
        instance_admin: row.try_get::<i64, _>("instance_admin")? != 0,
        deactivated_at: row.try_get("deactivated_at")?,
    })
}

impl Store {
    pub async fn create_account(&self, new: NewAccount<'_>) -> Result<Account> {
        sqlx::query(
            "INSERT INTO account (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new.id)
        .bind(new.email)
        .bind(new.name)
        .bind(new.password_hash)
        .bind(new.created_at)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict(e, "an account with this email"))?;
        self.account(new.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("account vanished after insert".into()))
    }

    pub async fn account(&self, id: &str) -> Result<Option<Account>> {
        let row = sqlx::query(sql(format!("SELECT {COLUMNS} FROM account WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account).transpose()
    }

    /// Emails are compared as stored; the server lower-cases them before calling.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM account WHERE email = $1"
        )))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account).transpose()
    }

    pub async fn account_by_oidc(&self, issuer: &str, subject: &str) -> Result<Option<Account>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM account WHERE oidc_issuer = $1 AND oidc_subject = $2"
        )))
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account).transpose()
    }

    pub async fn link_oidc(&self, id: &str, issuer: &str, subject: &str) -> Result<()> {
        sqlx::query("UPDATE account SET oidc_issuer = $1, oidc_subject = $2 WHERE id = $3")
            .bind(issuer)
            .bind(subject)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::conflict(e, "an account linked to this identity"))?;
        Ok(())
    }

    pub async fn set_password(&self, id: &str, hash: &str) -> Result<()> {
        sqlx::query("UPDATE account SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a TOTP secret; `enabled` becomes true once the user has proved a code.
    pub async fn set_totp(&self, id: &str, secret: Option<&str>, enabled: bool) -> Result<()> {
        sqlx::query("UPDATE account SET totp_secret = $1, totp_enabled = $2 WHERE id = $3")
            .bind(secret)
            .bind(flag(enabled))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces all recovery codes of an account with new (hashed) ones.
    /// Accepts TOTP time step `step` for the account only if it is later than every step
    /// accepted before: a code works once, and an older one never again. One conditional
    /// UPDATE, so of two requests racing with the same code exactly one wins.
    pub async fn accept_totp_step(&self, id: &str, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE account SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn set_instance_admin(&self, id: &str, admin: bool) -> Result<()> {
        sqlx::query("UPDATE account SET instance_admin = $1 WHERE id = $2")
            .bind(flag(admin))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every account, by email (for instance administrators).
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query(sql(format!("SELECT {COLUMNS} FROM account ORDER BY email")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account).collect()
    }

    /// Deactivates (`Some(now)`) or reactivates (`None`) an account. Deactivation ends
    /// its sessions and revokes its API tokens in the same transaction, so nothing it
    /// held works a moment longer.
    pub async fn set_deactivated(&self, id: &str, at: Option<i64>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE account SET deactivated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(now) = at {
            sqlx::query("DELETE FROM session WHERE account_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_token SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes the second factor (an administrator's reset): secret, recovery codes and
    /// sessions go, so the next sign-in enrols anew.
    pub async fn reset_totp(&self, id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE account SET totp_secret = NULL, totp_enabled = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_code WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM session WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many accounts exist (the first one made at set-up is the administrator).
    pub async fn account_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM account")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn replace_recovery_codes(&self, id: &str, hashes: &[String]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM recovery_code WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_code (account_id, code_hash) VALUES ($1, $2)")
                .bind(id)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks an unused recovery code used; false when there is no such unused code.
    pub async fn use_recovery_code(&self, id: &str, hash: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_code SET used_at = $1 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn unused_recovery_codes(&self, id: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM recovery_code WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}
