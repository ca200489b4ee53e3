//! Any bytes through format detection, every importer, ingest planning and the fold.
#![no_main]

use covenant_vuln::{FindingSet, IngestOptions, Severity, fold, import, plan_ingest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(imp) = import("fuzz", data) {
        let opts = IngestOptions { at: "2026-01-01T00:00:00Z".into(), default_severity: Severity::Medium };
        let events = plan_ingest(&FindingSet::default(), &imp.observations, &opts);
        let _ = fold(&events);
    }
});
