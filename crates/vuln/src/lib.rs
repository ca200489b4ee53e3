//! Covenant's vulnerability domain. This crate owns:
//! - reading SBOMs, scanner reports and VEX documents, with the format detected from content
//!   ([`mod@import`]; one importer per format);
//! - package URLs and per-ecosystem version ordering ([`component`], [`version`]);
//! - matching components against OSV advisories ([`osv`]);
//! - CVSS v3.x/v4.0 scoring and the declared-version check ([`cvss`]; the
//!   [`Severity`] scale itself is the model's);
//! - the merge rule that makes one finding per (vulnerability, component, version) ([`dedupe`]);
//! - findings, their status, the events the ledger records and the fold that rebuilds state
//!   from them ([`finding`], [`event`]); the SLA hand-off to the engine's clocks ([`sla`]);
//! - CSAF 2.0, OpenVEX 0.2.0 and CycloneDX VEX output ([`export`]).
//!
//! It does no IO beyond the bytes callers hand in and never reads the clock: timestamps are
//! arguments. Deadlines (calendars, business days) belong to the engine.

mod json;

pub mod component;
pub mod cvss;
pub mod dedupe;
pub mod event;
pub mod export;
pub mod finding;
pub mod import;
pub mod observation;
pub mod osv;
pub mod sla;
pub mod version;

pub use component::Component;
pub use covenant_model::Severity;
pub use event::{
    FindingEvent, FoldError, IngestOptions, TriageRequest, fold, plan_ingest, plan_ingest_owned,
    triage,
};
pub use export::ExportMeta;
pub use finding::{Finding, FindingSet, Rating, RatingBasis, Status};
pub use import::{Import, ImportError, detect, import, import_value};
pub use json::ShapeError;
pub use observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
pub use osv::{AdvisoryDb, MatchOptions, MatchReport, OsvRecord, Skipped};
pub use sla::{SlaInput, assign_sla, clock_json};
