use crate::{Result, Store, StoreError, sql};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A scoped API token of one workspace. The secret is shown once; only its hash is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: String,
    pub workspace_id: String,
    /// The account that created it; the token never has more rights than this member.
    pub account_id: String,
    pub name: String,
    pub secret_hash: String,
    /// Space-separated scopes, e.g. `read write`.
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, workspace_id, account_id, name, secret_hash, scopes, created_at, expires_at, last_used_at, revoked_at";

fn token(r: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        account_id: r.try_get("account_id")?,
        name: r.try_get("name")?,
        secret_hash: r.try_get("secret_hash")?,
        scopes: r.try_get("scopes")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Store {
    pub async fn create_token(&self, t: &ApiToken) -> Result<()> {
        create_token(&self.pool, t).await
    }

    pub async fn token_by_hash(&self, secret_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM api_token WHERE secret_hash = $1"
        )))
        .bind(secret_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token).transpose()
    }

    pub async fn tokens(&self, workspace_id: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM api_token WHERE workspace_id = $1 ORDER BY created_at, id"
        )))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token).collect()
    }

    /// Revokes a token of this workspace; false when the workspace has no such live token.
    pub async fn revoke_token(&self, workspace_id: &str, id: &str, now: i64) -> Result<bool> {
        revoke_token(&self.pool, workspace_id, id, now).await
    }

    pub async fn touch_token(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// On the pool, or inside a ledger commit (`Projection::Token`).
pub(crate) async fn create_token<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    t: &ApiToken,
) -> Result<()> {
    sqlx::query(sql(format!(
        "INSERT INTO api_token ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )))
    .bind(&t.id)
    .bind(&t.workspace_id)
    .bind(&t.account_id)
    .bind(&t.name)
    .bind(&t.secret_hash)
    .bind(&t.scopes)
    .bind(t.created_at)
    .bind(t.expires_at)
    .bind(t.last_used_at)
    .bind(t.revoked_at)
    .execute(ex)
    .await
    .map_err(|e| StoreError::conflict(e, "a token with this secret"))?;
    Ok(())
}

/// True when a live token was revoked; false when there was none to revoke.
pub(crate) async fn revoke_token<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    workspace_id: &str,
    id: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE api_token SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(workspace_id)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}
