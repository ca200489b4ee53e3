//! The ledger: one writer appending canonical entries to segment files, with the
//! Merkle tree, checkpoints and proofs on top. Opening (here) runs [`recovery`] first;
//! [`writer`] appends and checkpoints; [`reading`] reads entries back and proves them.

mod reading;
mod recovery;
mod writer;

pub use reading::EntryIter;
pub use recovery::Recovery;

use crate::checkpoint::Checkpoint;
use crate::error::{Error, IoContext, Result};
use crate::layout::{self, Layout};
use crate::note;
use crate::segment::{self, Decoded};
use crate::storage;
use crate::tree::{HashTree, TILE};
use reading::seg_index;
use recovery::{repair_tree, scan_segments};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Most entries made durable by one commit. An `append` with more entries commits in
/// several groups; on reopen the hashes of the last group are recomputed, which keeps
/// recovery bounded.
pub const MAX_GROUP: usize = 65_536;

/// Tunables; the defaults suit production.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size every segment file is preallocated to (at most [`segment::MAX_SEGMENT_SIZE`]).
    pub segment_size: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            segment_size: 64 << 20,
        }
    }
}

struct Segment {
    first_seq: u64,
    path: PathBuf,
    file: File,
    /// Entries held (for sealed segments: the next segment's first sequence minus ours).
    count: u64,
    /// Stored CRC of the last record (the header CRC when empty); tracked for the newest.
    last_crc: u32,
    capacity: u64,
    /// Where records are. Built at open for the newest segment and on first access for
    /// the others, so opening a large ledger reads only its newest segment.
    index: OnceLock<SegIndex>,
}

struct SegIndex {
    /// Offset just past the last record.
    end: u64,
    /// Entries whose sequence number is a multiple of 256.
    marks: Vec<Mark>,
}

/// A segment file read whole and walked from its header, up to the first position that
/// holds no valid record.
struct Indexed {
    buf: Vec<u8>,
    first_seq: u64,
    index: SegIndex,
    /// The sequence number after the last record.
    next_seq: u64,
    /// Stored CRC of the last record (the header CRC when empty).
    last_crc: u32,
    /// What stopped the walk, unless it was the end marker.
    bad: Option<&'static str>,
}

/// Reads `seg` and indexes its records (a [`Mark`] every [`TILE`] entries): what opening does
/// for the newest segment and reading does for the others on first use.
fn index_segment(seg: &Segment) -> Result<Indexed> {
    let mut buf = vec![0u8; seg.capacity as usize];
    seg.file.read_exact_at(&mut buf, 0).at(&seg.path)?;
    let header = segment::decode_header(&buf)
        .ok_or_else(|| Error::Corrupt(format!("{}: bad segment header", seg.path.display())))?;
    let mut walk = segment::Walk::new(&buf, header);
    let mut seq = header.first_seq;
    let mut marks = Vec::new();
    let bad = loop {
        match walk.peek() {
            Decoded::Record { crc, len, .. } => {
                if seq.is_multiple_of(TILE) {
                    marks.push(Mark {
                        seq,
                        offset: walk.pos as u64,
                        prev_crc: walk.crc,
                    });
                }
                walk.advance(len, crc);
                seq += 1;
            }
            Decoded::End => break None,
            other => break Some(reading::describe(&other)),
        }
    };
    let (end, last_crc) = (walk.pos as u64, walk.crc);
    Ok(Indexed {
        buf,
        first_seq: header.first_seq,
        index: SegIndex { end, marks },
        next_seq: seq,
        last_crc,
        bad,
    })
}

/// Where an entry starts: its sequence number, byte offset, CRC of the record before it.
#[derive(Clone, Copy)]
struct Mark {
    seq: u64,
    offset: u64,
    prev_crc: u32,
}

/// One entry read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    /// The canonical bytes, exactly as stored and hashed.
    pub bytes: Vec<u8>,
}

impl Entry {
    /// The entry as a JSON value.
    pub fn value(&self) -> Result<Value> {
        serde_json::from_slice(&self.bytes)
            .map_err(|e| Error::Corrupt(format!("entry {} is not JSON: {e}", self.seq)))
    }

    /// The entry's `type` member, when it has a string one.
    pub fn entry_type(&self) -> Option<String> {
        self.value().ok()?.get("type")?.as_str().map(str::to_string)
    }
}

