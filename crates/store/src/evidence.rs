use crate::{Result, Store, sql};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// One piece of evidence as listed; its ledger entry has the same `seq`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    /// Filled in by the store on commit.
    pub seq: i64,
    pub control: String,
    pub kind: String,
    /// The date the activity happened (YYYY-MM-DD).
    pub effective: String,
    pub recorded_at: i64,
    pub recorded_by: String,
    /// `sha256:<hex>` of the uploaded file, if any.
    pub blob: Option<String>,
    pub filename: Option<String>,
    pub size: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    pub control: Option<String>,
    /// Pagination cursor: rows with a smaller `seq` (newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

const COLUMNS: &str =
    "seq, control, kind, effective, recorded_at, recorded_by, blob, filename, size, note";

fn evidence(r: &AnyRow) -> Result<EvidenceRow> {
    Ok(EvidenceRow {
        seq: r.try_get("seq")?,
        control: r.try_get("control")?,
        kind: r.try_get("kind")?,
        effective: r.try_get("effective")?,
        recorded_at: r.try_get("recorded_at")?,
        recorded_by: r.try_get("recorded_by")?,
        blob: r.try_get("blob")?,
        filename: r.try_get("filename")?,
        size: r.try_get("size")?,
        note: r.try_get("note")?,
    })
}

pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    workspace_id: &str,
    seq: i64,
    e: &EvidenceRow,
) -> Result<()> {
    sqlx::query(sql(format!(
        "INSERT INTO evidence (workspace_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(workspace_id)
    .bind(seq)
    .bind(&e.control)
    .bind(&e.kind)
    .bind(&e.effective)
    .bind(e.recorded_at)
    .bind(&e.recorded_by)
    .bind(&e.blob)
    .bind(&e.filename)
    .bind(e.size)
    .bind(&e.note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    pub async fn evidence(
        &self,
        workspace_id: &str,
        f: &EvidenceFilter,
    ) -> Result<Vec<EvidenceRow>> {
        // The control filter goes into the text only when given, as in `findings`: a
        // catch-all `($2 = '' OR control = $2)` keeps PostgreSQL's generic plan off the
        // `evidence_control` index.
        let text = match f.control {
            Some(_) => format!(
                "SELECT {COLUMNS} FROM evidence WHERE workspace_id = $1 AND seq < $2 \
                 AND control = $4 ORDER BY seq DESC LIMIT $3"
            ),
            None => format!(
                "SELECT {COLUMNS} FROM evidence WHERE workspace_id = $1 AND seq < $2 \
                 ORDER BY seq DESC LIMIT $3"
            ),
        };
        let mut query = sqlx::query(sql(text))
            .bind(workspace_id)
            .bind(f.before.unwrap_or(i64::MAX))
            .bind(f.limit);
        if let Some(control) = &f.control {
            query = query.bind(control);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(evidence).collect()
    }

    pub async fn evidence_item(&self, workspace_id: &str, seq: i64) -> Result<Option<EvidenceRow>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM evidence WHERE workspace_id = $1 AND seq = $2"
        )))
        .bind(workspace_id)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(evidence).transpose()
    }

    pub async fn evidence_count(&self, workspace_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM evidence WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
