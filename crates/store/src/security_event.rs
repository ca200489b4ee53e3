use crate::{Result, Store};
use sqlx::Row;

/// One entry of the instance security log: who tried what from where. Never a password,
/// code, token or cookie.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SecurityEvent {
    pub at: i64,
    /// `login.succeeded`, `login.failed`, `login.locked`, `totp.failed`, `totp.enrolled`,
    /// `request.refused`, … (docs/security.md lists them).
    pub kind: String,
    pub account_id: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    pub workspace: Option<String>,
    pub detail: Option<String>,
}

impl Store {
    pub async fn record_security_event(&self, e: &SecurityEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO security_event (at, kind, account_id, email, address, user_agent, workspace, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.at)
        .bind(&e.kind)
        .bind(&e.account_id)
        .bind(&e.email)
        .bind(&e.address)
        .bind(&e.user_agent)
        .bind(&e.workspace)
        .bind(&e.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Events at or after `since`, oldest first, at most `limit`.
    pub async fn security_events(&self, since: i64, limit: i64) -> Result<Vec<SecurityEvent>> {
        let rows = sqlx::query(
            "SELECT at, kind, account_id, email, address, user_agent, workspace, detail \
             FROM security_event WHERE at >= $1 ORDER BY at LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SecurityEvent {
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    account_id: r.try_get("account_id")?,
                    email: r.try_get("email")?,
                    address: r.try_get("address")?,
                    user_agent: r.try_get("user_agent")?,
                    workspace: r.try_get("workspace")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
