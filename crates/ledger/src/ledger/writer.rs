//! Appending: entries are framed into the newest segment and made durable with one
//! `fdatasync` per file touched; the tree hashes follow, synced in batches.

use super::{Ledger, MAX_GROUP, Mark, SegIndex, Segment, SignedCheckpoint};
use crate::canonical;
use crate::checkpoint::Checkpoint;
use crate::error::{Error, IoContext, Result};
use crate::layout;
use crate::merkle;
use crate::note::NoteSigner;
use crate::segment::{self, HEADER_LEN, MAX_ENTRY_LEN};
use crate::storage;
use crate::tree::TILE;
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The tree hash files are made durable (and the `tree/synced` mark advanced) at least
/// every this many entries or commits. Between those points a crash can only cost
/// hashes that reopening recomputes from the entries, so a commit needs one
/// `fdatasync` (of the segment) instead of three.
const TREE_SYNC_ENTRIES: u64 = 65_536;
const TREE_SYNC_COMMITS: u64 = 256;

impl Ledger {
    /// Appends JSON objects; returns their sequence numbers once they are durable.
    /// The whole batch is committed with one `fdatasync` per file touched (per
    /// [`MAX_GROUP`] entries), so throughput grows with batch size.
    pub fn append(&mut self, entries: &[Value]) -> Result<Vec<u64>> {
        let mut flat = Vec::with_capacity(entries.len() * 256);
        let mut bounds = Vec::with_capacity(entries.len());
        for (index, v) in entries.iter().enumerate() {
            let start = flat.len();
            canonical::write_canonical(v, &mut flat)
                .map_err(|source| Error::Entry { index, source })?;
            bounds.push((start, flat.len()));
        }
        let slices: Vec<&[u8]> = bounds.iter().map(|&(a, b)| &flat[a..b]).collect();
        self.append_checked(&slices)
    }

    /// Appends entries given as canonical bytes (refused unless exactly canonical).
    pub fn append_canonical(&mut self, entries: &[&[u8]]) -> Result<Vec<u64>> {
        for (index, e) in entries.iter().enumerate() {
            canonical::check(e).map_err(|source| Error::Entry { index, source })?;
        }
        self.append_checked(entries)
    }

