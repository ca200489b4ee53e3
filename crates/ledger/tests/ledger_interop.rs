//! Interoperability with independent implementations: the `tlog_tiles` and
//! `signed_note` crates (ports of Go's golang.org/x/mod/sumdb packages).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use covenant_ledger::merkle::{self, Hash};
use covenant_ledger::{Checkpoint, NoteVerifier};
use signed_note::{Note, StandardVerifier, VerifierList};
use tlog_tiles::{Hash as THash, HashReader};

struct Stored(Vec<THash>);

impl HashReader for Stored {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<THash>, tlog_tiles::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

#[test]
fn roots_and_proofs_agree_with_tlog_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1 << 20);
    let mut stored = Stored(Vec::new());
    let mut leaves: Vec<Hash> = Vec::new();
    let n = 1000u64;
    for i in 0..n {
        let bytes = covenant_ledger::canonical::to_canonical(&entry(i)).unwrap();
        let new = tlog_tiles::stored_hashes(i, &bytes, &stored).unwrap();
        stored.0.extend(new);
        leaves.push(merkle::leaf_hash(&bytes));
        assert_eq!(tlog_tiles::record_hash(&bytes).0, leaves[i as usize]);
    }
    l.append(&(0..n).map(entry).collect::<Vec<_>>()).unwrap();
    for size in 1..=n {
        let theirs = tlog_tiles::tree_hash(size, &stored).unwrap();
        assert_eq!(l.root_at(size).unwrap(), theirs.0, "root of size {size}");
    }
    for (index, size) in [
        (0u64, 1u64),
        (3, 7),
        (255, 256),
        (256, 1000),
        (999, 1000),
        (500, 777),
    ] {
        let root = THash(l.root_at(size).unwrap());
        let ours: Vec<THash> = l
            .inclusion_proof(index, size)
            .unwrap()
            .into_iter()
            .map(THash)
            .collect();
        tlog_tiles::check_record(&ours, size, root, index, THash(leaves[index as usize])).unwrap();
        let theirs = tlog_tiles::prove_record(size, index, &stored).unwrap();
        let theirs: Vec<Hash> = theirs.iter().map(|h| h.0).collect();
        merkle::verify_inclusion(index, size, &leaves[index as usize], &theirs, &root.0).unwrap();
    }
    for (old, new) in [(1u64, 2u64), (7, 8), (100, 1000), (256, 513), (999, 1000)] {
        let (r1, r2) = (
            THash(l.root_at(old).unwrap()),
            THash(l.root_at(new).unwrap()),
        );
        let ours: Vec<THash> = l
            .consistency_proof(old, new)
            .unwrap()
            .into_iter()
            .map(THash)
            .collect();
        tlog_tiles::check_tree(&ours, new, r2, old, r1).unwrap();
        let theirs: Vec<Hash> = tlog_tiles::prove_tree(new, old, &stored)
            .unwrap()
            .iter()
            .map(|h| h.0)
            .collect();
        merkle::verify_consistency(old, new, &r1.0, &r2.0, &theirs).unwrap();
    }
}

#[test]
fn our_checkpoints_read_by_signed_note_and_tlog_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = small(dir.path(), 1 << 20);
    l.append(&(0..37).map(entry).collect::<Vec<_>>()).unwrap();
    let s = signer();
    let cp = l.checkpoint(&s, at(5)).unwrap();

    let theirs = StandardVerifier::new(&s.verifier().to_key_string()).unwrap();
    let note = Note::from_bytes(cp.note.as_bytes()).unwrap();
    let (verified, _) = note
        .verify(&VerifierList::new(vec![Box::new(theirs)]))
        .unwrap();
    assert_eq!(verified.len(), 1);
    let parsed = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    assert_eq!(parsed.origin(), ORIGIN);
    assert_eq!(parsed.size(), 37);
    assert_eq!(parsed.hash().0, l.root().unwrap());
    assert_eq!(std::fs::read_to_string(&cp.file).unwrap(), cp.note);
}

#[test]
fn their_checkpoints_read_by_us() {
    // Sign with signed_note's own signer from the same key string, then open with ours.
    let s = signer();
    let their_signer = signed_note::StandardSigner::new(&s.to_key_string()).unwrap();
    let cp = tlog_tiles::Checkpoint::new(ORIGIN, 20852163, THash([9; 32]), "").unwrap();
    let mut note = Note::new(&cp.to_bytes(), &[]).unwrap();
    note.add_sigs(&[&their_signer]).unwrap();
    let bytes = note.to_bytes();
    let ours = Checkpoint::open(&bytes, &s.verifier(), ORIGIN).unwrap();
    assert_eq!((ours.size, ours.root), (20852163, [9; 32]));
    // And byte-identical output: Ed25519 signatures are deterministic.
    assert_eq!(
        Checkpoint::new(ORIGIN, 20852163, [9; 32])
            .sign(&s)
            .unwrap()
            .into_bytes(),
        bytes
    );
    // Key ids computed independently agree.
    assert_eq!(
        signed_note::key_id(ORIGIN, &{
            let mut k = vec![1u8];
            k.extend_from_slice(
                &s.verifier()
                    .to_key_string()
                    .splitn(3, '+')
                    .nth(2)
                    .map(|b| {
                        use base64::Engine as _;
                        base64::engine::general_purpose::STANDARD.decode(b).unwrap()[1..].to_vec()
                    })
                    .unwrap(),
            );
            k
        }),
        s.key_id()
    );
    let v = NoteVerifier::from_key_string(&s.verifier().to_key_string()).unwrap();
    assert_eq!(v.key_id(), s.key_id());
}
