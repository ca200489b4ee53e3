use crate::{Result, Store, flag};
use sqlx::Row;

/// A browser session. The cookie holds a random secret; only its hash is stored, so a
/// database leak does not hand out sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: String,
    pub csrf_token: String,
    /// False until the second factor is proved (or for accounts without one).
    pub mfa_done: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl Store {
    pub async fn create_session(&self, s: &Session) -> Result<()> {
        insert(&self.pool, s).await
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT id_hash, account_id, csrf_token, mfa_done, created_at, last_seen_at FROM session WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session).transpose()
    }

    pub async fn touch_session(&self, id_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE session SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn complete_session_mfa(&self, id_hash: &str) -> Result<()> {
        sqlx::query("UPDATE session SET mfa_done = 1 WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of an account (after a password or second-factor change).
    pub async fn delete_sessions_of(&self, account_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE account_id = $1")
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces session `old` by `new` in one transaction: after each authentication step
    /// the browser gets a new session id, so an id planted or seen before the step is
    /// worth nothing after it.
    pub async fn rotate_session(&self, old: &str, new: &Session) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM session WHERE id_hash = $1")
            .bind(old)
            .execute(&mut *tx)
            .await?;
        insert(&mut *tx, new).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's sessions, newest first.
    pub async fn sessions_of(&self, account_id: &str) -> Result<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT id_hash, account_id, csrf_token, mfa_done, created_at, last_seen_at FROM session \
             WHERE account_id = $1 ORDER BY created_at DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(session).collect()
    }

    /// Ends one session of the account; false when it has no such session.
    pub async fn delete_session_of(&self, account_id: &str, id_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM session WHERE account_id = $1 AND id_hash = $2")
            .bind(account_id)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every session of an account but `keep` (a second factor was enrolled).
    pub async fn delete_other_sessions(&self, account_id: &str, keep: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE account_id = $1 AND id_hash <> $2")
            .bind(account_id)
            .bind(keep)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

async fn insert<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(e: E, s: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO session (id_hash, account_id, csrf_token, mfa_done, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&s.id_hash)
    .bind(&s.account_id)
    .bind(&s.csrf_token)
    .bind(flag(s.mfa_done))
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .execute(e)
    .await?;
    Ok(())
}

fn session(r: &sqlx::any::AnyRow) -> Result<Session> {
    Ok(Session {
        id_hash: r.try_get("id_hash")?,
        account_id: r.try_get("account_id")?,
        csrf_token: r.try_get("csrf_token")?,
        mfa_done: r.try_get::<i64, _>("mfa_done")? != 0,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
    })
}
