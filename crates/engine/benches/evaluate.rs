//! Evaluating 10,000 obligations over 1,000,000 ledger events (issue target: under 1 s).
#![allow(clippy::unwrap_used)]

use covenant_engine::evaluate;
use covenant_engine::event::Event;
use covenant_model::Sources;
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::ToSpan;
use std::collections::BTreeMap;
use std::path::PathBuf;

const CONTROLS: usize = 2_000;
const EVENTS: usize = 1_000_000;

fn program() -> covenant_model::Program {
    let mut controls = String::new();
    for i in 0..CONTROLS {
        controls.push_str(&format!(
            "- id: C{i}\n  title: Control {i}\n  area: ops\n  statement: Control {i} operates.\n  responsibility: {{ saas: {{ owner: vendor, vendor: Does it. }} }}\n  cadence: monthly\n  evidence: [ {{ kind: attestation, fresh_for: 40d }} ]\n"
        ));
    }
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("program.yaml"), "organization: { name: A }\nproduct: { name: P }\nversion: { label: '1', effective: 2026-01-01, updated: 2026-01-01 }\ndeployment_models: [ { id: saas, name: SaaS } ]\nsecurity_contact: { email: s@a.example }\n".to_string());
    files.insert(
        PathBuf::from("areas.yaml"),
        "- { id: ops, title: Ops }\n".to_string(),
    );
    files.insert(PathBuf::from("controls.yaml"), controls);
    let (p, diags) = covenant_model::check(&Sources {
        files,
        ..Default::default()
    });
    assert!(diags.is_empty());
    p
}

fn events() -> Vec<(u64, Event)> {
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let base: jiff::civil::Date = "2026-01-01".parse().unwrap();
    (0..EVENTS)
        .map(|i| {
            let day = (i % 300) as i64;
            (
                i as u64,
                Event::EvidenceAdded {
                    control: format!("C{}", i % CONTROLS),
                    kind: "attestation".into(),
                    effective: base.checked_add(day.days()).unwrap(),
                    recorded_at: start.checked_add((day * 24).hours()).unwrap(),
                    blob: None,
                },
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let p = program();
    let events = events();
    let now: jiff::Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
    let e = evaluate(&p, &events, &[], now).unwrap();
    eprintln!(
        "{} obligations over {} events",
        e.obligations.len(),
        events.len()
    );
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("evaluate_10k_obligations_1m_events", |b| {
        b.iter(|| evaluate(&p, &events, &[], now).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
