//! Proof bundles from arbitrary bytes: parsing and verification never panic, and parsed
//! bundles re-encode to themselves.
#![no_main]

use covenant_ledger::{NoteSigner, ProofBundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = ProofBundle::parse(data) {
        let again = ProofBundle::parse(b.encode().as_bytes()).ok();
        assert_eq!(again.as_ref(), Some(&b));
        if let Ok(s) = NoteSigner::from_seed("fuzz.example/log", [3; 32]) {
            let _ = b.verify(&s.verifier());
        }
    }
});
