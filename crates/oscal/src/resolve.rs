//! Profile resolution: a profile plus the documents it imports become one catalog, as the
//! OSCAL profile-resolution specification describes (selection, merge, modify, then
//! parameter and back-matter pruning and metadata).
//!
//! Imported documents come through a [`Resolver`], so this module does no IO. An import
//! `href` of the form `#uuid` names a back-matter resource; each of its `rlinks` is tried in
//! turn (JSON media types first), and the error lists every attempt when none loads.

use crate::catalog::Catalog;
use crate::control::{BackMatter, Control, Group, Link, Param, Part, Prop};
use crate::document::Document;
use crate::error::Error;
use crate::glob;
use crate::profile::{Alter, CustomGroup, Import, InsertControls, Profile, Selector, SetParameter};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// A fetched document and where it came from (its location is the base for its own
/// relative imports and is how circular imports are recognized).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub text: String,
    pub location: String,
}

/// Fetches documents that profiles import. The CLI implements it over the filesystem.
pub trait Resolver {
    /// `import` is the import's `href` as written (`#uuid` or a link), `candidate` the
    /// link being tried now (an rlink of the named resource, or `import` itself) and
    /// `base` the location of the importing profile. Returns why not on failure.
    fn fetch(&mut self, import: &str, candidate: &str, base: &str) -> Result<Fetched, String>;
}

/// The resolved catalog and anything worth telling the user that did not stop resolution
/// (a `set-parameters` or `alter` that targets nothing, say).
#[derive(Debug, Clone)]
pub struct Resolution {
    pub catalog: Catalog,
    pub warnings: Vec<String>,
}

/// The name written into the resolved catalog's `resolution-tool` property.
pub const TOOL: &str = "covenant-oscal";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Combine {
    Keep,
    UseFirst,
}

struct Ctx<'r> {
    resolver: &'r mut dyn Resolver,
    stack: Vec<String>,
    warnings: Vec<String>,
}

/// Resolves `profile` (found at `location`) into a catalog. `timestamp` (RFC 3339) becomes
/// the catalog's `last-modified` and `resolution-timestamp`; without it the profile's
/// `last-modified` is kept, so output depends only on input.
pub fn resolve(
    profile: &Profile,
    location: &str,
    resolver: &mut dyn Resolver,
    timestamp: Option<&str>,
) -> Result<Resolution, Error> {
    let mut ctx = Ctx {
        resolver,
        stack: Vec::new(),
        warnings: Vec::new(),
    };
    let catalog = resolve_in(&mut ctx, profile, location, timestamp)?;
    Ok(Resolution {
        catalog,
        warnings: ctx.warnings,
    })
}

