//! The three SARIF scans of one nginx image (Grype, Trivy, Snyk) collapse into one set of findings.

mod common;

use covenant_vuln::dedupe::merge;
use covenant_vuln::{FindingSet, IngestOptions, Observation, Severity, fold, import, plan_ingest};
use std::collections::{BTreeMap, BTreeSet};

fn nginx() -> Option<Vec<(String, Vec<Observation>)>> {
    let vuln = common::shared_vuln()?;
    let mut out = Vec::new();
    for tool in ["grype", "trivy", "snyk"] {
        let name = format!("vexctl-nginx-{tool}.sarif.json");
        let imp = import(&name, &common::read(&vuln.join("sarif").join(&name))).expect("import");
        assert!(imp.warnings.is_empty(), "{:?}", imp.warnings);
        out.push((imp.tool, imp.observations));
    }
    Some(out)
}

#[test]
fn three_scanners_one_deduplicated_set() {
    let Some(scans) = nginx() else { return };
    let all: Vec<Observation> = scans.iter().flat_map(|(_, o)| o.iter().cloned()).collect();
    let opts = IngestOptions {
        at: "2026-11-23T00:00:00Z".into(),
        default_severity: Severity::Medium,
    };
    let events = plan_ingest(&FindingSet::default(), &all, &opts);
    let set = fold(&events).expect("fold");

    let per_tool: BTreeMap<&str, usize> =
        scans.iter().map(|(t, o)| (t.as_str(), o.len())).collect();
    println!(
        "per tool: {per_tool:?}; findings after dedupe: {}",
        set.len()
    );
    let max = per_tool.values().copied().max().expect("three tools");
    let sum: usize = per_tool.values().sum();
    assert!(set.len() >= max && set.len() < sum);

    // Every observation lands in exactly one finding that carries its source and all its ids.
    for o in &all {
        let holders: Vec<_> = set
            .iter()
            .filter(|f| {
                f.component.dedupe_name() == o.component.dedupe_name()
                    && f.component.version == o.component.version
            })
            .filter(|f| o.ids().any(|id| f.aliases.contains(id)))
            .collect();
        assert_eq!(holders.len(), 1, "{} {:?}", o.vulnerability, o.component);
        assert!(o.ids().all(|id| holders[0].aliases.contains(id)));
        assert!(holders[0].sources.contains(&o.source));
    }
    // No two findings for one component share an id: the merge is complete.
    let findings: Vec<_> = set.iter().collect();
    for (i, a) in findings.iter().enumerate() {
        for b in &findings[i + 1..] {
            if a.component.dedupe_name() == b.component.dedupe_name()
                && a.component.version == b.component.version
            {
                assert!(a.aliases.is_disjoint(&b.aliases), "{} / {}", a.id, b.id);
            }
        }
    }
    // The rule ids differ per tool (CVE-…-tar, CVE-…, SNYK-…) yet findings are shared across tools.
    let shared = set.iter().filter(|f| f.tools().len() >= 2).count();
    let all_three = set.iter().filter(|f| f.tools().len() == 3).count();
    println!("findings reported by >=2 tools: {shared}; by all three: {all_three}");
    assert!(all_three > 0);
    // Snyk findings merge under the CVE id, keeping the Snyk id as an alias.
    let snyk = set
        .iter()
        .find(|f| f.aliases.iter().any(|a| a.starts_with("SNYK-")))
        .expect("a snyk finding");
    assert!(snyk.vulnerability().starts_with("CVE-"));
}

#[test]
fn rescan_keeps_first_detection_and_adds_no_findings() {
    let Some(scans) = nginx() else { return };
    let all: Vec<Observation> = scans.iter().flat_map(|(_, o)| o.iter().cloned()).collect();
    let first = IngestOptions {
        at: "2026-11-01T00:00:00Z".into(),
        default_severity: Severity::Medium,
    };
    let mut events = plan_ingest(&FindingSet::default(), &all, &first);
    let before = fold(&events).expect("fold");
    let again = IngestOptions {
        at: "2026-11-20T00:00:00Z".into(),
        ..first
    };
    let more = plan_ingest(&before, &all, &again);
    assert!(
        more.iter()
            .all(|e| matches!(e, covenant_vuln::FindingEvent::Seen { .. }))
    );
    events.extend(more);
    let after = fold(&events).expect("fold");
    assert_eq!(before.len(), after.len());
    for f in after.iter() {
        assert_eq!(f.first_detected, "2026-11-01T00:00:00Z");
        assert_eq!(f.last_seen, "2026-11-20T00:00:00Z");
    }
}

#[test]
fn merge_is_order_independent() {
    let Some(scans) = nginx() else { return };
    let mut all: Vec<Observation> = scans.iter().flat_map(|(_, o)| o.iter().cloned()).collect();
    let key = |ms: &[covenant_vuln::dedupe::Merged]| -> BTreeSet<(String, Option<String>, BTreeSet<String>)> {
        ms.iter().map(|m| (m.component.dedupe_name(), m.component.version.clone(), m.ids.clone())).collect()
    };
    let a = key(&merge(&all));
    all.reverse();
    let b = key(&merge(&all));
    assert_eq!(a, b);
}

#[test]
fn json_and_sarif_of_one_scan_merge() {
    let Some(vuln) = common::shared_vuln() else {
        return;
    };
    let json = import(
        "a.json",
        &common::read(&vuln.join("trivy/trivy-image-alpine-310.json")),
    )
    .expect("json");
    let sarif = import(
        "a.sarif",
        &common::read(&vuln.join("trivy/trivy-image-alpine-310.sarif.json")),
    )
    .expect("sarif");
    let opts = IngestOptions {
        at: "2026-11-23T00:00:00Z".into(),
        default_severity: Severity::Medium,
    };
    let alone = fold(&plan_ingest(
        &FindingSet::default(),
        &json.observations,
        &opts,
    ))
    .expect("fold");
    let mut both = json.observations.clone();
    both.extend(sarif.observations.iter().cloned());
    let merged = fold(&plan_ingest(&FindingSet::default(), &both, &opts)).expect("fold");
    assert_eq!(merged.len(), alone.len());
    assert!(
        merged.iter().all(|f| f.sources.len() == 2),
        "every finding keeps both reports"
    );
    // The JSON report's purl survives the merge with the purl-less SARIF result.
    assert!(merged.iter().all(|f| f.component.purl.is_some()));
}
