//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use covenant_ledger::{Ledger, NoteSigner, Options};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

pub const ORIGIN: &str = "test.covenant.example/ledger";

pub fn signer() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, [42; 32]).expect("valid key")
}

pub fn entry(n: u64) -> Value {
    json!({"type": "test.entry", "n": n, "pad": "x".repeat((n % 7) as usize)})
}

pub fn at(secs: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub fn small(dir: &Path, segment_size: u64) -> Ledger {
    if !dir.join("ledger/origin").exists() {
        drop(Ledger::init(dir, ORIGIN).expect("init"));
    }
    Ledger::open_with(dir, Options { segment_size }).expect("open")
}