    pub(super) fn append_checked(&mut self, entries: &[&[u8]]) -> Result<Vec<u64>> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        let max = self.max_entry_len();
        for (index, e) in entries.iter().enumerate() {
            if e.len() > max {
                return Err(Error::EntryTooLarge {
                    index,
                    len: e.len(),
                    max,
                });
            }
        }
        let first = self.size();
        for group in entries.chunks(MAX_GROUP) {
            if let Err(e) = self.commit_group(group) {
                // The files may hold part of the group; only a reopen knows what is durable.
                self.poisoned = true;
                return Err(e);
            }
        }
        Ok((first..self.size()).collect())
    }

    pub(super) fn max_entry_len(&self) -> usize {
        let room = (self.opts.segment_size as usize).saturating_sub(HEADER_LEN + 3 + 4 + 1);
        room.min(MAX_ENTRY_LEN)
    }

    pub(super) fn commit_group(&mut self, entries: &[&[u8]]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        if self.segments.is_empty() {
            let seg = self.create_segment(self.size())?;
            self.segments.push(seg);
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        let mut si = self.segments.len() - 1;
        let mut touched = vec![si];
        let mut crc = self.segments[si].last_crc;
        let mut write_at = self.active_end(si)?;
        for e in entries {
            let rl = segment::record_len(e.len()) as u64;
            // One spare zero byte must remain as the end marker.
            if write_at + buf.len() as u64 + rl + 1 > self.segments[si].capacity {
                self.write_segment_buf(si, write_at, &buf, crc)?;
                buf.clear();
                // A full segment is made durable before its successor exists, so only the
                // newest segment can ever end in a torn write.
                let full = &self.segments[si];
                full.file.sync_data().at(&full.path)?;
                let seg = self.create_segment(self.size())?;
                self.segments.push(seg);
                si += 1;
                touched.push(si);
                crc = self.segments[si].last_crc;
                write_at = self.active_end(si)?;
            }
            let seq = self.tree.size();
            if seq.is_multiple_of(TILE) {
                let offset = write_at + buf.len() as u64;
                if let Some(idx) = self.segments[si].index.get_mut() {
                    idx.marks.push(Mark {
                        seq,
                        offset,
                        prev_crc: crc,
                    });
                }
            }
            crc = segment::encode_record(crc, e, &mut buf);
            self.tree.push(merkle::leaf_hash(e));
        }
        self.write_segment_buf(si, write_at, &buf, crc)?;
        self.scratch = buf;
        self.tree.write_pending().at(self.layout.tree())?;
        // The acknowledgement rests on this sync alone: the hashes are derived data that
        // reopening recomputes past the last `tree/synced` mark.
        for &t in &touched {
            let seg = &self.segments[t];
            seg.file.sync_data().at(&seg.path)?;
        }
        self.unsynced_commits += 1;
        if self.unsynced_commits >= TREE_SYNC_COMMITS
            || self.size() - self.synced_size >= TREE_SYNC_ENTRIES
        {
            self.sync_tree()?;
        }
        Ok(())
    }

    /// Makes the tree hashes durable and records up to where they are.
    pub(super) fn sync_tree(&mut self) -> Result<()> {
        self.tree.sync().at(self.layout.tree())?;
        write_synced_mark(&self.synced, self.size()).at(self.layout.synced())?;
        self.synced_size = self.size();
        self.unsynced_commits = 0;
        Ok(())
    }

    /// Data end of the segment being written (its index always exists).
    pub(super) fn active_end(&self, si: usize) -> Result<u64> {
        self.segments[si]
            .index
            .get()
            .map(|i| i.end)
            .ok_or_else(|| Error::Corrupt("the newest segment has no index".into()))
    }

    pub(super) fn write_segment_buf(
        &mut self,
        si: usize,
        at: u64,
        buf: &[u8],
        crc: u32,
    ) -> Result<()> {
        let seg = &mut self.segments[si];
        seg.file.write_all_at(buf, at).at(&seg.path)?;
        if let Some(idx) = seg.index.get_mut() {
            idx.end = at + buf.len() as u64;
        }
        seg.last_crc = crc;
        seg.count = self.tree.size() - seg.first_seq;
        Ok(())
    }

    pub(super) fn create_segment(&self, first_seq: u64) -> Result<Segment> {
        let dir = self.layout.log();
        let path = dir.join(segment::file_name(first_seq));
        let file = OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .open(&path)
            .at(&path)?;
        let capacity = self.opts.segment_size;
        storage::preallocate(&file, capacity).at(&path)?;
        let header = segment::encode_header(first_seq);
        file.write_all_at(&header, 0).at(&path)?;
        file.sync_all().at(&path)?;
        layout::sync_dir(&dir).at(&dir)?;
        let crc = segment::header_crc(first_seq);
        Ok(Segment {
            first_seq,
            path,
            file,
            count: 0,
            last_crc: crc,
            capacity,
            index: OnceLock::from(SegIndex {
                end: HEADER_LEN as u64,
                marks: Vec::new(),
            }),
        })
    }

    /// Signs a checkpoint of the current tree, writes it to the write-once directory
    /// and makes it the latest checkpoint. `now` names the write-once file.
    pub fn checkpoint(&mut self, signer: &NoteSigner, now: SystemTime) -> Result<SignedCheckpoint> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        self.sync_tree()?;
        let cp = Checkpoint::new(&self.origin, self.size(), self.root()?);
        let note = cp.sign(signer)?;
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let dir = self.layout.checkpoints();
        let name = layout::checkpoint_file_name(cp.size, secs);
        storage::write_once(&dir, &name, note.as_bytes()).at(dir.join(&name))?;
        let latest = self.layout.latest_checkpoint();
        storage::replace_file(&latest, note.as_bytes(), 0o644).at(&latest)?;
        Ok(SignedCheckpoint {
            checkpoint: cp,
            note,
            file: dir.join(name),
        })
    }
}

pub(super) fn write_synced_mark(f: &File, n: u64) -> std::io::Result<()> {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_le_bytes());
    let crc = crc32fast::hash(&b[..8]);
    b[8..12].copy_from_slice(&crc.to_le_bytes());
    f.write_all_at(&b, 0)?;
    f.sync_data()
}
