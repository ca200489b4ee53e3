//! Dependency-Track's Finding Packaging Format (FPF 1.x, `GET /api/v1/finding/project/{uuid}/export`),
//! so a team moving off Dependency-Track keeps its findings and its analysis decisions.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::{CvssVersion, Declared};
use crate::json::{Path, expect_object, opt_array, opt_text, req_array, req_str};
use crate::observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
use covenant_model::Severity;
use serde_json::Value;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let version = doc
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let app_version = doc
        .get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let tool = format!("Dependency-Track {app_version}").trim().to_owned();
    let mut observations = Vec::new();
    let fp = root.key("findings");
    for (i, f) in req_array(doc, "findings", &root)?.iter().enumerate() {
        let p = fp.index(i);
        expect_object(f, &p)?;
        let cp = p.key("component");
        let c = f.get("component").unwrap_or(&Value::Null);
        expect_object(c, &cp)?;
        let name = req_str(c, "name", &cp)?;
        let full = match opt_text(c, "group", &cp)? {
            Some(g) => format!("{g}/{name}"),
            None => name.to_owned(),
        };
        let Some(comp) = Component::new(
            Some(&full),
            opt_text(c, "version", &cp)?,
            opt_text(c, "purl", &cp)?,
        ) else {
            continue;
        };
        let vp = p.key("vulnerability");
        let v = f.get("vulnerability").unwrap_or(&Value::Null);
        expect_object(v, &vp)?;
        let id = req_str(v, "vulnId", &vp)?;
        let mut o = Observation::new(
            id,
            comp,
            Source {
                tool: tool.clone(),
                format: Format::DependencyTrack,
                file: ctx.file.to_owned(),
                rule: None,
            },
        );
        let ap = vp.key("aliases");
        for (j, a) in opt_array(v, "aliases", &vp)?.iter().enumerate() {
            expect_object(a, &ap.index(j))?;
            // Each alias object maps a database to an id: {"cveId": …, "ghsaId": …, "osvId": …}.
            for val in a.as_object().into_iter().flat_map(|m| m.values()) {
                if let Some(s) = val
                    .as_str()
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && *s != id)
                {
                    o.aliases.insert(s.to_owned());
                }
            }
        }
        for (key, declared) in [
            ("cvssV3Vector", Declared::Major(3)),
            ("cvssV4Vector", Declared::Exact(CvssVersion::V40)),
        ] {
            if let Some(vector) = opt_text(v, key, &vp)?
                && let Some(s) = ctx.cvss(vector, declared, &vp.key(key))?
            {
                o.cvss.push(s);
            }
        }
        o.reported_severity = opt_text(v, "severity", &vp)?.and_then(Severity::from_label);
        o.title = opt_text(v, "title", &vp)?.map(str::to_owned);
        o.vex = analysis(f, &p)?;
        observations.push(o);
    }
    Ok(Import {
        format: Format::DependencyTrack,
        format_version: version,
        tool,
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}

/// Dependency-Track analysis states are CycloneDX's, upper-cased; `NOT_SET` means no decision.
fn analysis(f: &Value, p: &Path<'_>) -> Result<Option<VexAssertion>, Fail> {
    let Some(a) = f.get("analysis") else {
        return Ok(None);
    };
    let ap = p.key("analysis");
    let state = match opt_text(a, "state", &ap)? {
        None | Some("NOT_SET") => return Ok(None),
        Some("EXPLOITABLE") => VexState::Affected,
        Some("IN_TRIAGE") => VexState::UnderInvestigation,
        Some("RESOLVED") => VexState::Fixed,
        Some("FALSE_POSITIVE" | "NOT_AFFECTED") => VexState::NotAffected,
        Some(other) => {
            return Err(crate::json::shape(
                &ap.key("state"),
                "one of NOT_SET, EXPLOITABLE, IN_TRIAGE, RESOLVED, FALSE_POSITIVE, NOT_AFFECTED",
                format!("{other:?}"),
            )
            .into());
        }
    };
    let justification = opt_text(a, "justification", &ap)?
        .filter(|j| *j != "NOT_SET")
        .and_then(|j| Justification::from_cyclonedx(&j.to_ascii_lowercase()));
    let detail = opt_text(a, "details", &ap)?.map(str::to_owned);
    Ok(Some(VexAssertion {
        state,
        justification,
        detail,
    }))
}
