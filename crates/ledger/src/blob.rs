//! The content-addressed evidence store: files are kept under the hex SHA-256 of their
//! bytes, at `blobs/sha256/<first 2 hex>/<64 hex>`, written once and never changed.

use crate::error::{Error, IoContext, Result};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const CHUNK: usize = 1 << 20;

/// A stored blob: its digest and length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// Lowercase hex SHA-256.
    pub sha256: String,
    pub size: u64,
}

impl BlobRef {
    /// The `sha256:<hex>` form entries carry.
    pub fn id(&self) -> String {
        format!("sha256:{}", self.sha256)
    }
}

/// Parses `sha256:<64 lowercase hex>` into the hex digest.
pub fn parse_blob_id(id: &str) -> Option<&str> {
    let hex = id.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then_some(hex)
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// SHA-256 of everything `r` yields, read in 1 MiB chunks.
pub fn hash_reader(mut r: impl Read) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((to_hex(&h.finalize()), total))
}

/// The blob directory of one data directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where the blob with this hex digest lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("xx");
        self.root.join("sha256").join(prefix).join(sha256)
    }

    /// Copies a file into the store (durably) and returns its reference.
    pub fn put_file(&self, src: &Path) -> Result<BlobRef> {
        let f = File::open(src).at(src)?;
        self.put_reader(f)
    }

    pub fn put_bytes(&self, bytes: &[u8]) -> Result<BlobRef> {
        self.put_reader(bytes)
    }

    fn put_reader(&self, mut r: impl Read) -> Result<BlobRef> {
        let tmp_dir = self.root.join("tmp");
        std::fs::create_dir_all(&tmp_dir).at(&tmp_dir)?;
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).map_err(|e| Error::Io {
            path: tmp_dir.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let tmp = tmp_dir.join(to_hex(&rnd));
        let mut out = OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o644)
            .open(&tmp)
            .at(&tmp)?;
        // Hash while copying so the bytes hashed are the bytes stored.
        let mut h = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        let res: std::io::Result<()> = (|| {
            loop {
                let n = r.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
                out.write_all(&buf[..n])?;
                size += n as u64;
            }
            out.sync_all()
        })();
        if let Err(e) = res {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Io {
                path: tmp,
                source: e,
            });
        }
        drop(out);
        let sha256 = to_hex(&h.finalize());
        let dest = self.path(&sha256);
        let dir = dest
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        std::fs::create_dir_all(&dir).at(&dir)?;
        if dest.exists() {
            // Same content already stored: content addressing makes this a no-op.
            let _ = std::fs::remove_file(&tmp);
        } else {
            std::fs::rename(&tmp, &dest).at(&dest)?;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o444)).at(&dest)?;
            crate::layout::sync_dir(&dir).at(&dir)?;
        }
        Ok(BlobRef { sha256, size })
    }

    /// Every stored blob as (claimed hex digest from the path, path), sorted.
    pub fn list(&self) -> Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        let base = self.root.join("sha256");
        let Ok(rd) = std::fs::read_dir(&base) else {
            return Ok(out);
        };
        for d in rd {
            let d = d.at(&base)?;
            let Ok(inner) = std::fs::read_dir(d.path()) else {
                out.push((d.file_name().to_string_lossy().into_owned(), d.path()));
                continue;
            };
            for f in inner {
                let f = f.at(d.path())?;
                out.push((f.file_name().to_string_lossy().into_owned(), f.path()));
            }
        }
        out.sort();
        Ok(out)
    }
}
