//! Grype JSON (`matches[]`), from the 0.7 layout (`cvssV2`/`cvssV3` objects) to current releases
//! (`cvss[]`, `relatedVulnerabilities[]`, `fix.versions`).

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::{CvssVersion, Declared};
use crate::json::{Path, expect_object, opt_array, opt_strings, opt_text, req_array, req_str};
use crate::observation::{Format, Observation, Source};
use covenant_model::Severity;
use serde_json::Value;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let descriptor = doc.get("descriptor");
    let tool = descriptor
        .and_then(|d| d.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("grype")
        .to_owned();
    let version = descriptor
        .and_then(|d| d.get("version"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut observations = Vec::new();
    let mp = root.key("matches");
    for (i, m) in req_array(doc, "matches", &root)?.iter().enumerate() {
        let p = mp.index(i);
        expect_object(m, &p)?;
        let vuln = m.get("vulnerability").unwrap_or(&Value::Null);
        let vp = p.key("vulnerability");
        expect_object(vuln, &vp)?;
        let id = req_str(vuln, "id", &vp)?;
        let artifact = m.get("artifact").unwrap_or(&Value::Null);
        let ap = p.key("artifact");
        expect_object(artifact, &ap)?;
        let name = req_str(artifact, "name", &ap)?;
        let comp_version = opt_text(artifact, "version", &ap)?;
        let purl = opt_text(artifact, "purl", &ap)?;
        let Some(comp) = Component::new(Some(name), comp_version, purl) else {
            continue;
        };
        let mut o = Observation::new(
            id,
            comp,
            Source {
                tool: tool.clone(),
                format: Format::Grype,
                file: ctx.file.to_owned(),
                rule: None,
            },
        );
        o.reported_severity = opt_text(vuln, "severity", &vp)?.and_then(Severity::from_label);
        o.title = opt_text(vuln, "description", &vp)?.map(str::to_owned);
        vectors(ctx, vuln, &vp, &mut o)?;
        let rp = p.key("relatedVulnerabilities");
        for (j, rel) in opt_array(m, "relatedVulnerabilities", &p)?
            .iter()
            .enumerate()
        {
            let jp = rp.index(j);
            let rid = req_str(rel, "id", &jp)?;
            if rid != id {
                o.aliases.insert(rid.to_owned());
            }
            if o.title.is_none() {
                o.title = opt_text(rel, "description", &jp)?.map(str::to_owned);
            }
            vectors(ctx, rel, &jp, &mut o)?;
        }
        if let Some(fix) = vuln.get("fix") {
            o.fixed_versions.extend(
                opt_strings(fix, "versions", &vp.key("fix"))?
                    .into_iter()
                    .map(str::to_owned),
            );
        }
        observations.push(o);
    }
    Ok(Import {
        format: Format::Grype,
        format_version: version,
        tool,
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}

fn vectors(ctx: &mut Ctx<'_>, v: &Value, p: &Path<'_>, o: &mut Observation) -> Result<(), Fail> {
    let cp = p.key("cvss");
    for (k, c) in opt_array(v, "cvss", p)?.iter().enumerate() {
        let kp = cp.index(k);
        let declared = match opt_text(c, "version", &kp)? {
            Some("3.0") => Declared::Exact(CvssVersion::V30),
            Some("3.1") => Declared::Exact(CvssVersion::V31),
            Some("4.0") => Declared::Exact(CvssVersion::V40),
            _ => continue,
        };
        if let Some(vector) = opt_text(c, "vector", &kp)?
            && let Some(s) = ctx.cvss(vector, declared, &kp.key("vector"))?
            && !o.cvss.contains(&s)
        {
            o.cvss.push(s);
        }
    }
    if let Some(c) = v.get("cvssV3") {
        let kp = p.key("cvssV3");
        if let Some(vector) = opt_text(c, "vector", &kp)? {
            let full = if vector.starts_with("CVSS:") {
                vector.to_owned()
            } else {
                format!("CVSS:3.0/{vector}")
            };
            if let Some(s) = ctx.cvss(&full, Declared::Major(3), &kp.key("vector"))?
                && !o.cvss.contains(&s)
            {
                o.cvss.push(s);
            }
        }
    }
    Ok(())
}
