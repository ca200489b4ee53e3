//! Properties of `covenant_model::check`: no input makes it panic, an unknown key always
//! gives exactly one `unknown-key` diagnostic at that key, and the diagnostics are the
//! same on every run.

use covenant_model::{Diagnostic, Sources, check};
use proptest::prelude::*;
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
  - id: managed
    name: Managed
security_contact:
  email: security@acme.example
";

const AREAS: &str = "\
- id: access-control
  title: Access control
";

/// A valid control whose top-level keys each start a line at column 1.
const CONTROL: &str = "\
id: access-review
title: Access reviews
area: access-control
statement: Access is reviewed every quarter.
responsibility:
  self-hosted:
    owner: customer
    customer: Review user access every quarter.
  managed:
    owner: shared
    vendor: Review operator access every quarter.
    customer:
      - Review the access of its own users every quarter.
      - Remove leavers promptly.
criteria: [soc2:CC6.2, iso27001:A.5.18]
cadence: quarterly
grace: 14 days
evidence:
  - kind: attestation
    fresh_for: 100d
";

const CONTROL_KEYS: &[&str] = &[
    "id",
    "title",
    "area",
    "statement",
    "responsibility",
    "criteria",
    "components",
    "cadence",
    "anchor",
    "grace",
    "evidence",
];

fn sources(files: &[(&str, &str)]) -> Sources {
    Sources {
        files: files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), (*t).to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

fn valid(control: &str) -> Sources {
    sources(&[
        ("program.yaml", PROGRAM),
        ("areas.yaml", AREAS),
        ("controls/c.yaml", control),
    ])
}

/// Runs check and asserts the basic invariants every diagnostic must satisfy.
fn checked(src: &Sources) -> Vec<Diagnostic> {
    let (_, diags) = check(src);
    for d in &diags {
        assert!(d.span.line >= 1 && d.span.column >= 1, "{d}");
        assert!(
            src.files.contains_key(&d.file) || d.code == "missing-file",
            "diagnostic names a file that is not in the sources: {d}"
        );
        assert!(!d.message.is_empty(), "{d:?}");
        if let Some(text) = src.get(&d.file) {
            assert!(d.span.offset <= text.len(), "offset past the end: {d}");
            // YAML breaks lines at `\n`, `\r` and `\r\n`; an error at the end of a file
            // without a final newline is placed on the line after the last one.
            let lines = text.matches(['\n', '\r']).count() + 2;
            assert!(d.span.line as usize <= lines, "line past the end: {d}");
        }
    }
    diags
}

#[test]
fn the_base_program_is_valid() {
    let diags = checked(&valid(CONTROL));
    assert!(diags.is_empty(), "{diags:#?}");
}

/// YAML-looking text built from the schema's own vocabulary and YAML's sharp edges.
fn yamlish() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "id",
        "title",
        "area",
        "statement",
        "responsibility",
        "self-hosted",
        "managed",
        "owner",
        "vendor",
        "customer",
        "criteria",
        "cadence",
        "anchor",
        "grace",
        "evidence",
        "kind",
        "fresh_for",
        "remediation_sla",
        "bands",
        "severity",
        "cvss",
        "response",
        "remediation",
        "deployment_models",
        "organization",
        "name",
        "version",
        "effective",
        "calendars",
        "time_zone",
        "holidays",
        "date",
        "? complex",
        "<<",
        "\"quoted key\"",
    ]);
    let value = prop::sample::select(vec![
        "",
        "x",
        "shared",
        "vendor",
        "customer",
        "quarterly",
        "every 0 days",
        "every 99999999999999999999 days",
        "24h",
        "0h",
        "5 business days",
        "next release",
        "9.0-10.0",
        "10.0-0.1",
        "0.0-0.0",
        "2026-02-30",
        "2026-01-01",
        "soc2:CC6.1",
        "[soc2:CC6.1, iso27001:A.5.18]",
        "[a, [b, [c]]]",
        "{a: 1, b: {c: 2}}",
        "&anchor value",
        "*anchor",
        "*missing",
        "!!binary aGVsbG8=",
        "!custom tag",
        "'single quoted'",
        "\"double \\u00e9 quoted\"",
        "|",
        ">-",
        "~",
        "null",
        "true",
        "1e999",
        "-1",
        "\"",
        "[",
        "{",
        "- item",
        "---",
        "...",
        "%YAML 1.2",
        "\t",
        "é✅\u{202e}",
    ]);
    let line = (0usize..4, prop::bool::ANY, key, value).prop_map(|(indent, dash, k, v)| {
        format!(
            "{}{}{}: {}",
            "  ".repeat(indent),
            if dash { "- " } else { "" },
            k,
            v
        )
    });
    prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"))
}

