//! Why the server could not start or stopped serving. Each variant names what to fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("data directory {path}: {source}")]
    Data {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("import root {path}: {source}")]
    ImportRoot {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the import root {root} and the data directory {data} overlap; programs could then \
         name ledgers and signing keys: keep them apart"
    )]
    Overlap { root: PathBuf, data: PathBuf },
    #[error("single sign-on: {0}")]
    Oidc(#[from] crate::oidc::OidcError),
    #[error("database: {0}")]
    Store(#[from] covenant_store::StoreError),
    #[error("password hashing threads: {0}")]
    Hasher(std::io::Error),
    #[error("workspace {slug}: {source}")]
    Workspace {
        slug: String,
        source: crate::live::LiveError,
    },
}
