//! Version parsing and comparison for every ecosystem; ordering must stay antisymmetric.
#![no_main]

use covenant_vuln::version::Ecosystem;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_once('\n').unwrap_or((text, ""));
    for eco in [Ecosystem::Cargo, Ecosystem::Npm, Ecosystem::Golang, Ecosystem::Pypi, Ecosystem::Maven] {
        if let (Ok(x), Ok(y)) = (eco.parse(a), eco.parse(b)) {
            assert_eq!(x.compare(&y).map(std::cmp::Ordering::reverse), y.compare(&x));
        }
    }
});
