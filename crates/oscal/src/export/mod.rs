//! Exporting a program as OSCAL: component-definition, system security plan and
//! assessment-results. Shared here: the criteria mapping, roles and parties, metadata.
//!
//! Criteria mapping (documented in docs/oscal.md): a program control cites `soc2:CC6.1`;
//! its OSCAL `control-id` is the criterion lowercased (`cc6.1`, `a.5.18`, `pr.aa-05`), and
//! the implementation's `source` names the framework's catalog ([`framework_source`]).
//! SP 800-53 style ids (`AC-2(1)`) become NIST's own OSCAL ids (`ac-2.1`).

pub mod assessment;
pub mod component;
pub mod ssp;

use covenant_model::Program;
use covenant_model::program::ProgramFile;
use serde_json::{Value, json};

/// The OSCAL version exports declare. They are validated against NIST's 1.2.3 schema,
/// which accepts 1.1.x documents; 1.1.3 is what most tools read today.
pub const OSCAL_VERSION: &str = "1.1.3";

/// Namespace of Covenant's own OSCAL properties.
pub const NS: &str = "https://covenant.dev/ns/oscal";

/// The two parties of a shared-responsibility model, as OSCAL role ids.
pub const VENDOR: &str = "provider";
pub const CUSTOMER: &str = "customer";

/// One cited criterion, mapped to OSCAL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Criterion {
    /// `soc2`
    pub framework: String,
    /// `CC6.1` as the program writes it.
    pub id: String,
    /// `cc6.1`
    pub control_id: String,
}

/// Maps `framework:ID` to an OSCAL control id, or None when the reference has no prefix or
/// no characters OSCAL can use.
pub fn criterion(reference: &str) -> Option<Criterion> {
    let (framework, id) = reference.split_once(':')?;
    let control_id = control_id(id)?;
    Some(Criterion {
        framework: framework.to_string(),
        id: id.to_string(),
        control_id,
    })
}

/// OSCAL control ids are tokens (a letter or `_`, then letters, digits, `.`, `-`, `_`).
pub fn control_id(id: &str) -> Option<String> {
    let mut s = String::new();
    for c in id.trim().chars() {
        match c {
            // SP 800-53 enhancement `AC-2(1)` is NIST's `ac-2.1`.
            '(' => s.push('.'),
            ')' => {}
            c if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') => s.extend(c.to_lowercase()),
            ' ' => s.push('-'),
            _ => s.push('_'),
        }
    }
    let first = s.chars().next()?;
    if !(first.is_alphabetic() || first == '_') {
        s.insert(0, '_');
    }
    Some(s)
}

/// Where a framework's catalog lives, for `source` fields.
pub fn framework_source(framework: &str) -> String {
    match framework {
        "soc2" => "https://www.aicpa-cima.com/resources/download/2017-trust-services-criteria-with-revised-points-of-focus-2022".into(),
        "iso27001" => "https://www.iso.org/standard/27001".into(),
        "nist-csf" => "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/CSF/v2.0/json/NIST_CSF_v2.0_catalog.json".into(),
        "nist-800-53" | "nist80053" | "sp800-53" => "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json".into(),
        other => format!("{NS}/framework/{other}"),
    }
}

pub(crate) fn manifest(program: &Program) -> Result<&ProgramFile, crate::Error> {
    program
        .manifest
        .as_ref()
        .map(|m| &m.value)
        .ok_or_else(|| crate::Error::Export("the program has no program.yaml".into()))
}

pub(crate) fn party_uuid(file: &ProgramFile) -> String {
    crate::uuid::derive(&["party", &file.organization.name])
}

/// Metadata every export carries: the program's organization as the party behind the
/// provider role, the customer role, and the given timestamp as `last-modified`.
pub(crate) fn metadata(file: &ProgramFile, title: String, timestamp: &str) -> Value {
    let org = &file.organization;
    let mut party = json!({
        "uuid": party_uuid(file),
        "type": "organization",
        "name": org.name,
    });
    if let Some(site) = &org.website {
        party["links"] = json!([{"href": site, "rel": "homepage"}]);
    }
    party["email-addresses"] = json!([file.security_contact.email]);
    json!({
        "title": title,
        "last-modified": timestamp,
        "version": file.version.label,
        "oscal-version": OSCAL_VERSION,
        "roles": [
            {"id": VENDOR, "title": format!("{} (vendor)", org.name)},
            {"id": CUSTOMER, "title": "Customer"}
        ],
        "parties": [party],
        "responsible-parties": [{"role-id": VENDOR, "party-uuids": [party_uuid(file)]}]
    })
}

/// Non-empty trimmed text, or a fallback (OSCAL strings must not be empty).
pub(crate) fn text(s: &str, fallback: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        fallback.to_string()
    } else {
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

pub(crate) fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": NS, "value": text(value, "-")})
}

/// The criteria a control cites, mapped; a control that cites none is listed under its own
/// id in the program's namespace so it still appears.
pub(crate) fn control_criteria(
    control: &covenant_model::control::Control,
) -> Vec<(String, Criterion)> {
    let mut out: Vec<(String, Criterion)> = control
        .criteria
        .iter()
        .filter_map(|r| criterion(r))
        .map(|c| (framework_source(&c.framework), c))
        .collect();
    if out.is_empty()
        && let Some(cid) = control_id(&control.id)
    {
        out.push((
            format!("{NS}/program"),
            Criterion {
                framework: "program".into(),
                id: control.id.clone(),
                control_id: cid,
            },
        ));
    }
    out
}

/// Serializes an export as pretty JSON ending in a newline.
pub fn to_json(doc: &Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_map_to_tokens() {
        assert_eq!(
            criterion("soc2:CC6.1").map(|c| c.control_id),
            Some("cc6.1".into())
        );
        assert_eq!(
            criterion("iso27001:A.5.18").map(|c| c.control_id),
            Some("a.5.18".into())
        );
        assert_eq!(
            criterion("nist-csf:PR.AA-05").map(|c| c.control_id),
            Some("pr.aa-05".into())
        );
        assert_eq!(
            criterion("nist-800-53:AC-2(1)").map(|c| c.control_id),
            Some("ac-2.1".into())
        );
        assert_eq!(
            criterion("x:9.1").map(|c| c.control_id),
            Some("_9.1".into())
        );
        assert!(criterion("nocolon").is_none());
    }
}
