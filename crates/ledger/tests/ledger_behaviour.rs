//! Appending, reading back, reopening, proofs, checkpoints, bundles, evidence, export.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use covenant_ledger::merkle::{self, Hash};
use covenant_ledger::{BlobStore, EvidenceAdded, Ledger, ProofBundle, VerifyOptions, keys, verify};
use serde_json::json;

#[test]
fn append_read_reopen_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1024);
    let mut expected = Vec::new();
    for batch in [1usize, 5, 40, 3, 300] {
        let start = l.size();
        let vals: Vec<_> = (start..start + batch as u64).map(entry).collect();
        let seqs = l.append(&vals).unwrap();
        assert_eq!(seqs, (start..start + batch as u64).collect::<Vec<_>>());
        expected.extend(vals);
    }
    let check = |l: &Ledger| {
        let got = l.values().unwrap();
        assert_eq!(got.len(), expected.len());
        for (i, (seq, v)) in got.iter().enumerate() {
            assert_eq!(*seq, i as u64);
            assert_eq!(v, &expected[i]);
        }
        for i in [0u64, 1, 255, 256, 257, 348] {
            let e = l.entry(i).unwrap();
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&e).unwrap(),
                expected[i as usize]
            );
        }
        assert!(l.entry(349).is_err());
    };
    check(&l);
    let root = l.root().unwrap();
    drop(l);
    let l = small(dir.path(), 1024);
    assert_eq!(l.recovery(), &Default::default());
    assert_eq!(l.size(), 349);
    assert_eq!(l.root().unwrap(), root);
    check(&l);
    assert!(
        std::fs::read_dir(dir.path().join("ledger/log"))
            .unwrap()
            .count()
            > 10
    );
}

#[test]
fn second_writer_is_refused_and_bad_entries_are_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1 << 20);
    assert!(matches!(
        Ledger::open(dir.path()),
        Err(covenant_ledger::Error::Locked(_))
    ));
    assert!(l.append(&[json!({"a": 1.5})]).is_err());
    assert!(l.append(&[json!([1, 2])]).is_err());
    assert!(
        l.append(&[json!({"ok": 1}), json!({"big": 1u64 << 60})])
            .is_err()
    );
    assert!(l.append_canonical(&[b"{\"b\":1,\"a\":2}"]).is_err());
    assert_eq!(l.size(), 0);
    l.append_canonical(&[b"{\"a\":2,\"b\":1}"]).unwrap();
    assert_eq!(l.size(), 1);
}

#[test]
fn proofs_from_stored_hashes_match_memory_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1 << 20);
    let mut leaves: Vec<Hash> = Vec::new();
    for chunk in 0..9u64 {
        let vals: Vec<_> = (chunk * 70..chunk * 70 + 70).map(entry).collect();
        l.append(&vals).unwrap();
        for v in &vals {
            leaves.push(merkle::leaf_hash(
                &covenant_ledger::canonical::to_canonical(v).unwrap(),
            ));
        }
    }
    let mem = merkle::MemoryTree(&leaves);
    let n = leaves.len() as u64;
    for size in [1u64, 2, 255, 256, 257, 511, 512, 513, 600, n] {
        let root = l.root_at(size).unwrap();
        assert_eq!(
            root,
            merkle::root_of_leaves(&leaves[..size as usize]),
            "size {size}"
        );
        for index in [0, size / 3, size / 2, size - 1] {
            let p = l.inclusion_proof(index, size).unwrap();
            assert_eq!(p, merkle::inclusion_proof(&mem, index, size).unwrap());
            merkle::verify_inclusion(index, size, &leaves[index as usize], &p, &root).unwrap();
        }
        for old in [1u64, size / 2, size] {
            if old == 0 {
                continue;
            }
            let p = l.consistency_proof(old, size).unwrap();
            merkle::verify_consistency(old, size, &l.root_at(old).unwrap(), &root, &p).unwrap();
        }
    }
}

