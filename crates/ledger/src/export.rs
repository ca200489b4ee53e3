//! Copying a consistent snapshot of a data directory for an auditor.

use crate::error::{Error, IoContext, Result};
use crate::layout::Layout;
use crate::ledger::Ledger;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

/// What an export copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub entries: u64,
    pub files: u64,
    pub bytes: u64,
}

fn copy_prefix(
    src: &Path,
    dst: &Path,
    len: u64,
    total_len: u64,
    s: &mut ExportSummary,
) -> Result<()> {
    let mut input = File::open(src).at(src)?.take(len);
    let mut out = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(dst)
        .at(dst)?;
    let n = std::io::copy(&mut input, &mut out).at(dst)?;
    if total_len > n {
        // Keep the zero tail of preallocated segments so the copy is byte-identical.
        out.set_len(total_len).at(dst)?;
    }
    out.flush().at(dst)?;
    out.sync_all().at(dst)?;
    s.files += 1;
    s.bytes += n;
    Ok(())
}

fn copy_file(src: &Path, dst: &Path, s: &mut ExportSummary) -> Result<()> {
    let len = std::fs::metadata(src).at(src)?.len();
    copy_prefix(src, dst, len, len, s)
}

impl Ledger {
    /// Copies the ledger, its checkpoints, blobs and public key (never the private key)
    /// into `dest`, which must not exist. The writer lock held by `self` keeps the
    /// snapshot consistent.
    pub fn export(&self, dest: &Path) -> Result<ExportSummary> {
        if dest.exists() {
            return Err(Error::AlreadyInitialized(dest.to_path_buf()));
        }
        let src = self.layout();
        let dst = Layout::new(dest);
        for d in [
            dst.log(),
            dst.tree(),
            dst.checkpoints(),
            dst.keys(),
            dst.blobs(),
        ] {
            std::fs::create_dir_all(&d).at(&d)?;
        }
        let mut s = ExportSummary {
            entries: self.size(),
            ..Default::default()
        };
        copy_file(&src.origin(), &dst.origin(), &mut s)?;
        for (seq, path) in src.segment_files()? {
            let name = crate::segment::file_name(seq);
            let (end, cap) = self.segment_extent(seq).unwrap_or((0, 0));
            copy_prefix(&path, &dst.log().join(name), end, cap, &mut s)?;
        }
        let tiles = self.size() / crate::tree::TILE;
        copy_prefix(
            &src.level0(),
            &dst.level0(),
            self.size() * 32,
            self.size() * 32,
            &mut s,
        )?;
        copy_prefix(&src.level8(), &dst.level8(), tiles * 32, tiles * 32, &mut s)?;
        if src.latest_checkpoint().exists() {
            copy_file(&src.latest_checkpoint(), &dst.latest_checkpoint(), &mut s)?;
        }
        let cps = src.checkpoints();
        for ent in std::fs::read_dir(&cps).at(&cps)? {
            let ent = ent.at(&cps)?;
            let name = ent.file_name();
            if name
                .to_str()
                .and_then(crate::layout::parse_checkpoint_file_name)
                .is_some()
            {
                copy_file(&ent.path(), &dst.checkpoints().join(&name), &mut s)?;
            }
        }
        if src.verifier_key().exists() {
            copy_file(&src.verifier_key(), &dst.verifier_key(), &mut s)?;
        }
        let store = crate::blob::BlobStore::new(src.blobs());
        let out = dst.blobs().join("sha256");
        for (name, path) in store.list()? {
            let prefix = name.get(..2).unwrap_or("xx");
            let dir = out.join(prefix);
            std::fs::create_dir_all(&dir).at(&dir)?;
            copy_file(&path, &dir.join(&name), &mut s)?;
        }
        Ok(s)
    }
}
