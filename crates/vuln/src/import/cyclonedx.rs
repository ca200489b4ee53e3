//! CycloneDX JSON 1.4–1.7: the component inventory, plus embedded `vulnerabilities` (scanner results
//! or VEX analysis). Read with our own lenient walk: the `cyclonedx-bom` crate rejects 1.6/1.7.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::{CvssVersion, Declared};
use crate::json::{Path, expect_object, opt_array, opt_number, opt_str, opt_text, req_str};
use crate::observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
use covenant_model::Severity;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

const SUPPORTED: &str = "1.4, 1.5, 1.6, 1.7";

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let version = req_str(doc, "specVersion", &root)?;
    if !["1.4", "1.5", "1.6", "1.7"].contains(&version) {
        return Err(Fail::Unsupported {
            format: Format::CycloneDx,
            version: version.to_owned(),
            supported: SUPPORTED,
        });
    }
    let tool = tool_name(doc).unwrap_or_else(|| "CycloneDX".to_owned());
    // bom-ref -> index into `components`; the metadata component (the product itself) is kept apart:
    // a VEX `affects.ref` may point at it, but it is not matched as a dependency.
    let n = doc
        .get("components")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut by_ref: HashMap<String, usize> = HashMap::with_capacity(n);
    let mut components = Vec::with_capacity(n);
    let mut product: Option<(String, Component)> = None;
    if let Some(meta_comp) = doc.get("metadata").and_then(|m| m.get("component")) {
        product = component(meta_comp, &root.key("metadata").key("component"))?;
    }
    walk_components(doc, &root, &mut by_ref, &mut components)?;

    let mut observations = Vec::new();
    let vulns_path = root.key("vulnerabilities");
    for (i, v) in opt_array(doc, "vulnerabilities", &root)?.iter().enumerate() {
        let p = vulns_path.index(i);
        expect_object(v, &p)?;
        let id = req_str(v, "id", &p)?.trim();
        if id.is_empty() {
            return Err(
                crate::json::shape(&p.key("id"), "a vulnerability id", "an empty string").into(),
            );
        }
        let source_name = v
            .get("source")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str);
        let mut aliases = Vec::new();
        let refs_path = p.key("references");
        for (j, r) in opt_array(v, "references", &p)?.iter().enumerate() {
            if let Some(rid) = opt_text(r, "id", &refs_path.index(j))? {
                aliases.push(rid.to_owned());
            }
        }
        let mut cvss = Vec::new();
        let mut reported: Option<Severity> = None;
        let ratings_path = p.key("ratings");
        for (j, r) in opt_array(v, "ratings", &p)?.iter().enumerate() {
            let rp = ratings_path.index(j);
            let method = opt_str(r, "method", &rp)?.unwrap_or("");
            if let Some(label) = opt_text(r, "severity", &rp)?.and_then(Severity::from_label) {
                reported = Some(reported.map_or(label, |s| s.max(label)));
            }
            let declared = match method {
                "CVSSv3" => Declared::Exact(CvssVersion::V30),
                "CVSSv31" => Declared::Exact(CvssVersion::V31),
                "CVSSv4" => Declared::Exact(CvssVersion::V40),
                _ => continue,
            };
            let Some(vector) = opt_text(r, "vector", &rp)? else {
                continue;
            };
            // CycloneDX examples give bare vectors ("AV:N/AC:L/...") and let `method` say the version.
            let full = if vector.starts_with("CVSS:") {
                vector.to_owned()
            } else if let Declared::Exact(v) = declared {
                format!("CVSS:{}/{vector}", v.as_str())
            } else {
                vector.to_owned()
            };
            if let Some(s) = ctx.cvss(&full, declared, &rp.key("vector"))? {
                cvss.push(s);
            }
            // The score is derived from the vector; a score of the wrong type is still a malformed file.
            let _ = opt_number(r, "score", &rp)?;
        }
        let vex = analysis(v, &p)?;
        let title = opt_text(v, "description", &p)?.map(str::to_owned);
        let affects_path = p.key("affects");
        let affects = opt_array(v, "affects", &p)?;
        if affects.is_empty() {
            ctx.warn(
                &p,
                format!("vulnerability {id} names no affected component; skipped"),
            );
        }
        for (j, a) in affects.iter().enumerate() {
            let ap = affects_path.index(j);
            let r = req_str(a, "ref", &ap)?;
            let base = by_ref
                .get(r)
                .and_then(|i| components.get(*i))
                .or_else(|| product.as_ref().filter(|(pr, _)| pr == r).map(|(_, c)| c))
                .cloned()
                .or_else(|| Component::new(Some(r), None, r.starts_with("pkg:").then_some(r)));
            let Some(base) = base else {
                ctx.warn(
                    &ap,
                    format!("affects.ref {r:?} names no component; skipped"),
                );
                continue;
            };
            let mut targets = Vec::new();
            let vp = ap.key("versions");
            for (k, ver) in opt_array(a, "versions", &ap)?.iter().enumerate() {
                if let Some(vv) = opt_text(ver, "version", &vp.index(k))? {
                    let status = opt_str(ver, "status", &vp.index(k))?.unwrap_or("affected");
                    if status == "affected" && base.version.is_none() {
                        targets.push(Component {
                            version: Some(vv.to_owned()),
                            ..base.clone()
                        });
                    }
                }
            }
            if targets.is_empty() {
                targets.push(base);
            }
            for comp in targets {
                let mut o = Observation::new(
                    id,
                    comp,
                    Source {
                        tool: source_name.map_or_else(|| tool.clone(), |s| format!("{tool} ({s})")),
                        format: Format::CycloneDx,
                        file: ctx.file.to_owned(),
                        rule: None,
                    },
                );
                o.aliases
                    .extend(aliases.iter().filter(|a| *a != id).cloned());
                o.cvss = cvss.clone();
                o.reported_severity = reported;
                o.title = title.clone();
                o.vex = vex.clone();
                observations.push(o);
            }
        }
    }
    Ok(Import {
        format: Format::CycloneDx,
        format_version: version.to_owned(),
        tool,
        components,
        observations,
        warnings: Vec::new(),
    })
}

