//! Select: which controls an import's include and exclude selectors pick.

use crate::catalog::Catalog;
use crate::control::{Control, Group};
use crate::glob;
use crate::profile::Selector;
use std::collections::HashSet;

pub(super) fn selector_matches(s: &Selector, ids: &HashSet<&str>, id: &str) -> bool {
    ids.contains(id) || s.matching.iter().any(|m| glob::matches(&m.pattern, id))
}

/// The ids a set of include/exclude selectors picks from `catalog`. An import with no
/// include selects everything (the specification's implicit `include-all`); exclusion
/// always wins over inclusion.
pub(super) fn pick(
    controls: Vec<&Control>,
    all: bool,
    include: &[Selector],
    exclude: &[Selector],
) -> HashSet<String> {
    let mut out: HashSet<String> = HashSet::new();
    if all || include.is_empty() {
        out.extend(controls.iter().map(|c| c.id.clone()));
    } else {
        for s in include {
            let ids: HashSet<&str> = s.with_ids.iter().map(String::as_str).collect();
            let children = s.with_child_controls.as_deref() == Some("yes");
            for c in &controls {
                if selector_matches(s, &ids, &c.id) {
                    out.insert(c.id.clone());
                    if children {
                        out.extend(c.controls.iter().map(|k| k.id.clone()));
                    }
                }
            }
        }
    }
    for s in exclude {
        let ids: HashSet<&str> = s.with_ids.iter().map(String::as_str).collect();
        let children = s.with_child_controls.as_deref() == Some("yes");
        for c in &controls {
            if selector_matches(s, &ids, &c.id) {
                out.remove(&c.id);
                if children {
                    for k in &c.controls {
                        out.remove(&k.id);
                    }
                }
            }
        }
    }
    out
}

/// The controls an import selects.
pub fn select(
    catalog: &Catalog,
    include_all: bool,
    include: &[Selector],
    exclude: &[Selector],
) -> HashSet<String> {
    pick(catalog.controls(), include_all, include, exclude)
}

pub(super) fn group_controls<'a>(g: &'a Group, out: &mut Vec<&'a Control>) {
    for c in &g.controls {
        c.walk(out);
    }
    for s in &g.groups {
        group_controls(s, out);
    }
}

/// Keeps selected controls and, under `as-is`, the parents that contain them (the
/// specification's implicit inclusion).
pub(super) fn prune_control(mut c: Control, selected: &HashSet<String>) -> Option<Control> {
    let children = std::mem::take(&mut c.controls);
    c.controls = children
        .into_iter()
        .filter_map(|k| prune_control(k, selected))
        .collect();
    (selected.contains(&c.id) || !c.controls.is_empty()).then_some(c)
}

pub(super) fn prune_group(mut g: Group, selected: &HashSet<String>) -> Option<Group> {
    let controls = std::mem::take(&mut g.controls);
    g.controls = controls
        .into_iter()
        .filter_map(|c| prune_control(c, selected))
        .collect();
    let groups = std::mem::take(&mut g.groups);
    g.groups = groups
        .into_iter()
        .filter_map(|s| prune_group(s, selected))
        .collect();
    (!g.controls.is_empty() || !g.groups.is_empty()).then_some(g)
}
