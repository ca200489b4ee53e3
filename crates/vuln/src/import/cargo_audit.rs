//! `cargo audit --json`: RustSec advisories matched against a Cargo.lock, with the advisory's
//! aliases and CVSS vector.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::Declared;
use crate::json::{Path, expect_object, opt_array, opt_strings, opt_text, req_str};
use crate::observation::{Format, Observation, Source};
use serde_json::Value;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let tool = "cargo-audit".to_owned();
    let mut observations = Vec::new();
    let vp = root.key("vulnerabilities");
    let vulns = doc.get("vulnerabilities").unwrap_or(&Value::Null);
    expect_object(vulns, &vp)?;
    let lp = vp.key("list");
    for (i, v) in opt_array(vulns, "list", &vp)?.iter().enumerate() {
        let p = lp.index(i);
        expect_object(v, &p)?;
        let ap = p.key("advisory");
        let adv = v.get("advisory").unwrap_or(&Value::Null);
        expect_object(adv, &ap)?;
        let id = req_str(adv, "id", &ap)?;
        let pp = p.key("package");
        let pkg = v.get("package").unwrap_or(&Value::Null);
        expect_object(pkg, &pp)?;
        let name = req_str(pkg, "name", &pp)?;
        let version = req_str(pkg, "version", &pp)?;
        // Only registry packages have a crates.io identity; git and path sources keep a bare name.
        let from_registry =
            opt_text(pkg, "source", &pp)?.is_some_and(|s| s.starts_with("registry+"));
        let purl = from_registry.then(|| format!("pkg:cargo/{name}@{version}"));
        let Some(comp) = Component::new(Some(name), Some(version), purl.as_deref()) else {
            continue;
        };
        let mut o = Observation::new(
            id,
            comp,
            Source {
                tool: tool.clone(),
                format: Format::CargoAudit,
                file: ctx.file.to_owned(),
                rule: None,
            },
        );
        o.aliases.extend(
            opt_strings(adv, "aliases", &ap)?
                .into_iter()
                .filter(|a| *a != id)
                .map(str::to_owned),
        );
        if let Some(vector) = opt_text(adv, "cvss", &ap)?
            && let Some(s) = ctx.cvss(vector, Declared::Unknown, &ap.key("cvss"))?
        {
            o.cvss.push(s);
        }
        o.title = opt_text(adv, "title", &ap)?.map(str::to_owned);
        if let Some(versions) = v.get("versions") {
            o.fixed_versions.extend(
                opt_strings(versions, "patched", &p.key("versions"))?
                    .into_iter()
                    .map(str::to_owned),
            );
        }
        observations.push(o);
    }
    Ok(Import {
        format: Format::CargoAudit,
        format_version: String::new(),
        tool,
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}
