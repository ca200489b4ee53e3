//! Signed notes and checkpoints from arbitrary bytes never panic, and parsed checkpoints
//! round-trip.
#![no_main]

use covenant_ledger::{Checkpoint, NoteSigner, note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = note::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(text) {
            assert_eq!(cp.to_text(), text);
        }
    }
    if let Ok(s) = NoteSigner::from_seed("fuzz.example/log", [3; 32]) {
        let _ = s.verifier().open(data);
    }
});
