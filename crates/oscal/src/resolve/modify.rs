//! Modify: `alter` (remove and add parts, props, links and parameters) and `set-parameters`.

use crate::catalog::Catalog;
use crate::control::{Control, Group, Link, Param, Part, Prop};
use crate::profile::{Alter, SetParameter};
use std::collections::{HashMap, HashSet};

pub(super) fn find_control<'a>(
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

pub(super) fn remove_matches(
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

pub(super) fn remove_in_parts(parts: &mut Vec<Part>, r: &crate::profile::Remove) -> usize {
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

pub(super) fn remove_props(props: &mut Vec<Prop>, r: &crate::profile::Remove) -> usize {
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

pub(super) fn remove_links(links: &mut Vec<Link>, r: &crate::profile::Remove) -> usize {
    let before = links.len();
    links.retain(|l| !remove_matches(r, l.rel.as_deref(), None, None, None, "link"));
    before - links.len()
}

pub(super) fn apply_alter(out: &mut Catalog, alter: &Alter, warnings: &mut Vec<String>) {
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

pub(super) fn splice<T: Clone>(list: &mut Vec<T>, new: &[T], front: bool) {
    if front {
        let tail = std::mem::take(list);
        list.extend(new.iter().cloned());
        list.extend(tail);
    } else {
        list.extend(new.iter().cloned());
    }
}

pub(super) fn add_to_control(c: &mut Control, add: &crate::profile::Add, front: bool) {
    if let Some(t) = &add.title {
        c.title = t.clone();
    }
    splice(&mut c.params, &add.params, front);
    splice(&mut c.props, &add.props, front);
    splice(&mut c.links, &add.links, front);
    splice(&mut c.parts, &add.parts, front);
}

/// Adds relative to the part or parameter with `id`; true when it was found.
pub(super) fn add_by_id(
    c: &mut Control,
    id: &str,
    add: &crate::profile::Add,
    position: &str,
) -> bool {
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

pub(super) fn splice_at<T: Clone>(list: &mut Vec<T>, at: usize, new: &[T]) {
    let at = at.min(list.len());
    let tail = list.split_off(at);
    list.extend(new.iter().cloned());
    list.extend(tail);
}

pub(super) fn for_each_param(out: &mut Catalog, f: &mut dyn FnMut(&mut Param)) {
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
pub(super) fn set_parameters(out: &mut Catalog, sets: &[SetParameter], warnings: &mut Vec<String>) {
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
