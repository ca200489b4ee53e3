//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared data's `vuln/` folder, or `None` (after saying so) when COVENANT_SHARED_DATA is unset.
pub fn shared_vuln() -> Option<PathBuf> {
    match std::env::var_os("COVENANT_SHARED_DATA") {
        Some(d) => Some(PathBuf::from(d).join("vuln")),
        None => {
            println!("skipped: COVENANT_SHARED_DATA not set");
            None
        }
    }
}

pub fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

pub fn fixture(name: &str) -> Vec<u8> {
    read(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// Every `*.json` entry of the RustSec OSV tarball, as (name, bytes), read straight from the archive.
pub fn rustsec_osv(vuln: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let file = std::fs::File::open(vuln.join("rustsec/rustsec-advisory-db-osv-branch.tar.gz"))
        .expect("open tarball");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for entry in archive.entries().expect("tar entries") {
        let mut entry = entry.expect("tar entry");
        let path = entry
            .path()
            .expect("entry path")
            .to_string_lossy()
            .into_owned();
        if path.ends_with(".json") {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).expect("read entry");
            out.push((path, buf));
        }
    }
    out.sort();
    out
}
