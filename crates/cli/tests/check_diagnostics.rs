//! `covenant check` on broken programs: every problem is named with file:line:column and
//! the run exits 2. Each case is fixtures/base with the files of fixtures/CASE laid over it
//! (fixtures/must-show is a whole program).

#[path = "fixtures/support.rs"]
mod support;

use support::*;

/// Asserts the exact set of error diagnostics of a program.
fn assert_errors(dir: &std::path::Path, mut expected: Vec<Diag>) -> serde_json::Value {
    let (code, mut got, v) = check_json(dir);
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "diagnostics: {v:#}");
    assert_eq!(code, 2, "exit code for an invalid program");
    v
}

fn message_of<'a>(v: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} diagnostic in {v:#}"))
}

#[test]
fn must_show_typo_dangling_criterion_and_overlapping_bands() {
    let dir = fixture("must-show");
    let run = covenant([std::path::Path::new("check"), &dir]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    let shown = dir.display().to_string();
    // The human report names each problem with file:line:column.
    for (file, pos, words) in [
        (
            "controls/access-review.yaml",
            "15:1",
            &["unknown key `cadense`", "did you mean `cadence`?"][..],
        ),
        (
            "controls/patching.yaml",
            "13:24",
            &["no criterion `CC7.9`"][..],
        ),
        (
            "commitments/remediation-sla.yaml",
            "13:13",
            &["7.0-9.2", "overlaps band 9.0-10.0"][..],
        ),
    ] {
        let at = format!("{shown}/{file}:{pos}");
        assert!(
            run.stderr.contains(&at),
            "stderr lacks {at}:\n{}",
            run.stderr
        );
        for w in words {
            assert!(run.stderr.contains(w), "stderr lacks {w}:\n{}", run.stderr);
        }
    }
    assert!(run.stderr.contains("3 errors"), "{}", run.stderr);
    // The same three, and only those, in the JSON report.
    let v = assert_errors(
        &dir,
        vec![
            diag("unknown-key", "controls/access-review.yaml", 15, 1),
            diag("dangling-reference", "controls/patching.yaml", 13, 24),
            diag("sla-overlap", "commitments/remediation-sla.yaml", 13, 13),
        ],
    );
    assert_eq!(v["errors"], 3);
    assert_eq!(v["valid"], false);
}

#[test]
fn unknown_key_has_a_did_you_mean_hint() {
    let dir = case("unknown-key");
    let v = assert_errors(
        dir.path(),
        vec![
            diag("unknown-key", "program.yaml", 15, 3),
            // `email` is required, so its absence is reported too, at the mapping.
            diag("invalid-value", "program.yaml", 15, 3),
        ],
    );
    let d = message_of(&v, "unknown-key");
    assert_eq!(d["message"], "unknown key `emial`");
    assert_eq!(d["hint"], "did you mean `email`?");
    assert!(
        d["expected"]
            .as_str()
            .is_some_and(|e| e.contains("`email`") && e.contains("`report_url`")),
        "{d:#}"
    );
}

#[test]
fn duplicate_ids_point_at_the_second_definition_and_name_the_first() {
    let dir = case("duplicate-ids");
    let v = assert_errors(
        dir.path(),
        vec![
            diag("duplicate-id", "areas.yaml", 5, 7),
            diag("duplicate-id", "controls/zz-duplicate.yaml", 2, 5),
        ],
    );
    let hints: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["hint"].as_str())
        .collect();
    assert!(
        hints.iter().any(|h| h.contains("areas.yaml:3:7")),
        "{hints:?}"
    );
    assert!(
        hints
            .iter()
            .any(|h| h.contains("controls/access-review.yaml:1:5")),
        "{hints:?}"
    );
}

#[test]
fn dangling_area_component_and_deployment_model() {
    let dir = case("dangling-references");
    let v = assert_errors(
        dir.path(),
        vec![
            diag("dangling-reference", "controls/dangling.yaml", 3, 7),
            diag("dangling-reference", "controls/dangling.yaml", 5, 19),
            diag("dangling-reference", "controls/dangling.yaml", 13, 3),
        ],
    );
    let messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    for m in [
        "there is no area `networking`",
        "there is no component `load-balancer`",
        "there is no deployment model `on-premises`",
    ] {
        assert!(messages.contains(&m), "{messages:?}");
    }
}

