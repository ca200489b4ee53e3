//! Every single-byte change to a stored log, checkpoint or blob, and every dropped,
//! swapped, inserted or rewritten entry, is reported by the verifier.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use covenant_ledger::segment::{self, Decoded};
use covenant_ledger::{BlobStore, EvidenceAdded, Ledger, Report, VerifyOptions, merkle, verify};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn opts() -> VerifyOptions {
    VerifyOptions {
        verifier: Some(signer().verifier()),
        ..Default::default()
    }
}

fn run(dir: &Path) -> Report {
    verify(dir, &opts()).unwrap()
}

/// A ledger with several segments, two checkpoints and one evidence blob.
fn build(dir: &Path, entries: u64, segment_size: u64) {
    let mut l = small(dir, segment_size);
    let blob = BlobStore::new(l.layout().blobs())
        .put_bytes(b"pen test report 2026")
        .unwrap();
    let half = entries / 2;
    l.append(&(0..half).map(entry).collect::<Vec<_>>()).unwrap();
    l.checkpoint(&signer(), at(100)).unwrap();
    let ev = EvidenceAdded {
        control: "PT-01".into(),
        blob: blob.id(),
        file_name: "pentest.txt".into(),
        kind: "report".into(),
        recorded_by: "bob".into(),
        recorded_at: "2026-05-01T00:00:00Z".into(),
        collected_at: "2026-04-20T00:00:00Z".into(),
        effective: "2026-04-20".into(),
        note: Some("annual".into()),
    };
    l.append(&[ev.to_value().unwrap()]).unwrap();
    l.append(&(half + 1..entries).map(entry).collect::<Vec<_>>())
        .unwrap();
    l.checkpoint(&signer(), at(200)).unwrap();
    drop(l);
    let r = run(dir);
    assert!(r.ok(), "clean ledger must verify: {:#?}", r.discrepancies);
    assert_eq!(r.entries, entries);
}

fn files(dir: &Path, sub: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walk(&dir.join(sub));
    v.sort();
    v
}

fn walk(p: &Path) -> Vec<PathBuf> {
    if p.is_file() {
        return vec![p.to_path_buf()];
    }
    std::fs::read_dir(p).map_or(Vec::new(), |rd| {
        rd.flatten().flat_map(|e| walk(&e.path())).collect()
    })
}

fn write(p: &Path, bytes: &[u8]) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Record spans (first entry seq, byte range) of a segment file.
fn spans(bytes: &[u8]) -> Vec<(u64, std::ops::Range<usize>)> {
    let h = segment::decode_header(bytes).unwrap();
    let mut w = segment::Walk::new(bytes, h);
    let mut out = Vec::new();
    let mut seq = h.first_seq;
    while let Decoded::Record { crc, len, .. } = w.peek() {
        out.push((seq, w.pos..w.pos + len));
        w.advance(len, crc);
        seq += 1;
    }
    out
}

/// Flips each position in `positions` of `path` and checks the verifier objects,
/// naming `expect_entry(pos)` when it returns Some.
fn flip_each(
    path: &Path,
    positions: impl Iterator<Item = usize>,
    expect_entry: impl Fn(usize) -> Option<u64>,
    dir: &Path,
) -> usize {
    let orig = std::fs::read(path).unwrap();
    let mut n = 0;
    for pos in positions {
        let mut b = orig.clone();
        b[pos] ^= 0x01;
        write(path, &b);
        let r = run(dir);
        assert!(
            !r.ok(),
            "flip of byte {pos} in {} went unnoticed",
            path.display()
        );
        if let Some(e) = expect_entry(pos) {
            assert!(
                r.discrepancies.iter().any(|f| f.entry == Some(e)),
                "flip of byte {pos} in {}: entry {e} not named in {:#?}",
                path.display(),
                r.discrepancies
            );
        }
        n += 1;
    }
    write(path, &orig);
    assert!(run(dir).ok());
    n
}

#[test]
fn every_single_byte_flip_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    build(d, 24, 512);
    let mut flips = 0;
    let segs = files(d, "ledger/log");
    assert!(segs.len() >= 3, "the test needs several segments");
    for p in &segs {
        let bytes = std::fs::read(p).unwrap();
        let sp = spans(&bytes);
        let first = segment::decode_header(&bytes).unwrap().first_seq;
        flips += flip_each(
            p,
            0..bytes.len(),
            |pos| {
                if pos < segment::HEADER_LEN {
                    return Some(first);
                }
                sp.iter().find(|(_, r)| r.contains(&pos)).map(|(s, _)| *s)
            },
            d,
        );
    }
    let l0 = d.join("ledger/tree/level0.hashes");
    let len = std::fs::metadata(&l0).unwrap().len() as usize;
    flips += flip_each(&l0, 0..len, |pos| Some((pos / 32) as u64), d);
    let mut others = files(d, "ledger/checkpoints");
    others.push(d.join("ledger/checkpoint"));
    others.push(d.join("ledger/origin"));
    others.extend(files(d, "blobs"));
    assert!(others.len() >= 5);
    for p in &others {
        let len = std::fs::metadata(p).unwrap().len() as usize;
        flips += flip_each(p, 0..len, |_| None, d);
    }
    assert!(flips > 2500, "{flips} positions flipped");
}

