//! Errors with a message that says what was tried and what was wrong.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{what} is not valid OSCAL JSON: {message} (line {line}, column {column})")]
    Json {
        what: String,
        message: String,
        line: usize,
        column: usize,
    },
    #[error(
        "{what} is {format}; this version reads OSCAL JSON only (convert it with NIST's oscal-cli or use the JSON file published beside it)"
    )]
    UnsupportedFormat { what: String, format: &'static str },
    #[error("{what} is an OSCAL {found}, expected {expected}")]
    WrongModel {
        what: String,
        found: String,
        expected: &'static str,
    },
    #[error("{what} has no OSCAL root object (expected one of {expected})")]
    NoRoot {
        what: String,
        expected: &'static str,
    },
    #[error("cannot load import `{href}` of {profile}; tried:\n{tried}")]
    Import {
        href: String,
        profile: String,
        tried: String,
    },
    #[error("import `{href}` of {profile} is circular: {chain}")]
    Circular {
        href: String,
        profile: String,
        chain: String,
    },
    #[error(
        "import `{href}` of {profile} names back-matter resource {uuid}, which has no rlinks to try"
    )]
    NoLinks {
        href: String,
        profile: String,
        uuid: String,
    },
    #[error("import `{href}` of {profile} refers to no back-matter resource with that uuid")]
    NoResource { href: String, profile: String },
    #[error("profile {profile}: {message}")]
    Profile { profile: String, message: String },
    #[error("cannot export the program: {0}")]
    Export(String),
}
