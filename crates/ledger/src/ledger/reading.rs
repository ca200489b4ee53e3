//! Reading back: entries by sequence number through each segment's sparse index, every
//! entry in order, roots and proofs.

use super::{Entry, Ledger, SegIndex, Segment, index_segment};
use crate::checkpoint::Checkpoint;
use crate::error::{Error, IoContext, Result};
use crate::merkle::{self, Hash};
use crate::note;
use crate::proof::ProofBundle;
use crate::segment::{self, Decoded, HEADER_LEN};
use serde_json::Value;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

impl Ledger {
    /// The root hash of the whole tree.
    pub fn root(&self) -> Result<Hash> {
        Ok(self.tree.root()?)
    }

    /// The root hash of the tree of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash> {
        Ok(self.tree.root_at(size)?)
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

pub(super) fn describe(d: &Decoded<'_>) -> &'static str {
    match d {
        Decoded::Record { .. } => "ok",
        Decoded::BadChecksum { .. } => "checksum mismatch",
        Decoded::End => "unexpected end of data",
        Decoded::Truncated => "record cut short",
        Decoded::BadLength => "invalid length prefix",
    }
}

/// The index of segment `si`, reading the segment on first use.
pub(super) fn seg_index(segments: &[Segment], si: usize) -> Result<&SegIndex> {
    let seg = segments
        .get(si)
        .ok_or_else(|| Error::Corrupt(format!("segment {si} does not exist")))?;
    if let Some(idx) = seg.index.get() {
        return Ok(idx);
    }
    let ix = index_segment(seg)?;
    let seq = ix.next_seq;
    if let Some(why) = ix.bad {
        return Err(Error::Corrupt(format!(
            "{}: entry {seq} at offset {}: {why}",
            seg.path.display(),
            ix.index.end
        )));
    }
    if seq != seg.first_seq + seg.count {
        return Err(Error::Corrupt(format!(
            "{}: holds {} entries but the next segment starts at entry {}",
            seg.path.display(),
            seq - seg.first_seq,
            seg.first_seq + seg.count
        )));
    }
    let _ = seg.index.set(ix.index);
    seg.index
        .get()
        .ok_or_else(|| Error::Corrupt("segment index".into()))
}

pub(super) fn read_range(
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
