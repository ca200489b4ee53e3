//! Where things live inside a data directory.
//!
//! ```text
//! <data>/
//!   ledger/origin                      the log's origin line (also the key name)
//!   ledger/LOCK                        advisory lock held by the one writer
//!   ledger/log/<first seq:020>.seg     segment files
//!   ledger/tree/level0.hashes          leaf hashes
//!   ledger/tree/level8.hashes          roots of complete 256-leaf subtrees
//!   ledger/tree/synced                 recovery hint: leaf hashes known durable
//!   ledger/checkpoint                  latest signed checkpoint (replaced atomically)
//!   ledger/checkpoints/<size:020>-<unix seconds:020>.checkpoint   write-once copies
//!   blobs/sha256/<2 hex>/<64 hex>      evidence files by content hash
//!   keys/ledger.key                    signer key, mode 0600 (never exported)
//!   keys/ledger.vkey                   verifier key
//! ```

use crate::error::{Error, IoContext, Result};
use crate::segment;
use std::path::{Path, PathBuf};

/// Paths of one data directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub data: PathBuf,
}

impl Layout {
    pub fn new(data: impl Into<PathBuf>) -> Self {
        Self { data: data.into() }
    }
    pub fn ledger(&self) -> PathBuf {
        self.data.join("ledger")
    }
    pub fn origin(&self) -> PathBuf {
        self.ledger().join("origin")
    }
    pub fn lock(&self) -> PathBuf {
        self.ledger().join("LOCK")
    }
    pub fn log(&self) -> PathBuf {
        self.ledger().join("log")
    }
    pub fn tree(&self) -> PathBuf {
        self.ledger().join("tree")
    }
    pub fn level0(&self) -> PathBuf {
        self.tree().join("level0.hashes")
    }
    pub fn level8(&self) -> PathBuf {
        self.tree().join("level8.hashes")
    }
    /// Recovery hint: how many leaf hashes are known durable (not part of the verified format).
    pub fn synced(&self) -> PathBuf {
        self.tree().join("synced")
    }
    pub fn latest_checkpoint(&self) -> PathBuf {
        self.ledger().join("checkpoint")
    }
    pub fn checkpoints(&self) -> PathBuf {
        self.ledger().join("checkpoints")
    }
    pub fn blobs(&self) -> PathBuf {
        self.data.join("blobs")
    }
    pub fn keys(&self) -> PathBuf {
        self.data.join("keys")
    }
    pub fn signer_key(&self) -> PathBuf {
        self.keys().join("ledger.key")
    }
    pub fn verifier_key(&self) -> PathBuf {
        self.keys().join("ledger.vkey")
    }

    /// The segment files of the log, in sequence order (none when the log directory is missing).
    pub(crate) fn segment_files(&self) -> Result<Vec<(u64, PathBuf)>> {
        let dir = &self.log();
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => {
                return Err(Error::Io {
                    path: dir.to_path_buf(),
                    source: e,
                });
            }
        };
        for ent in rd {
            let ent = ent.at(dir)?;
            let name = ent.file_name();
            if let Some(seq) = name.to_str().and_then(segment::parse_file_name) {
                out.push((seq, ent.path()));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// The write-once file name of a checkpoint of `size` entries made at `unix_seconds`.
pub fn checkpoint_file_name(size: u64, unix_seconds: u64) -> String {
    format!("{size:020}-{unix_seconds:020}.checkpoint")
}

/// Parses a write-once checkpoint file name into (size, unix seconds).
pub fn parse_checkpoint_file_name(name: &str) -> Option<(u64, u64)> {
    let stem = name.strip_suffix(".checkpoint")?;
    let (a, b) = stem.split_once('-')?;
    if a.len() != 20 || b.len() != 20 {
        return None;
    }
    if !a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Makes a directory entry change durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
