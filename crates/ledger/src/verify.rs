//! The offline verifier: recomputes everything from the stored bytes of a data
//! directory (live or exported) and reports every discrepancy with the entry it affects.
//! It never writes, never takes the writer lock and never trusts stored hashes.

use crate::blob::{self, BlobStore};
use crate::canonical;
use crate::checkpoint::Checkpoint;
use crate::error::Result;
use crate::evidence::EvidenceAdded;
use crate::layout::{self, Layout};
use crate::merkle::{self, Hash};
use crate::note::{self, NoteVerifier};
use crate::segment::{self, Decoded};
use crate::tree::{HashTree, TILE};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The key checkpoints must be signed with. When absent, `keys/ledger.vkey` of the
    /// directory is used, which only proves self-consistency: auditors pass the key
    /// they obtained independently.
    pub verifier: Option<NoteVerifier>,
    /// Skip re-hashing blobs (they are still checked to exist).
    pub skip_blob_hashes: bool,
}

/// One discrepancy between the stored ledger and what its hashes, signatures and blobs
/// say it must be (not a vulnerability finding: that is `covenant_vuln::Finding`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy {
    /// A stable short code: `segment`, `framing`, `checksum`, `canonical`, `sequence`,
    /// `leaf-hash`, `tree-hash`, `checkpoint`, `root`, `consistency`, `tail`, `blob`, ...
    pub code: &'static str,
    /// The entry affected, when one can be named.
    pub entry: Option<u64>,
    pub file: Option<PathBuf>,
    pub offset: Option<u64>,
    pub message: String,
}

/// The verifier's result.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub entries: u64,
    pub segments: u64,
    pub root: Option<Hash>,
    pub checkpoints_verified: u64,
    pub latest_checkpoint_size: Option<u64>,
    /// Entries after the newest valid checkpoint: their integrity rests on the stored
    /// hashes only until the next checkpoint is signed.
    pub uncheckpointed: u64,
    pub blobs: u64,
    pub blob_bytes: u64,
    pub evidence_entries: u64,
    pub discrepancies: Vec<Discrepancy>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.discrepancies.is_empty()
    }

    fn add(
        &mut self,
        code: &'static str,
        entry: Option<u64>,
        file: Option<&Path>,
        offset: Option<u64>,
        message: String,
    ) {
        // A damaged directory can produce millions of identical discrepancies; the first
        // thousand locate the problem.
        if self.discrepancies.len() < 1000 {
            self.discrepancies.push(Discrepancy {
                code,
                entry,
                file: file.map(Path::to_path_buf),
                offset,
                message,
            });
        }
    }
}

struct SignedRoot {
    size: u64,
    root: Hash,
    file: PathBuf,
}

