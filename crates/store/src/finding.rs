use crate::{Result, Store, sql};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A finding's current state as listed and filtered; `body` is its full JSON view.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    pub id: String,
    pub title: String,
    pub severity: String,
    /// CVSS base score × 10, so it stays an integer on both databases.
    pub score_tenths: Option<i64>,
    pub status: String,
    pub component: String,
    pub first_detected: i64,
    pub body: String,
}

#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub status: Option<String>,
    pub severity: Option<String>,
    /// Pagination cursor: rows with a greater id.
    pub after: Option<String>,
    pub limit: i64,
}

const COLUMNS: &str = "id, title, severity, score_tenths, status, component, first_detected, body";

fn finding(r: &AnyRow) -> Result<FindingRow> {
    Ok(FindingRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        severity: r.try_get("severity")?,
        score_tenths: r.try_get("score_tenths")?,
        status: r.try_get("status")?,
        component: r.try_get("component")?,
        first_detected: r.try_get("first_detected")?,
        body: r.try_get("body")?,
    })
}

pub(crate) async fn upsert(
    tx: &mut Transaction<'static, Any>,
    workspace_id: &str,
    f: &FindingRow,
) -> Result<()> {
    sqlx::query(sql(format!(
        "INSERT INTO finding (workspace_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (workspace_id, id) DO UPDATE SET title = excluded.title, severity = excluded.severity, \
         score_tenths = excluded.score_tenths, status = excluded.status, component = excluded.component, \
         first_detected = excluded.first_detected, body = excluded.body"
    )))
    .bind(workspace_id)
    .bind(&f.id)
    .bind(&f.title)
    .bind(&f.severity)
    .bind(f.score_tenths)
    .bind(&f.status)
    .bind(&f.component)
    .bind(f.first_detected)
    .bind(&f.body)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    pub async fn findings(&self, workspace_id: &str, f: &FindingFilter) -> Result<Vec<FindingRow>> {
        // Only the filters given go into the text: `($2 = '' OR status = $2)` would make
        // PostgreSQL's generic plan for the prepared statement ignore the indexes.
        let mut text = format!("SELECT {COLUMNS} FROM finding WHERE workspace_id = $1 AND id > $2");
        let filters: Vec<(&str, &str)> = [("status", &f.status), ("severity", &f.severity)]
            .into_iter()
            .filter_map(|(column, value)| Some((column, value.as_deref()?)))
            .collect();
        for (i, (column, _)) in filters.iter().enumerate() {
            text.push_str(&format!(" AND {column} = ${}", i + 3));
        }
        text.push_str(&format!(" ORDER BY id LIMIT ${}", filters.len() + 3));
        let mut query = sqlx::query(sql(text))
            .bind(workspace_id)
            .bind(f.after.as_deref().unwrap_or(""));
        for (_, value) in &filters {
            query = query.bind(*value);
        }
        let rows = query.bind(f.limit).fetch_all(&self.pool).await?;
        rows.iter().map(finding).collect()
    }

    pub async fn finding(&self, workspace_id: &str, id: &str) -> Result<Option<FindingRow>> {
        let row = sqlx::query(sql(format!(
            "SELECT {COLUMNS} FROM finding WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(finding).transpose()
    }
}
