//! Import: fetching each imported document (a back-matter resource's rlinks in turn, JSON
//! first), refusing circular imports, resolving imported profiles, and the selection it makes.

use crate::catalog::Catalog;
use crate::control::Group;
use crate::document::Document;
use crate::error::Error;
use crate::profile::{Import, Profile};
use serde_json::Value;
use std::collections::HashSet;

use super::select::{group_controls, pick, prune_control, prune_group, select};
use super::{Ctx, resolve_in};

/// What identifies an imported catalog's content for the derived UUID.
pub(super) fn ident(c: &Catalog) -> String {
    let field = |k: &str| c.metadata.get(k).and_then(Value::as_str).unwrap_or("");
    format!("{}|{}|{}", c.uuid, field("version"), field("last-modified"))
}

/// The links to try for an import: a `#uuid` names a back-matter resource whose rlinks are
/// tried JSON first; anything else is tried as written.
pub(super) fn candidates(
    profile: &Profile,
    location: &str,
    href: &str,
) -> Result<Vec<String>, Error> {
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

pub(super) fn load_import(
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