#[test]
fn checkpoints_bundles_evidence_export_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut l = Ledger::init(&data, ORIGIN).unwrap();
    let v = keys::keygen(l.layout(), ORIGIN, false).unwrap();
    assert!(
        keys::keygen(l.layout(), ORIGIN, false).is_err(),
        "key must not be overwritten"
    );
    let s = keys::load_signer(l.layout()).unwrap();
    l.append(&(0..10).map(entry).collect::<Vec<_>>()).unwrap();
    let cp1 = l.checkpoint(&s, at(1000)).unwrap();
    assert_eq!(cp1.checkpoint.size, 10);
    // Checkpoints are deterministic: repeating one is harmless, the WORM file is kept.
    l.checkpoint(&s, at(1000)).unwrap();

    let store = BlobStore::new(l.layout().blobs());
    let blob = store
        .put_bytes(b"access review Q1: all accounts reviewed")
        .unwrap();
    let ev = EvidenceAdded {
        control: "AC-03".into(),
        blob: blob.id(),
        file_name: "review.txt".into(),
        kind: "attestation".into(),
        recorded_by: "alice".into(),
        recorded_at: "2026-04-02T10:00:00Z".into(),
        collected_at: "2026-03-28T16:00:00Z".into(),
        effective: "2026-03-31".into(),
        note: None,
    };
    let seq = l.append(&[ev.to_value().unwrap()]).unwrap()[0];
    let cp2 = l.checkpoint(&s, at(2000)).unwrap();

    let bundle = l.proof_bundle(seq, &cp2.note).unwrap();
    let parsed = ProofBundle::parse(bundle.encode().as_bytes()).unwrap();
    assert_eq!(parsed.verify(&v).unwrap().size, 11);
    let mut forged = parsed.clone();
    forged.entry = covenant_ledger::canonical::to_canonical(&entry(99)).unwrap();
    assert!(forged.verify(&v).is_err());
    let other = covenant_ledger::NoteSigner::from_seed(ORIGIN, [1; 32]).unwrap();
    assert!(parsed.verify(&other.verifier()).is_err());
    assert!(
        l.proof_bundle(seq, &cp1.note).is_err(),
        "entry 10 is not in checkpoint 10"
    );

    let found: Vec<_> = l
        .values()
        .unwrap()
        .into_iter()
        .filter_map(|(_, v)| EvidenceAdded::from_value(&v))
        .collect();
    assert_eq!(found.len(), 1);

    let opts = VerifyOptions {
        verifier: Some(v.clone()),
        ..Default::default()
    };
    let report = verify(&data, &opts).unwrap();
    assert!(report.ok(), "{:#?}", report.discrepancies);
    assert_eq!(
        (report.entries, report.checkpoints_verified, report.blobs),
        (11, 3, 1)
    );

    let out = dir.path().join("export");
    l.export(&out).unwrap();
    assert!(
        !out.join("keys/ledger.key").exists(),
        "private key must not be exported"
    );
    let report = verify(&out, &opts).unwrap();
    assert!(report.ok(), "{:#?}", report.discrepancies);
    assert_eq!(report.entries, 11);

    // A checkpoint signed by another key is reported.
    let rogue = covenant_ledger::Checkpoint::new(ORIGIN, 11, l.root().unwrap())
        .sign(&other)
        .unwrap();
    std::fs::write(
        out.join("ledger/checkpoints/00000000000000000011-00000000000000009999.checkpoint"),
        rogue,
    )
    .unwrap();
    assert!(!verify(&out, &opts).unwrap().ok());
}

