//! SPDX 2.2/2.3 JSON: packages with their purls, and vulnerability ids a producer put in `SECURITY`
//! external references. Lenient on fields vulnerability work does not need (`downloadLocation`),
//! which real generators omit.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::json::{Path, expect_object, opt_array, opt_text, req_array, req_str};
use crate::observation::{Format, Observation, Source, ids_in_text};
use serde_json::Value;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let version = req_str(doc, "spdxVersion", &root)?;
    if !["SPDX-2.2", "SPDX-2.3"].contains(&version) {
        return Err(Fail::Unsupported {
            format: Format::Spdx,
            version: version.to_owned(),
            supported: "SPDX-2.2, SPDX-2.3",
        });
    }
    let tool = doc
        .get("creationInfo")
        .and_then(|c| c.get("creators"))
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .filter_map(Value::as_str)
                .find_map(|c| c.strip_prefix("Tool:"))
        })
        .map_or_else(|| "SPDX".to_owned(), |t| t.trim().to_owned());
    let mut components = Vec::new();
    let mut observations = Vec::new();
    let pkgs_path = root.key("packages");
    let packages = if doc.get("packages").is_some() {
        req_array(doc, "packages", &root)?
    } else {
        &[]
    };
    for (i, pkg) in packages.iter().enumerate() {
        let p = pkgs_path.index(i);
        expect_object(pkg, &p)?;
        let name = req_str(pkg, "name", &p)?;
        let version = opt_text(pkg, "versionInfo", &p)?;
        if pkg.get("downloadLocation").is_none() {
            ctx.warn(
                &p,
                format!("package {name:?} lacks the mandatory downloadLocation; read anyway"),
            );
        }
        let mut purl = None;
        let mut advisory_ids = Vec::new();
        let refs_path = p.key("externalRefs");
        for (j, r) in opt_array(pkg, "externalRefs", &p)?.iter().enumerate() {
            let rp = refs_path.index(j);
            let category = opt_text(r, "referenceCategory", &rp)?.unwrap_or("");
            let kind = opt_text(r, "referenceType", &rp)?.unwrap_or("");
            let locator = opt_text(r, "referenceLocator", &rp)?.unwrap_or("");
            if kind == "purl" && purl.is_none() {
                purl = Some(locator);
            }
            if category == "SECURITY" && matches!(kind, "advisory" | "url" | "fix") {
                advisory_ids.extend(ids_in_text(locator));
            }
        }
        let Some(comp) = Component::new(Some(name), version, purl) else {
            continue;
        };
        for id in advisory_ids {
            observations.push(Observation::new(
                id,
                comp.clone(),
                Source {
                    tool: tool.clone(),
                    format: Format::Spdx,
                    file: ctx.file.to_owned(),
                    rule: None,
                },
            ));
        }
        components.push(comp);
    }
    Ok(Import {
        format: Format::Spdx,
        format_version: version.to_owned(),
        tool,
        components,
        observations,
        warnings: Vec::new(),
    })
}
