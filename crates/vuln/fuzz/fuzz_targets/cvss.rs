//! CVSS vector parsing and scoring: never panics, scores stay in 0–10.
#![no_main]

use covenant_vuln::cvss::{CvssScore, Declared};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = CvssScore::parse(text, Declared::Unknown) {
        assert!((0.0..=10.0).contains(&s.score));
    }
});
