//! Finish: pruning loose parameters and back matter to what the result refers to, and the
//! resolved catalog's metadata.

use crate::catalog::Catalog;
use crate::control::{BackMatter, Control, Group, Link, Param, Part, Prop};
use crate::profile::Profile;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

use super::TOOL;

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
pub(super) fn prune_loose_params(out: &mut Catalog) {
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
pub(super) fn back_matter(out: &Catalog, resources: Vec<Value>) -> Option<BackMatter> {
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
pub(super) fn metadata(profile: &Profile, location: &str, timestamp: Option<&str>) -> Value {
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
pub(super) fn collect_refs(out: &Catalog, refs: &mut HashSet<String>) {
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
