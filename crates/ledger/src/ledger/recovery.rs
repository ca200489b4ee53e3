//! Recovery on open: an interrupted segment creation is removed, a torn tail is zeroed,
//! and tree hashes past the durable mark are recomputed from the entries.

use super::writer::write_synced_mark;
use super::{Segment, index_segment, reading::read_range};
use crate::error::{Error, IoContext, Result};
use crate::layout::{self, Layout};
use crate::merkle::{self, Hash};
use crate::segment::{self, HEADER_LEN};
use crate::storage;
use crate::tree::{self, HashTree, TILE};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What opening the ledger had to repair after an unclean shutdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Bytes of a torn, never-acknowledged write cleared after the last entry.
    pub torn_tail_cleared: bool,
    /// A segment file whose creation was interrupted, removed.
    pub removed_segment: Option<PathBuf>,
    /// Stored hashes rewritten or added from the entries.
    pub hashes_repaired: u64,
}

pub(super) fn scan_segments(layout: &Layout, recovery: &mut Recovery) -> Result<Vec<Segment>> {
    let mut list = layout.segment_files()?;
    let open = |path: &Path| -> Result<(File, u64)> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .at(path)?;
        let capacity = file.metadata().at(path)?.len();
        if capacity > segment::MAX_SEGMENT_SIZE {
            return Err(Error::Corrupt(format!(
                "{}: segment larger than 1 GiB",
                path.display()
            )));
        }
        Ok((file, capacity))
    };
    // A segment is created (header written and synced) before any record goes in, so a
    // bad header on the newest segment with nothing after it is an interrupted creation.
    if let Some((_, path)) = list.last() {
        let (file, capacity) = open(path)?;
        let mut buf = vec![0u8; capacity as usize];
        file.read_exact_at(&mut buf, 0).at(path)?;
        if segment::decode_header(&buf).is_none()
            && buf
                .get(HEADER_LEN..)
                .is_none_or(|r| r.iter().all(|&b| b == 0))
        {
            std::fs::remove_file(path).at(path)?;
            layout::sync_dir(&layout.log()).at(layout.log())?;
            recovery.removed_segment = Some(path.clone());
            list.pop();
        }
    }
    let n = list.len();
    let mut segments: Vec<Segment> = Vec::with_capacity(n);
    for (i, (name_seq, path)) in list.into_iter().enumerate() {
        let (file, capacity) = open(&path)?;
        let mut head = [0u8; HEADER_LEN];
        file.read_exact_at(&mut head, 0).at(&path)?;
        let header = segment::decode_header(&head)
            .ok_or_else(|| Error::Corrupt(format!("{}: bad segment header", path.display())))?;
        let prev = segments.last().map(|s| s.first_seq);
        let ordered = match prev {
            None => header.first_seq == 0,
            Some(p) => header.first_seq > p,
        };
        if header.first_seq != name_seq || !ordered {
            return Err(Error::Corrupt(format!(
                "{}: segment starts at entry {}, out of sequence",
                path.display(),
                header.first_seq
            )));
        }
        if let Some(p) = segments.last_mut() {
            p.count = header.first_seq - p.first_seq;
        }
        let mut seg = Segment {
            first_seq: header.first_seq,
            path,
            file,
            count: 0,
            last_crc: header.crc,
            capacity,
            index: OnceLock::new(),
        };
        if i + 1 == n {
            scan_newest(&mut seg, recovery)?;
        }
        segments.push(seg);
    }
    Ok(segments)
}

/// Reads the newest segment in full: its data may end in a write that never completed,
/// which is cut off (zeroed) here.
pub(super) fn scan_newest(seg: &mut Segment, recovery: &mut Recovery) -> Result<()> {
    let ix = index_segment(seg)?;
    let end = ix.index.end;
    if ix
        .buf
        .get(end as usize..)
        .is_some_and(|r| r.iter().any(|&b| b != 0))
    {
        storage::zero_range(&seg.file, end, seg.capacity).at(&seg.path)?;
        seg.file.sync_data().at(&seg.path)?;
        recovery.torn_tail_cleared = true;
    }
    seg.count = ix.next_seq - ix.first_seq;
    seg.last_crc = ix.last_crc;
    let _ = seg.index.set(ix.index);
    Ok(())
}

