//! Invitations to a workspace: a single-use link that expires, emailed to an address.
//! Only the SHA-256 of the link's secret is stored. Creating, revoking and accepting one
//! are projections (`Projection::Invitation*`), committed with their ledger entry.

use crate::{Projection, Result, Store, StoreError, sql};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: String,
    pub workspace_id: String,
    /// Lower-cased, as accounts' emails are.
    pub email: String,
    pub role: String,
    pub token_hash: String,
    /// Who invited, as the ledger names them.
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    /// The account that accepted it.
    pub accepted_by: Option<String>,
    pub revoked_at: Option<i64>,
}

impl Invitation {
    /// Neither accepted nor revoked, and not expired at `now`.
    pub fn pending(&self, now: i64) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// The account an invitee makes by accepting, created in the same commit as the
/// acceptance and the membership.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvitee {
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

const COLUMNS: &str = "id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at";

fn invitation(r: &AnyRow) -> Result<Invitation> {
    Ok(Invitation {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        email: r.try_get("email")?,
        role: r.try_get("role")?,
        token_hash: r.try_get("token_hash")?,
        invited_by: r.try_get("invited_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        accepted_at: r.try_get("accepted_at")?,
        accepted_by: r.try_get("accepted_by")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Store {
    /// The invitation a link's secret names, whatever its state.
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM invitation WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(invitation).transpose()
    }

    /// One invitation of a workspace, whatever its state.
    pub async fn invitation(&self, workspace_id: &str, id: &str) -> Result<Option<Invitation>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM invitation WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(invitation).transpose()
    }

    /// The workspace's invitations still pending at `now`, oldest first.
    pub async fn pending_invitations(
        &self,
        workspace_id: &str,
        now: i64,
    ) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM invitation WHERE workspace_id = $1 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at, id"
        )))
        .bind(workspace_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation).collect()
    }
}

/// Applies an invitation projection inside a ledger commit; other projections are not
/// this file's and are refused.
pub(crate) async fn apply(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    workspace_id: &str,
    p: &Projection,
) -> Result<()> {
    match p {
        Projection::Invitation(inv) => {
            if inv.workspace_id != workspace_id {
                return Err(StoreError::Corrupt(
                    "invitation for another workspace in a commit".into(),
                ));
            }
            // A new invitation replaces the address's pending ones: one link works.
            sqlx::query(
                "UPDATE invitation SET revoked_at = $1 WHERE workspace_id = $2 AND email = $3 \
                 AND accepted_at IS NULL AND revoked_at IS NULL",
            )
            .bind(inv.created_at)
            .bind(workspace_id)
            .bind(&inv.email)
            .execute(&mut **tx)
            .await?;
            sqlx::query(sql(format!(
                "INSERT INTO invitation ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            )))
            .bind(&inv.id)
            .bind(&inv.workspace_id)
            .bind(&inv.email)
            .bind(&inv.role)
            .bind(&inv.token_hash)
            .bind(&inv.invited_by)
            .bind(inv.created_at)
            .bind(inv.expires_at)
            .bind(inv.accepted_at)
            .bind(&inv.accepted_by)
            .bind(inv.revoked_at)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::conflict(e, "an invitation with this secret"))?;
            Ok(())
        }
        Projection::InvitationRevoked { id, at } => {
            let done = sqlx::query(
                "UPDATE invitation SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 \
                 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
            )
            .bind(*at)
            .bind(workspace_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
        Projection::InvitationAccepted {
            id,
            account_id,
            account,
            at,
        } => {
            // One conditional UPDATE: of two acceptances racing with the same link, one
            // wins and the other's whole commit rolls back.
            let done = sqlx::query(
                "UPDATE invitation SET accepted_at = $1, accepted_by = $2 WHERE workspace_id = $3 \
                 AND id = $4 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
            )
            .bind(*at)
            .bind(account_id)
            .bind(workspace_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            if let Some(new) = account {
                sqlx::query(
                    "INSERT INTO account (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(account_id)
                .bind(&new.email)
                .bind(&new.name)
                .bind(&new.password_hash)
                .bind(*at)
                .execute(&mut **tx)
                .await
                .map_err(|e| StoreError::conflict(e, "an account with this email"))?;
            }
            Ok(())
        }
        _ => Err(StoreError::Corrupt("not an invitation projection".into())),
    }
}