fn tool_name(doc: &Value) -> Option<String> {
    tool_name_in(doc.get("metadata")?)
}

fn tool_name_in(metadata: &Value) -> Option<String> {
    let tools = metadata.get("tools")?;
    // 1.4 has a list of tools; 1.5+ an object with `components`/`services`.
    let first = match tools {
        Value::Array(a) => a.first(),
        Value::Object(o) => o
            .get("components")
            .and_then(Value::as_array)
            .and_then(|a| a.first()),
        _ => None,
    }?;
    first.get("name").and_then(Value::as_str).map(str::to_owned)
}

fn component(c: &Value, p: &Path<'_>) -> Result<Option<(String, Component)>, Fail> {
    expect_object(c, p)?;
    let name = opt_text(c, "name", p)?;
    let group = opt_text(c, "group", p)?;
    let version = opt_text(c, "version", p)?;
    let purl = opt_text(c, "purl", p)?;
    let full_name = match (group, name) {
        (Some(g), Some(n)) => Some(format!("{g}/{n}")),
        (_, n) => n.map(str::to_owned),
    };
    let Some(comp) = Component::new(full_name.as_deref(), version, purl) else {
        return Ok(None);
    };
    let r = opt_text(c, "bom-ref", p)?
        .map(str::to_owned)
        .or_else(|| purl.map(str::to_owned))
        .unwrap_or_default();
    Ok(Some((r, comp)))
}

fn walk_components(
    node: &Value,
    p: &Path<'_>,
    by_ref: &mut HashMap<String, usize>,
    out: &mut Vec<Component>,
) -> Result<(), Fail> {
    let cp = p.key("components");
    for (i, c) in opt_array(node, "components", p)?.iter().enumerate() {
        let ip = cp.index(i);
        if let Some((r, comp)) = component(c, &ip)? {
            if !r.is_empty() {
                by_ref.insert(r, out.len());
            }
            out.push(comp);
        }
        walk_components(c, &ip, by_ref, out)?;
    }
    Ok(())
}

