#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}…: expected sqlite://PATH or postgres://…")]
    Url(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The change would leave the workspace without an owner.
    #[error("a workspace keeps at least one owner")]
    LastOwner,
    /// A change named a row that is not there (a commit rolls back on it).
    #[error("not found")]
    NotFound,
}

impl StoreError {
    /// Unique-constraint violations become `Conflict`, so callers can answer 409.
    pub(crate) fn conflict(e: sqlx::Error, what: &'static str) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }
}
