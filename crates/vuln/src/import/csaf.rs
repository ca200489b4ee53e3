//! CSAF 2.0 (security advisories and the VEX profile): the product tree resolved to components, and
//! each vulnerability's product status, flags (justifications), impact threats and CVSS scores.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::{CvssVersion, Declared};
use crate::json::{Path, expect_object, opt_array, opt_strings, opt_text, req_str, shape};
use crate::observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let dp = root.key("document");
    let document = doc.get("document").unwrap_or(&Value::Null);
    expect_object(document, &dp)?;
    let version = req_str(document, "csaf_version", &dp)?;
    if version != "2.0" {
        return Err(Fail::Unsupported {
            format: Format::Csaf,
            version: version.to_owned(),
            supported: "2.0",
        });
    }
    let tool = document
        .get("publisher")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .map_or_else(|| "CSAF".to_owned(), |n| format!("CSAF ({n})"));

    let mut products: HashMap<String, Component> = HashMap::new();
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(tree) = doc.get("product_tree") {
        let tp = root.key("product_tree");
        walk_branches(tree, &tp, None, None, &mut products)?;
        let fp = tp.key("full_product_names");
        for (i, fp_item) in opt_array(tree, "full_product_names", &tp)?
            .iter()
            .enumerate()
        {
            full_product(fp_item, &fp.index(i), None, None, &mut products)?;
        }
        let rp = tp.key("relationships");
        for (i, rel) in opt_array(tree, "relationships", &tp)?.iter().enumerate() {
            let ip = rp.index(i);
            let inner = req_str(rel, "product_reference", &ip)?;
            let fpn = rel.get("full_product_name").unwrap_or(&Value::Null);
            let fpp = ip.key("full_product_name");
            let pid = req_str(fpn, "product_id", &fpp)?;
            // "X as a component of Y": the finding is about X.
            let comp = match products.get(inner) {
                Some(c) => Some(c.clone()),
                None => Component::new(Some(req_str(fpn, "name", &fpp)?), None, None),
            };
            if let Some(c) = comp {
                products.insert(pid.to_owned(), c);
            }
        }
        let gp = tp.key("product_groups");
        for (i, g) in opt_array(tree, "product_groups", &tp)?.iter().enumerate() {
            let ip = gp.index(i);
            let gid = req_str(g, "group_id", &ip)?;
            groups.insert(
                gid.to_owned(),
                opt_strings(g, "product_ids", &ip)?
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            );
        }
    }

    let mut observations = Vec::new();
    let vp = root.key("vulnerabilities");
    for (i, v) in opt_array(doc, "vulnerabilities", &root)?.iter().enumerate() {
        let p = vp.index(i);
        expect_object(v, &p)?;
        let mut ids: Vec<String> = opt_text(v, "cve", &p)?
            .map(str::to_owned)
            .into_iter()
            .collect();
        let ip = p.key("ids");
        for (j, x) in opt_array(v, "ids", &p)?.iter().enumerate() {
            ids.push(req_str(x, "text", &ip.index(j))?.to_owned());
        }
        let Some((id, aliases)) = ids.split_first() else {
            ctx.warn(&p, "vulnerability has neither cve nor ids; skipped");
            continue;
        };
        let title = opt_text(v, "title", &p)?.map(str::to_owned);

        let mut justification: BTreeMap<String, Justification> = BTreeMap::new();
        let fp = p.key("flags");
        for (j, f) in opt_array(v, "flags", &p)?.iter().enumerate() {
            let jp = fp.index(j);
            let label = req_str(f, "label", &jp)?;
            let just = Justification::parse(label).ok_or_else(|| {
                shape(&jp.key("label"), "a CSAF flag label", format!("{label:?}"))
            })?;
            for pid in expand(f, &jp, &groups)? {
                justification.insert(pid, just);
            }
        }
        let mut impact: BTreeMap<String, String> = BTreeMap::new();
        let tp = p.key("threats");
        for (j, t) in opt_array(v, "threats", &p)?.iter().enumerate() {
            let jp = tp.index(j);
            if opt_text(t, "category", &jp)? == Some("impact") {
                let details = req_str(t, "details", &jp)?;
                for pid in expand(t, &jp, &groups)? {
                    impact.insert(pid, details.to_owned());
                }
            }
        }
        let mut scores: BTreeMap<String, Vec<crate::cvss::CvssScore>> = BTreeMap::new();
        let sp = p.key("scores");
        for (j, s) in opt_array(v, "scores", &p)?.iter().enumerate() {
            let jp = sp.index(j);
            let Some(c) = s.get("cvss_v3") else { continue };
            let cp = jp.key("cvss_v3");
            let declared = match req_str(c, "version", &cp)? {
                "3.0" => Declared::Exact(CvssVersion::V30),
                "3.1" => Declared::Exact(CvssVersion::V31),
                other => {
                    return Err(
                        shape(&cp.key("version"), "3.0 or 3.1", format!("{other:?}")).into(),
                    );
                }
            };
            let vector = req_str(c, "vectorString", &cp)?;
            if let Some(score) = ctx.cvss(vector, declared, &cp.key("vectorString"))? {
                for pid in opt_strings(s, "products", &jp)? {
                    scores
                        .entry(pid.to_owned())
                        .or_default()
                        .push(score.clone());
                }
            }
        }

        let Some(status) = v.get("product_status") else {
            continue;
        };
        let stp = p.key("product_status");
        for (key, state) in [
            ("known_affected", VexState::Affected),
            ("first_affected", VexState::Affected),
            ("last_affected", VexState::Affected),
            ("known_not_affected", VexState::NotAffected),
            ("fixed", VexState::Fixed),
            ("first_fixed", VexState::Fixed),
            ("under_investigation", VexState::UnderInvestigation),
        ] {
            for pid in opt_strings(status, key, &stp)? {
                let Some(comp) = products.get(pid) else {
                    ctx.warn(
                        &stp.key(key),
                        format!("product id {pid:?} is not in the product tree; skipped"),
                    );
                    continue;
                };
                let mut o = Observation::new(
                    id.clone(),
                    comp.clone(),
                    Source {
                        tool: tool.clone(),
                        format: Format::Csaf,
                        file: ctx.file.to_owned(),
                        rule: None,
                    },
                );
                o.aliases
                    .extend(aliases.iter().filter(|a| *a != id).cloned());
                o.title = title.clone();
                o.cvss = scores.get(pid).cloned().unwrap_or_default();
                o.vex = Some(VexAssertion {
                    state,
                    justification: justification
                        .get(pid)
                        .copied()
                        .filter(|_| state == VexState::NotAffected),
                    detail: impact.get(pid).cloned(),
                });
                observations.push(o);
            }
        }
    }
    Ok(Import {
        format: Format::Csaf,
        format_version: version.to_owned(),
        tool,
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}

fn expand(
    v: &Value,
    p: &Path<'_>,
    groups: &HashMap<String, Vec<String>>,
) -> Result<Vec<String>, Fail> {
    let mut out: Vec<String> = opt_strings(v, "product_ids", p)?
        .into_iter()
        .map(str::to_owned)
        .collect();
    for g in opt_strings(v, "group_ids", p)? {
        out.extend(groups.get(g).cloned().unwrap_or_default());
    }
    Ok(out)
}

fn full_product(
    fp: &Value,
    p: &Path<'_>,
    product_name: Option<&str>,
    product_version: Option<&str>,
    out: &mut HashMap<String, Component>,
) -> Result<(), Fail> {
    expect_object(fp, p)?;
    let pid = req_str(fp, "product_id", p)?;
    let name = req_str(fp, "name", p)?;
    let purl = fp
        .get("product_identification_helper")
        .and_then(|h| h.get("purl"))
        .and_then(Value::as_str);
    let comp = match (product_name, product_version) {
        (Some(n), Some(v)) => Component::new(Some(n), Some(v), purl),
        _ => Component::new(Some(name), None, purl),
    };
    if let Some(c) = comp {
        out.insert(pid.to_owned(), c);
    }
    Ok(())
}

fn walk_branches(
    node: &Value,
    p: &Path<'_>,
    product_name: Option<&str>,
    product_version: Option<&str>,
    out: &mut HashMap<String, Component>,
) -> Result<(), Fail> {
    let bp = p.key("branches");
    for (i, b) in opt_array(node, "branches", p)?.iter().enumerate() {
        let ip = bp.index(i);
        expect_object(b, &ip)?;
        let category = req_str(b, "category", &ip)?;
        let name = req_str(b, "name", &ip)?;
        let (pn, pv) = match category {
            "product_name" => (Some(name), product_version),
            "product_version" => (product_name, Some(name)),
            _ => (product_name, product_version),
        };
        if let Some(prod) = b.get("product") {
            full_product(prod, &ip.key("product"), pn, pv, out)?;
        }
        walk_branches(b, &ip, pn, pv, out)?;
    }
    Ok(())
}
