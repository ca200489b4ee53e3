//! The template environment: built-in Markdown templates, overridable per program, with
//! every interpolated value escaped for Markdown so that program text cannot inject HTML.
//! The HTML page around each document is not overridable: a program's text reaches HTML
//! only through Markdown, whose raw HTML [`crate::html`] escapes.

use minijinja::{Environment, Error, Output, State, UndefinedBehavior, Value};

/// Built-in templates by name. A program overrides one by shipping `templates/<name>`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("_header.md.j2", include_str!("../templates/_header.md.j2")),
    ("_claim.md.j2", include_str!("../templates/_claim.md.j2")),
    ("matrix.md.j2", include_str!("../templates/matrix.md.j2")),
    (
        "responsibilities.md.j2",
        include_str!("../templates/responsibilities.md.j2"),
    ),
    (
        "remediation-sla.md.j2",
        include_str!("../templates/remediation-sla.md.j2"),
    ),
    (
        "boundaries.md.j2",
        include_str!("../templates/boundaries.md.j2"),
    ),
    (
        "alignment.md.j2",
        include_str!("../templates/alignment.md.j2"),
    ),
    (
        "artifacts.md.j2",
        include_str!("../templates/artifacts.md.j2"),
    ),
    (
        "overview.md.j2",
        include_str!("../templates/overview.md.j2"),
    ),
    ("annex.md.j2", include_str!("../templates/annex.md.j2")),
    (
        "policies.md.j2",
        include_str!("../templates/policies.md.j2"),
    ),
    ("policy.md.j2", include_str!("../templates/policy.md.j2")),
    (
        "security-md.md.j2",
        include_str!("../templates/security-md.md.j2"),
    ),
    ("changes.md.j2", include_str!("../templates/changes.md.j2")),
    (
        "coverage.md.j2",
        include_str!("../templates/coverage.md.j2"),
    ),
    ("soa.md.j2", include_str!("../templates/soa.md.j2")),
    ("index.md.j2", include_str!("../templates/index.md.j2")),
    (PAGE, include_str!("../templates/page.html.j2")),
];

/// Where escaped text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Markdown: `|` is escaped too, so it cannot split a table cell.
    Markdown,
    /// HTML or XML (SVG) text and double- or single-quoted attribute values.
    Markup,
}

/// The one escaper of the crate: HTML-significant characters become entities (rendered as
/// the characters themselves), plus what the context needs.
pub fn escape(s: &str, context: Context) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (c, context) {
            ('&', _) => out.push_str("&amp;"),
            ('<', _) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            ('|', Context::Markdown) => out.push_str("\\|"),
            ('"', Context::Markup) => out.push_str("&quot;"),
            ('\'', Context::Markup) => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown ([`escape`] in [`Context::Markdown`]).
pub fn escape_markdown(s: &str) -> String {
    escape(s, Context::Markdown)
}

/// The template of the HTML page around each document, which programs cannot replace.
pub const PAGE: &str = "page.html.j2";

/// Whether a program may replace the built-in template `name`: every template but the
/// HTML page, whose text would reach the HTML unescaped (the others are Markdown, and
/// raw HTML in Markdown is escaped).
pub fn overridable(name: &str) -> bool {
    name != PAGE
}

fn markdown_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if state.name().ends_with(".html.j2") {
        return minijinja::escape_formatter(out, state, value);
    }
    if value.is_safe() || value.is_none() || value.is_undefined() {
        if !value.is_none() && !value.is_undefined() {
            write!(out, "{value}").map_err(Error::from)?;
        }
        return Ok(());
    }
    let text = value.to_string();
    out.write_str(&escape_markdown(&text)).map_err(Error::from)
}

/// Builds the environment with program overrides applied on top of the built-ins.
pub fn environment(overrides: &[(String, String)]) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(markdown_formatter);
    for (name, source) in BUILTIN {
        env.add_template(name, source)?;
    }
    for (name, source) in overrides.iter().filter(|(n, _)| overridable(n)) {
        env.add_template_owned(name.clone(), source.clone())?;
    }
    Ok(env)
}