#[test]
fn control_without_an_owner_for_one_deployment_model() {
    let dir = case("missing-model");
    let v = assert_errors(
        dir.path(),
        vec![diag("missing-model", "controls/patching.yaml", 5, 1)],
    );
    let d = message_of(&v, "missing-model");
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("`managed`")),
        "{d:#}"
    );
    assert_eq!(d["hint"], "add `managed:` under `responsibility`");
}

#[test]
fn shared_control_missing_the_customer_statement() {
    let dir = case("missing-statement");
    let v = assert_errors(
        dir.path(),
        vec![diag("missing-statement", "controls/patching.yaml", 7, 5)],
    );
    let d = message_of(&v, "missing-statement");
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("shared") && m.contains("customer statement")),
        "{d:#}"
    );
}

#[test]
fn sla_gap_names_the_uncovered_scores() {
    let dir = case("sla-gap");
    let v = assert_errors(
        dir.path(),
        vec![diag("sla-gap", "commitments/remediation-sla.yaml", 8, 5)],
    );
    let d = message_of(&v, "sla-gap");
    assert!(
        d["message"].as_str().is_some_and(|m| m.contains("3.8-3.9")),
        "{d:#}"
    );
}

#[test]
fn unparseable_duration_and_cadence() {
    let dir = case("bad-duration-cadence");
    let v = assert_errors(
        dir.path(),
        vec![
            diag("invalid-value", "commitments/remediation-sla.yaml", 14, 17),
            diag("invalid-value", "controls/access-review.yaml", 15, 10),
        ],
    );
    let messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`48 parsecs`") && m.contains("unit of time")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`every other tuesday` is not a cadence")),
        "{messages:?}"
    );
}

#[test]
fn blank_required_text() {
    let dir = case("empty-text");
    let v = assert_errors(
        dir.path(),
        vec![diag("empty-text", "controls/patching.yaml", 2, 8)],
    );
    assert_eq!(message_of(&v, "empty-text")["message"], "`title` is empty");
}

#[test]
fn yaml_syntax_error_position() {
    let dir = case("yaml-syntax");
    let (code, got, v) = check_json(dir.path());
    assert_eq!(code, 2);
    let syntax: Vec<&Diag> = got.iter().filter(|d| d.code == "yaml-syntax").collect();
    assert_eq!(syntax, [&diag("yaml-syntax", "areas.yaml", 4, 5)], "{v:#}");
    // The human report quotes the place too.
    let run = covenant([std::path::Path::new("check"), dir.path()]);
    assert!(
        run.stderr
            .contains(&format!("{}:4:5", dir.path().join("areas.yaml").display())),
        "{}",
        run.stderr
    );
}

#[test]
fn json_report_shape() {
    let dir = fixture("must-show");
    let (_, _, v) = check_json(&dir);
    let obj = v.as_object().expect("object");
    for key in ["program", "valid", "errors", "warnings", "diagnostics"] {
        assert!(obj.contains_key(key), "no `{key}` in {v:#}");
    }
    assert!(v["program"].is_string());
    assert!(v["valid"].is_boolean());
    assert!(v["errors"].is_u64() && v["warnings"].is_u64());
    for d in v["diagnostics"].as_array().expect("array") {
        for key in ["severity", "code", "file", "line", "column", "message"] {
            assert!(d.get(key).is_some(), "diagnostic lacks `{key}`: {d:#}");
        }
        assert!(d["severity"] == "error" || d["severity"] == "warning");
        assert!(d["line"].as_u64().is_some_and(|l| l >= 1));
        assert!(d["column"].as_u64().is_some_and(|c| c >= 1));
        assert!(d.get("offset").is_none(), "byte offsets are internal");
    }
    // A valid program: exit 0 and an empty list.
    let (code, diags, v) = check_json(&fixture("base"));
    assert_eq!((code, diags.len()), (0, 0), "{v:#}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["diagnostics"], serde_json::json!([]));
}

#[test]
fn missing_directory_is_a_usage_error() {
    let run = covenant(["check", "/nonexistent/covenant-program"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read program"), "{}", run.stderr);
}