#[test]
fn torn_tail_is_truncated_and_acknowledged_entries_kept() {
    use covenant_ledger::segment;
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1 << 16);
    l.append(&(0..300).map(entry).collect::<Vec<_>>()).unwrap();
    let (end, _) = l.segment_extent(0).unwrap();
    drop(l);
    // Simulate a power loss in the middle of the next group: half a record in the
    // segment, a stale-looking record after it, and a partial hash in the tree file.
    let seg = dir.path().join("ledger/log").join(segment::file_name(0));
    let mut bytes = std::fs::read(&seg).unwrap();
    let mut rec = Vec::new();
    segment::encode_record(12345, b"{\"torn\":true}", &mut rec);
    let e = end as usize;
    bytes[e..e + 6].copy_from_slice(&rec[..6]);
    bytes[e + 40..e + 40 + rec.len()].copy_from_slice(&rec);
    std::fs::write(&seg, &bytes).unwrap();
    let l0 = dir.path().join("ledger/tree/level0.hashes");
    let mut h = std::fs::read(&l0).unwrap();
    h.extend_from_slice(&[7u8; 20]);
    std::fs::write(&l0, &h).unwrap();
    let before = verify(
        dir.path(),
        &VerifyOptions {
            verifier: Some(signer().verifier()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        before.discrepancies.iter().any(|f| f.code == "tail"),
        "{:#?}",
        before.discrepancies
    );

    let mut l = small(dir.path(), 1 << 16);
    assert!(l.recovery().torn_tail_cleared);
    assert_eq!(l.size(), 300);
    l.append(&[entry(300)]).unwrap();
    l.checkpoint(&signer(), at(1)).unwrap();
    drop(l);
    let report = verify(
        dir.path(),
        &VerifyOptions {
            verifier: Some(signer().verifier()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(report.ok(), "{:#?}", report.discrepancies);
    assert_eq!(report.entries, 301);
}

#[test]
fn damage_in_a_sealed_segment_is_found_when_read_not_silently_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 2048);
    l.append(&(0..600).map(entry).collect::<Vec<_>>()).unwrap();
    drop(l);
    let first = dir
        .path()
        .join("ledger/log")
        .join(covenant_ledger::segment::file_name(0));
    let mut bytes = std::fs::read(&first).unwrap();
    let at = bytes.windows(4).position(|w| w == b"\"n\":").unwrap() + 4;
    bytes[at] ^= 0x01;
    std::fs::write(&first, bytes).unwrap();
    // Opening reads only the newest segment, so it succeeds...
    let l = small(dir.path(), 2048);
    assert_eq!(l.size(), 600);
    assert_eq!(
        l.entry(599).unwrap(),
        covenant_ledger::canonical::to_canonical(&entry(599)).unwrap()
    );
    // ...but the damaged entry is never returned as if it were good.
    assert!(matches!(
        l.entry(0),
        Err(covenant_ledger::Error::Corrupt(_))
    ));
    assert!(l.entries().unwrap().any(|e| e.is_err()));
    drop(l);
    let r = verify(
        dir.path(),
        &VerifyOptions {
            verifier: Some(signer().verifier()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        r.discrepancies
            .iter()
            .any(|f| f.entry == Some(0) && f.code == "checksum"),
        "{:#?}",
        r.discrepancies
    );
}

#[test]
fn lost_tree_hashes_are_rebuilt_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1 << 16);
    l.append(&(0..700).map(entry).collect::<Vec<_>>()).unwrap();
    let root = l.root().unwrap();
    drop(l);
    // As after a power loss that kept the entries but not the (later synced) tree files.
    let tree = dir.path().join("ledger/tree");
    std::fs::write(tree.join("level8.hashes"), b"").unwrap();
    let l0 = std::fs::read(tree.join("level0.hashes")).unwrap();
    std::fs::write(tree.join("level0.hashes"), &l0[..100 * 32 + 7]).unwrap();
    std::fs::write(tree.join("synced"), [0u8; 16]).unwrap();
    let mut l = small(dir.path(), 1 << 16);
    assert!(l.recovery().hashes_repaired > 0);
    assert_eq!(l.root().unwrap(), root);
    l.checkpoint(&signer(), at(3)).unwrap();
    drop(l);
    let r = verify(
        dir.path(),
        &VerifyOptions {
            verifier: Some(signer().verifier()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.ok(), "{:#?}", r.discrepancies);
}
