//! Documented exit codes, shared by every verb.

/// Everything is fine.
pub const OK: u8 = 0;
/// The input was valid but violates a rule (late obligation, tampered ledger, ...).
pub const VIOLATIONS: u8 = 1;
/// Invalid input or usage.
pub const USAGE: u8 = 2;
