//! Covenant's vulnerability domain: reading SBOMs, scanner reports and VEX documents; matching
//! components against OSV advisories with per-ecosystem version rules; CVSS scoring; merging
//! everything into one finding per (vulnerability, component, version); the finding events the
//! ledger records and the fold that rebuilds state from them; and CSAF, OpenVEX and CycloneDX VEX
//! output. No IO beyond what callers hand in, no clock: timestamps are arguments.

mod json;

pub mod cvss;
pub mod severity;
pub mod version;

pub use json::ShapeError;

pub mod component;
pub mod import;
pub mod observation;
pub mod osv;

pub use component::Component;
pub use import::{Import, ImportError, detect, import, import_value};
pub use observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
pub use osv::{AdvisoryDb, MatchOptions, MatchReport, OsvRecord, Skipped};
pub use severity::Severity;

pub mod dedupe;
pub mod event;
pub mod finding;
pub mod sla;

pub use event::{
    FindingEvent, FoldError, IngestOptions, TriageRequest, fold, plan_ingest, plan_ingest_owned,
    triage,
};
pub use finding::{Finding, FindingSet, Rating, RatingBasis, Status};
pub use sla::{SlaInput, assign_sla, clock_json};

pub mod export;

pub use export::ExportMeta;
