use crate::{Result, Store, StoreError, sql};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// Where the program came from: a directory path or a git URL and revision.
    pub program_source: String,
    /// The number of ledger entries committed: the next entry's sequence number.
    pub next_seq: i64,
    pub created_at: i64,
    /// Who needs a second factor: `all` members, or owners and `admins` only.
    pub mfa_policy: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
}

const COLUMNS: &str =
    "w.id, w.slug, w.name, w.program_source, w.next_seq, w.created_at, w.mfa_policy";

fn workspace(row: &AnyRow) -> Result<Workspace> {
    Ok(Workspace {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        program_source: row.try_get("program_source")?,
        next_seq: row.try_get("next_seq")?,
        created_at: row.try_get("created_at")?,
        mfa_policy: row.try_get("mfa_policy")?,
    })
}

impl Store {
    pub async fn create_workspace(
        &self,
        id: &str,
        slug: &str,
        name: &str,
        program_source: &str,
        now: i64,
    ) -> Result<Workspace> {
        sqlx::query(
            "INSERT INTO workspace (id, slug, name, program_source, created_at, mfa_policy) \
             VALUES ($1, $2, $3, $4, $5, 'all')",
        )
        .bind(id)
        .bind(slug)
        .bind(name)
        .bind(program_source)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict(e, "a workspace with this slug"))?;
        self.workspace_by_slug(slug)
            .await?
            .ok_or_else(|| StoreError::Corrupt("workspace vanished after insert".into()))
    }

    pub async fn workspace_by_slug(&self, slug: &str) -> Result<Option<Workspace>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM workspace w WHERE w.slug = $1"
        )))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(workspace).transpose()
    }

    pub async fn workspaces(&self) -> Result<Vec<Workspace>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM workspace w ORDER BY w.slug"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(workspace).collect()
    }

    pub async fn set_program_source(&self, workspace_id: &str, source: &str) -> Result<()> {
        sqlx::query("UPDATE workspace SET program_source = $1 WHERE id = $2")
            .bind(source)
            .bind(workspace_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The workspaces an account belongs to, with its role in each.
    pub async fn memberships(&self, account_id: &str) -> Result<Vec<(Workspace, String)>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {COLUMNS}, m.role FROM workspace w JOIN member m ON m.workspace_id = w.id WHERE m.account_id = $1 ORDER BY w.slug"
        )))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((workspace(r)?, r.try_get("role")?)))
            .collect()
    }

    pub async fn member_role(
        &self,
        workspace_id: &str,
        account_id: &str,
    ) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT role FROM member WHERE workspace_id = $1 AND account_id = $2")
                .bind(workspace_id)
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get("role")).transpose()?)
    }

    /// A member's role and the workspace's second-factor policy, read together on every
    /// request so that a policy change applies at once.
    pub async fn member_access(
        &self,
        workspace_id: &str,
        account_id: &str,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT m.role, w.mfa_policy FROM member m JOIN workspace w ON w.id = m.workspace_id \
             WHERE m.workspace_id = $1 AND m.account_id = $2",
        )
        .bind(workspace_id)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("role")?, r.try_get("mfa_policy")?)))
            .transpose()
    }

    /// Adds a member or changes their role.
    pub async fn set_member(
        &self,
        workspace_id: &str,
        account_id: &str,
        role: &str,
        now: i64,
    ) -> Result<()> {
        set_member(&self.pool, workspace_id, account_id, role, now).await
    }

    pub async fn remove_member(&self, workspace_id: &str, account_id: &str) -> Result<bool> {
        remove_member(&self.pool, workspace_id, account_id).await
    }

    pub async fn members(&self, workspace_id: &str) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT a.id, a.email, a.name, m.role, m.created_at FROM member m JOIN account a ON a.id = m.account_id \
             WHERE m.workspace_id = $1 ORDER BY a.email",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Member {
                    account_id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    name: r.try_get("name")?,
                    role: r.try_get("role")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

/// On the pool, or inside a ledger commit (`Projection::Member`).
pub(crate) async fn set_member<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    workspace_id: &str,
    account_id: &str,
    role: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO member (workspace_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id, account_id) DO UPDATE SET role = excluded.role",
    )
    .bind(workspace_id)
    .bind(account_id)
    .bind(role)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

pub(crate) async fn remove_member<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    workspace_id: &str,
    account_id: &str,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM member WHERE workspace_id = $1 AND account_id = $2")
        .bind(workspace_id)
        .bind(account_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn is_owner(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    workspace_id: &str,
    account_id: &str,
) -> Result<bool> {
    let row = sqlx::query("SELECT role FROM member WHERE workspace_id = $1 AND account_id = $2")
        .bind(workspace_id)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<String, _>("role")? == "owner",
        None => false,
    })
}

/// Fails a commit that demotes or removes a workspace's last owner. Checked inside the
/// commit, which holds the workspace row (`next_seq`) locked, so two owners demoting each
/// other at once cannot both pass.
pub(crate) async fn keep_an_owner(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    workspace_id: &str,
) -> Result<()> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM member WHERE workspace_id = $1 AND role = 'owner'")
            .bind(workspace_id)
            .fetch_one(&mut **tx)
            .await?;
    let owners: i64 = row.try_get("n")?;
    if owners == 0 {
        return Err(StoreError::LastOwner);
    }
    Ok(())
}
