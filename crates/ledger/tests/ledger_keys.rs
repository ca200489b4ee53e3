//! The signing key on disk (issue 12): owner-only file and directory whatever the umask and
//! the directory's earlier mode, and never part of an export. One test in its own binary,
//! because it changes the process umask.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use covenant_ledger::{BlobStore, Ledger, keys};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn signer_key_is_owner_only_and_never_exported() {
    // This binary runs no other test concurrently, so the process-wide umask is ours.
    let old = rustix::process::umask(rustix::fs::Mode::empty());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut l = Ledger::init(&data, ORIGIN).unwrap();
    let layout = l.layout().clone();
    std::fs::create_dir_all(layout.keys()).unwrap();
    std::fs::set_permissions(layout.keys(), std::fs::Permissions::from_mode(0o777)).unwrap();
    keys::keygen(&layout, ORIGIN, false).unwrap();
    rustix::process::umask(old);
    assert_eq!(mode(&layout.keys()), 0o700, "keys directory");
    assert_eq!(mode(&layout.signer_key()), 0o600, "signer key");
    assert_eq!(mode(&layout.verifier_key()), 0o644, "verifier key");

    // Replacing the key (--force) keeps the mode.
    keys::keygen(&layout, ORIGIN, true).unwrap();
    assert_eq!(mode(&layout.signer_key()), 0o600);

    // A key others can read is refused rather than used.
    std::fs::set_permissions(layout.signer_key(), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(keys::load_signer(&layout).is_err());
    std::fs::set_permissions(layout.signer_key(), std::fs::Permissions::from_mode(0o600)).unwrap();

    let signer = keys::load_signer(&layout).unwrap();
    let secret = signer.to_key_string();
    // `PRIVATE+KEY+<name>+<hash>+<key data>`: the key data is base64 and may hold `+`
    // itself, so split off the first four fields only.
    let b64 = secret.splitn(5, '+').nth(4).unwrap().to_string();
    assert!(b64.len() > 40, "{b64}");
    l.append(&(0..5).map(entry).collect::<Vec<_>>()).unwrap();
    l.checkpoint(&signer, at(1000)).unwrap();
    BlobStore::new(layout.blobs())
        .put_bytes(b"some evidence")
        .unwrap();

    let out = dir.path().join("export");
    l.export(&out).unwrap();
    let mut all = Vec::new();
    files(&out, &mut all);
    assert!(
        all.iter().any(|p| p.ends_with("keys/ledger.vkey")),
        "the verifier key is exported: {all:?}"
    );
    for p in &all {
        let rel = p.strip_prefix(&out).unwrap();
        assert!(
            !rel.starts_with("keys") || rel == Path::new("keys/ledger.vkey"),
            "only the verifier key is exported from keys/: {}",
            rel.display()
        );
        let bytes = std::fs::read(p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&b64) && !text.contains("PRIVATE+KEY"),
            "{} holds the private key",
            rel.display()
        );
    }
}
