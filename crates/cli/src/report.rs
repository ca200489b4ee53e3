//! Rendering model diagnostics at the CLI edge: source snippets for people, JSON for tools.

use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use covenant_model::{Diagnostic, Level, Sources};
use std::collections::BTreeMap;
use std::path::Path;

/// Renders diagnostics with a quoted source line, in the order given.
pub fn render(root: &Path, sources: &Sources, diags: &[Diagnostic]) -> String {
    let mut files = SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let mut out = String::new();
    for d in diags {
        let text = sources.get(&d.file).unwrap_or("");
        let id = *ids.entry(d.file.clone()).or_insert_with(|| {
            files.add(root.join(&d.file).display().to_string(), text.to_string())
        });
        let start = d.span.offset.min(text.len());
        let end = token_end(text, start);
        let head = match d.level {
            Level::Error => Snippet::error(),
            Level::Warning => Snippet::warning(),
        };
        let mut notes = Vec::new();
        if let Some(e) = &d.expected {
            notes.push(format!("expected: {e}"));
        }
        if let Some(h) = &d.hint {
            notes.push(format!("hint: {h}"));
        }
        let snippet = head
            .with_code(d.code)
            .with_message(&d.message)
            .with_labels(vec![Label::primary(id, start..end)])
            .with_notes(notes);
        match term::emit_into_string(&Config::default(), &files, &snippet) {
            Ok(s) => out.push_str(&s),
            // A position outside the text cannot be quoted; the plain line still says where.
            Err(_) => {
                out.push_str(&format!("{}\n", d));
            }
        }
    }
    out
}

/// The end of the word at `start`, so the label underlines the offending token.
fn token_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    let len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, ',' | ']' | '}'))
        .map_or(rest.len(), |(i, _)| i);
    start + len.max(usize::from(!rest.is_empty()))
}

/// The JSON form of diagnostics printed by `--json`.
pub fn json(root: &Path, diags: &[Diagnostic]) -> serde_json::Value {
    let errors = diags.iter().filter(|d| d.level == Level::Error).count();
    serde_json::json!({
        "program": root.display().to_string(),
        "valid": errors == 0,
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": diags,
    })
}
