//! Property tests for the parsers and the resolver: no input panics, and resolution
//! selects exactly what include/exclude say.

#![allow(clippy::unwrap_used)]

use covenant_oscal::document::{Document, catalog_pieces, parse_catalog};
use covenant_oscal::profile::{Import, Matching, Profile, Selector};
use covenant_oscal::{Fetched, Resolver, resolve};
use proptest::prelude::*;
use std::collections::HashSet;

const CATALOG: &str = include_str!("fixtures/tiny_catalog.json");
const IDS: &[&str] = &[
    "ac-1", "ac-2", "ac-2.1", "ac-2.2", "ac-2.3", "au-1", "au-2", "au-2.1", "pm-1",
];

struct One;
impl Resolver for One {
    fn fetch(&mut self, _: &str, _: &str, _: &str) -> Result<Fetched, String> {
        Ok(Fetched {
            text: CATALOG.to_string(),
            location: "tiny_catalog.json".into(),
        })
    }
}

fn selector(ids: Vec<usize>, patterns: Vec<String>) -> Selector {
    Selector {
        with_child_controls: None,
        with_ids: ids
            .into_iter()
            .map(|i| IDS[i % IDS.len()].to_string())
            .collect(),
        matching: patterns
            .into_iter()
            .map(|pattern| Matching { pattern })
            .collect(),
    }
}

fn non_empty(s: Selector) -> Vec<Selector> {
    if s.with_ids.is_empty() && s.matching.is_empty() {
        Vec::new()
    } else {
        vec![s]
    }
}

fn profile(include: Selector, exclude: Selector, as_is: bool) -> Profile {
    let merge = serde_json::from_value(serde_json::json!({"as-is": as_is})).ok();
    Profile {
        uuid: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d".into(),
        metadata: serde_json::json!({"title": "p", "last-modified": "2026-01-01T00:00:00Z",
                                      "version": "1", "oscal-version": "1.1.2"}),
        imports: vec![Import {
            href: "tiny_catalog.json".into(),
            include_all: None,
            // An empty selector selects nothing; no include at all means everything.
            include_controls: non_empty(include),
            exclude_controls: non_empty(exclude),
        }],
        merge,
        modify: None,
        back_matter: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn parsing_never_panics(s in ".{0,200}") {
        let _ = Document::parse(&s, "x");
        let _ = catalog_pieces(&s, &mut |_, _| {});
    }

    #[test]
    fn truncated_or_mutated_catalogs_never_panic(cut in 0usize..4000, at in 0usize..4000, c in any::<char>()) {
        let cut = cut.min(CATALOG.len());
        let mut s: String = CATALOG.chars().take(cut).collect();
        let _ = Document::parse(&s, "x");
        let at = at.min(s.chars().count());
        let mut chars: Vec<char> = s.chars().collect();
        chars.insert(at, c);
        s = chars.into_iter().collect();
        if let Ok(Document::Catalog(cat)) = Document::parse(&s, "x") {
            let _ = covenant_oscal::validate::catalog(&cat);
        }
    }

    #[test]
    fn selection_is_include_minus_exclude(
        inc_ids in proptest::collection::vec(0usize..9, 0..5),
        inc_pat in proptest::collection::vec("(ac|au|pm)-[0-9?*](\\.[0-9?*])?", 0..3),
        exc_ids in proptest::collection::vec(0usize..9, 0..3),
        exc_pat in proptest::collection::vec("(ac|au)-?\\.[0-9*]", 0..2),
        as_is in any::<bool>(),
    ) {
        let inc = selector(inc_ids, inc_pat);
        let exc = selector(exc_ids, exc_pat);
        let matches = |s: &Selector, id: &str| s.with_ids.iter().any(|x| x == id)
            || s.matching.iter().any(|m| covenant_oscal::glob::matches(&m.pattern, id));
        let nothing_included = inc.with_ids.is_empty() && inc.matching.is_empty();
        let want: HashSet<&str> = IDS.iter().copied()
            .filter(|id| nothing_included || matches(&inc, id))
            .filter(|id| !matches(&exc, id))
            .collect();
        let p = profile(inc, exc, as_is);
        let got = resolve(&p, "p", &mut One, None).unwrap().catalog;
        let ids: HashSet<String> = got.controls().iter().map(|c| c.id.clone()).collect();
        // Under as-is a parent of a selected control stays as its container.
        for id in &want {
            prop_assert!(ids.contains(*id), "{id} missing from {ids:?}");
        }
        for id in &ids {
            let is_parent = IDS.iter().any(|w| want.contains(w) && w.starts_with(&format!("{id}.")));
            prop_assert!(want.contains(id.as_str()) || (as_is && is_parent), "{id} should not be there");
        }
        // The output always parses back.
        let text = covenant_oscal::document::catalog_json(&got);
        prop_assert!(parse_catalog(&text, "again").is_ok());
    }
}
