//! The byte-level canonical checker must agree with parse-then-re-encode, and never panic.
#![no_main]

use covenant_ledger::canonical;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let by_checker = canonical::check(data).is_ok();
    let by_reencode = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| canonical::to_canonical(&v).ok())
        .is_some_and(|b| b == data);
    assert_eq!(by_checker, by_reencode);
    if let Ok(text) = canonical::canonicalize_text(data) {
        assert!(canonical::check(&text).is_ok());
    }
});
