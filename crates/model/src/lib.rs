//! The program-as-code model: the YAML schema of a security program (program, components,
//! areas, controls, commitments, artifacts, alignment, documents, policies), loading with
//! positioned diagnostics, validation, and JSON Schemas for editors. No IO beyond reading
//! the program directory into memory ([`Sources::read_dir`]).

pub mod alignment;
pub mod applicability;
pub mod area;
pub mod artifact;
pub mod cadence;
pub mod commitment;
pub mod component;
pub mod control;
pub mod criteria;
pub mod crosswalk;
pub mod customer;
pub mod date;
pub(crate) mod de;
pub mod diagnostic;
pub mod document;
pub mod duration;
pub mod framework;
pub mod load;
pub mod party;
pub mod policy;
pub mod program;
mod scalar;
pub mod schema;
pub mod score;
pub mod severity;
pub mod source;
pub mod span;
pub mod validate;
pub mod yaml;

pub use diagnostic::{Diagnostic, Level};
pub use load::{Located, Program};
pub use severity::Severity;
pub use source::Sources;

/// Loads and validates a program from its sources; diagnostics are sorted by file and position.
pub fn check(sources: &Sources) -> (Program, Vec<Diagnostic>) {
    let (program, mut diags) = load::load(sources);
    diags.extend(validate::validate(&program));
    diags.sort_by(|a, b| {
        (&a.file, a.span.line, a.span.column).cmp(&(&b.file, b.span.line, b.span.column))
    });
    (program, diags)
}