#[test]
fn tile_hashes_and_large_logs_are_covered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    build(d, 600, 64 << 10);
    let l8 = d.join("ledger/tree/level8.hashes");
    assert_eq!(std::fs::metadata(&l8).unwrap().len(), 64);
    flip_each(&l8, 0..64, |pos| Some((pos / 32) as u64 * 256), d);
    for p in files(d, "ledger/log") {
        let len = std::fs::read(&p).unwrap().len();
        let sp = spans(&std::fs::read(&p).unwrap());
        flip_each(
            &p,
            (0..len).step_by(97),
            |pos| sp.iter().find(|(_, r)| r.contains(&pos)).map(|(s, _)| *s),
            d,
        );
    }
    let l0 = d.join("ledger/tree/level0.hashes");
    flip_each(
        &l0,
        (0..600 * 32).step_by(61),
        |pos| Some((pos / 32) as u64),
        d,
    );
}

/// Rewrites the log with a consistent framing and tree (an attacker who knows the
/// format but not the signing key) after applying `change` to the entries.
fn rewrite(d: &Path, change: impl Fn(&mut Vec<Vec<u8>>)) {
    let l = Ledger::open(d).unwrap();
    let mut entries: Vec<Vec<u8>> = l.entries().unwrap().map(|e| e.unwrap().bytes).collect();
    drop(l);
    change(&mut entries);
    for p in files(d, "ledger/log") {
        std::fs::remove_file(p).unwrap();
    }
    let mut buf = segment::encode_header(0).to_vec();
    let mut crc = segment::decode_header(&buf).unwrap().crc;
    let mut l0 = Vec::new();
    let mut leaves = Vec::new();
    for e in &entries {
        crc = segment::encode_record(crc, e, &mut buf);
        let h = merkle::leaf_hash(e);
        l0.extend_from_slice(&h);
        leaves.push(h);
    }
    buf.resize(1 << 16, 0);
    std::fs::write(d.join("ledger/log").join(segment::file_name(0)), &buf).unwrap();
    write(&d.join("ledger/tree/level0.hashes"), &l0);
    let l8: Vec<u8> = leaves
        .chunks_exact(256)
        .flat_map(merkle::root_of_leaves)
        .collect();
    write(&d.join("ledger/tree/level8.hashes"), &l8);
}

#[test]
fn dropped_swapped_inserted_and_rewritten_entries_are_detected() {
    let base = tempfile::tempdir().unwrap();
    let master = base.path().join("master");
    build(&master, 20, 1 << 16);
    let forged = covenant_ledger::canonical::to_canonical(&entry(1000)).unwrap();
    type Change = Box<dyn Fn(&mut Vec<Vec<u8>>)>;
    for i in 0..20usize {
        let f = forged.clone();
        let g = forged.clone();
        let changes: Vec<(&str, Change)> = vec![
            (
                "drop",
                Box::new(move |e| {
                    e.remove(i);
                }),
            ),
            ("swap", Box::new(move |e| e.swap(i, (i + 1) % 20))),
            ("insert", Box::new(move |e| e.insert(i, f.clone()))),
            ("replace", Box::new(move |e| e[i] = g.clone())),
        ];
        for (what, change) in changes {
            let d = base.path().join(format!("{what}-{i}"));
            copy_dir(&master, &d);
            rewrite(&d, change);
            let r = run(&d);
            assert!(!r.ok(), "{what} of entry {i} went unnoticed");
            let named = r
                .discrepancies
                .iter()
                .any(|f| f.entry.is_some_and(|e| e <= i as u64));
            assert!(
                named,
                "{what} {i}: no discrepancy names an entry at or before {i}: {:#?}",
                r.discrepancies
            );
            std::fs::remove_dir_all(&d).unwrap();
        }
    }
    // Naive removal of a record's bytes breaks the checksum chain right there.
    let d = base.path().join("naive");
    copy_dir(&master, &d);
    let seg = files(&d, "ledger/log").remove(0);
    let bytes = std::fs::read(&seg).unwrap();
    let sp = spans(&bytes);
    let (s, r) = sp[7].clone();
    let mut cut = bytes.clone();
    cut.drain(r);
    write(&seg, &cut);
    let rep = run(&d);
    assert!(
        rep.discrepancies.iter().any(|f| f.entry == Some(s)),
        "{:#?}",
        rep.discrepancies
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for f in walk(from) {
        let rel = f.strip_prefix(from).unwrap();
        let dst = to.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&f, &dst).unwrap();
    }
}
