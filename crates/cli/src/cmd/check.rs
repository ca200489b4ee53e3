//! `covenant check PROGRAM_DIR`: validate a program and report every problem; when the
//! program has a ledger, also apply the gate (overdue obligations, unbacked claims, SLA
//! breaches, as the program's `gate` policy says).

use crate::exit;
use crate::report;
use crate::state::{self, DataDir};
use covenant_engine::gate::{self, Violation};
use covenant_model::{Level, Sources};
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The program directory (holding program.yaml).
    pub program: PathBuf,
    /// Print diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
    /// Apply the gate at this time instead of now (RFC 3339, or a date).
    #[arg(long)]
    pub at: Option<String>,
    /// Write the result as JUnit XML for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Apply the gate even when no ledger exists (everything is then unrecorded).
    #[arg(long)]
    pub gate: bool,
    #[command(flatten)]
    pub data: DataDir,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let sources = match Sources::read_dir(&args.program) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read program {}: {e}", args.program.display());
            return Ok(exit::USAGE);
        }
    };
    let (program, diags) = covenant_model::check(&sources);
    let errors = diags.iter().filter(|d| d.level == Level::Error).count();
    let data = args.data.resolve(&args.program);
    let state = state::read_state(&data)?;
    let gated = errors == 0 && (state.ledger_found || args.gate);
    let violations: Vec<Violation> = if gated {
        let now = crate::clock::now(args.at.as_deref())?;
        let eval = state::evaluate_at(&program, &state, now)?;
        let policy = program
            .manifest
            .as_ref()
            .map(|m| m.value.gate.clone())
            .unwrap_or_default();
        let severities: std::collections::HashMap<&str, covenant_model::Severity> = state
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.severity))
            .collect();
        gate::violations(&eval, &policy, &|id| severities.get(id).copied())
    } else {
        Vec::new()
    };
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(&args.program, &diags, &violations))?;
    }
    if args.json {
        let mut v = report::json(&args.program, &diags);
        v["gate"] = serde_json::json!({ "applied": gated, "violations": violations });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        eprint!("{}", report::render(&args.program, &sources, &diags));
        for v in &violations {
            eprintln!("gate[{}]: {}: {}", v.rule, v.id, v.message);
        }
        if errors > 0 {
            eprintln!(
                "{}: {errors} errors, {} warnings",
                args.program.display(),
                diags.len() - errors
            );
        } else if !violations.is_empty() {
            eprintln!(
                "{}: valid, but the gate fails with {} violations",
                args.program.display(),
                violations.len()
            );
        } else {
            let gate_note = if gated {
                "gate passed"
            } else {
                "no ledger, gate not applied"
            };
            println!(
                "{}: valid ({} warnings, {gate_note})",
                args.program.display(),
                diags.len()
            );
        }
    }
    Ok(if errors > 0 {
        exit::USAGE
    } else if !violations.is_empty() {
        exit::VIOLATIONS
    } else {
        exit::OK
    })
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test case per diagnostic and gate violation, failing ones marked.
/// Written by hand: the JUnit crates pull in chrono and UUIDs for features we do not use.
fn junit(program: &Path, diags: &[covenant_model::Diagnostic], violations: &[Violation]) -> String {
    let failures = diags.iter().filter(|d| d.level == Level::Error).count() + violations.len();
    let tests = (diags.len() + violations.len()).max(1);
    let mut out = String::new();
    let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        out,
        r#"<testsuites name="covenant check" tests="{tests}" failures="{failures}">"#
    );
    let _ = writeln!(
        out,
        r#"  <testsuite name="{}" tests="{tests}" failures="{failures}">"#,
        xml(&program.display().to_string())
    );
    if diags.is_empty() && violations.is_empty() {
        let _ = writeln!(
            out,
            r#"    <testcase classname="covenant" name="program is valid and the gate passes"/>"#
        );
    }
    for d in diags {
        let name = format!(
            "{}:{}:{} {}",
            d.file.display(),
            d.span.line,
            d.span.column,
            d.code
        );
        if d.level == Level::Error {
            let _ = writeln!(
                out,
                r#"    <testcase classname="validation" name="{}"><failure message="{}">{}</failure></testcase>"#,
                xml(&name),
                xml(&d.message),
                xml(&d.to_string())
            );
        } else {
            let _ = writeln!(
                out,
                r#"    <testcase classname="validation" name="{}"><system-out>{}</system-out></testcase>"#,
                xml(&name),
                xml(&d.to_string())
            );
        }
    }
    for v in violations {
        let _ = writeln!(
            out,
            r#"    <testcase classname="gate.{}" name="{}"><failure message="{}"/></testcase>"#,
            v.rule,
            xml(&v.id),
            xml(&v.message)
        );
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}
