//! The ledger's error type.

use crate::canonical::CanonicalError;
use crate::checkpoint::CheckpointError;
use crate::merkle::ProofError;
use crate::note::NoteError;
use std::path::PathBuf;

/// Everything that can go wrong opening, writing or reading a ledger.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no ledger in {0} (run `covenant ledger init`)")]
    NotInitialized(PathBuf),
    #[error("a ledger already exists in {0}")]
    AlreadyInitialized(PathBuf),
    #[error("the ledger in {0} is in use by another process")]
    Locked(PathBuf),
    #[error("entry {index} of the batch: {source}")]
    Entry {
        index: usize,
        source: CanonicalError,
    },
    #[error("entry {index} of the batch is {len} bytes; the limit is {max}")]
    EntryTooLarge {
        index: usize,
        len: usize,
        max: usize,
    },
    #[error("the stored ledger is damaged: {0} (run `covenant ledger verify`)")]
    Corrupt(String),
    #[error("an earlier write failed; reopen the ledger before writing again")]
    Poisoned,
    #[error("entry {seq} does not exist (the ledger has {size} entries)")]
    NoSuchEntry { seq: u64, size: u64 },
    /// A signing key is never overwritten unasked: checkpoints it signed could no longer be extended.
    #[error("{0} already exists")]
    KeyExists(PathBuf),
    #[error("invalid origin {0:?}: one line, non-empty, no '+' or spaces")]
    Origin(String),
    #[error("invalid {field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an IO error.
pub(crate) trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}