fn analysis(v: &Value, p: &Path<'_>) -> Result<Option<VexAssertion>, Fail> {
    let Some(a) = v.get("analysis") else {
        return Ok(None);
    };
    let ap = p.key("analysis");
    expect_object(a, &ap)?;
    let Some(state) = opt_str(a, "state", &ap)? else {
        return Ok(None);
    };
    let state = match state {
        "resolved" | "resolved_with_pedigree" => VexState::Fixed,
        "exploitable" => VexState::Affected,
        "in_triage" => VexState::UnderInvestigation,
        "false_positive" | "not_affected" => VexState::NotAffected,
        other => {
            return Err(crate::json::shape(
                &ap.key("state"),
                "one of resolved, resolved_with_pedigree, exploitable, in_triage, false_positive, not_affected",
                format!("{other:?}"),
            )
            .into());
        }
    };
    let justification = match opt_text(a, "justification", &ap)? {
        None => None,
        Some(j) => Some(Justification::from_cyclonedx(j).ok_or_else(|| {
            crate::json::shape(
                &ap.key("justification"),
                "a CycloneDX impact justification",
                format!("{j:?}"),
            )
        })?),
    };
    let detail = opt_text(a, "detail", &ap)?.map(str::to_owned);
    Ok(Some(VexAssertion {
        state,
        justification,
        detail,
    }))
}

/// The happy path for large plain SBOMs: components read straight into borrowed structs, skipping
/// the `Value` tree. Returns `None` whenever the document is anything but a well-formed, supported
/// CycloneDX SBOM without vulnerabilities; the caller then takes the general path, which gives the
/// precise errors. Both paths must produce the same `Import` (tested).
pub(super) fn import_fast(bytes: &[u8]) -> Option<Import> {
    let bom: FastBom<'_> = serde_json::from_slice(bytes).ok()?;
    if bom.bom_format != "CycloneDX"
        || !["1.4", "1.5", "1.6", "1.7"].contains(&bom.spec_version.as_ref())
    {
        return None;
    }
    if bom.vulnerabilities.as_ref().is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let tool = bom
        .metadata
        .as_ref()
        .and_then(tool_name_in)
        .unwrap_or_else(|| "CycloneDX".to_owned());
    let mut components = Vec::with_capacity(bom.components.as_ref().map_or(0, Vec::len));
    fast_walk(
        bom.components.as_deref().unwrap_or_default(),
        &mut components,
    );
    Some(Import {
        format: Format::CycloneDx,
        format_version: bom.spec_version.into_owned(),
        tool,
        components,
        observations: Vec::new(),
        warnings: Vec::new(),
    })
}

fn fast_walk(list: &[FastComponent<'_>], out: &mut Vec<Component>) {
    for c in list {
        let text = |v: &Option<Cow<'_, str>>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (name, group) = (text(&c.name), text(&c.group));
        let full_name = match (group, name) {
            (Some(g), Some(n)) => Some(format!("{g}/{n}")),
            (_, n) => n,
        };
        let (version, purl) = (text(&c.version), text(&c.purl));
        if let Some(comp) =
            Component::new(full_name.as_deref(), version.as_deref(), purl.as_deref())
        {
            out.push(comp);
        }
        fast_walk(c.components.as_deref().unwrap_or_default(), out);
    }
}

#[derive(serde::Deserialize)]
struct FastBom<'a> {
    #[serde(rename = "bomFormat", borrow)]
    bom_format: Cow<'a, str>,
    #[serde(rename = "specVersion", borrow)]
    spec_version: Cow<'a, str>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default, borrow)]
    components: Option<Vec<FastComponent<'a>>>,
    #[serde(default)]
    vulnerabilities: Option<Vec<serde::de::IgnoredAny>>,
}

#[derive(serde::Deserialize)]
struct FastComponent<'a> {
    /// Not needed without vulnerabilities, but read so a malformed one fails here as it does on the
    /// general path.
    #[serde(rename = "bom-ref", default, borrow)]
    _bom_ref: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    group: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    purl: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    components: Option<Vec<FastComponent<'a>>>,
}