/// Reads the `tree/synced` mark: hashes of entries below it are durable.
pub(super) fn read_synced_mark(f: &File) -> u64 {
    let mut b = [0u8; 16];
    if f.read_exact_at(&mut b, 0).is_err() {
        return 0;
    }
    let (n, crc) = (
        u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
    );
    // A torn or damaged mark only costs a full recomputation, never correctness.
    if crc32fast::hash(&b[..8]) == crc {
        n
    } else {
        0
    }
}

pub(super) fn repair_tree(
    layout: &Layout,
    segments: &[Segment],
    size: u64,
    recovery: &mut Recovery,
) -> Result<(HashTree, File)> {
    let open = |p: &Path| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(p)
            .at(p)
    };
    let (p0, p8, ps) = (layout.level0(), layout.level8(), layout.synced());
    let level0 = open(&p0)?;
    let level8 = open(&p8)?;
    let synced = open(&ps)?;
    let stored0 = level0.metadata().at(&p0)?.len() / 32;
    let stored8 = level8.metadata().at(&p8)?.len() / 32;
    let mark = read_synced_mark(&synced);
    if mark > size {
        return Err(Error::Corrupt(format!(
            "entries up to {mark} were acknowledged but the log holds only {size}"
        )));
    }
    // Hashes past the mark may be missing, stale or describe entries lost in the
    // crash: recompute them from the entries, which are the source of truth.
    let from = mark.min(stored0) / TILE * TILE;
    let mut hashes = Vec::with_capacity((size - from) as usize);
    read_range(segments, from, size, |_, e| {
        hashes.push(merkle::leaf_hash(e));
        Ok(())
    })?;
    let have = tree::read_hashes(&level0, from, stored0.min(size) - from).at(&p0)?;
    let fixed = hashes
        .iter()
        .enumerate()
        .filter(|(i, h)| have.get(*i) != Some(h))
        .count() as u64;
    let extra0 = stored0.saturating_sub(size);
    if fixed > 0 || level0.metadata().at(&p0)?.len() != size * 32 {
        level0
            .write_all_at(hashes.as_flattened(), from * 32)
            .at(&p0)?;
        level0.set_len(size * 32).at(&p0)?;
    }
    let tiles = size / TILE;
    // Tile hashes missing below the recomputed window come from the durable leaf hashes.
    let first_tile = stored8.min(from / TILE);
    let mut roots: Vec<Hash> = Vec::new();
    for t in first_tile..from / TILE {
        let leaves = tree::read_hashes(&level0, t * TILE, TILE).at(&p0)?;
        roots.push(merkle::root_of_leaves(&leaves));
    }
    roots.extend(
        hashes
            .chunks_exact(TILE as usize)
            .map(merkle::root_of_leaves),
    );
    let have8 = tree::read_hashes(
        &level8,
        first_tile,
        stored8.min(tiles).saturating_sub(first_tile),
    )
    .at(&p8)?;
    let bad8 = roots
        .iter()
        .enumerate()
        .filter(|(i, r)| have8.get(*i) != Some(r))
        .count() as u64;
    if bad8 > 0 || level8.metadata().at(&p8)?.len() != tiles * 32 {
        level8
            .write_all_at(roots.as_flattened(), first_tile * 32)
            .at(&p8)?;
        level8.set_len(tiles * 32).at(&p8)?;
    }
    level0.sync_all().at(&p0)?;
    level8.sync_all().at(&p8)?;
    if mark != size {
        write_synced_mark(&synced, size).at(&ps)?;
    }
    recovery.hashes_repaired = fixed + bad8 + extra0;
    Ok((
        HashTree::load(level0, level8, size).at(layout.tree())?,
        synced,
    ))
}
