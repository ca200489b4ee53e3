//! Reading the entries of a ledger without taking the writer lock, so that any number of
//! readers (`covenant status`, `check`, `publish`) can run beside a writer.
//!
//! A reader sees a prefix of the log: it walks the segments in order and stops at the end
//! marker or at the first record that does not frame or check, which is where a concurrent
//! or interrupted append would be. It never repairs anything; that is the writer's job.

use crate::error::{Error, IoContext, Result};
use crate::layout::Layout;
use crate::segment::{self, Decoded, Walk};
use serde_json::Value;
use std::path::Path;

/// The entries of the ledger in `data`, each with its sequence number, parsed as JSON.
pub fn read_values(data: &Path) -> Result<Vec<(u64, Value)>> {
    let layout = Layout::new(data);
    if !layout.origin().exists() {
        return Err(Error::NotInitialized(data.to_path_buf()));
    }
    let mut out = Vec::new();
    for (first, path) in layout.segment_files()? {
        if first != out.len() as u64 {
            // A gap means the earlier segment ended early: what follows is not a prefix.
            break;
        }
        let buf = std::fs::read(&path).at(&path)?;
        let Some(header) = segment::decode_header(&buf) else {
            break;
        };
        let mut walk = Walk::new(&buf, header);
        // A full segment simply runs out; the next one then starts at the following
        // sequence number, which the gap check above confirms.
        while let Decoded::Record { payload, crc, len } = walk.peek() {
            let value: Value = serde_json::from_slice(payload)
                .map_err(|e| Error::Corrupt(format!("entry {}: not JSON: {e}", out.len())))?;
            out.push((out.len() as u64, value));
            walk.advance(len, crc);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Ledger, Options};
    use serde_json::json;

    #[test]
    fn reads_every_entry_across_segments_while_a_writer_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        Ledger::init(dir.path(), "test.example/log").unwrap();
        // Small segments, so the entries span several files.
        let mut l = Ledger::open_with(dir.path(), Options { segment_size: 4096 }).unwrap();
        let entries: Vec<Value> = (0..200)
            .map(|i| json!({ "type": "t", "i": i, "pad": "x".repeat(40) }))
            .collect();
        l.append(&entries).unwrap();
        let segments = std::fs::read_dir(Layout::new(dir.path()).log())
            .unwrap()
            .count();
        assert!(segments > 1, "the test needs several segments");
        let got = read_values(dir.path()).unwrap();
        assert_eq!(got.len(), 200);
        assert_eq!(got[199].1["i"], 199);
        assert!(got.iter().enumerate().all(|(i, (seq, _))| *seq == i as u64));
    }

    #[test]
    fn a_missing_ledger_is_an_error_naming_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_values(dir.path()).unwrap_err();
        assert!(err.to_string().contains("covenant ledger init"), "{err}");
    }
}
