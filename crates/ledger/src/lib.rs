//! Covenant's ledger: the tamper-evident, crash-safe, append-only log of every event
//! (evidence added, incidents, releases, waivers, ...) that auditors verify offline.
//!
//! This crate owns the whole ledger and depends on nothing else in the workspace:
//! - the canonical JSON encoding of entries ([`canonical`]);
//! - RFC 6962/9162 Merkle hashing and proofs ([`merkle`]);
//! - durable segment files with group commit and crash recovery ([`Ledger`],
//!   [`GroupCommitter`], [`segment`]);
//! - the stored tree hashes in a tlog-tiles equivalent layout ([`tree`]);
//! - C2SP signed checkpoints and notes, and the write-once checkpoint directory
//!   ([`checkpoint`], [`note`]);
//! - offline proof bundles ([`proof`]), the evidence blob store ([`blob`]) and the
//!   typed `evidence.added` event ([`evidence`]);
//! - the verifier that recomputes everything from stored bytes ([`verify`]).
//!
//! It performs no network IO and never reads the clock: callers pass `now`.
//! The on-disk format is specified in `docs/ledger-format.md`.
//!
//! # Why not the tlog crates
//!
//! The Merkle hashing and proofs, signed notes and checkpoints are written here rather than
//! taken from the `tlog_tiles` and `signed_note` crates (ports of Go's
//! `golang.org/x/mod/sumdb` packages). Those crates are the independent implementation
//! `tests/ledger_interop.rs` checks this code against, and an oracle only catches mistakes
//! while it shares no code with what it checks. They would also bring a second generation of
//! the crypto stack into production (ed25519-dalek 2, sha2 0.10, base64 0.21, thiserror 1)
//! beside the one the ledger uses, for a few hundred lines of code the RFCs and C2SP
//! specifications define exactly.

pub mod blob;
pub mod canonical;
pub mod checkpoint;
mod error;
pub mod evidence;
mod export;
pub mod group;
pub mod keys;
pub mod layout;
mod ledger;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod reader;
pub mod segment;
mod storage;
pub mod timefmt;
pub mod tree;
pub mod verify;

pub use blob::{BlobRef, BlobStore};
pub use checkpoint::Checkpoint;
pub use error::{Error, Result};
pub use evidence::EvidenceAdded;
pub use export::ExportSummary;
pub use group::GroupCommitter;
pub use layout::Layout;
pub use ledger::{Entry, EntryIter, Ledger, MAX_GROUP, Options, Recovery, SignedCheckpoint};
pub use merkle::Hash;
pub use note::{NoteSigner, NoteVerifier};
pub use proof::ProofBundle;
pub use reader::read_values;
pub use verify::{Discrepancy, Report, VerifyOptions, verify};
