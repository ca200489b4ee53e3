//! Publishing a large generated program: 2,000 controls, 5 deployment models and 10,000
//! criteria references (issue 2's anchor). Measures `check` (load and validate from
//! in-memory YAML) and `publish` (every document, Markdown and HTML) separately.
//!
//! Run: `cargo bench -p covenant-publish --bench publish`.

use covenant_model::{Level, Sources};
use covenant_publish::{Options, publish};
use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const CONTROLS: usize = 2_000;
const MODELS: usize = 5;
const CRITERIA_PER_CONTROL: usize = 5;
const AREAS: usize = 20;
const COMPONENTS: usize = 10;

/// Criteria from the built-in catalogs; each control cites five distinct ones.
const CRITERIA: &[&str] = &[
    "soc2:CC6.1",
    "soc2:CC6.2",
    "soc2:CC6.3",
    "soc2:CC6.6",
    "soc2:CC6.7",
    "soc2:CC6.8",
    "soc2:CC7.1",
    "soc2:CC7.2",
    "soc2:CC7.3",
    "soc2:CC7.4",
    "soc2:CC7.5",
    "soc2:CC8.1",
    "soc2:CC2.3",
    "soc2:CC9.2",
    "soc2:C1.1",
    "soc2:A1.2",
    "iso27001:A.5.15",
    "iso27001:A.5.18",
    "iso27001:A.8.8",
    "iso27001:A.8.24",
    "iso27001:A.8.15",
    "iso27001:A.5.24",
    "nist-csf:PR.AA-05",
];

/// Generates the program's files as YAML text, as they would sit in a repository.
pub fn generate() -> Sources {
    let mut files = BTreeMap::new();
    let mut program = String::from(
        "organization:\n  name: Bench Corp\nproduct:\n  name: Bench Product\nversion:\n  label: \"1.0\"\n  effective: 2026-01-01\n  updated: 2026-01-01\nsecurity_contact:\n  email: security@bench.example\ncalendars:\n  - id: default\n    time_zone: UTC\ndeployment_models:\n",
    );
    for m in 0..MODELS {
        let _ = writeln!(
            program,
            "  - id: model-{m}\n    name: Model {m}\n    description: Deployment model number {m}."
        );
    }
    files.insert(PathBuf::from("program.yaml"), program);

    let mut areas = String::new();
    for a in 0..AREAS {
        let _ = writeln!(
            areas,
            "- id: area-{a}\n  title: Area {a}\n  criteria: [{}]",
            CRITERIA[a % CRITERIA.len()]
        );
    }
    files.insert(PathBuf::from("areas.yaml"), areas);

    let mut components = String::new();
    for c in 0..COMPONENTS {
        let _ = writeln!(
            components,
            "- id: comp-{c}\n  name: Component {c}\n  network_boundary: Segment {c}\n  deployed_by:"
        );
        for m in 0..MODELS {
            let who = if (c + m) % 2 == 0 {
                "vendor"
            } else {
                "customer"
            };
            let _ = writeln!(components, "    model-{m}: {who}");
        }
    }
    files.insert(PathBuf::from("components.yaml"), components);

    // 20 files of 100 controls each.
    for f in 0..CONTROLS / 100 {
        let mut text = String::new();
        for i in f * 100..(f + 1) * 100 {
            let _ = writeln!(
                text,
                "- id: ctl-{i}\n  title: Control number {i}\n  area: area-{}\n  statement: Control {i} keeps the product & its data safe <always>.\n  components: [comp-{}]\n  cadence: quarterly\n  criteria: [{}]\n  responsibility:",
                i % AREAS,
                i % COMPONENTS,
                (0..CRITERIA_PER_CONTROL)
                    .map(|k| CRITERIA[(i + k * 3) % CRITERIA.len()])
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for m in 0..MODELS {
                let _ = writeln!(text, "    model-{m}:");
                match (i + m) % 3 {
                    0 => {
                        let _ = writeln!(
                            text,
                            "      owner: vendor\n      vendor: The vendor runs control {i} in model {m}."
                        );
                    }
                    1 => {
                        let _ = writeln!(
                            text,
                            "      owner: customer\n      customer: The customer runs control {i} in model {m}."
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            text,
                            "      owner: shared\n      vendor: The vendor provides control {i}.\n      customer:\n        - The customer configures control {i}.\n        - The customer reviews control {i}."
                        );
                    }
                }
            }
        }
        files.insert(PathBuf::from(format!("controls/batch-{f:02}.yaml")), text);
    }

    files.insert(
        PathBuf::from("commitments/sla.yaml"),
        "id: remediation-sla\ntitle: Remediation SLA\nstatement: Fixes ship on time.\ncontrols: [ctl-0, ctl-1]\nremediation_sla:\n  bands:\n    - {severity: critical, cvss: 9.0-10.0, response: 24h, remediation: 72h}\n    - {severity: high, cvss: 7.0-8.9, response: 48h, remediation: 14 days}\n    - {severity: medium, cvss: 4.0-6.9, response: 5 business days, remediation: next release}\n    - {severity: low, cvss: 0.1-3.9, response: 10 business days, remediation: next release}\n".to_string(),
    );
    Sources {
        files,
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let sources = generate();
    let (program, diags) = covenant_model::check(&sources);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .take(5)
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.is_empty(),
        "generated program is invalid: {errors:#?}"
    );
    assert_eq!(program.controls.len(), CONTROLS);
    let refs: usize = program
        .controls
        .iter()
        .map(|c| c.value.criteria.len())
        .sum();
    assert_eq!(refs, CONTROLS * CRITERIA_PER_CONTROL);

    // One plain measurement first, so a single `cargo bench` run also prints a figure
    // that does not depend on criterion's statistics.
    let t = Instant::now();
    let out = publish(&program, &Options::default()).expect("publish");
    let bytes: usize = out.files.values().map(Vec::len).sum();
    eprintln!(
        "generated program: {} controls, {MODELS} models, {refs} criteria references; \
         publish wrote {} files, {bytes} bytes in {:?} (first run)",
        program.controls.len(),
        out.files.len(),
        t.elapsed()
    );

    let mut g = c.benchmark_group("large-program");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.bench_function("check (load + validate)", |b| {
        b.iter(|| covenant_model::check(black_box(&sources)))
    });
    g.bench_function("publish (all documents)", |b| {
        b.iter(|| publish(black_box(&program), &Options::default()).expect("publish"))
    });
    g.bench_function("check + publish", |b| {
        b.iter(|| {
            let (p, _) = covenant_model::check(black_box(&sources));
            publish(&p, &Options::default()).expect("publish")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