fn all_kinds(text: &str) -> Sources {
    let mut files = BTreeMap::new();
    for p in [
        "program.yaml",
        "controls/x.yaml",
        "components.yaml",
        "areas.yaml",
        "commitments/x.yaml",
        "artifacts.yaml",
        "alignment/x.yaml",
        "documents/x.yaml",
    ] {
        files.insert(PathBuf::from(p), text.to_string());
    }
    files.insert(
        PathBuf::from("policies/p.md"),
        format!("---\n{text}\n---\n# Body\n"),
    );
    Sources {
        files,
        ..Default::default()
    }
}

/// Splices `text` in place of the line at `line` of the valid control (or appends it).
fn splice(line: usize, text: &str) -> String {
    let mut lines: Vec<&str> = CONTROL.lines().collect();
    let at = line.min(lines.len());
    lines.insert(at, text);
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        checked(&sources(&[("program.yaml", &text)]));
        checked(&sources(&[("program.yaml", PROGRAM), ("controls/x.yaml", &text)]));
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        checked(&all_kinds(&text));
    }

    #[test]
    fn yamlish_text_never_panics(text in yamlish()) {
        checked(&all_kinds(&text));
        checked(&sources(&[
            ("program.yaml", PROGRAM),
            ("areas.yaml", AREAS),
            ("controls/x.yaml", &text),
        ]));
    }

    #[test]
    fn mutated_valid_control_never_panics(line in 0usize..24, text in yamlish()) {
        checked(&valid(&splice(line, &text)));
    }

    #[test]
    fn diagnostics_are_deterministic(text in yamlish(), line in 0usize..24) {
        let src = valid(&splice(line, &text));
        let a = check(&src).1;
        let b = check(&src).1;
        prop_assert_eq!(&a, &b);
        let rendered: Vec<String> = a.iter().map(ToString::to_string).collect();
        let again: Vec<String> = b.iter().map(ToString::to_string).collect();
        prop_assert_eq!(rendered, again);
    }

    #[test]
    fn an_unknown_key_gives_exactly_one_diagnostic_at_that_key(
        key in "[a-z][a-z_]{0,15}".prop_filter("not a control key", |k| !CONTROL_KEYS.contains(&k.as_str())),
        value in prop::sample::select(vec!["", "1", "x", "\"quoted\"", "[a, b]", "{k: v}", "~", "soc2:CC6.1"]),
        slot in 0usize..20,
    ) {
        // Top-level entries start at column 1; insert before one of them, or at the end.
        let starts: Vec<usize> = CONTROL
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.starts_with(' '))
            .map(|(i, _)| i)
            .chain(std::iter::once(CONTROL.lines().count()))
            .collect();
        let at = starts[slot % starts.len()];
        let control = splice(at, &format!("{key}: {value}"));
        let diags = checked(&valid(&control));
        prop_assert_eq!(diags.len(), 1, "{:#?}\n{}", diags, control);
        let d = &diags[0];
        prop_assert_eq!(d.code, "unknown-key");
        prop_assert_eq!(&d.file, &PathBuf::from("controls/c.yaml"));
        prop_assert_eq!((d.span.line as usize, d.span.column), (at + 1, 1));
        let expected_message = format!("unknown key `{key}`");
        prop_assert_eq!(&d.message, &expected_message);
    }
}