/// Verifies the data directory `data`.
pub fn verify(data: &Path, opts: &VerifyOptions) -> Result<Report> {
    let layout = Layout::new(data);
    let mut r = Report::default();

    let origin = match std::fs::read_to_string(layout.origin()) {
        Ok(s) => Some(s.strip_suffix('\n').unwrap_or(&s).to_string()),
        Err(e) => {
            r.add(
                "origin",
                None,
                Some(&layout.origin()),
                None,
                format!("cannot read origin: {e}"),
            );
            None
        }
    };
    let verifier = match &opts.verifier {
        Some(v) => Some(v.clone()),
        None => match crate::keys::load_verifier(&layout.verifier_key()) {
            Ok(v) => Some(v),
            Err(e) => {
                r.add(
                    "key",
                    None,
                    Some(&layout.verifier_key()),
                    None,
                    format!("no verifier key: {e}"),
                );
                None
            }
        },
    };

    let signed = read_checkpoints(&layout, verifier.as_ref(), origin.as_deref(), &mut r);
    let sizes: BTreeSet<u64> = signed.iter().map(|c| c.size).collect();

    // Stream every segment: framing, checksums, canonical form, leaf hashes.
    let l0_path = layout.level0();
    let l8_path = layout.level8();
    let (Ok(level0), Ok(level8)) = (File::open(&l0_path), File::open(&l8_path)) else {
        r.add(
            "tree-hash",
            None,
            Some(&layout.tree()),
            None,
            "hash files missing".into(),
        );
        return Ok(r);
    };
    let stored0 = level0.metadata().map_or(0, |m| m.len());
    let mut tree = HashTree::empty(level0.try_clone().map_err(|e| io_err(&l0_path, e))?, level8);
    let mut roots_at: BTreeMap<u64, Hash> = BTreeMap::new();
    if sizes.contains(&0) {
        roots_at.insert(0, merkle::empty_root());
    }
    let mut evidence_blobs: Vec<(u64, String)> = Vec::new();
    let mut stored_window: Vec<u8> = Vec::new();
    let mut window_start = 0u64;
    let mut seq = 0u64;

    let segments = layout.segment_files()?;
    // Each segment's entries are checked and hashed on all cores; the tree is then
    // built in order, which is cheap next to leaf hashing.
    for (name_seq, path) in &segments {
        let scan = scan_segment(*name_seq, path);
        r.segments += 1;
        let path = scan.path;
        let Some(first) = scan.first_seq else {
            for (code, off, msg) in scan.problems {
                r.add(code, Some(seq), Some(&path), off, msg);
            }
            continue;
        };
        if first != seq {
            r.add(
                "sequence",
                Some(seq.min(first)),
                Some(&path),
                Some(8),
                format!("segment starts at entry {first} but entry {seq} comes next"),
            );
        }
        for (rel, code, off, msg) in scan.entry_problems {
            r.add(code, Some(first + rel), Some(&path), off, msg);
        }
        for (code, off, msg) in scan.problems {
            r.add(
                code,
                Some(first + scan.leaves.len() as u64),
                Some(&path),
                off,
                msg,
            );
        }
        for (rel, blob) in scan.evidence {
            r.evidence_entries += 1;
            evidence_blobs.push((first + rel, blob));
        }
        for leaf in scan.leaves {
            // Compare against the stored leaf hash, read in 1 MiB windows.
            let idx = seq * 32;
            if idx + 32 <= stored0 {
                if idx < window_start || idx + 32 > window_start + stored_window.len() as u64 {
                    window_start = idx;
                    let n = (stored0 - idx).min(1 << 20) as usize;
                    stored_window.resize(n, 0);
                    if level0.read_exact_at(&mut stored_window, idx).is_err() {
                        stored_window.clear();
                    }
                }
                let o = (idx - window_start) as usize;
                if stored_window.get(o..o + 32) != Some(&leaf[..]) {
                    r.add(
                        "leaf-hash",
                        Some(seq),
                        Some(&l0_path),
                        Some(idx),
                        format!("entry {seq}: stored leaf hash differs from the entry"),
                    );
                }
            }
            tree.push(leaf);
            seq += 1;
            if sizes.contains(&seq)
                && let Ok(root) = tree.root()
            {
                roots_at.insert(seq, root);
            }
        }
        tree.discard_pending();
    }
    r.entries = seq;
    r.root = tree.root().ok();
    if stored0 != seq * 32 {
        r.add(
            "tree-hash",
            Some(seq.min(stored0 / 32)),
            Some(&l0_path),
            None,
            format!(
                "{} holds {} leaf hashes for {seq} entries",
                l0_path.display(),
                stored0 as f64 / 32.0
            ),
        );
    }
    check_level8(&l8_path, &tree, seq, &mut r);
    check_roots(&signed, &roots_at, &tree, seq, &mut r);
    check_blobs(&layout, &evidence_blobs, opts, &mut r);
    Ok(r)
}

