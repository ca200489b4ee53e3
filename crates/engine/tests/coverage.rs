#![allow(clippy::unwrap_used)]
//! Coverage on the enforcer-dashboard example, whose controls cite SOC 2 and ISO 27001.

use covenant_engine::coverage::{CoverageState, coverage};
use covenant_engine::evaluate;
use covenant_model::Sources;
use covenant_model::crosswalk::Relationship;
use std::path::PathBuf;

fn example() -> covenant_model::Program {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard");
    let (p, diags) = covenant_model::check(&Sources::read_dir(&dir).unwrap());
    assert!(
        diags
            .iter()
            .all(|d| d.level != covenant_model::Level::Error),
        "{diags:#?}"
    );
    p
}

#[test]
fn iso_criteria_are_reached_through_the_soc2_crosswalk_with_provenance() {
    let p = example();
    let eval = evaluate(&p, &[], &[], "2026-05-02T00:00:00Z".parse().unwrap()).unwrap();
    let cov = coverage(&p, &eval, "iso27001").unwrap();
    assert_eq!(
        cov.rows.len(),
        97,
        "every Annex A control and group is a row"
    );
    let a516 = cov.rows.iter().find(|r| r.criterion == "A.5.16").unwrap();
    let via: Vec<_> = a516
        .implementations
        .iter()
        .filter_map(|i| i.via.as_ref())
        .collect();
    assert!(
        via.iter()
            .any(|v| v.cited == "soc2:CC6.2" && v.relationship == Relationship::Intersects),
        "A.5.16 (identity management) should be reached via CC6.2: {a516:#?}"
    );
    let gap = cov.rows.iter().find(|r| r.criterion == "A.7.4").unwrap();
    assert_eq!(
        gap.state,
        CoverageState::Gap,
        "nothing in the example watches physical premises"
    );
    let s = &cov.summary;
    assert_eq!(
        s.criteria,
        s.backed + s.unbacked + s.unsupported + s.customer + s.gaps + s.not_applicable
    );
    assert!(s.gaps > 0 && s.gaps < s.criteria);
}

#[test]
fn a_direct_citation_wins_over_a_crosswalk_one() {
    let p = example();
    let eval = evaluate(&p, &[], &[], "2026-05-02T00:00:00Z".parse().unwrap()).unwrap();
    let cov = coverage(&p, &eval, "iso27001").unwrap();
    for row in &cov.rows {
        let mut controls: Vec<&str> = row
            .implementations
            .iter()
            .map(|i| i.control.as_str())
            .collect();
        let n = controls.len();
        controls.dedup();
        assert_eq!(
            n,
            controls.len(),
            "a control is listed once per criterion: {row:#?}"
        );
    }
}

#[test]
fn unknown_framework_has_no_coverage() {
    let p = example();
    let eval = evaluate(&p, &[], &[], "2026-05-02T00:00:00Z".parse().unwrap()).unwrap();
    assert!(coverage(&p, &eval, "pci-dss").is_none());
}