/// A tamper-evident, crash-safe, append-only log of JSON entries.
pub struct Ledger {
    layout: Layout,
    origin: String,
    opts: Options,
    _lock: File,
    segments: Vec<Segment>,
    tree: HashTree,
    poisoned: bool,
    recovery: Recovery,
    scratch: Vec<u8>,
    synced: File,
    /// Tree size recorded in `tree/synced`, and commits since it was written.
    synced_size: u64,
    unsynced_commits: u64,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("data", &self.layout.data)
            .field("origin", &self.origin)
            .field("size", &self.tree.size())
            .finish()
    }
}

impl Ledger {
    /// Creates an empty ledger in the data directory `data`, named by `origin`.
    pub fn init(data: impl AsRef<Path>, origin: &str) -> Result<Self> {
        if !note::is_valid_name(origin) {
            return Err(Error::Origin(origin.to_string()));
        }
        let layout = Layout::new(data.as_ref());
        if layout.origin().exists() {
            return Err(Error::AlreadyInitialized(layout.data.clone()));
        }
        for dir in [layout.log(), layout.tree(), layout.checkpoints()] {
            std::fs::create_dir_all(&dir).at(&dir)?;
        }
        for f in [layout.level0(), layout.level8(), layout.synced()] {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&f)
                .at(&f)?;
        }
        layout::sync_dir(&layout.tree()).at(layout.tree())?;
        // The origin file is written last: its presence means the directory is complete.
        storage::replace_file(&layout.origin(), format!("{origin}\n").as_bytes(), 0o644)
            .at(layout.origin())?;
        layout::sync_dir(&layout.data).at(&layout.data)?;
        Self::open(data)
    }

    /// Opens an existing ledger, repairing the tail left by a crash.
    pub fn open(data: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(data, Options::default())
    }

    /// Opens or, when missing, creates a ledger.
    pub fn open_or_init(data: impl AsRef<Path>, origin: &str) -> Result<Self> {
        if Layout::new(data.as_ref()).origin().exists() {
            Self::open(data)
        } else {
            Self::init(data, origin)
        }
    }

    pub fn open_with(data: impl AsRef<Path>, mut opts: Options) -> Result<Self> {
        opts.segment_size = opts.segment_size.min(segment::MAX_SEGMENT_SIZE);
        let layout = Layout::new(data.as_ref());
        let origin = read_origin(&layout)?;
        let lock_path = layout.lock();
        let lock = storage::lock(&lock_path)
            .at(&lock_path)?
            .ok_or_else(|| Error::Locked(layout.data.clone()))?;
        let mut recovery = Recovery::default();
        let segments = scan_segments(&layout, &mut recovery)?;
        let size = segments.last().map_or(0, |s| s.first_seq + s.count);
        let (tree, synced) = repair_tree(&layout, &segments, size, &mut recovery)?;
        Ok(Self {
            layout,
            origin,
            opts,
            _lock: lock,
            segments,
            tree,
            poisoned: false,
            recovery,
            scratch: Vec::new(),
            synced,
            synced_size: size,
            unsynced_commits: 0,
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Data end and file size of the segment starting at `first_seq`.
    pub fn segment_extent(&self, first_seq: u64) -> Option<(u64, u64)> {
        let si = self
            .segments
            .iter()
            .position(|s| s.first_seq == first_seq)?;
        let idx = seg_index(&self.segments, si).ok()?;
        Some((idx.end, self.segments[si].capacity))
    }

    /// Bytes used by segment data (headers and records) and allocated for segments.
    pub fn segment_bytes(&self) -> (u64, u64) {
        (0..self.segments.len()).fold((0, 0), |(u, a), si| {
            let end = seg_index(&self.segments, si).map_or(0, |i| i.end);
            (u + end, a + self.segments[si].capacity)
        })
    }

    /// What the last open repaired.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        // A clean close leaves nothing for the next open to recompute; failure here
        // only means the next open does that work.
        if !self.poisoned && self.synced_size != self.size() {
            let _ = self.sync_tree();
        }
    }
}

/// A signed checkpoint and the write-once file holding it.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    /// The signed note text.
    pub note: String,
    pub file: PathBuf,
}

fn read_origin(layout: &Layout) -> Result<String> {
    let p = layout.origin();
    let s = match std::fs::read_to_string(&p) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotInitialized(layout.data.clone()));
        }
        Err(e) => return Err(Error::Io { path: p, source: e }),
    };
    let origin = s.strip_suffix('\n').unwrap_or(&s).to_string();
    if !note::is_valid_name(&origin) {
        return Err(Error::Origin(origin));
    }
    Ok(origin)
}
