use crate::{Projection, Result, Store, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A ledger entry to commit: its canonical JSON and the fields listed by the API.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub entry_type: String,
    pub actor: String,
    pub at: i64,
    /// Canonical JSON, exactly the bytes the ledger file will hold.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub seq: i64,
    pub entry_type: String,
    pub actor: String,
    pub at: i64,
    pub body: String,
}

fn entry(r: &AnyRow) -> Result<EntryRow> {
    Ok(EntryRow {
        seq: r.try_get("seq")?,
        entry_type: r.try_get("entry_type")?,
        actor: r.try_get("actor")?,
        at: r.try_get("at")?,
        body: r.try_get("body")?,
    })
}

impl Store {
    /// Commits ledger entries and the state they record in one transaction and returns
    /// the entries' sequence numbers. Sequence numbers are dense per workspace: the
    /// workspace row's counter is bumped inside the transaction, which also serialises
    /// concurrent writers of one workspace on both databases.
    pub async fn commit(
        &self,
        workspace_id: &str,
        entries: &[NewEntry],
        projections: &[Projection],
    ) -> Result<Vec<i64>> {
        let n = i64::try_from(entries.len()).map_err(|_| StoreError::Corrupt("batch".into()))?;
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE workspace SET next_seq = next_seq + $1 WHERE id = $2 RETURNING next_seq",
        )
        .bind(n)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no workspace {workspace_id}")))?;
        let end: i64 = row.try_get("next_seq")?;
        let first = end - n;
        let seqs: Vec<i64> = (first..end).collect();
        for (e, seq) in entries.iter().zip(&seqs) {
            sqlx::query(
                "INSERT INTO entry (workspace_id, seq, entry_type, actor, at, body) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(workspace_id)
            .bind(seq)
            .bind(&e.entry_type)
            .bind(&e.actor)
            .bind(e.at)
            .bind(&e.body)
            .execute(&mut *tx)
            .await?;
        }
        for p in projections {
            match p {
                Projection::Evidence(index, row) => {
                    let seq = seqs.get(*index).copied().ok_or_else(|| {
                        StoreError::Corrupt("evidence row names no entry of its batch".into())
                    })?;
                    crate::evidence::insert(&mut tx, workspace_id, seq, row).await?;
                }
                Projection::Finding(row) => {
                    crate::finding::upsert(&mut tx, workspace_id, row).await?;
                }
                Projection::Member {
                    account_id,
                    role: Some(role),
                    at,
                } => {
                    let was_owner =
                        crate::workspace::is_owner(&mut tx, workspace_id, account_id).await?;
                    crate::workspace::set_member(&mut *tx, workspace_id, account_id, role, *at)
                        .await?;
                    if was_owner {
                        crate::workspace::keep_an_owner(&mut tx, workspace_id).await?;
                    }
                }
                Projection::Member {
                    account_id,
                    role: None,
                    ..
                } => {
                    let was_owner =
                        crate::workspace::is_owner(&mut tx, workspace_id, account_id).await?;
                    crate::workspace::remove_member(&mut *tx, workspace_id, account_id).await?;
                    if was_owner {
                        crate::workspace::keep_an_owner(&mut tx, workspace_id).await?;
                    }
                }
                Projection::Token(token) => {
                    if token.workspace_id != workspace_id {
                        return Err(StoreError::Corrupt(
                            "token for another workspace in a commit".into(),
                        ));
                    }
                    crate::token::create_token(&mut *tx, token).await?;
                }
                Projection::TokenRevoked { id, at } => {
                    if !crate::token::revoke_token(&mut *tx, workspace_id, id, *at).await? {
                        return Err(StoreError::NotFound);
                    }
                }
                Projection::Invitation(_)
                | Projection::InvitationRevoked { .. }
                | Projection::InvitationAccepted { .. } => {
                    crate::invitation::apply(&mut tx, workspace_id, p).await?;
                }
                Projection::MfaPolicy(policy) => {
                    sqlx::query("UPDATE workspace SET mfa_policy = $1 WHERE id = $2")
                        .bind(policy)
                        .bind(workspace_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(seqs)
    }

    /// Entries from `from` on, in order, at most `limit`.
    pub async fn entries_from(
        &self,
        workspace_id: &str,
        from: i64,
        limit: i64,
    ) -> Result<Vec<EntryRow>> {
        let rows = sqlx::query(
            "SELECT seq, entry_type, actor, at, body FROM entry WHERE workspace_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
        )
        .bind(workspace_id)
        .bind(from)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// Entries whose type starts with `prefix` (e.g. `incident.`), newest first, before
    /// the sequence number `before` (a pagination cursor). The prefix is matched exactly,
    /// case and all: not with `LIKE`, which is case-insensitive on SQLite only and would
    /// treat `_` and `%` in the prefix as wildcards.
    pub async fn entries_of_type(
        &self,
        workspace_id: &str,
        prefix: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EntryRow>> {
        let rows = sqlx::query(
            "SELECT seq, entry_type, actor, at, body FROM entry WHERE workspace_id = $1 \
             AND substr(entry_type, 1, CAST($5 AS INTEGER)) = $2 AND seq < $3 ORDER BY seq DESC LIMIT $4",
        )
        .bind(workspace_id)
        .bind(prefix)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        // Characters, as both databases' substr counts them.
        .bind(i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }
}
