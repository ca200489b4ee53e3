//! The template environment: built-in Markdown templates, overridable per program, with
//! every interpolated value escaped for Markdown so that program text cannot inject HTML.

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
    ("page.html.j2", include_str!("../templates/page.html.j2")),
];

/// Escapes text for Markdown: HTML-significant characters become entities (rendered as
/// the characters themselves) and `|` is escaped so it cannot split a table cell.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            _ => out.push(c),
        }
    }
    out
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
    for (name, source) in overrides {
        env.add_template_owned(name.clone(), source.clone())?;
    }
    Ok(env)
}
