//! OpenVEX 0.2.0 documents. The pre-0.2.0 layout (plain strings for `vulnerability` and `products`)
//! is still emitted by old vexctl builds, so it is read too, with a warning.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::json::{
    Path, expect_object, kind, opt_array, opt_strings, opt_text, req_array, req_str, shape,
};
use crate::observation::{Format, Justification, Observation, Source, VexAssertion, VexState};
use serde_json::Value;

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let context = req_str(doc, "@context", &root)?;
    let version = match context.strip_prefix("https://openvex.dev/ns") {
        Some("") => {
            ctx.warn(
                &root.key("@context"),
                "OpenVEX from before v0.2.0; read leniently",
            );
            "pre-0.2.0"
        }
        Some("/v0.2.0") => "0.2.0",
        _ => {
            return Err(Fail::Unsupported {
                format: Format::OpenVex,
                version: context.to_owned(),
                supported: "https://openvex.dev/ns/v0.2.0",
            });
        }
    };
    let author = opt_text(doc, "author", &root)?.unwrap_or("unknown author");
    let tool = format!("OpenVEX ({author})");
    let mut observations = Vec::new();
    let sp = root.key("statements");
    for (i, st) in req_array(doc, "statements", &root)?.iter().enumerate() {
        let p = sp.index(i);
        expect_object(st, &p)?;
        let vp = p.key("vulnerability");
        let (id, aliases) = match st.get("vulnerability") {
            Some(Value::String(s)) => (s.as_str(), Vec::new()),
            Some(v @ Value::Object(_)) => {
                let name = opt_text(v, "name", &vp)?.or(opt_text(v, "@id", &vp)?);
                let Some(name) = name else {
                    return Err(shape(&vp.key("name"), "a vulnerability name", "nothing").into());
                };
                (name, opt_strings(v, "aliases", &vp)?)
            }
            Some(other) => return Err(shape(&vp, "an object with a name", kind(other)).into()),
            None => return Err(shape(&vp, "an object with a name", "nothing").into()),
        };
        let status = req_str(st, "status", &p)?;
        let state = match status {
            "not_affected" => VexState::NotAffected,
            "affected" => VexState::Affected,
            "fixed" => VexState::Fixed,
            "under_investigation" => VexState::UnderInvestigation,
            other => {
                return Err(shape(
                    &p.key("status"),
                    "one of not_affected, affected, fixed, under_investigation",
                    format!("{other:?}"),
                )
                .into());
            }
        };
        let justification = match opt_text(st, "justification", &p)? {
            None => None,
            Some(j) => Some(Justification::parse(j).ok_or_else(|| {
                shape(
                    &p.key("justification"),
                    "an OpenVEX justification",
                    format!("{j:?}"),
                )
            })?),
        };
        let detail = opt_text(st, "impact_statement", &p)?
            .or(opt_text(st, "action_statement", &p)?)
            .or(opt_text(st, "status_notes", &p)?)
            .or(opt_text(st, "statement", &p)?)
            .map(str::to_owned);
        if state == VexState::NotAffected
            && justification.is_none()
            && detail.is_none()
            && version == "0.2.0"
        {
            return Err(shape(
                &p,
                "a justification or impact_statement for status not_affected",
                "neither",
            )
            .into());
        }
        let mut products = Vec::new();
        let pp = p.key("products");
        for (j, prod) in opt_array(st, "products", &p)?.iter().enumerate() {
            let jp = pp.index(j);
            match prod {
                Value::String(s) => products.push(product_component(s, None)),
                Value::Object(_) => {
                    let pid = opt_text(prod, "@id", &jp)?;
                    let purl = prod
                        .get("identifiers")
                        .and_then(|i| i.get("purl"))
                        .and_then(Value::as_str);
                    let subs = opt_array(prod, "subcomponents", &jp)?;
                    if subs.is_empty() {
                        if let Some(pid) = pid.or(purl) {
                            products.push(product_component(pid, purl));
                        }
                    } else {
                        // The statement is about the subcomponent as shipped in the product.
                        let sub_path = jp.key("subcomponents");
                        for (k, sub) in subs.iter().enumerate() {
                            let kp = sub_path.index(k);
                            let sid = opt_text(sub, "@id", &kp)?;
                            let spurl = sub
                                .get("identifiers")
                                .and_then(|i| i.get("purl"))
                                .and_then(Value::as_str);
                            if let Some(sid) = sid.or(spurl) {
                                products.push(product_component(sid, spurl));
                            }
                        }
                    }
                }
                other => return Err(shape(&jp, "a product object", kind(other)).into()),
            }
        }
        if products.is_empty() {
            ctx.warn(&p, format!("statement for {id} names no product; skipped"));
        }
        for comp in products.into_iter().flatten() {
            let mut o = Observation::new(
                id,
                comp,
                Source {
                    tool: tool.clone(),
                    format: Format::OpenVex,
                    file: ctx.file.to_owned(),
                    rule: None,
                },
            );
            o.aliases.extend(
                aliases
                    .iter()
                    .filter(|a| **a != id)
                    .map(|a| (*a).to_owned()),
            );
            o.vex = Some(VexAssertion {
                state,
                justification,
                detail: detail.clone(),
            });
            observations.push(o);
        }
    }
    Ok(Import {
        format: Format::OpenVex,
        format_version: version.to_owned(),
        tool,
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}

fn product_component(id: &str, purl: Option<&str>) -> Option<Component> {
    let purl = purl.or(id.starts_with("pkg:").then_some(id));
    Component::new(Some(id), None, purl)
}