fn resolve_in(
    ctx: &mut Ctx<'_>,
    profile: &Profile,
    location: &str,
    timestamp: Option<&str>,
) -> Result<Catalog, Error> {
    ctx.stack.push(location.to_string());
    let mut sources = Vec::new();
    for import in &profile.imports {
        sources.push(load_import(ctx, profile, location, import)?);
    }
    ctx.stack.pop();

    let merge = profile.merge.as_ref();
    let combine = match merge
        .and_then(|m| m.combine.as_ref())
        .and_then(|c| c.method.as_deref())
    {
        // "merge" is documented as use-first for now: merging two representations of a
        // control element by element has no test data and no user yet.
        Some("use-first") | Some("merge") => Combine::UseFirst,
        _ => Combine::Keep,
    };
    let ids: Vec<String> = sources.iter().map(|(c, _)| ident(c)).collect();
    let source_backmatter: Vec<Value> = sources
        .iter_mut()
        .flat_map(|(c, _)| {
            c.back_matter
                .take()
                .map(|b| b.resources)
                .unwrap_or_default()
        })
        .collect();

    let mut out = Catalog {
        uuid: String::new(),
        metadata: Value::Null,
        params: Vec::new(),
        controls: Vec::new(),
        groups: Vec::new(),
        back_matter: None,
    };
    if merge.and_then(|m| m.as_is) == Some(true) {
        for (catalog, selected) in sources {
            merge_as_is(&mut out, catalog, &selected, combine);
        }
    } else if let Some(custom) = merge.and_then(|m| m.custom.as_ref()) {
        let mut pool = Vec::new();
        for (catalog, selected) in sources {
            flatten_into(&mut pool, catalog, &selected, combine);
        }
        out.controls = insert(&pool, &custom.insert_controls);
        out.groups = custom
            .groups
            .iter()
            .map(|g| custom_group(g, &pool))
            .collect();
    } else {
        let mut pool = Vec::new();
        for (catalog, selected) in sources {
            for p in catalog.params.clone() {
                out.params.push(p);
            }
            flatten_into(&mut pool, catalog, &selected, combine);
        }
        out.controls = pool;
    }

    if let Some(modify) = &profile.modify {
        for alter in &modify.alters {
            apply_alter(&mut out, alter, &mut ctx.warnings);
        }
        set_parameters(&mut out, &modify.set_parameters, &mut ctx.warnings);
    }
    prune_loose_params(&mut out);

    out.metadata = metadata(profile, location, timestamp);
    let mut resources = source_backmatter;
    if let Some(b) = &profile.back_matter {
        resources.extend(b.resources.iter().cloned());
    }
    out.back_matter = back_matter(&out, resources);
    let mut parts: Vec<&str> = vec!["resolved-catalog", &profile.uuid];
    parts.extend(ids.iter().map(String::as_str));
    if let Some(t) = timestamp {
        parts.push(t);
    }
    out.uuid = crate::uuid::derive(&parts);
    Ok(out)
}

/// What identifies an imported catalog's content for the derived UUID.
fn ident(c: &Catalog) -> String {
    let field = |k: &str| c.metadata.get(k).and_then(Value::as_str).unwrap_or("");
    format!("{}|{}|{}", c.uuid, field("version"), field("last-modified"))
}

