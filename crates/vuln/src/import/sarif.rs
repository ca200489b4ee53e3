//! SARIF 2.1.0 from vulnerability scanners. SARIF has no field for "package" or "version", so each
//! scanner hides them somewhere else; this reads the places the real tools use, in order:
//! a `purl` property; `Package:`/`Installed Version:`/`Version:` lines in the result message or the
//! rule help (Trivy, Grype); a Snyk-style `(CVE-…) source/binary@version` rule description; a
//! `target: name@version` location message. Results that name no package (code scanning) are
//! reported as warnings.

use super::{Ctx, Fail, Import};
use crate::component::Component;
use crate::cvss::Declared;
use crate::json::{
    Path, expect_object, opt_array, opt_number, opt_str, opt_text, req_array, req_str,
};
use crate::observation::{Format, Observation, Source, ids_in_text};
use covenant_model::Severity;
use serde_json::Value;
use std::collections::HashMap;

const OS_PACKAGE_TAGS: [&str; 3] = ["deb", "rpm", "apk"];

pub(super) fn import(ctx: &mut Ctx<'_>, doc: &Value) -> Result<Import, Fail> {
    let root = Path::ROOT;
    let version = req_str(doc, "version", &root)?;
    if version != "2.1.0" {
        return Err(Fail::Unsupported {
            format: Format::Sarif,
            version: version.to_owned(),
            supported: "2.1.0",
        });
    }
    let mut observations = Vec::new();
    let mut tools = Vec::new();
    let runs_path = root.key("runs");
    for (ri, run) in req_array(doc, "runs", &root)?.iter().enumerate() {
        let rp = runs_path.index(ri);
        expect_object(run, &rp)?;
        let driver = run
            .get("tool")
            .and_then(|t| t.get("driver"))
            .unwrap_or(&Value::Null);
        let tool = driver
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("SARIF")
            .to_owned();
        if !tools.contains(&tool) {
            tools.push(tool.clone());
        }
        let tool_path = rp.key("tool");
        let driver_path = tool_path.key("driver");
        let rules_path = driver_path.key("rules");
        let rules = opt_array(driver, "rules", &driver_path)?;
        let mut by_id: HashMap<&str, &Value> = HashMap::new();
        for (k, r) in rules.iter().enumerate() {
            by_id.insert(req_str(r, "id", &rules_path.index(k))?, r);
        }
        let results_path = rp.key("results");
        for (i, res) in opt_array(run, "results", &rp)?.iter().enumerate() {
            let p = results_path.index(i);
            expect_object(res, &p)?;
            let rule_id = opt_text(res, "ruleId", &p)?.or_else(|| {
                res.get("rule")
                    .and_then(|r| r.get("id"))
                    .and_then(Value::as_str)
            });
            let rule = res
                .get("ruleIndex")
                .and_then(Value::as_u64)
                .and_then(|ix| rules.get(usize::try_from(ix).ok()?))
                .filter(|r| r.get("id").and_then(Value::as_str) == rule_id || rule_id.is_none())
                .or_else(|| rule_id.and_then(|id| by_id.get(id).copied()))
                .unwrap_or(&Value::Null);
            let Some(rule_id) = rule_id.or_else(|| rule.get("id").and_then(Value::as_str)) else {
                ctx.warn(&p, "result names no rule; skipped");
                continue;
            };
            let message = res
                .get("message")
                .and_then(|m| m.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let help = rule
                .get("help")
                .and_then(|h| h.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let full_desc = rule
                .get("fullDescription")
                .and_then(|h| h.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let tags: Vec<&str> = rule
                .get("properties")
                .and_then(|pr| pr.get("tags"))
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();

            let ids = vulnerability_ids(rule_id, message, help, full_desc);
            let Some((primary, aliases)) = ids.split_first() else {
                continue;
            };
            let Some(comp) = component(res, rule, message, help, full_desc, &tags, &p)? else {
                ctx.warn(
                    &p,
                    format!("result {rule_id:?} names no package and version; skipped"),
                );
                continue;
            };
            let mut o = Observation::new(
                primary.clone(),
                comp,
                Source {
                    tool: tool.clone(),
                    format: Format::Sarif,
                    file: ctx.file.to_owned(),
                    rule: (rule_id != primary).then(|| rule_id.to_owned()),
                },
            );
            o.aliases
                .extend(aliases.iter().filter(|a| *a != primary).cloned());
            if rule_id != primary && !ids_in_text(rule_id).iter().any(|x| x == primary) {
                // A vendor rule id (SNYK-…) is itself an alias of the vulnerability.
                o.aliases.insert(rule_id.to_owned());
            }
            let rule_props = rule.get("properties").unwrap_or(&Value::Null);
            let res_props = res.get("properties").unwrap_or(&Value::Null);
            let score = opt_number(res_props, "security-severity", &p.key("properties"))?
                .or(opt_number(rule_props, "security-severity", &Path::ROOT)?);
            o.reported_severity = score
                .map(Severity::from_score)
                .or_else(|| labelled(message, "Severity:").and_then(Severity::from_label))
                .or_else(|| labelled(help, "Severity:").and_then(Severity::from_label));
            for props in [res_props, rule_props] {
                for key in [
                    "cvssV3_vector",
                    "cvssv3_vector",
                    "cvss_vector",
                    "cvssVector",
                ] {
                    if let Some(vec) = opt_text(props, key, &p.key("properties"))?
                        && let Some(s) =
                            ctx.cvss(vec, Declared::Unknown, &p.key("properties").key(key))?
                        && !o.cvss.contains(&s)
                    {
                        o.cvss.push(s);
                    }
                }
            }
            if let Some(fixed) =
                labelled(message, "Fixed Version:").or_else(|| labelled(help, "Fix Version:"))
            {
                o.fixed_versions.extend(
                    fixed
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
            }
            o.title = rule
                .get("shortDescription")
                .and_then(|s| s.get("text"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            observations.push(o);
        }
    }
    Ok(Import {
        format: Format::Sarif,
        format_version: version.to_owned(),
        tool: tools.join(", "),
        components: Vec::new(),
        observations,
        warnings: Vec::new(),
    })
}

/// The value after `label` on a line of its own (`Severity: LOW`), trimmed; `None` when absent or empty.
fn labelled<'t>(text: &'t str, label: &str) -> Option<&'t str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn vulnerability_ids(rule_id: &str, message: &str, help: &str, full_desc: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let exact = ["CVE-", "GHSA-", "RUSTSEC-", "PYSEC-", "GO-", "OSV-"]
        .iter()
        .any(|p| rule_id.starts_with(p));
    let embedded = ids_in_text(rule_id);
    if let Some(first) = embedded.first() {
        // Grype writes "CVE-2005-2541-tar": the id plus the package.
        ids.push(first.clone());
    } else if exact {
        ids.push(rule_id.to_owned());
    }
    // Only the places a scanner states the id for this result; free-text descriptions mention other
    // CVEs ("incomplete fix for CVE-…") and must not create aliases.
    for line in [
        labelled(message, "Vulnerability"),
        labelled(help, "Vulnerability"),
    ]
    .into_iter()
    .flatten()
    {
        ids.extend(ids_in_text(line));
    }
    if let Some(rest) = full_desc.trim_start().strip_prefix('(')
        && let Some((inside, _)) = rest.split_once(')')
    {
        ids.extend(ids_in_text(inside));
    }
    if ids.is_empty() {
        ids.push(rule_id.to_owned());
    }
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|i| seen.insert(i.clone()));
    ids
}

fn component(
    res: &Value,
    rule: &Value,
    message: &str,
    help: &str,
    full_desc: &str,
    tags: &[&str],
    p: &Path<'_>,
) -> Result<Option<Component>, Fail> {
    for props in [res.get("properties"), rule.get("properties")]
        .into_iter()
        .flatten()
    {
        if let Some(purl) = opt_str(props, "purl", &p.key("properties"))?
            && let Some(c) = Component::new(None, None, Some(purl))
        {
            return Ok(Some(c));
        }
    }
    // The result message is specific to this result; the rule help may be shared by several.
    for text in [message, help] {
        if let Some(name) = labelled(text, "Package:") {
            let version =
                labelled(text, "Installed Version:").or_else(|| labelled(text, "Version:"));
            if version.is_some() {
                return Ok(Component::new(Some(name), version, None));
            }
        }
    }
    if let Some(rest) = full_desc.trim_start().strip_prefix('(')
        && let Some((_, after)) = rest.split_once(") ")
        && let Some((path, version)) = after.trim().rsplit_once('@')
    {
        let name = if tags.iter().any(|t| OS_PACKAGE_TAGS.contains(t)) {
            // Snyk names OS packages "source/binary"; other scanners report the binary package.
            path.rsplit('/').next().unwrap_or(path)
        } else {
            path
        };
        if !name.is_empty() && !version.is_empty() && !version.contains(char::is_whitespace) {
            return Ok(Component::new(Some(name), Some(version), None));
        }
    }
    for loc in opt_array(res, "locations", p)? {
        let text = loc
            .get("message")
            .and_then(|m| m.get("text"))
            .and_then(Value::as_str);
        if let Some(text) = text
            && let Some((_, pv)) = text.rsplit_once(": ")
            && let Some((name, version)) = pv.rsplit_once('@')
            && !name.is_empty()
            && !version.is_empty()
        {
            return Ok(Component::new(Some(name), Some(version), None));
        }
    }
    Ok(None)
}
