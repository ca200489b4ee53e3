//! The ledger: one writer appending canonical entries to segment files, with the
//! Merkle tree, checkpoints and proofs on top.

use crate::canonical;
use crate::checkpoint::Checkpoint;
use crate::error::{Error, IoContext, Result};
use crate::layout::{self, Layout};
use crate::merkle::{self, Hash};
use crate::note::{self, NoteSigner};
use crate::proof::ProofBundle;
use crate::segment::{self, Decoded, HEADER_LEN, MAX_ENTRY_LEN};
use crate::storage;
use crate::tree::{self, HashTree, TILE};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// Most entries made durable by one commit. An `append` with more entries commits in
/// several groups; on reopen the hashes of the last group are recomputed, which keeps
/// recovery bounded.
pub const MAX_GROUP: usize = 65_536;

/// The tree hash files are made durable (and the `tree/synced` mark advanced) at least
/// every this many entries or commits. Between those points a crash can only cost
/// hashes that reopening recomputes from the entries, so a commit needs one
/// `fdatasync` (of the segment) instead of three.
const TREE_SYNC_ENTRIES: u64 = 65_536;
const TREE_SYNC_COMMITS: u64 = 256;

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

    /// The root hash of the whole tree.
    pub fn root(&self) -> Result<Hash> {
        Ok(self.tree.root()?)
    }

    /// The root hash of the tree of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash> {
        Ok(self.tree.root_at(size)?)
    }

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

    fn append_checked(&mut self, entries: &[&[u8]]) -> Result<Vec<u64>> {
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

    fn max_entry_len(&self) -> usize {
        let room = (self.opts.segment_size as usize).saturating_sub(HEADER_LEN + 3 + 4 + 1);
        room.min(MAX_ENTRY_LEN)
    }

    fn commit_group(&mut self, entries: &[&[u8]]) -> Result<()> {
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
    fn sync_tree(&mut self) -> Result<()> {
        self.tree.sync().at(self.layout.tree())?;
        write_synced_mark(&self.synced, self.size()).at(self.layout.synced())?;
        self.synced_size = self.size();
        self.unsynced_commits = 0;
        Ok(())
    }

    /// Data end of the segment being written (its index always exists).
    fn active_end(&self, si: usize) -> Result<u64> {
        self.segments[si]
            .index
            .get()
            .map(|i| i.end)
            .ok_or_else(|| Error::Corrupt("the newest segment has no index".into()))
    }

    fn write_segment_buf(&mut self, si: usize, at: u64, buf: &[u8], crc: u32) -> Result<()> {
        let seg = &mut self.segments[si];
        seg.file.write_all_at(buf, at).at(&seg.path)?;
        if let Some(idx) = seg.index.get_mut() {
            idx.end = at + buf.len() as u64;
        }
        seg.last_crc = crc;
        seg.count = self.tree.size() - seg.first_seq;
        Ok(())
    }

    fn create_segment(&self, first_seq: u64) -> Result<Segment> {
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

    /// The latest signed checkpoint as stored (not verified), if any.
    pub fn latest_checkpoint(&self) -> Result<Option<String>> {
        let p = self.layout.latest_checkpoint();
        match std::fs::read_to_string(&p) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io { path: p, source: e }),
        }
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        self.check_size(size)?;
        Ok(merkle::inclusion_proof(&self.tree, index, size)?)
    }

    /// Consistency proof between the trees of `old` and `new` entries.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        self.check_size(new)?;
        Ok(merkle::consistency_proof(&self.tree, old, new)?)
    }

    fn check_size(&self, size: u64) -> Result<()> {
        if size > self.size() {
            return Err(Error::NoSuchEntry {
                seq: size,
                size: self.size(),
            });
        }
        Ok(())
    }

    /// The offline proof bundle of entry `index` against a signed checkpoint of this log.
    pub fn proof_bundle(&self, index: u64, checkpoint_note: &str) -> Result<ProofBundle> {
        let parsed = note::parse(checkpoint_note.as_bytes())?;
        let cp = Checkpoint::parse(parsed.text)?;
        if cp.origin != self.origin {
            return Err(Error::Corrupt(format!(
                "checkpoint is for log {:?}",
                cp.origin
            )));
        }
        if cp.size > self.size() || self.root_at(cp.size)? != cp.root {
            return Err(Error::Corrupt(format!(
                "checkpoint of size {} does not match this ledger",
                cp.size
            )));
        }
        if index >= cp.size {
            return Err(Error::NoSuchEntry {
                seq: index,
                size: cp.size,
            });
        }
        Ok(ProofBundle {
            index,
            entry: self.entry(index)?,
            proof: self.inclusion_proof(index, cp.size)?,
            checkpoint: checkpoint_note.to_string(),
        })
    }

    /// The canonical bytes of entry `seq`.
    pub fn entry(&self, seq: u64) -> Result<Vec<u8>> {
        let mut out = None;
        self.for_each_in(seq, seq.saturating_add(1), |_, b| {
            out = Some(b.to_vec());
            Ok(())
        })?;
        out.ok_or(Error::NoSuchEntry {
            seq,
            size: self.size(),
        })
    }

    /// Every entry in order (a snapshot of the current size).
    pub fn entries(&self) -> Result<EntryIter> {
        let mut segs = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            segs.push(SegmentSnapshot {
                file: s.file.try_clone().at(&s.path)?,
                path: s.path.clone(),
                first_seq: s.first_seq,
                // Sealed segments not indexed yet are read whole, up to their end marker.
                end: s.index.get().map_or(s.capacity, |i| i.end),
                header_crc: segment::header_crc(s.first_seq),
            });
        }
        Ok(EntryIter {
            segs,
            limit: self.size(),
            current: None,
            seg_index: 0,
        })
    }

    /// Every entry parsed as JSON: what readers such as the engine want.
    pub fn values(&self) -> Result<Vec<(u64, Value)>> {
        let mut out = Vec::with_capacity(self.size() as usize);
        for e in self.entries()? {
            let e = e?;
            let v = e.value()?;
            out.push((e.seq, v));
        }
        Ok(out)
    }

    /// Calls `f` for entries `[from, to)` (clamped to the size), checking each record.
    pub fn for_each_in(
        &self,
        from: u64,
        to: u64,
        f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        read_range(&self.segments, from, to.min(self.size()), f)
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

struct SegmentSnapshot {
    file: File,
    path: PathBuf,
    first_seq: u64,
    end: u64,
    header_crc: u32,
}

/// Iterator over all entries; reads one segment at a time.
pub struct EntryIter {
    segs: Vec<SegmentSnapshot>,
    /// The ledger size when the iterator was made; later entries are not returned.
    limit: u64,
    current: Option<(Vec<u8>, usize, u32, u64)>,
    seg_index: usize,
}

impl Iterator for EntryIter {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                let s = self.segs.get(self.seg_index)?;
                self.seg_index += 1;
                let mut buf = vec![0u8; s.end as usize];
                if let Err(e) = s.file.read_exact_at(&mut buf, 0) {
                    return Some(Err(Error::Io {
                        path: s.path.clone(),
                        source: e,
                    }));
                }
                self.current = Some((buf, HEADER_LEN, s.header_crc, s.first_seq));
            }
            let (buf, pos, crc, seq) = self.current.as_mut()?;
            if *seq >= self.limit {
                self.segs.clear();
                return None;
            }
            if *pos >= buf.len() || buf[*pos] == 0 {
                self.current = None;
                continue;
            }
            let msg = match segment::decode_record(&buf[*pos..], *crc) {
                Decoded::Record {
                    payload,
                    crc: c,
                    len,
                } => {
                    let entry = Entry {
                        seq: *seq,
                        bytes: payload.to_vec(),
                    };
                    *pos += len;
                    *crc = c;
                    *seq += 1;
                    return Some(Ok(entry));
                }
                other => format!("entry {} at offset {}: {}", *seq, *pos, describe(&other)),
            };
            self.current = None;
            self.segs.clear();
            return Some(Err(Error::Corrupt(msg)));
        }
    }
}

