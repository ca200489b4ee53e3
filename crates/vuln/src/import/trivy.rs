//! Trivy JSON: the SchemaVersion 2 object and the older bare list of results. Findings a VEX
//! document suppressed (`ModifiedFindings`) are read too, carrying the VEX status.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::{CvssVersion, Declared};
use crate::json::{Path, expect_object, opt_array, opt_strings, opt_text, req_str};
use crate::observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
use covenant_model::Severity;
use serde_json::Value;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let (results, results_path, version) = match doc {
        Value::Array(a) => (a.as_slice(), root, "legacy".to_owned()),
        _ => {
            let v = match doc.get("SchemaVersion") {
                Some(Value::Number(n)) => n.to_string(),
                Some(other) => {
                    return Err(crate::json::shape(
                        &root.key("SchemaVersion"),
                        "a number",
                        crate::json::kind(other),
                    )
                    .into());
                }
                None => "2".to_owned(),
            };
            if v != "2" {
                return Err(Fail::Unsupported {
                    format: Format::Trivy,
                    version: v,
                    supported: "2 and the legacy list",
                });
            }
            (opt_array(doc, "Results", &root)?, root.key("Results"), v)
        }
    };
    let tool = "Trivy".to_owned();
    let mut observations = Vec::new();
    for (i, res) in results.iter().enumerate() {
        let rp = results_path.index(i);
        expect_object(res, &rp)?;
        let vp = rp.key("Vulnerabilities");
        for (j, v) in opt_array(res, "Vulnerabilities", &rp)?.iter().enumerate() {
            observations.push(vulnerability(ctx, v, &vp.index(j), &tool)?);
        }
        let mp = rp.key("ModifiedFindings");
        for (j, m) in opt_array(res, "ModifiedFindings", &rp)?.iter().enumerate() {
            let jp = mp.index(j);
            let Some(f) = m.get("Finding") else { continue };
            let mut o = vulnerability(ctx, f, &jp.key("Finding"), &tool)?;
            let state = match opt_text(m, "Status", &jp)? {
                Some("not_affected") => VexState::NotAffected,
                Some("fixed") => VexState::Fixed,
                Some("under_investigation") => VexState::UnderInvestigation,
                Some("affected") => VexState::Affected,
                _ => continue,
            };
            let statement = opt_text(m, "Statement", &jp)?;
            o.vex = Some(VexAssertion {
                state,
                justification: statement.and_then(Justification::parse),
                detail: statement.map(str::to_owned),
            });
            observations.push(o);
        }
    }
    Ok(Import {
        format: Format::Trivy,
        format_version: version,
        tool,
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}

fn vulnerability(
    ctx: &mut Ctx<'_>,
    v: &Value,
    p: &Path<'_>,
    tool: &str,
) -> Result<Observation, Fail> {
    expect_object(v, p)?;
    let id = req_str(v, "VulnerabilityID", p)?;
    let name = req_str(v, "PkgName", p)?;
    let version = opt_text(v, "InstalledVersion", p)?;
    let purl = v
        .get("PkgIdentifier")
        .and_then(|i| i.get("PURL"))
        .and_then(Value::as_str);
    let comp = Component::new(Some(name), version, purl).ok_or_else(|| {
        crate::json::shape(&p.key("PkgName"), "a package name", "an empty string")
    })?;
    let mut o = Observation::new(
        id,
        comp,
        Source {
            tool: tool.to_owned(),
            format: Format::Trivy,
            file: ctx.file.to_owned(),
            rule: None,
        },
    );
    o.aliases.extend(
        opt_strings(v, "VendorIDs", p)?
            .into_iter()
            .filter(|a| *a != id)
            .map(str::to_owned),
    );
    o.reported_severity = opt_text(v, "Severity", p)?.and_then(Severity::from_label);
    o.title = opt_text(v, "Title", p)?.map(str::to_owned);
    if let Some(fixed) = opt_text(v, "FixedVersion", p)? {
        o.fixed_versions.extend(
            fixed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    if let Some(Value::Object(by_source)) = v.get("CVSS") {
        let cp = p.key("CVSS");
        for (src, entry) in by_source {
            let sp = cp.key(src);
            if let Some(vec3) = opt_text(entry, "V3Vector", &sp)?
                && let Some(s) = ctx.cvss(vec3, Declared::Major(3), &sp.key("V3Vector"))?
                && !o.cvss.contains(&s)
            {
                o.cvss.push(s);
            }
            if let Some(vec4) = opt_text(entry, "V40Vector", &sp)?
                && let Some(s) = ctx.cvss(
                    vec4,
                    Declared::Exact(CvssVersion::V40),
                    &sp.key("V40Vector"),
                )?
                && !o.cvss.contains(&s)
            {
                o.cvss.push(s);
            }
        }
    }
    Ok(o)
}
