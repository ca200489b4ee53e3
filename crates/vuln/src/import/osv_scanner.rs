//! OSV-Scanner JSON: results → packages → OSV records, with `groups` telling which records are the
//! same vulnerability.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::json::{Path, expect_object, opt_array, opt_strings, opt_text, req_array};
use crate::observation::{Format, Observation, Source};
use crate::osv::{OsvRecord, purl_for};
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let mut observations = Vec::new();
    let mut components = Vec::new();
    let results_path = root.key("results");
    for (i, res) in req_array(doc, "results", &root)?.iter().enumerate() {
        let rp = results_path.index(i);
        expect_object(res, &rp)?;
        let pkgs_path = rp.key("packages");
        for (j, pkg) in opt_array(res, "packages", &rp)?.iter().enumerate() {
            let pp = pkgs_path.index(j);
            let package = pkg.get("package").unwrap_or(&Value::Null);
            let pkp = pp.key("package");
            expect_object(package, &pkp)?;
            let name = crate::json::req_str(package, "name", &pkp)?;
            let version = opt_text(package, "version", &pkp)?;
            let ecosystem = opt_text(package, "ecosystem", &pkp)?.unwrap_or("");
            let purl = opt_text(package, "purl", &pkp)?
                .map(str::to_owned)
                .or_else(|| purl_for(ecosystem, name, version));
            let Some(comp) = Component::new(Some(name), version, purl.as_deref()) else {
                continue;
            };
            components.push(comp.clone());
            let mut records = Vec::new();
            let vp = pp.key("vulnerabilities");
            for (k, v) in opt_array(pkg, "vulnerabilities", &pp)?.iter().enumerate() {
                records.push(OsvRecord::from_value(ctx, v, &vp.index(k))?);
            }
            // Each group is one vulnerability known under several ids; without groups, each record is.
            let mut groups: Vec<BTreeSet<String>> = Vec::new();
            let gp = pp.key("groups");
            for (k, g) in opt_array(pkg, "groups", &pp)?.iter().enumerate() {
                let mut ids: BTreeSet<String> = opt_strings(g, "ids", &gp.index(k))?
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                ids.extend(
                    opt_strings(g, "aliases", &gp.index(k))?
                        .into_iter()
                        .map(str::to_owned),
                );
                if !ids.is_empty() {
                    groups.push(ids);
                }
            }
            for r in &records {
                if !groups.iter().any(|g| g.contains(&r.id)) {
                    groups.push(
                        std::iter::once(r.id.clone())
                            .chain(r.aliases.iter().cloned())
                            .collect(),
                    );
                }
            }
            for ids in groups {
                let members: Vec<&OsvRecord> =
                    records.iter().filter(|r| ids.contains(&r.id)).collect();
                let Some(primary) = members
                    .first()
                    .map(|r| r.id.clone())
                    .or_else(|| ids.iter().next().cloned())
                else {
                    continue;
                };
                let mut o = Observation::new(
                    primary.clone(),
                    comp.clone(),
                    Source {
                        tool: "osv-scanner".to_owned(),
                        format: Format::OsvScanner,
                        file: ctx.file.to_owned(),
                        rule: None,
                    },
                );
                o.aliases = ids.iter().filter(|x| **x != primary).cloned().collect();
                for r in &members {
                    o.aliases
                        .extend(r.aliases.iter().filter(|a| **a != primary).cloned());
                    o.cvss.extend(r.cvss.iter().cloned());
                    if o.title.is_none() {
                        o.title = r.summary.clone();
                    }
                    if let Some(eco) = crate::version::Ecosystem::from_osv(ecosystem) {
                        o.fixed_versions.extend(r.fixed_versions(eco, name));
                    }
                }
                observations.push(o);
            }
        }
    }
    Ok(Import {
        format: Format::OsvScanner,
        format_version: String::new(),
        tool: "osv-scanner".to_owned(),
        components,
        observations,
        warnings: Vec::new(),
    })
}
