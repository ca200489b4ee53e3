//! Arbitrary bytes as program.yaml and as an item file: loading and validation must
//! never panic, and every diagnostic must point inside the sources.
#![no_main]

use covenant_model::{Sources, check};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::PathBuf;

const PROGRAM: &str = "\
organization:
  name: Acme
product:
  name: Acme Widget
version:
  label: \"1.0\"
  effective: 2026-01-01
  updated: 2026-01-01
deployment_models:
  - id: self-hosted
    name: Self-hosted
security_contact:
  email: security@acme.example
";

fn run(files: BTreeMap<PathBuf, String>) {
    let sources = Sources { files };
    let (_, diags) = check(&sources);
    for d in &diags {
        assert!(d.span.line >= 1 && d.span.column >= 1, "{d}");
        if let Some(text) = sources.get(&d.file) {
            assert!(d.span.offset <= text.len(), "offset past the end: {d}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    run(BTreeMap::from([(PathBuf::from("program.yaml"), text.clone())]));
    run(BTreeMap::from([
        (PathBuf::from("program.yaml"), PROGRAM.to_string()),
        (PathBuf::from("controls/x.yaml"), text.clone()),
        (PathBuf::from("policies/p.md"), text),
    ]));
});