fn describe(d: &Decoded<'_>) -> &'static str {
    match d {
        Decoded::Record { .. } => "ok",
        Decoded::BadChecksum { .. } => "checksum mismatch",
        Decoded::End => "unexpected end of data",
        Decoded::Truncated => "record cut short",
        Decoded::BadLength => "invalid length prefix",
    }
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

/// Lists segment files in sequence order.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
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

fn scan_segments(layout: &Layout, recovery: &mut Recovery) -> Result<Vec<Segment>> {
    let mut list = list_segments(&layout.log())?;
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
fn scan_newest(seg: &mut Segment, recovery: &mut Recovery) -> Result<()> {
    let mut buf = vec![0u8; seg.capacity as usize];
    seg.file.read_exact_at(&mut buf, 0).at(&seg.path)?;
    let header = segment::decode_header(&buf)
        .ok_or_else(|| Error::Corrupt(format!("{}: bad segment header", seg.path.display())))?;
    let mut walk = segment::Walk::new(&buf, header);
    let mut seq = header.first_seq;
    let mut marks = Vec::new();
    while let Decoded::Record { crc, len, .. } = walk.peek() {
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
    let end = walk.pos as u64;
    if buf
        .get(walk.pos..)
        .is_some_and(|r| r.iter().any(|&b| b != 0))
    {
        storage::zero_range(&seg.file, end, seg.capacity).at(&seg.path)?;
        seg.file.sync_data().at(&seg.path)?;
        recovery.torn_tail_cleared = true;
    }
    seg.count = seq - header.first_seq;
    seg.last_crc = walk.crc;
    let _ = seg.index.set(SegIndex { end, marks });
    Ok(())
}

/// The index of segment `si`, reading the segment on first use.
fn seg_index(segments: &[Segment], si: usize) -> Result<&SegIndex> {
    let seg = segments
        .get(si)
        .ok_or_else(|| Error::Corrupt(format!("segment {si} does not exist")))?;
    if let Some(idx) = seg.index.get() {
        return Ok(idx);
    }
    let mut buf = vec![0u8; seg.capacity as usize];
    seg.file.read_exact_at(&mut buf, 0).at(&seg.path)?;
    let header = segment::decode_header(&buf)
        .ok_or_else(|| Error::Corrupt(format!("{}: bad segment header", seg.path.display())))?;
    let mut walk = segment::Walk::new(&buf, header);
    let mut seq = header.first_seq;
    let mut marks = Vec::new();
    loop {
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
            Decoded::End => break,
            other => {
                return Err(Error::Corrupt(format!(
                    "{}: entry {seq} at offset {}: {}",
                    seg.path.display(),
                    walk.pos,
                    describe(&other)
                )));
            }
        }
    }
    if seq != seg.first_seq + seg.count {
        return Err(Error::Corrupt(format!(
            "{}: holds {} entries but the next segment starts at entry {}",
            seg.path.display(),
            seq - seg.first_seq,
            seg.first_seq + seg.count
        )));
    }
    let _ = seg.index.set(SegIndex {
        end: walk.pos as u64,
        marks,
    });
    seg.index
        .get()
        .ok_or_else(|| Error::Corrupt("segment index".into()))
}

/// Reads the `tree/synced` mark: hashes of entries below it are durable.
fn read_synced_mark(f: &File) -> u64 {
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

fn write_synced_mark(f: &File, n: u64) -> std::io::Result<()> {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_le_bytes());
    let crc = crc32fast::hash(&b[..8]);
    b[8..12].copy_from_slice(&crc.to_le_bytes());
    f.write_all_at(&b, 0)?;
    f.sync_data()
}

fn repair_tree(
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

fn read_range(
    segments: &[Segment],
    from: u64,
    to: u64,
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    let Some(mut si) = segments
        .partition_point(|s| s.first_seq <= from)
        .checked_sub(1)
    else {
        return Err(Error::NoSuchEntry {
            seq: from,
            size: to,
        });
    };
    let idx = seg_index(segments, si)?;
    let k = idx.marks.partition_point(|m| m.seq <= from);
    let (mut seq, mut offset, mut crc) = match k.checked_sub(1).and_then(|k| idx.marks.get(k)) {
        Some(m) => (m.seq, m.offset, m.prev_crc),
        None => {
            let s = &segments[si];
            (
                s.first_seq,
                HEADER_LEN as u64,
                segment::header_crc(s.first_seq),
            )
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    while seq < to {
        let seg = &segments[si];
        let end = seg_index(segments, si)?.end;
        // Read the rest of the segment in windows so a single lookup stays small.
        let mut base = offset;
        let mut pos = 0usize;
        buf.clear();
        loop {
            if seq >= to {
                return Ok(());
            }
            match segment::decode_record(&buf[pos..], crc) {
                Decoded::Record {
                    payload,
                    crc: c,
                    len,
                } => {
                    if seq >= from {
                        f(seq, payload)?;
                    }
                    seq += 1;
                    pos += len;
                    crc = c;
                }
                Decoded::Truncated if base + (buf.len() as u64) < end => {
                    buf.drain(..pos);
                    base += pos as u64;
                    pos = 0;
                    let want = (end - base - buf.len() as u64).clamp(1, 64 << 10) as usize;
                    let old = buf.len();
                    buf.resize(old + want, 0);
                    let read_at = base + old as u64;
                    seg.file
                        .read_exact_at(&mut buf[old..], read_at)
                        .at(&seg.path)?;
                }
                Decoded::Truncated | Decoded::End if base + pos as u64 >= end => break,
                other => {
                    return Err(Error::Corrupt(format!(
                        "{}: entry {seq} at offset {}: {}",
                        seg.path.display(),
                        base + pos as u64,
                        describe(&other)
                    )));
                }
            }
        }
        si += 1;
        let Some(next) = segments.get(si) else { break };
        if next.first_seq != seq {
            return Err(Error::Corrupt(format!(
                "{}: starts at entry {} but entry {seq} comes next",
                next.path.display(),
                next.first_seq
            )));
        }
        offset = HEADER_LEN as u64;
        crc = segment::header_crc(next.first_seq);
    }
    Ok(())
}
