//! Resolution of NIST's SP 800-53 rev5 LOW, MODERATE and HIGH baselines compared with
//! NIST's own resolved catalogs (oscal/reference-resolved-5.1.1). Needs the shared data
//! set: COVENANT_SHARED_DATA points at it (CI sets it).
//!
//! The catalog we have is SP 800-53 5.2.0 while NIST's resolved baselines were produced
//! from 5.1.1; control text differs, so we compare what resolution decides: the control
//! set and order, the nesting, the parameters of each control, the groups and the pruned
//! back matter.

#![allow(clippy::unwrap_used)]

use covenant_oscal::document::{parse_catalog, parse_profile};
use covenant_oscal::{Catalog, Fetched, Resolver, resolve};
use std::path::{Path, PathBuf};

fn shared() -> Option<PathBuf> {
    match std::env::var_os("COVENANT_SHARED_DATA") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            println!("skipped: COVENANT_SHARED_DATA not set");
            None
        }
    }
}

/// Tries each link beside the profile, then a file of the same name in its folder (NIST's
/// rlinks point into NIST's own repository layout).
struct Beside;

impl Resolver for Beside {
    fn fetch(&mut self, _import: &str, candidate: &str, base: &str) -> Result<Fetched, String> {
        let dir = Path::new(base).parent().unwrap_or(Path::new("."));
        let direct = dir.join(candidate);
        let name = Path::new(candidate).file_name().map(|n| dir.join(n));
        for p in std::iter::once(direct).chain(name) {
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Ok(Fetched {
                    text,
                    location: p.display().to_string(),
                });
            }
        }
        Err("not found".into())
    }
}

fn resolve_baseline(data: &Path, level: &str) -> Catalog {
    let oscal = data.join("oscal");
    let path = oscal.join(format!("NIST_SP-800-53_rev5_{level}-baseline_profile.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let profile = parse_profile(&text, &path.display().to_string()).unwrap();
    resolve(
        &profile,
        &path.display().to_string(),
        &mut Beside,
        Some("2026-01-01T00:00:00Z"),
    )
    .unwrap()
    .catalog
}

fn reference(data: &Path, file: &str) -> Catalog {
    let path = data.join("oscal/reference-resolved-5.1.1").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    parse_catalog(&text, file).unwrap()
}

/// (id, parent id, param ids) for every control in document order.
fn shape(c: &Catalog) -> Vec<(String, Option<String>, Vec<String>)> {
    fn walk(
        cs: &[covenant_oscal::control::Control],
        parent: Option<&str>,
        out: &mut Vec<(String, Option<String>, Vec<String>)>,
    ) {
        for c in cs {
            out.push((
                c.id.clone(),
                parent.map(str::to_string),
                c.params.iter().map(|p| p.id.clone()).collect(),
            ));
            walk(&c.controls, Some(&c.id), out);
        }
    }
    let mut out = Vec::new();
    walk(&c.controls, None, &mut out);
    for g in &c.groups {
        walk(&g.controls, None, &mut out);
    }
    out
}

fn backmatter(c: &Catalog) -> Vec<String> {
    c.back_matter
        .as_ref()
        .map(|b| {
            b.resources
                .iter()
                .filter_map(|r| r.get("uuid").and_then(|u| u.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn compare(level: &str, file: &str, expect: (usize, usize, usize, usize)) {
    let Some(data) = shared() else { return };
    let ours = resolve_baseline(&data, level);
    let theirs = reference(&data, file);
    let (n_ours, n_theirs) = (ours.counts(), theirs.counts());
    assert_eq!(
        (
            n_ours.controls,
            n_ours.base,
            n_ours.enhancements,
            n_ours.params
        ),
        expect,
        "{level}: our counts"
    );
    assert_eq!(n_ours, n_theirs, "{level}: counts differ from NIST's");
    assert_eq!(
        shape(&ours),
        shape(&theirs),
        "{level}: control set, order, nesting or params differ"
    );
    let gids = |c: &Catalog| c.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    assert_eq!(gids(&ours), gids(&theirs), "{level}: groups differ");
    assert_eq!(
        backmatter(&ours),
        backmatter(&theirs),
        "{level}: back matter differs"
    );
}

#[test]
fn moderate_matches_nist() {
    compare(
        "MODERATE",
        "NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
        (287, 177, 110, 643),
    );
}

#[test]
fn low_matches_nist() {
    compare(
        "LOW",
        "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json",
        (149, 131, 18, 445),
    );
}

#[test]
fn high_matches_nist() {
    compare(
        "HIGH",
        "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
        (370, 188, 182, 767),
    );
}
