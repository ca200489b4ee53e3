//! Profile resolution on a small catalog and profile written for these tests: selection by
//! id and by pattern, exclusion, as-is structure, set-parameters, alters, loose parameter
//! and back-matter pruning, import lookup through back-matter rlinks.

#![allow(clippy::unwrap_used)]

use covenant_oscal::document::{catalog_json, parse_catalog, parse_profile};
use covenant_oscal::{Error, Fetched, Resolver, resolve};
use std::collections::HashMap;

const CATALOG: &str = include_str!("fixtures/tiny_catalog.json");
const PROFILE: &str = include_str!("fixtures/tiny_profile.json");

/// Serves documents by file name only, recording what was asked for.
struct Map {
    files: HashMap<String, String>,
    asked: Vec<String>,
}

impl Resolver for Map {
    fn fetch(&mut self, _import: &str, candidate: &str, _base: &str) -> Result<Fetched, String> {
        self.asked.push(candidate.to_string());
        let name = candidate.rsplit('/').next().unwrap_or(candidate);
        self.files
            .get(name)
            .map(|t| Fetched {
                text: t.clone(),
                location: name.to_string(),
            })
            .ok_or_else(|| "no such file".to_string())
    }
}

fn map(files: &[(&str, &str)]) -> Map {
    Map {
        files: files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        asked: Vec::new(),
    }
}

fn ids(c: &covenant_oscal::Catalog) -> Vec<String> {
    c.controls().iter().map(|c| c.id.clone()).collect()
}

#[test]
fn resolves_the_tiny_profile() {
    let profile = parse_profile(PROFILE, "tiny_profile.json").unwrap();
    let mut r = map(&[("tiny_catalog.json", CATALOG)]);
    let res = resolve(
        &profile,
        "tiny_profile.json",
        &mut r,
        Some("2026-02-01T00:00:00Z"),
    )
    .unwrap();
    let c = &res.catalog;
    // JSON rlink is tried first.
    assert_eq!(r.asked, vec!["../somewhere/else/tiny_catalog.json"]);
    // ac-2 with-ids does not bring children; au-* matches au-1, au-2, au-2.1 but
    // au-?.? excludes au-2.1; pm-1 included then excluded (exclusion wins), so pm drops.
    assert_eq!(ids(c), ["ac-1", "ac-2", "au-1", "au-2"]);
    let groups: Vec<_> = c.groups.iter().map(|g| g.id.clone().unwrap()).collect();
    assert_eq!(groups, ["ac", "au"]);
    // set-parameters: values replaced, label replaced, props appended.
    let ac1 = &c.groups[0].controls[0];
    assert_eq!(ac1.params[0].values, ["every quarter"]);
    let ac2 = &c.groups[0].controls[1];
    assert_eq!(ac2.params[0].label.as_deref(), Some("review period"));
    assert_eq!(ac2.params[0].props[0].name, "set-by");
    assert!(
        res.warnings.iter().any(|w| w.contains("no-such-param")),
        "{:?}",
        res.warnings
    );
    // alters: guidance removed, prop added first, part added after item a.
    assert!(ac1.parts.iter().all(|p| p.name != "guidance"));
    assert_eq!(ac1.props[0].name, "priority");
    assert_eq!(ac1.props[1].name, "label");
    let items: Vec<_> = ac1.parts[0]
        .parts
        .iter()
        .map(|p| p.id.clone().unwrap())
        .collect();
    assert_eq!(items, ["ac-1_smt.a", "ac-1_smt.b"]);
    // Loose params: only the inserted one stays.
    let loose: Vec<_> = c.params.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(loose, ["loose-used"]);
    // Back matter: referenced by ac-1 and keep=always; ac-2.3 is not selected.
    let bm: Vec<_> = c
        .back_matter
        .as_ref()
        .unwrap()
        .resources
        .iter()
        .map(|r| r["uuid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        bm,
        [
            "11111111-1111-4111-8111-111111111111",
            "44444444-4444-4444-8444-444444444444"
        ]
    );
    // Metadata marks the resolution.
    assert_eq!(c.metadata["last-modified"], "2026-02-01T00:00:00Z");
    assert_eq!(c.metadata["links"][0]["rel"], "source-profile");
    assert!(
        covenant_oscal::validate::catalog(c).is_empty(),
        "{:?}",
        covenant_oscal::validate::catalog(c)
    );
}

#[test]
fn output_is_deterministic_and_reparses() {
    let profile = parse_profile(PROFILE, "p").unwrap();
    let a = resolve(
        &profile,
        "p",
        &mut map(&[("tiny_catalog.json", CATALOG)]),
        Some("2026-02-01T00:00:00Z"),
    )
    .unwrap();
    let b = resolve(
        &profile,
        "p",
        &mut map(&[("tiny_catalog.json", CATALOG)]),
        Some("2026-02-01T00:00:00Z"),
    )
    .unwrap();
    let (ja, jb) = (catalog_json(&a.catalog), catalog_json(&b.catalog));
    assert_eq!(ja, jb);
    let again = parse_catalog(&ja, "resolved").unwrap();
    assert_eq!(again, a.catalog);
    assert!(covenant_oscal::uuid::is_uuid(&a.catalog.uuid));
}

#[test]
fn missing_import_names_every_attempt() {
    let profile = parse_profile(PROFILE, "tiny_profile.json").unwrap();
    let err = resolve(&profile, "tiny_profile.json", &mut map(&[]), None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Import { .. }));
    assert!(msg.contains("tiny_catalog.json: no such file"), "{msg}");
    assert!(msg.contains("tiny_catalog.xml: no such file"), "{msg}");
}

