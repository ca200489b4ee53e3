//! `covenant check`, `schema` and `init` on valid programs: the examples and the init
//! scaffold pass, every schema is JSON, and every example file validates against the
//! JSON Schema of its kind (the schema editors see agrees with the loader).

#[path = "fixtures/support.rs"]
mod support;

use covenant_model::yaml::{Node, NodeKind};
use std::path::Path;
use support::*;

const EXAMPLES: &[&str] = &["enforcer-dashboard", "control-core"];

#[test]
fn examples_are_valid() {
    for name in EXAMPLES {
        let dir = example(name);
        let run = covenant([Path::new("check"), &dir]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(run.stdout.contains("valid"), "{name}: {}", run.stdout);
        let (code, diags, v) = check_json(&dir);
        assert_eq!((code, diags.len()), (0, 0), "{name}: {v:#}");
        assert_eq!(v["valid"], true);
        assert_eq!(v["warnings"], 0, "{name}: {v:#}");
    }
}

#[test]
fn init_scaffold_passes_check_and_publish() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("program");
    let run = covenant([Path::new("init"), &dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.join("program.yaml").is_file());
    let (code, diags, v) = check_json(&dir);
    assert_eq!((code, diags.len()), (0, 0), "{v:#}");
    let out = root.path().join("public");
    // No evidence is recorded yet, so the claims are published marked as not backed.
    let run = covenant([
        Path::new("publish"),
        &dir,
        Path::new("--out"),
        &out,
        Path::new("--allow-unbacked"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for f in ["index.md", "index.html", "matrix.md", "SECURITY.md"] {
        assert!(out.join(f).is_file(), "{f} not published");
    }
    // init refuses to overwrite.
    let again = covenant([Path::new("init"), &dir]);
    assert_eq!(again.code, 2);
}

const KINDS: &[&str] = &[
    "program",
    "component",
    "area",
    "control",
    "commitment",
    "artifact",
    "alignment",
    "document",
    "policy",
    "customer",
];

fn schema_of(kind: &str) -> serde_json::Value {
    let run = covenant(["schema", kind]);
    assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
    let v = run.json();
    assert!(v.is_object(), "{kind}: {v:#}");
    assert!(
        jsonschema::meta::is_valid(&v),
        "{kind}: not a valid JSON Schema"
    );
    v
}

#[test]
fn schema_prints_a_json_schema_for_every_kind() {
    for kind in KINDS {
        schema_of(kind);
    }
    let all = covenant(["schema"]).json();
    let keys: Vec<&String> = all.as_object().expect("object").keys().collect();
    let mut want: Vec<&str> = KINDS.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want);
    let bad = covenant(["schema", "widget"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown file kind"), "{}", bad.stderr);
}

/// YAML → JSON with YAML 1.2 core-schema typing of plain scalars, as an editor would.
fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Scalar { value, plain } => {
            if *plain {
                match value.as_str() {
                    "true" | "True" | "TRUE" => return Value::Bool(true),
                    "false" | "False" | "FALSE" => return Value::Bool(false),
                    "null" | "Null" | "NULL" | "~" => return Value::Null,
                    _ => {}
                }
                if let Ok(i) = value.parse::<i64>() {
                    return Value::from(i);
                }
                if value.contains('.')
                    && let Ok(f) = value.parse::<f64>()
                    && f.is_finite()
                {
                    return Value::from(f);
                }
            }
            Value::String(value.clone())
        }
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().expect("string key").to_string(), to_json(v)))
                .collect(),
        ),
    }
}

fn kind_of(rel: &str) -> Option<&'static str> {
    let first = rel.split(['/', '.']).next()?;
    Some(match first {
        "program" => "program",
        "components" => "component",
        "areas" => "area",
        "controls" => "control",
        "commitments" => "commitment",
        "artifacts" => "artifact",
        "alignment" => "alignment",
        "documents" => "document",
        "policies" => "policy",
        "customers" => "customer",
        _ => return None,
    })
}

fn validate_dir(dir: &Path) -> usize {
    let sources = covenant_model::Sources::read_dir(dir).expect("read");
    let mut validators = std::collections::BTreeMap::new();
    let mut checked = 0;
    for (path, text) in &sources.files {
        let rel = path.to_string_lossy().replace('\\', "/");
        let Some(kind) = kind_of(&rel) else { continue };
        let yaml = if kind == "policy" {
            // Front matter between the first two `---` lines.
            let body = text.strip_prefix("---\n").expect("front matter");
            body.split_once("\n---").expect("end of front matter").0
        } else {
            text.as_str()
        };
        let node = covenant_model::yaml::parse(yaml)
            .expect("parses")
            .expect("not empty");
        let instance = to_json(&node);
        let validator = validators.entry(kind).or_insert_with(|| {
            jsonschema::validator_for(&schema_of(kind)).expect("schema compiles")
        });
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match `covenant schema {kind}`:\n{}",
            dir.join(&rel).display(),
            errors.join("\n")
        );
        checked += 1;
    }
    checked
}

#[test]
fn example_files_validate_against_their_json_schema() {
    assert!(validate_dir(&example("enforcer-dashboard")) >= 20);
    assert!(validate_dir(&example("control-core")) >= 5);
    assert!(validate_dir(&fixture("base")) >= 5);
}

#[test]
fn schema_rejects_what_check_rejects() {
    // The must-show typo is caught by the editor schema as well as by the loader.
    let sources = covenant_model::Sources::read_dir(&fixture("must-show")).expect("read");
    let text = sources
        .get(Path::new("controls/access-review.yaml"))
        .expect("file");
    let node = covenant_model::yaml::parse(text)
        .expect("parses")
        .expect("not empty");
    let validator = jsonschema::validator_for(&schema_of("control")).expect("compiles");
    assert!(!validator.is_valid(&to_json(&node)));
}
