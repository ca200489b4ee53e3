//! Merge: combining the imports' selections as-is, flat, or into a custom structure, with
//! `use-first` dropping controls already present.

use crate::catalog::Catalog;
use crate::control::{Control, Group};
use crate::profile::{CustomGroup, InsertControls};
use std::collections::HashSet;

use super::select::{prune_control, prune_group, selector_matches};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Combine {
    Keep,
    UseFirst,
}

pub(super) fn all_ids(controls: &[Control], groups: &[Group], out: &mut HashSet<String>) {
    fn control(c: &Control, out: &mut HashSet<String>) {
        out.insert(c.id.clone());
        for k in &c.controls {
            control(k, out);
        }
    }
    for c in controls {
        control(c, out);
    }
    for g in groups {
        all_ids(&g.controls, &g.groups, out);
    }
}

/// Drops from `incoming` the controls already present (for `use-first`).
pub(super) fn drop_seen(controls: Vec<Control>, seen: &HashSet<String>) -> Vec<Control> {
    controls
        .into_iter()
        .filter(|c| !seen.contains(&c.id))
        .map(|mut c| {
            c.controls = drop_seen(std::mem::take(&mut c.controls), seen);
            c
        })
        .collect()
}

pub(super) fn merge_groups(
    into: &mut Vec<Group>,
    incoming: Vec<Group>,
    seen: &HashSet<String>,
    how: Combine,
) {
    for mut g in incoming {
        if how == Combine::UseFirst {
            g.controls = drop_seen(std::mem::take(&mut g.controls), seen);
        }
        let same =
            g.id.as_ref()
                .and_then(|id| into.iter().position(|x| x.id.as_ref() == Some(id)));
        match same {
            Some(i) => {
                into[i].controls.append(&mut g.controls);
                merge_groups(&mut into[i].groups, g.groups, seen, how);
            }
            None => {
                let mut fresh = g;
                let subgroups = std::mem::take(&mut fresh.groups);
                merge_groups(&mut fresh.groups, subgroups, seen, how);
                if !fresh.controls.is_empty() || !fresh.groups.is_empty() {
                    into.push(fresh);
                }
            }
        }
    }
}

/// Adds one import's selection to the result, keeping the source's grouping (`as-is`).
pub(super) fn merge_as_is(
    out: &mut Catalog,
    catalog: Catalog,
    selected: &HashSet<String>,
    how: Combine,
) {
    let mut seen = HashSet::new();
    if how == Combine::UseFirst {
        all_ids(&out.controls, &out.groups, &mut seen);
    }
    let mut controls: Vec<Control> = catalog
        .controls
        .into_iter()
        .filter_map(|c| prune_control(c, selected))
        .collect();
    if how == Combine::UseFirst {
        controls = drop_seen(controls, &seen);
    }
    out.controls.extend(controls);
    out.params.extend(catalog.params);
    let groups: Vec<Group> = catalog
        .groups
        .into_iter()
        .filter_map(|g| prune_group(g, selected))
        .collect();
    merge_groups(&mut out.groups, groups, &seen, how);
}

/// Adds one import's selected controls to `pool` in catalog order without any hierarchy
/// (no merge, or the pool a custom structure draws from).
pub(super) fn flatten_into(
    pool: &mut Vec<Control>,
    catalog: Catalog,
    selected: &HashSet<String>,
    how: Combine,
) {
    let mut seen: HashSet<String> = HashSet::new();
    if how == Combine::UseFirst {
        seen.extend(pool.iter().map(|c| c.id.clone()));
    }
    fn take(
        c: Control,
        selected: &HashSet<String>,
        seen: &mut HashSet<String>,
        how: Combine,
        pool: &mut Vec<Control>,
    ) {
        let mut c = c;
        let children = std::mem::take(&mut c.controls);
        if selected.contains(&c.id) && !(how == Combine::UseFirst && seen.contains(&c.id)) {
            seen.insert(c.id.clone());
            pool.push(c);
        }
        for k in children {
            take(k, selected, seen, how, pool);
        }
    }
    fn group(
        g: Group,
        selected: &HashSet<String>,
        seen: &mut HashSet<String>,
        how: Combine,
        pool: &mut Vec<Control>,
    ) {
        for c in g.controls {
            take(c, selected, seen, how, pool);
        }
        for s in g.groups {
            group(s, selected, seen, how, pool);
        }
    }
    for c in catalog.controls {
        take(c, selected, &mut seen, how, pool);
    }
    for g in catalog.groups {
        group(g, selected, &mut seen, how, pool);
    }
}

/// Controls from `pool` chosen by `insert-controls` directives, in the requested order.
pub(super) fn insert(pool: &[Control], directives: &[InsertControls]) -> Vec<Control> {
    let mut out = Vec::new();
    for d in directives {
        let all = d.include_all.is_some() || d.include_controls.is_empty();
        let mut picked: Vec<&Control> = pool
            .iter()
            .filter(|c| {
                let inc = all
                    || d.include_controls.iter().any(|s| {
                        let ids: HashSet<&str> = s.with_ids.iter().map(String::as_str).collect();
                        selector_matches(s, &ids, &c.id)
                    });
                let exc = d.exclude_controls.iter().any(|s| {
                    let ids: HashSet<&str> = s.with_ids.iter().map(String::as_str).collect();
                    selector_matches(s, &ids, &c.id)
                });
                inc && !exc
            })
            .collect();
        match d.order.as_deref() {
            Some("ascending") => picked.sort_by(|a, b| a.id.cmp(&b.id)),
            Some("descending") => picked.sort_by(|a, b| b.id.cmp(&a.id)),
            _ => {}
        }
        out.extend(picked.into_iter().cloned());
    }
    out
}

pub(super) fn custom_group(g: &CustomGroup, pool: &[Control]) -> Group {
    Group {
        id: g.id.clone(),
        class: g.class.clone(),
        title: g.title.clone(),
        params: g.params.clone(),
        props: g.props.clone(),
        links: g.links.clone(),
        parts: g.parts.clone(),
        groups: g.groups.iter().map(|s| custom_group(s, pool)).collect(),
        controls: insert(pool, &g.insert_controls),
    }
}
