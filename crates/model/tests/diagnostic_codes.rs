//! Every diagnostic code the model emits is in the table of `docs/schema.md`, with its level,
//! and the table names no code the model does not emit.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

/// Code → level, from `Diagnostic::error("code", ...)` and `Diagnostic::warning("code", ...)`.
fn emitted(dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            emitted(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for level in ["error", "warning"] {
            for (i, _) in text.match_indices(&format!("Diagnostic::{level}(")) {
                let rest = text[i..].split_once('(').unwrap().1.trim_start();
                // The constructor's own definition passes the code through a variable.
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let code = rest.split('"').next().unwrap();
                out.insert(code.to_string(), level.to_string());
            }
        }
    }
}

/// Code → level, from the rows of the "Diagnostic codes" table.
fn documented() -> BTreeMap<String, String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md"))
        .unwrap();
    let table = doc.split("### Diagnostic codes").nth(1).unwrap();
    table
        .lines()
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect()
}

#[test]
fn every_code_is_documented_with_its_level() {
    let mut codes = BTreeMap::new();
    emitted(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut codes,
    );
    assert!(codes.len() > 20, "found only {codes:?}");
    assert_eq!(codes, documented());
}
