//! OSCAL for Covenant: reading NIST OSCAL catalogs and profiles (JSON, OSCAL 1.0–1.2),
//! resolving profiles into catalogs as the OSCAL profile-resolution specification defines
//! it, checking documents' structure, and exporting a program as OSCAL
//! component-definition, system security plan and assessment-results.
//!
//! This crate owns the OSCAL document types and every rule about them. It does no IO and
//! reads no clock: callers hand it document text, a [`resolve::Resolver`] that fetches
//! imported documents, and the timestamp to write. Same input, same bytes out: UUIDs in
//! exports are derived from content ([`uuid`]), never random.

pub mod catalog;
pub mod control;
pub mod document;
pub mod error;
pub mod export;
pub mod glob;
pub mod profile;
pub mod resolve;
pub mod schema;
pub mod uuid;
pub mod validate;

pub use catalog::Catalog;
pub use document::Document;
pub use error::Error;
pub use profile::Profile;
pub use resolve::{Fetched, Resolver, resolve};