/// The links to try for an import: a `#uuid` names a back-matter resource whose rlinks are
/// tried JSON first; anything else is tried as written.
fn candidates(profile: &Profile, location: &str, href: &str) -> Result<Vec<String>, Error> {
    let Some(uuid) = href.strip_prefix('#') else {
        return Ok(vec![href.to_string()]);
    };
    let resource = profile
        .back_matter
        .as_ref()
        .and_then(|b| b.resource(uuid))
        .ok_or_else(|| Error::NoResource {
            href: href.to_string(),
            profile: location.to_string(),
        })?;
    let mut links: Vec<(bool, String)> = resource
        .get("rlinks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| {
                    let h = l.get("href")?.as_str()?;
                    let json = l
                        .get("media-type")
                        .and_then(Value::as_str)
                        .map(|m| m.contains("json"))
                        .unwrap_or_else(|| h.ends_with(".json"));
                    Some((!json, h.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    if links.is_empty() {
        return Err(Error::NoLinks {
            href: href.to_string(),
            profile: location.to_string(),
            uuid: uuid.to_string(),
        });
    }
    // Stable: JSON links first, otherwise the order the resource gives.
    links.sort_by_key(|(not_json, _)| *not_json);
    Ok(links.into_iter().map(|(_, h)| h).collect())
}

fn load_import(
    ctx: &mut Ctx<'_>,
    profile: &Profile,
    location: &str,
    import: &Import,
) -> Result<(Catalog, HashSet<String>), Error> {
    let mut tried = Vec::new();
    let all = import.include_all.is_some();
    let (inc, exc) = (&import.include_controls, &import.exclude_controls);
    for candidate in candidates(profile, location, &import.href)? {
        let fetched = match ctx.resolver.fetch(&import.href, &candidate, location) {
            Ok(f) => f,
            Err(why) => {
                tried.push(format!("  {candidate}: {why}"));
                continue;
            }
        };
        if ctx.stack.contains(&fetched.location) {
            let mut chain = ctx.stack.clone();
            chain.push(fetched.location.clone());
            return Err(Error::Circular {
                href: import.href.clone(),
                profile: location.to_string(),
                chain: chain.join(" -> "),
            });
        }
        // Selection happens group by group while the catalog is parsed: selection rules
        // (ids, patterns, direct children) never look outside a group's own controls.
        let mut selected: HashSet<String> = HashSet::new();
        let mut keep = |g: Group| {
            let mut controls = Vec::new();
            group_controls(&g, &mut controls);
            let picked = pick(controls, all, inc, exc);
            let kept = prune_group(g, &picked);
            selected.extend(picked);
            kept
        };
        match crate::document::parse_filtered(&fetched.text, &fetched.location, &mut keep) {
            Ok(Document::Catalog(c)) => {
                let mut c = *c;
                let mut top = Vec::new();
                for k in &c.controls {
                    k.walk(&mut top);
                }
                let picked = pick(top, all, inc, exc);
                c.controls = std::mem::take(&mut c.controls)
                    .into_iter()
                    .filter_map(|k| prune_control(k, &picked))
                    .collect();
                selected.extend(picked);
                return Ok((c, selected));
            }
            Ok(Document::Profile(p)) => {
                // An imported profile is resolved first and imported as the catalog it
                // yields; its own timestamp does not matter.
                let c = resolve_in(ctx, &p, &fetched.location, None)?;
                let picked = select(&c, all, inc, exc);
                return Ok((c, picked));
            }
            Err(e) => tried.push(format!("  {candidate} ({}): {e}", fetched.location)),
        }
    }
    Err(Error::Import {
        href: import.href.clone(),
        profile: location.to_string(),
        tried: tried.join("\n"),
    })
}

fn selector_matches(s: &Selector, ids: &HashSet<&str>, id: &str) -> bool {
    ids.contains(id) || s.matching.iter().any(|m| glob::matches(&m.pattern, id))
}

/// The ids a set of include/exclude selectors picks from `catalog`. An import with no
/// include selects everything (the specification's implicit `include-all`); exclusion
/// always wins over inclusion.
fn pick(
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

fn group_controls<'a>(g: &'a Group, out: &mut Vec<&'a Control>) {
    for c in &g.controls {
        c.walk(out);
    }
    for s in &g.groups {
        group_controls(s, out);
    }
}

/// Keeps selected controls and, under `as-is`, the parents that contain them (the
/// specification's implicit inclusion).
fn prune_control(mut c: Control, selected: &HashSet<String>) -> Option<Control> {
    let children = std::mem::take(&mut c.controls);
    c.controls = children
        .into_iter()
        .filter_map(|k| prune_control(k, selected))
        .collect();
    (selected.contains(&c.id) || !c.controls.is_empty()).then_some(c)
}

fn prune_group(mut g: Group, selected: &HashSet<String>) -> Option<Group> {
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

fn all_ids(controls: &[Control], groups: &[Group], out: &mut HashSet<String>) {
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
fn drop_seen(controls: Vec<Control>, seen: &HashSet<String>) -> Vec<Control> {
    controls
        .into_iter()
        .filter(|c| !seen.contains(&c.id))
        .map(|mut c| {
            c.controls = drop_seen(std::mem::take(&mut c.controls), seen);
            c
        })
        .collect()
}

fn merge_groups(into: &mut Vec<Group>, incoming: Vec<Group>, seen: &HashSet<String>, how: Combine) {
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
fn merge_as_is(out: &mut Catalog, catalog: Catalog, selected: &HashSet<String>, how: Combine) {
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
fn flatten_into(
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
fn insert(pool: &[Control], directives: &[InsertControls]) -> Vec<Control> {
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

fn custom_group(g: &CustomGroup, pool: &[Control]) -> Group {
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

fn find_control<'a>(
    controls: &'a mut [Control],
    groups: &'a mut [Group],
    id: &str,
) -> Option<&'a mut Control> {
    fn in_controls<'a>(cs: &'a mut [Control], id: &str) -> Option<&'a mut Control> {
        for c in cs {
            if c.id == id {
                return Some(c);
            }
            if let Some(f) = in_controls(&mut c.controls, id) {
                return Some(f);
            }
        }
        None
    }
    if let Some(c) = in_controls(controls, id) {
        return Some(c);
    }
    for g in groups {
        if let Some(c) = find_control(&mut g.controls, &mut g.groups, id) {
            return Some(c);
        }
    }
    None
}

fn remove_matches(
    r: &crate::profile::Remove,
    name: Option<&str>,
    class: Option<&str>,
    id: Option<&str>,
    ns: Option<&str>,
    item: &str,
) -> bool {
    // The first given criterion decides, as the specification orders them.
    if let Some(x) = &r.by_id {
        return id == Some(x.as_str());
    }
    if let Some(x) = &r.by_name {
        return name == Some(x.as_str());
    }
    if let Some(x) = &r.by_class {
        return class == Some(x.as_str());
    }
    if let Some(x) = &r.by_item_name {
        return x == item;
    }
    if let Some(x) = &r.by_ns {
        return ns == Some(x.as_str());
    }
    false
}

fn remove_in_parts(parts: &mut Vec<Part>, r: &crate::profile::Remove) -> usize {
    let before = parts.len();
    parts.retain(|p| {
        !remove_matches(
            r,
            Some(&p.name),
            p.class.as_deref(),
            p.id.as_deref(),
            p.ns.as_deref(),
            "part",
        )
    });
    let mut n = before - parts.len();
    for p in parts.iter_mut() {
        n += remove_props(&mut p.props, r);
        n += remove_links(&mut p.links, r);
        n += remove_in_parts(&mut p.parts, r);
    }
    n
}

fn remove_props(props: &mut Vec<Prop>, r: &crate::profile::Remove) -> usize {
    let before = props.len();
    props.retain(|p| {
        !remove_matches(
            r,
            Some(&p.name),
            p.class.as_deref(),
            p.uuid.as_deref(),
            p.ns.as_deref(),
            "prop",
        )
    });
    before - props.len()
}

fn remove_links(links: &mut Vec<Link>, r: &crate::profile::Remove) -> usize {
    let before = links.len();
    links.retain(|l| !remove_matches(r, l.rel.as_deref(), None, None, None, "link"));
    before - links.len()
}

fn apply_alter(out: &mut Catalog, alter: &Alter, warnings: &mut Vec<String>) {
    let Some(c) = find_control(&mut out.controls, &mut out.groups, &alter.control_id) else {
        warnings.push(format!(
            "alter of control `{}` does nothing: the control is not in the resolved catalog",
            alter.control_id
        ));
        return;
    };
    for r in &alter.removes {
        let before = c.params.len();
        c.params
            .retain(|p| !remove_matches(r, None, p.class.as_deref(), Some(&p.id), None, "param"));
        let mut n = before - c.params.len();
        n += remove_props(&mut c.props, r);
        n += remove_links(&mut c.links, r);
        n += remove_in_parts(&mut c.parts, r);
        if n == 0 {
            warnings.push(format!(
                "a remove in the alter of `{}` matched nothing",
                c.id
            ));
        }
    }
    for add in &alter.adds {
        let position = add.position.as_deref().unwrap_or("ending");
        let front = matches!(position, "starting" | "before");
        match add.by_id.as_deref() {
            None | Some("") => add_to_control(c, add, front),
            Some(id) if id == c.id => add_to_control(c, add, front),
            Some(id) => {
                if !add_by_id(c, id, add, position) {
                    warnings.push(format!(
                        "an add in the alter of `{}` targets `{id}`, which the control does not contain",
                        c.id
                    ));
                }
            }
        }
    }
}

fn splice<T: Clone>(list: &mut Vec<T>, new: &[T], front: bool) {
    if front {
        let tail = std::mem::take(list);
        list.extend(new.iter().cloned());
        list.extend(tail);
    } else {
        list.extend(new.iter().cloned());
    }
}

fn add_to_control(c: &mut Control, add: &crate::profile::Add, front: bool) {
    if let Some(t) = &add.title {
        c.title = t.clone();
    }
    splice(&mut c.params, &add.params, front);
    splice(&mut c.props, &add.props, front);
    splice(&mut c.links, &add.links, front);
    splice(&mut c.parts, &add.parts, front);
}

/// Adds relative to the part or parameter with `id`; true when it was found.
fn add_by_id(c: &mut Control, id: &str, add: &crate::profile::Add, position: &str) -> bool {
    if let Some(i) = c.params.iter().position(|p| p.id == id) {
        match position {
            "before" => splice_at(&mut c.params, i, &add.params),
            "after" => splice_at(&mut c.params, i + 1, &add.params),
            _ => {
                let front = position == "starting";
                splice(&mut c.params[i].props, &add.props, front);
                splice(&mut c.params[i].links, &add.links, front);
            }
        }
        return true;
    }
    fn in_parts(
        parts: &mut Vec<Part>,
        props: &mut Vec<Prop>,
        id: &str,
        add: &crate::profile::Add,
        position: &str,
    ) -> bool {
        if let Some(i) = parts.iter().position(|p| p.id.as_deref() == Some(id)) {
            match position {
                "before" | "after" => {
                    let at = if position == "before" { i } else { i + 1 };
                    splice_at(parts, at, &add.parts);
                    splice(props, &add.props, position == "before");
                }
                _ => {
                    let front = position == "starting";
                    let p = &mut parts[i];
                    if let Some(t) = &add.title {
                        p.title = Some(t.clone());
                    }
                    splice(&mut p.props, &add.props, front);
                    splice(&mut p.links, &add.links, front);
                    splice(&mut p.parts, &add.parts, front);
                }
            }
            return true;
        }
        for p in parts.iter_mut() {
            if in_parts(&mut p.parts, &mut p.props, id, add, position) {
                return true;
            }
        }
        false
    }
    in_parts(&mut c.parts, &mut c.props, id, add, position)
}

fn splice_at<T: Clone>(list: &mut Vec<T>, at: usize, new: &[T]) {
    let at = at.min(list.len());
    let tail = list.split_off(at);
    list.extend(new.iter().cloned());
    list.extend(tail);
}

fn for_each_param(out: &mut Catalog, f: &mut dyn FnMut(&mut Param)) {
    fn control(c: &mut Control, f: &mut dyn FnMut(&mut Param)) {
        for p in &mut c.params {
            f(p);
        }
        for k in &mut c.controls {
            control(k, f);
        }
    }
    fn group(g: &mut Group, f: &mut dyn FnMut(&mut Param)) {
        for p in &mut g.params {
            f(p);
        }
        for c in &mut g.controls {
            control(c, f);
        }
        for s in &mut g.groups {
            group(s, f);
        }
    }
    for p in &mut out.params {
        f(p);
    }
    for c in &mut out.controls {
        control(c, f);
    }
    for g in &mut out.groups {
        group(g, f);
    }
}

/// Applies `set-parameters` in profile order: label, usage, class, values/select replace;
/// props, links, constraints and guidelines are added after the existing ones.
fn set_parameters(out: &mut Catalog, sets: &[SetParameter], warnings: &mut Vec<String>) {
    if sets.is_empty() {
        return;
    }
    let mut by_id: HashMap<&str, Vec<&SetParameter>> = HashMap::new();
    for s in sets {
        by_id.entry(s.param_id.as_str()).or_default().push(s);
    }
    let mut used: HashSet<String> = HashSet::new();
    for_each_param(out, &mut |p: &mut Param| {
        let Some(list) = by_id.get(p.id.as_str()) else {
            return;
        };
        used.insert(p.id.clone());
        for s in list {
            if s.label.is_some() {
                p.label = s.label.clone();
            }
            if s.usage.is_some() {
                p.usage = s.usage.clone();
            }
            if s.class.is_some() {
                p.class = s.class.clone();
            }
            if s.depends_on.is_some() {
                p.depends_on = s.depends_on.clone();
            }
            if !s.values.is_empty() || s.select.is_some() {
                p.values = s.values.clone();
                p.select = s.select.clone();
            }
            p.props.extend(s.props.iter().cloned());
            p.links.extend(s.links.iter().cloned());
            p.constraints.extend(s.constraints.iter().cloned());
            p.guidelines.extend(s.guidelines.iter().cloned());
        }
    });
    for s in sets {
        if !used.contains(&s.param_id) {
            warnings.push(format!(
                "set-parameters for `{}` does nothing: no such parameter in the resolved catalog",
                s.param_id
            ));
        }
    }
}

/// The parameter ids that `{{ insert: param, ID }}` directives in `text` refer to.
pub fn inserted_params(text: &str, out: &mut HashSet<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("insert:") {
        rest = &rest[i + "insert:".len()..];
        let t = rest.trim_start();
        if let Some(after) = t.strip_prefix("param,") {
            let id: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !id.is_empty() {
                out.insert(id);
            }
        }
    }
}

/// Loose parameters (catalog or group level) stay only when something in the result
/// inserts them; parameters inside controls always stay with their control.
fn prune_loose_params(out: &mut Catalog) {
    fn has_loose(groups: &[Group]) -> bool {
        groups
            .iter()
            .any(|g| !g.params.is_empty() || has_loose(&g.groups))
    }
    if out.params.is_empty() && !has_loose(&out.groups) {
        return;
    }
    let mut used = HashSet::new();
    let body =
        serde_json::to_string(&(&out.controls, &out.groups, &out.params)).unwrap_or_default();
    inserted_params(&body, &mut used);
    out.params.retain(|p| used.contains(&p.id));
    fn group(g: &mut Group, used: &HashSet<String>) {
        g.params.retain(|p| used.contains(&p.id));
        for s in &mut g.groups {
            group(s, used);
        }
    }
    for g in &mut out.groups {
        group(g, &used);
    }
}

/// Every `#fragment` the text refers to: `"href": "#x"` in JSON and `](#x)` in Markdown.
pub fn fragment_refs(text: &str, out: &mut HashSet<String>) {
    for (i, _) in text.match_indices('#') {
        let before = text[..i].chars().next_back();
        let end_char = match before {
            Some('"') => '"',
            Some('(') => ')',
            _ => continue,
        };
        let rest = &text[i + 1..];
        if let Some(end) = rest.find(end_char) {
            let id = &rest[..end];
            if !id.is_empty() && id.len() <= 200 {
                out.insert(id.to_string());
            }
        }
    }
}

/// Back matter of the result: resources from the imported catalogs then the profile,
/// deduplicated by uuid (the last one wins, at the place of the first), kept only when
/// the result links to them or they carry `keep: always`.
fn back_matter(out: &Catalog, resources: Vec<Value>) -> Option<BackMatter> {
    let mut refs = HashSet::new();
    fragment_refs(&out.metadata.to_string(), &mut refs);
    collect_refs(out, &mut refs);
    let mut order: Vec<String> = Vec::new();
    let mut by_uuid: HashMap<String, Value> = HashMap::new();
    for r in resources {
        let Some(uuid) = r.get("uuid").and_then(Value::as_str).map(str::to_string) else {
            continue;
        };
        if !by_uuid.contains_key(&uuid) {
            order.push(uuid.clone());
        }
        by_uuid.insert(uuid, r);
    }
    let keep_always = |r: &Value| {
        r.get("props").and_then(Value::as_array).is_some_and(|ps| {
            ps.iter().any(|p| {
                p.get("name").and_then(Value::as_str) == Some("keep")
                    && p.get("value").and_then(Value::as_str) == Some("always")
            })
        })
    };
    let kept: Vec<Value> = order
        .into_iter()
        .filter_map(|u| {
            let r = by_uuid.remove(&u)?;
            (refs.contains(&u) || keep_always(&r)).then_some(r)
        })
        .collect();
    (!kept.is_empty()).then_some(BackMatter { resources: kept })
}

/// The profile's metadata with the resolution marked: `last-modified` and a
/// `resolution-timestamp` property when a timestamp is given, a `resolution-tool`
/// property, and a `source-profile` link to the profile (as NIST's resolver writes).
fn metadata(profile: &Profile, location: &str, timestamp: Option<&str>) -> Value {
    let mut m: Map<String, Value> = profile.metadata.as_object().cloned().unwrap_or_default();
    if let Some(t) = timestamp {
        m.insert("last-modified".into(), Value::String(t.to_string()));
    }
    let mut props = vec![json!({"name": "resolution-tool", "value": TOOL})];
    if let Some(t) = timestamp {
        props.push(json!({"name": "resolution-timestamp", "value": t}));
    }
    if let Some(Value::Array(old)) = m.remove("props") {
        props.extend(old.into_iter().filter(|p| {
            !matches!(
                p.get("name").and_then(Value::as_str),
                Some("resolution-tool" | "resolution-timestamp")
            )
        }));
    }
    m.insert("props".into(), Value::Array(props));
    let mut links = vec![json!({"href": location, "rel": "source-profile"})];
    if let Some(Value::Array(old)) = m.remove("links") {
        links.extend(old);
    }
    m.insert("links".into(), Value::Array(links));
    // Keep OSCAL's canonical metadata order so the output reads like NIST's.
    let order = [
        "title",
        "published",
        "last-modified",
        "version",
        "oscal-version",
        "revisions",
        "document-ids",
        "props",
        "links",
        "roles",
        "locations",
        "parties",
        "responsible-parties",
        "actions",
        "remarks",
    ];
    let mut sorted = Map::new();
    for k in order {
        if let Some(v) = m.remove(k) {
            sorted.insert(k.to_string(), v);
        }
    }
    sorted.extend(m);
    Value::Object(sorted)
}

/// The `#fragment` targets of every link and Markdown link in the catalog's content.
fn collect_refs(out: &Catalog, refs: &mut HashSet<String>) {
    fn links(ls: &[Link], refs: &mut HashSet<String>) {
        for l in ls {
            if let Some(id) = l.href.strip_prefix('#') {
                refs.insert(id.to_string());
            }
        }
    }
    fn text(s: &str, refs: &mut HashSet<String>) {
        if s.contains("](#") {
            fragment_refs(s, refs);
        }
    }
    fn values(vs: &[Value], refs: &mut HashSet<String>) {
        for v in vs {
            fragment_refs(&v.to_string(), refs);
        }
    }
    fn props(ps: &[Prop], refs: &mut HashSet<String>) {
        for p in ps {
            if let Some(r) = &p.remarks {
                text(r, refs);
            }
        }
    }
    fn param(p: &Param, refs: &mut HashSet<String>) {
        links(&p.links, refs);
        props(&p.props, refs);
        values(&p.constraints, refs);
        values(&p.guidelines, refs);
        if let Some(r) = &p.remarks {
            text(r, refs);
        }
    }
    fn part(p: &Part, refs: &mut HashSet<String>) {
        links(&p.links, refs);
        props(&p.props, refs);
        if let Some(s) = &p.prose {
            text(s, refs);
        }
        for q in &p.parts {
            part(q, refs);
        }
    }
    fn control(c: &Control, refs: &mut HashSet<String>) {
        links(&c.links, refs);
        props(&c.props, refs);
        for p in &c.params {
            param(p, refs);
        }
        for p in &c.parts {
            part(p, refs);
        }
        for k in &c.controls {
            control(k, refs);
        }
    }
    fn group(g: &Group, refs: &mut HashSet<String>) {
        links(&g.links, refs);
        props(&g.props, refs);
        for p in &g.params {
            param(p, refs);
        }
        for p in &g.parts {
            part(p, refs);
        }
        for c in &g.controls {
            control(c, refs);
        }
        for s in &g.groups {
            group(s, refs);
        }
    }
    for p in &out.params {
        param(p, refs);
    }
    for c in &out.controls {
        control(c, refs);
    }
    for g in &out.groups {
        group(g, refs);
    }
}
