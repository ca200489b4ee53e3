//! Where evidence files live. The server talks to this trait only, so an S3-compatible
//! store can replace the data directory later without touching the handlers.

use covenant_ledger::{BlobRef, BlobStore};
use std::path::PathBuf;

pub trait Blobs: Send + Sync {
    /// Stores bytes under their SHA-256 (written once; storing twice is a no-op).
    fn put(&self, bytes: &[u8]) -> Result<BlobRef, covenant_ledger::Error>;
    /// Stores a file's content the same way, reading it in chunks (uploads staged on disk).
    fn put_file(&self, path: &std::path::Path) -> Result<BlobRef, covenant_ledger::Error>;
    /// The bytes of `sha256:<hex>`, or `None` if absent.
    fn get(&self, id: &str) -> std::io::Result<Option<Vec<u8>>>;
}

/// Blobs in the workspace ledger's data directory, where `ledger export` finds them.
pub struct LocalBlobs(pub BlobStore);

impl LocalBlobs {
    pub fn new(root: PathBuf) -> LocalBlobs {
        LocalBlobs(BlobStore::new(root))
    }
}

impl Blobs for LocalBlobs {
    fn put(&self, bytes: &[u8]) -> Result<BlobRef, covenant_ledger::Error> {
        self.0.put_bytes(bytes)
    }

    fn put_file(&self, path: &std::path::Path) -> Result<BlobRef, covenant_ledger::Error> {
        self.0.put_file(path)
    }

    fn get(&self, id: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(hex) = covenant_ledger::blob::parse_blob_id(id) else {
            return Ok(None);
        };
        match std::fs::read(self.0.path(hex)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}
