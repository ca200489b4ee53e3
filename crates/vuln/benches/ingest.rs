//! Ingest + match throughput against the whole RustSec OSV database, compared with a bare
//! `serde_json::Value` parse of the same bytes measured in the same run.
//!
//! Needs COVENANT_SHARED_DATA (the shared data folder); prints a skip notice otherwise.
//! `cargo bench -p covenant-vuln --bench ingest`

use covenant_vuln::{
    AdvisoryDb, FindingSet, IngestOptions, MatchOptions, Severity, fold, import, plan_ingest_owned,
};
use criterion::{Criterion, criterion_group};
use serde_json::Value;
use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Inputs {
    advisories: Vec<(String, Vec<u8>)>,
    deno: Vec<u8>,
    generated: Vec<u8>,
}

fn load() -> Option<Inputs> {
    let Some(dir) = std::env::var_os("COVENANT_SHARED_DATA") else {
        println!("skipped: COVENANT_SHARED_DATA not set");
        return None;
    };
    let vuln = PathBuf::from(dir).join("vuln");
    let file =
        std::fs::File::open(vuln.join("rustsec/rustsec-advisory-db-osv-branch.tar.gz")).ok()?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut advisories = Vec::new();
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        let path = entry.path().ok()?.to_string_lossy().into_owned();
        if path.ends_with(".json") {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).ok()?;
            advisories.push((path, buf));
        }
    }
    advisories.sort();
    let deno = std::fs::read(vuln.join("sbom-large/deno-2.9.5-alltargets.cdx.json")).ok()?;
    let generated = generated_sbom(&advisories, 20_000);
    Some(Inputs {
        advisories,
        deno,
        generated,
    })
}

/// A CycloneDX 1.6 SBOM of `n` crates: names from the advisory database (so matching has work to
/// do) mixed with names it does not know, at spread-out versions.
fn generated_sbom(advisories: &[(String, Vec<u8>)], n: usize) -> Vec<u8> {
    let mut names: Vec<String> = advisories
        .iter()
        .filter_map(|(_, b)| serde_json::from_slice::<Value>(b).ok())
        .filter_map(|v| {
            v["affected"][0]["package"]["name"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    names.dedup();
    let components: Vec<Value> = (0..n)
        .map(|i| {
            let name = if i % 2 == 0 {
                names[i / 2 % names.len()].clone()
            } else {
                format!("generated-crate-{i}")
            };
            let version = format!("{}.{}.{}", i % 3, i % 17, i % 5);
            serde_json::json!({
                "type": "library",
                "bom-ref": format!("c{i}"),
                "name": name,
                "version": version,
                "purl": format!("pkg:cargo/{name}@{version}"),
            })
        })
        .collect();
    let doc = serde_json::json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components });
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn bare_parse(inputs: &Inputs, sbom: &[u8]) -> usize {
    let mut n = 0;
    for (_, b) in &inputs.advisories {
        n += usize::from(serde_json::from_slice::<Value>(b).is_ok());
    }
    n + usize::from(serde_json::from_slice::<Value>(sbom).is_ok())
}

fn ingest_and_match(inputs: &Inputs, sbom: &[u8]) -> usize {
    let db = AdvisoryDb::load(
        inputs
            .advisories
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice())),
    );
    let Ok(imp) = import("sbom.json", sbom) else {
        return 0;
    };
    let report = db.match_components(&imp.components, &MatchOptions::default(), "sbom.json");
    let opts = IngestOptions {
        at: "2026-11-23T00:00:00Z".into(),
        default_severity: Severity::Medium,
    };
    let events = plan_ingest_owned(&FindingSet::default(), report.observations, &opts);
    fold(&events).map_or(0, |s| s.len()) + report.checked
}

/// Medians of `runs` interleaved timings (bare, full, bare, full, ...), so both see the same load
/// on a shared machine.
fn interleaved_medians(
    mut bare: impl FnMut() -> usize,
    mut full: impl FnMut() -> usize,
    runs: usize,
) -> (Duration, Duration) {
    let mut b = Vec::with_capacity(runs);
    let mut f = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        black_box(bare());
        b.push(t.elapsed());
        let t = Instant::now();
        black_box(full());
        f.push(t.elapsed());
    }
    b.sort();
    f.sort();
    (b[runs / 2], f[runs / 2])
}

fn benches(c: &mut Criterion) {
    let Some(inputs) = load() else { return };
    for (label, sbom) in [
        ("deno-1017", &inputs.deno),
        ("generated-20000", &inputs.generated),
    ] {
        let mut g = c.benchmark_group(label);
        g.sample_size(10);
        g.bench_function("bare_serde_json_parse", |b| {
            b.iter(|| bare_parse(&inputs, sbom))
        });
        g.bench_function("ingest_and_match", |b| {
            b.iter(|| ingest_and_match(&inputs, sbom))
        });
        g.finish();
        // The same comparison as a plain ratio, so the report does not need criterion's output.
        let (bare, full) = interleaved_medians(
            || bare_parse(&inputs, sbom),
            || ingest_and_match(&inputs, sbom),
            21,
        );
        println!(
            "{label}: bare parse {:.1} ms, ingest+match {:.1} ms, ratio {:.2}x ({} advisories, {} bytes of SBOM)",
            bare.as_secs_f64() * 1e3,
            full.as_secs_f64() * 1e3,
            full.as_secs_f64() / bare.as_secs_f64(),
            inputs.advisories.len(),
            sbom.len()
        );
    }
}

criterion_group!(ingest, benches);

fn main() {
    ingest();
    Criterion::default().configure_from_args().final_summary();
}