#[test]
fn no_merge_is_flat_and_include_all_takes_everything() {
    let text = r#"{"profile": {"uuid": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8e",
      "metadata": {"title": "all", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
      "imports": [{"href": "tiny_catalog.json", "include-all": {}, "exclude-controls": [{"with-ids": ["ac-2"], "with-child-controls": "yes"}]}]}}"#;
    let profile = parse_profile(text, "all").unwrap();
    let res = resolve(
        &profile,
        "all",
        &mut map(&[("tiny_catalog.json", CATALOG)]),
        None,
    )
    .unwrap();
    assert!(res.catalog.groups.is_empty());
    let top: Vec<_> = res.catalog.controls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(top, ["ac-1", "au-1", "au-2", "au-2.1", "pm-1"]);
}

#[test]
fn profile_importing_profile_and_cycles() {
    let outer = r#"{"profile": {"uuid": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8f",
      "metadata": {"title": "outer", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
      "imports": [{"href": "tiny_profile.json", "include-controls": [{"with-ids": ["ac-1"]}]}],
      "merge": {"as-is": true}}}"#;
    let profile = parse_profile(outer, "outer.json").unwrap();
    let mut r = map(&[
        ("tiny_catalog.json", CATALOG),
        ("tiny_profile.json", PROFILE),
    ]);
    let res = resolve(&profile, "outer.json", &mut r, None).unwrap();
    assert_eq!(ids(&res.catalog), ["ac-1"]);
    // The inner profile's modification carries through.
    assert_eq!(
        res.catalog.groups[0].controls[0].params[0].values,
        ["every quarter"]
    );

    let selfish = outer.replace("tiny_profile.json", "outer.json");
    let profile = parse_profile(&selfish, "outer.json").unwrap();
    let mut r = map(&[("outer.json", &selfish)]);
    let err = resolve(&profile, "outer.json", &mut r, None).unwrap_err();
    assert!(matches!(err, Error::Circular { .. }), "{err}");
}

#[test]
fn wrong_inputs_are_errors_not_panics() {
    assert!(matches!(
        parse_profile("<profile/>", "x.xml"),
        Err(Error::UnsupportedFormat { .. })
    ));
    assert!(matches!(
        parse_profile("profile: {}", "x.yaml"),
        Err(Error::UnsupportedFormat { .. })
    ));
    assert!(matches!(
        parse_profile(CATALOG, "c.json"),
        Err(Error::WrongModel { .. })
    ));
    assert!(matches!(
        parse_catalog("{\"x\": 1}", "c.json"),
        Err(Error::NoRoot { .. })
    ));
    let e = parse_catalog("{\"catalog\": {\"uuid\": 3}}", "c.json").unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
}

#[test]
fn catalog_pieces_cover_the_document() {
    use covenant_oscal::document::{Piece, catalog_pieces};
    let mut seen = Vec::new();
    let mut rest = None;
    catalog_pieces(CATALOG, &mut |p, v| match p {
        Piece::Group(i) => seen.push((i, v["id"].as_str().unwrap_or("").to_string())),
        Piece::Rest => rest = Some(v),
    })
    .unwrap();
    assert_eq!(
        seen,
        [(0, "ac".to_string()), (1, "au".into()), (2, "pm".into())]
    );
    let rest = rest.unwrap();
    assert!(rest["catalog"].get("groups").is_none());
    assert_eq!(rest["catalog"]["params"][0]["id"], "loose-used");
    assert!(catalog_pieces("{\"catalog\": {\"groups\": 3}}", &mut |_, _| {}).is_err());
    assert!(catalog_pieces("[1, 2]", &mut |_, _| {}).is_ok());
}