/// What one segment holds, found without reference to the others.
struct SegmentScan {
    path: PathBuf,
    first_seq: Option<u64>,
    leaves: Vec<Hash>,
    /// (entry index within the segment, code, offset, message)
    entry_problems: Vec<(u64, &'static str, Option<u64>, String)>,
    /// Problems after the last readable entry (or with the whole segment).
    problems: Vec<(&'static str, Option<u64>, String)>,
    evidence: Vec<(u64, String)>,
}

impl SegmentScan {
    fn failed(path: &Path, msg: &str) -> Self {
        Self {
            path: path.to_path_buf(),
            first_seq: None,
            leaves: Vec::new(),
            entry_problems: Vec::new(),
            problems: vec![("segment", None, msg.to_string())],
            evidence: Vec::new(),
        }
    }
}

fn scan_segment(name_seq: u64, path: &Path) -> SegmentScan {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > segment::MAX_SEGMENT_SIZE) {
        return SegmentScan::failed(path, "segment larger than 1 GiB");
    }
    let buf = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return SegmentScan::failed(path, &format!("unreadable: {e}")),
    };
    let Some(header) = segment::decode_header(&buf) else {
        let mut s = SegmentScan::failed(path, "bad segment header");
        s.problems[0].1 = Some(0);
        return s;
    };
    let mut scan = SegmentScan {
        path: path.to_path_buf(),
        first_seq: Some(header.first_seq),
        leaves: Vec::new(),
        entry_problems: Vec::new(),
        problems: Vec::new(),
        evidence: Vec::new(),
    };
    if header.first_seq != name_seq {
        scan.problems.push((
            "segment",
            Some(8),
            "header does not match the file name".into(),
        ));
    }
    // Framing and the checksum chain are sequential; the per-entry work is not.
    let mut records: Vec<(usize, usize)> = Vec::new();
    let mut walk = segment::Walk::new(&buf, header);
    loop {
        let rel = records.len() as u64;
        let at = walk.pos;
        let (payload, crc, len) = match walk.peek() {
            Decoded::Record { payload, crc, len } => (payload, crc, len),
            Decoded::BadChecksum { payload, crc, len } => {
                scan.entry_problems.push((
                    rel,
                    "checksum",
                    Some(at as u64),
                    format!("entry {}: record checksum mismatch", header.first_seq + rel),
                ));
                (payload, crc, len)
            }
            Decoded::End => {
                if let Some(p) = buf[walk.pos..].iter().position(|&b| b != 0) {
                    scan.problems.push((
                        "tail",
                        Some((walk.pos + p) as u64),
                        format!(
                            "non-zero bytes after the last entry ({} entries precede them): torn write not yet recovered, or tampering",
                            header.first_seq + rel
                        ),
                    ));
                }
                break;
            }
            Decoded::Truncated | Decoded::BadLength => {
                scan.problems.push((
                    "framing",
                    Some(at as u64),
                    format!(
                        "entry {}: broken record framing; the rest of this segment cannot be read",
                        header.first_seq + rel
                    ),
                ));
                break;
            }
        };
        let start = payload.as_ptr() as usize - buf.as_ptr() as usize;
        records.push((start, payload.len()));
        walk.advance(len, crc);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = records.len().div_ceil(threads).max(4096);
    let parts: Vec<EntryChecks> = std::thread::scope(|s| {
        let handles: Vec<_> = records
            .chunks(chunk)
            .enumerate()
            .map(|(ci, part)| {
                let buf = &buf;
                s.spawn(move || check_entries(buf, part, (ci * chunk) as u64, header.first_seq))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for part in parts {
        scan.leaves.extend(part.leaves);
        scan.entry_problems.extend(part.problems);
        scan.evidence.extend(part.evidence);
    }
    scan.entry_problems.sort_by_key(|p| p.0);
    scan
}

#[derive(Default)]
struct EntryChecks {
    leaves: Vec<Hash>,
    problems: Vec<(u64, &'static str, Option<u64>, String)>,
    evidence: Vec<(u64, String)>,
}

/// Canonical form, evidence references and leaf hashes of a run of records.
fn check_entries(
    buf: &[u8],
    records: &[(usize, usize)],
    first_rel: u64,
    first_seq: u64,
) -> EntryChecks {
    let finder = memchr::memmem::Finder::new(b"\"evidence.added\"");
    let mut out = EntryChecks {
        leaves: Vec::with_capacity(records.len()),
        ..Default::default()
    };
    for (i, &(start, len)) in records.iter().enumerate() {
        let rel = first_rel + i as u64;
        let payload = &buf[start..start + len];
        if let Err(e) = canonical::check(payload) {
            out.problems.push((
                rel,
                "canonical",
                Some(start as u64),
                format!("entry {}: not canonical JSON ({e})", first_seq + rel),
            ));
        }
        if finder.find(payload).is_some()
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(payload)
        {
            match EvidenceAdded::from_value(&v) {
                Some(Ok(e)) => out.evidence.push((rel, e.blob)),
                Some(Err(e)) => out.problems.push((
                    rel,
                    "evidence",
                    Some(start as u64),
                    format!("entry {}: invalid evidence.added: {e}", first_seq + rel),
                )),
                None => {}
            }
        }
        out.leaves.push(merkle::leaf_hash(payload));
    }
    out
}

fn io_err(p: &Path, e: std::io::Error) -> crate::error::Error {
    crate::error::Error::Io {
        path: p.to_path_buf(),
        source: e,
    }
}

fn read_checkpoints(
    layout: &Layout,
    verifier: Option<&NoteVerifier>,
    origin: Option<&str>,
    r: &mut Report,
) -> Vec<SignedRoot> {
    let mut files: Vec<(PathBuf, Option<u64>)> = Vec::new();
    if layout.latest_checkpoint().exists() {
        files.push((layout.latest_checkpoint(), None));
    }
    if let Ok(rd) = std::fs::read_dir(layout.checkpoints()) {
        let mut names: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        names.sort();
        for p in names {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if name.starts_with(".tmp-") {
                continue;
            }
            match layout::parse_checkpoint_file_name(&name) {
                Some((size, _)) => files.push((p, Some(size))),
                None => r.add(
                    "checkpoint",
                    None,
                    Some(&p),
                    None,
                    "unexpected file in the checkpoint directory".into(),
                ),
            }
        }
    }
    let mut out = Vec::new();
    for (path, named_size) in files {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                r.add(
                    "checkpoint",
                    None,
                    Some(&path),
                    None,
                    format!("unreadable: {e}"),
                );
                continue;
            }
        };
        let Some(v) = verifier else {
            // Without a key the body can still be parsed, but nothing is trusted.
            continue;
        };
        let cp = match v
            .open(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|text| Checkpoint::parse(text).map_err(|e| e.to_string()))
        {
            Ok(cp) => cp,
            Err(e) => {
                let size = note::parse(&bytes)
                    .ok()
                    .and_then(|n| Checkpoint::parse(n.text).ok())
                    .map(|c| c.size);
                r.add(
                    "checkpoint",
                    size,
                    Some(&path),
                    None,
                    format!("checkpoint rejected: {e}"),
                );
                continue;
            }
        };
        if let Some(o) = origin
            && cp.origin != o
        {
            r.add(
                "checkpoint",
                Some(cp.size),
                Some(&path),
                None,
                format!("checkpoint names log {:?}, not {o:?}", cp.origin),
            );
            continue;
        }
        if let Some(n) = named_size
            && n != cp.size
        {
            r.add(
                "checkpoint",
                Some(cp.size),
                Some(&path),
                None,
                format!("file name says size {n}, content says {}", cp.size),
            );
        }
        r.checkpoints_verified += 1;
        out.push(SignedRoot {
            size: cp.size,
            root: cp.root,
            file: path,
        });
    }
    out.sort_by_key(|c| c.size);
    out
}

fn check_level8(path: &Path, tree: &HashTree, n: u64, r: &mut Report) {
    let tiles = n / TILE;
    let stored = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            r.add(
                "tree-hash",
                None,
                Some(path),
                None,
                format!("unreadable: {e}"),
            );
            return;
        }
    };
    if stored.len() as u64 != tiles * 32 {
        r.add(
            "tree-hash",
            Some(tiles * TILE),
            Some(path),
            None,
            format!(
                "holds {} tile hashes, expected {tiles}",
                stored.len() as f64 / 32.0
            ),
        );
    }
    for (i, want) in tree.tile_roots().iter().enumerate() {
        if stored.get(i * 32..i * 32 + 32) != Some(&want[..]) {
            let first = i as u64 * TILE;
            r.add(
                "tree-hash",
                Some(first),
                Some(path),
                Some(i as u64 * 32),
                format!(
                    "stored hash of entries {first}..{} differs",
                    first + TILE - 1
                ),
            );
        }
    }
}

fn check_roots(
    signed: &[SignedRoot],
    roots_at: &BTreeMap<u64, Hash>,
    tree: &HashTree,
    n: u64,
    r: &mut Report,
) {
    let mut prev: Option<&SignedRoot> = None;
    for cp in signed {
        let from = prev.map_or(0, |p| p.size);
        match roots_at.get(&cp.size) {
            None => r.add(
                "checkpoint",
                Some(from.min(n)),
                Some(&cp.file),
                None,
                format!(
                    "signed checkpoint covers {} entries but only {n} are stored: entries were dropped after entry {from} or cut off at the end",
                    cp.size
                ),
            ),
            Some(root) if *root != cp.root => r.add(
                "root",
                Some(from),
                Some(&cp.file),
                None,
                format!("the first {} entries do not hash to the signed root: an entry in {from}..{} was altered, dropped, inserted or reordered", cp.size, cp.size),
            ),
            Some(_) => {}
        }
        if let Some(p) = prev {
            if p.size == cp.size && p.root != cp.root {
                r.add(
                    "consistency",
                    Some(cp.size),
                    Some(&cp.file),
                    None,
                    format!("two signed checkpoints of size {} disagree (fork)", cp.size),
                );
            } else if p.size < cp.size && cp.size <= n {
                let ok = merkle::consistency_proof(tree, p.size, cp.size)
                    .map_err(|e| e.to_string())
                    .and_then(|proof| {
                        merkle::verify_consistency(p.size, cp.size, &p.root, &cp.root, &proof)
                            .map_err(|e| e.to_string())
                    });
                if let Err(e) = ok {
                    r.add(
                        "consistency",
                        Some(p.size),
                        Some(&cp.file),
                        None,
                        format!(
                            "checkpoint {} is not an extension of checkpoint {}: {e}",
                            cp.size, p.size
                        ),
                    );
                }
            }
        }
        prev = Some(cp);
    }
    r.latest_checkpoint_size = signed.last().map(|c| c.size);
    r.uncheckpointed = n.saturating_sub(r.latest_checkpoint_size.unwrap_or(0));
}

fn check_blobs(layout: &Layout, evidence: &[(u64, String)], opts: &VerifyOptions, r: &mut Report) {
    let store = BlobStore::new(layout.blobs());
    let list = match store.list() {
        Ok(l) => l,
        Err(e) => {
            r.add(
                "blob",
                None,
                Some(&layout.blobs()),
                None,
                format!("cannot list blobs: {e}"),
            );
            Vec::new()
        }
    };
    let mut present = BTreeSet::new();
    for (name, path) in list {
        r.blobs += 1;
        if !opts.skip_blob_hashes {
            let res = File::open(&path).and_then(|f| blob::hash_reader(f.take(u64::MAX)));
            match res {
                Ok((hex, size)) => {
                    r.blob_bytes += size;
                    if hex != name
                        || path
                            .parent()
                            .and_then(|p| p.file_name())
                            .and_then(|n| n.to_str())
                            != name.get(..2)
                    {
                        r.add(
                            "blob",
                            None,
                            Some(&path),
                            None,
                            format!("blob content hashes to {hex}, not its name"),
                        );
                        continue;
                    }
                }
                Err(e) => {
                    r.add("blob", None, Some(&path), None, format!("unreadable: {e}"));
                    continue;
                }
            }
        }
        present.insert(name);
    }
    for (seq, id) in evidence {
        let Some(hex) = blob::parse_blob_id(id) else {
            continue;
        };
        if !present.contains(hex) {
            r.add(
                "blob",
                Some(*seq),
                None,
                None,
                format!("entry {seq} references blob {id}, which is missing or damaged"),
            );
        }
    }
}
