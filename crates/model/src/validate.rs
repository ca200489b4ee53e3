//! Rules a loaded program must satisfy beyond its shape: unique ids, references that
//! resolve, ownership stated for every deployment model, SLA bands that tile 0.1–10.0.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::framework::{Catalog, Registry};
use crate::load::{Located, Program};
use crate::party::{Owner, Responsibility};
use std::collections::{BTreeMap, BTreeSet};

/// Runs every rule and returns the problems found, in file order.
pub fn validate(program: &Program) -> Vec<Diagnostic> {
    let mut c = Checker {
        diags: Vec::new(),
        models: Vec::new(),
        registry: Registry::of(program),
        manifest: program.manifest.is_some(),
    };
    c.frameworks(program);
    if let Some(m) = &program.manifest {
        c.models = m
            .value
            .deployment_models
            .iter()
            .map(|d| d.id.clone())
            .collect();
        c.manifest(m);
    }
    let areas = c.unique_ids(
        "area",
        program.areas.iter().map(|a| (a, a.value.id.as_str())),
    );
    let components = c.unique_ids(
        "component",
        program.components.iter().map(|a| (a, a.value.id.as_str())),
    );
    let controls = c.unique_ids(
        "control",
        program.controls.iter().map(|a| (a, a.value.id.as_str())),
    );
    let artifacts = c.unique_ids(
        "artifact",
        program.artifacts.iter().map(|a| (a, a.value.id.as_str())),
    );
    c.unique_ids(
        "commitment",
        program.commitments.iter().map(|a| (a, a.value.id.as_str())),
    );
    c.unique_ids(
        "document",
        program.documents.iter().map(|a| (a, a.value.id.as_str())),
    );
    c.unique_ids(
        "policy",
        program.policies.iter().map(|a| (a, a.value.id.as_str())),
    );
    let calendars: Vec<String> = program
        .manifest
        .iter()
        .flat_map(|m| m.value.calendars.iter().map(|c| c.id.clone()))
        .collect();

    for a in &program.areas {
        c.text(a, "title", &a.value.title);
        for (i, r) in a.value.criteria.iter().enumerate() {
            c.criterion(a, &["criteria", &i.to_string()], r);
        }
    }
    for comp in &program.components {
        c.text(comp, "name", &comp.value.name);
        c.text(comp, "network_boundary", &comp.value.network_boundary);
        c.per_model(
            comp,
            "deployed_by",
            comp.value.deployed_by.keys(),
            "who deploys it",
        );
    }
    for ctl in &program.controls {
        let v = &ctl.value;
        c.text(ctl, "title", &v.title);
        c.text(ctl, "statement", &v.statement);
        c.reference(ctl, &["area"], "area", &v.area, &areas);
        c.per_model(ctl, "responsibility", v.responsibility.keys(), "an owner");
        c.responsibilities(ctl, &v.responsibility);
        for (i, r) in v.criteria.iter().enumerate() {
            c.criterion(ctl, &["criteria", &i.to_string()], r);
        }
        for (i, r) in v.components.iter().enumerate() {
            c.reference(
                ctl,
                &["components", &i.to_string()],
                "component",
                r,
                &components,
            );
        }
        for (i, e) in v.evidence.iter().enumerate() {
            if let Some(a) = &e.artifact {
                c.reference(
                    ctl,
                    &["evidence", &i.to_string(), "artifact"],
                    "artifact",
                    a,
                    &artifacts,
                );
            }
        }
        if (v.anchor.is_some() || v.grace.is_some()) && v.cadence.is_none() {
            c.diags.push(
                Diagnostic::error(
                    "anchor-without-cadence",
                    &ctl.file,
                    ctl.key_span(if v.anchor.is_some() {
                        "anchor"
                    } else {
                        "grace"
                    }),
                    "`anchor` and `grace` only apply to a control with a `cadence`",
                )
                .hint("add `cadence: quarterly` (or another cadence), or remove the key"),
            );
        }
    }
    for cm in &program.commitments {
        let v = &cm.value;
        c.text(cm, "title", &v.title);
        c.text(cm, "statement", &v.statement);
        for (i, r) in v.controls.iter().enumerate() {
            c.reference(cm, &["controls", &i.to_string()], "control", r, &controls);
        }
        let kinds = [
            v.remediation_sla.is_some(),
            v.notice.is_some(),
            v.recovery.is_some(),
            v.retention.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            c.diags.push(
                Diagnostic::error("commitment-kind", &cm.file, cm.node.span, "a commitment needs exactly one of `remediation_sla`, `notice`, `recovery`, `retention`")
                    .hint("split a commitment that promises several things into one file each"),
            );
        }
        if let Some(sla) = &v.remediation_sla {
            if let Some(cal) = &sla.calendar
                && c.manifest
            {
                c.reference(
                    cm,
                    &["remediation_sla", "calendar"],
                    "calendar",
                    cal,
                    &calendars,
                );
            }
            c.bands(cm, sla);
        }
        if let Some(n) = &v.notice
            && let Some(cal) = &n.calendar
            && c.manifest
        {
            c.reference(cm, &["notice", "calendar"], "calendar", cal, &calendars);
        }
        if let Some(r) = &v.recovery
            && r.rto.is_none()
            && r.rpo.is_none()
        {
            c.diags.push(Diagnostic::error(
                "empty-recovery",
                &cm.file,
                cm.span(&["recovery"]),
                "`recovery` states neither `rto` nor `rpo`",
            ));
        }
    }
    for a in &program.artifacts {
        c.text(a, "need", &a.value.need);
        c.text(a, "where", &a.value.location);
        for (i, r) in a.value.controls.iter().enumerate() {
            c.reference(a, &["controls", &i.to_string()], "control", r, &controls);
        }
    }
    for al in &program.alignments {
        c.criterion(al, &["criterion"], &al.value.criterion);
        c.per_model(
            al,
            "responsibility",
            al.value.responsibility.keys(),
            "an owner",
        );
        c.responsibilities(al, &al.value.responsibility);
        for (i, r) in al.value.controls.iter().enumerate() {
            c.reference(al, &["controls", &i.to_string()], "control", r, &controls);
        }
    }
    for d in &program.documents {
        c.text(d, "title", &d.value.title);
    }
    for p in &program.policies {
        c.text(p, "title", &p.value.meta.title);
        c.text(p, "owner", &p.value.meta.owner);
        c.text(p, "approver", &p.value.meta.approver);
        for (i, r) in p.value.meta.controls.iter().enumerate() {
            c.reference(p, &["controls", &i.to_string()], "control", r, &controls);
        }
    }
    c.customers(program);
    c.diags
}

struct Checker<'a> {
    diags: Vec<Diagnostic>,
    models: Vec<String>,
    registry: Registry<'a>,
    /// Whether program.yaml loaded. When it did not (its own errors are reported), the
    /// deployment models and calendars are unknown, so references to them are not
    /// checked: otherwise one typo in program.yaml would flag every model reference.
    manifest: bool,
}

impl<'a> Checker<'a> {
    fn manifest(&mut self, m: &Located<crate::program::ProgramFile>) {
        let v = &m.value;
        if v.deployment_models.is_empty() {
            self.diags.push(
                Diagnostic::error(
                    "no-deployment-models",
                    &m.file,
                    m.key_span("deployment_models"),
                    "the program declares no deployment model",
                )
                .hint("add at least one, e.g. `- id: self-hosted` with a `name`"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, d) in v.deployment_models.iter().enumerate() {
            if !seen.insert(d.id.as_str()) {
                self.diags.push(Diagnostic::error(
                    "duplicate-id",
                    &m.file,
                    m.span(&["deployment_models", &i.to_string(), "id"]),
                    format!("deployment model `{}` is declared twice", d.id),
                ));
            }
        }
        self.text(m, "organization", &v.organization.name);
        self.text(m, "product", &v.product.name);
        if !v.security_contact.email.contains('@') {
            self.diags.push(
                Diagnostic::error(
                    "invalid-email",
                    &m.file,
                    m.span(&["security_contact", "email"]),
                    format!("`{}` is not an email address", v.security_contact.email),
                )
                .expected("an address such as security@example.com"),
            );
        }
        let mut cal_ids = BTreeSet::new();
        for (i, cal) in v.calendars.iter().enumerate() {
            if !cal_ids.insert(cal.id.as_str()) {
                self.diags.push(Diagnostic::error(
                    "duplicate-id",
                    &m.file,
                    m.span(&["calendars", &i.to_string(), "id"]),
                    format!("calendar `{}` is declared twice", cal.id),
                ));
            }
            if jiff::tz::TimeZone::get(&cal.time_zone).is_err() {
                self.diags.push(
                    Diagnostic::error(
                        "unknown-time-zone",
                        &m.file,
                        m.span(&["calendars", &i.to_string(), "time_zone"]),
                        format!("`{}` is not a known time zone", cal.time_zone),
                    )
                    .expected(
                        "an IANA time zone name such as `Europe/Berlin`, `Asia/Kolkata` or `UTC`",
                    ),
                );
            }
            if cal.working_days.is_empty() {
                self.diags.push(Diagnostic::error(
                    "no-working-days",
                    &m.file,
                    m.span(&["calendars", &i.to_string(), "working_days"]),
                    "a calendar needs at least one working day",
                ));
            }
        }
        for key in v.boundaries.keys() {
            if !self.models.contains(key) {
                self.unknown_model(m, &["boundaries", key], key);
            }
        }
    }

    /// Customers receive advisories by email: each needs a reachable contact and a
    /// deployment model the program declares (it decides which advisories apply).
    fn customers(&mut self, program: &Program) {
        self.unique_ids(
            "customer",
            program.customers.iter().map(|a| (a, a.value.id.as_str())),
        );
        for cu in &program.customers {
            let v = &cu.value;
            self.text(cu, "name", &v.name);
            if v.security_contacts.is_empty() {
                self.diags.push(
                    Diagnostic::error(
                        "no-security-contact",
                        &cu.file,
                        cu.key_span("security_contacts"),
                        format!("customer `{}` has no security contact", v.id),
                    )
                    .hint("list at least one address, e.g. `security_contacts: [security@example.com]`"),
                );
            }
            let mut seen = BTreeSet::new();
            for (i, email) in v.security_contacts.iter().enumerate() {
                let at = cu.span(&["security_contacts", &i.to_string()]);
                if !looks_like_email(email) {
                    self.diags.push(
                        Diagnostic::error(
                            "invalid-email",
                            &cu.file,
                            at,
                            format!("`{email}` is not an email address"),
                        )
                        .expected("an address such as security@example.com"),
                    );
                } else if !seen.insert(email.to_ascii_lowercase()) {
                    self.diags.push(Diagnostic::warning(
                        "duplicate-contact",
                        &cu.file,
                        at,
                        format!("`{email}` is listed twice"),
                    ));
                }
            }
            if !self.models.contains(&v.deployment_model) {
                self.unknown_model(cu, &["deployment_model"], &v.deployment_model);
            }
        }
    }

    fn unique_ids<'b, T: 'b>(
        &mut self,
        noun: &str,
        items: impl Iterator<Item = (&'b Located<T>, &'b str)>,
    ) -> Vec<String> {
        let mut seen: BTreeMap<&str, &Located<T>> = BTreeMap::new();
        let mut ids = Vec::new();
        for (item, id) in items {
            if id.trim().is_empty() {
                self.diags.push(Diagnostic::error(
                    "empty-text",
                    &item.file,
                    item.span(&["id"]),
                    format!("the {noun} id is empty"),
                ));
                continue;
            }
            if let Some(first) = seen.get(id) {
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        &item.file,
                        item.span(&["id"]),
                        format!("{noun} `{id}` is defined twice"),
                    )
                    .hint(format!(
                        "the first definition is at {}:{}:{}; rename one of them",
                        first.file.display(),
                        first.span(&["id"]).line,
                        first.span(&["id"]).column
                    )),
                );
            } else {
                seen.insert(id, item);
                ids.push(id.to_string());
            }
        }
        ids
    }

    fn text<T>(&mut self, item: &Located<T>, key: &str, value: &str) {
        if value.trim().is_empty() {
            self.diags.push(
                Diagnostic::error(
                    "empty-text",
                    &item.file,
                    item.span(&[key]),
                    format!("`{key}` is empty"),
                )
                .hint("write the sentence a reader should see here"),
            );
        }
    }

    fn reference<T>(
        &mut self,
        item: &Located<T>,
        path: &[&str],
        noun: &str,
        target: &str,
        known: &[String],
    ) {
        if !known.iter().any(|k| k == target) {
            self.diags.push(
                Diagnostic::error(
                    "dangling-reference",
                    &item.file,
                    item.span(path),
                    format!("there is no {noun} `{target}`"),
                )
                .expected(format!("the id of a {noun} defined in the program"))
                .maybe_hint(did_you_mean(target, known.iter().map(String::as_str))),
            );
        }
    }

    fn unknown_model<T>(&mut self, item: &Located<T>, path: &[&str], model: &str) {
        if !self.manifest {
            return;
        }
        self.diags.push(
            Diagnostic::error(
                "dangling-reference",
                &item.file,
                key_or_value_span(item, path),
                format!("there is no deployment model `{model}`"),
            )
            .expected(format!(
                "one of {}",
                self.models
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .maybe_hint(did_you_mean(model, self.models.iter().map(String::as_str))),
        );
    }

    /// Every deployment model has an entry and no entry names an unknown model.
    fn per_model<'b, T>(
        &mut self,
        item: &Located<T>,
        key: &str,
        present: impl Iterator<Item = &'b String>,
        what: &str,
    ) {
        if !self.manifest {
            return;
        }
        let present: Vec<&String> = present.collect();
        for p in &present {
            if !self.models.contains(p) {
                self.unknown_model(item, &[key, p], p);
            }
        }
        for m in self.models.clone() {
            if !present.contains(&&m) {
                self.diags.push(
                    Diagnostic::error(
                        "missing-model",
                        &item.file,
                        item.key_span(key),
                        format!("`{key}` does not give {what} for deployment model `{m}`"),
                    )
                    .hint(format!("add `{m}:` under `{key}`")),
                );
            }
        }
    }

    fn responsibilities<T>(&mut self, item: &Located<T>, map: &BTreeMap<String, Responsibility>) {
        for (model, r) in map {
            let at = |party: &str| item.span(&["responsibility", model, party]);
            let mut need = |party: &str, given: bool, blank: bool| {
                if !given || blank {
                    self.diags.push(
                        Diagnostic::error(
                            "missing-statement",
                            &item.file,
                            at(party),
                            format!(
                                "owner is `{}` in `{model}` but the {party} statement is {}",
                                r.owner,
                                if given { "empty" } else { "missing" }
                            ),
                        )
                        .hint(format!("add `{party}:` with what the {party} does")),
                    );
                }
            };
            need(
                "vendor",
                r.vendor.is_some() || !r.owner.includes_vendor(),
                r.owner.includes_vendor() && r.vendor.as_ref().is_some_and(|s| s.is_blank()),
            );
            need(
                "customer",
                r.customer.is_some() || !r.owner.includes_customer(),
                r.owner.includes_customer() && r.customer.as_ref().is_some_and(|s| s.is_blank()),
            );
            let extra = match r.owner {
                Owner::Vendor if r.customer.is_some() => Some("customer"),
                Owner::Customer if r.vendor.is_some() => Some("vendor"),
                _ => None,
            };
            if let Some(party) = extra {
                self.diags.push(
                    Diagnostic::error("owner-mismatch", &item.file, at(party), format!("the owner in `{model}` is `{}`, yet a {party} statement is given", r.owner))
                        .hint("make the owner `shared` if both parties do something, or remove the statement"),
                );
            }
        }
    }

    fn criterion<T>(&mut self, item: &Located<T>, path: &[&str], reference: &str) {
        let span = item.span(path);
        let Some((prefix, id)) = reference.split_once(':') else {
            self.diags.push(
                Diagnostic::error(
                    "invalid-criterion",
                    &item.file,
                    span,
                    format!("`{reference}` does not name a framework"),
                )
                .expected(
                    "`framework:ID`, e.g. `soc2:CC6.1`, `iso27001:A.5.18`, `nist-csf:PR.AA-05`",
                ),
            );
            return;
        };
        if let Some(fw) = self.framework(item, span, prefix) {
            self.criterion_in(item, span, fw, id);
        }
    }

    /// The framework with this prefix, or a diagnostic naming the known ones.
    fn framework<T>(
        &mut self,
        item: &Located<T>,
        span: crate::span::Span,
        prefix: &str,
    ) -> Option<Catalog<'a>> {
        let found = self.registry.get(prefix);
        if found.is_none() {
            let known: Vec<&str> = self.registry.catalogs.iter().map(|c| c.prefix()).collect();
            self.diags.push(
                Diagnostic::error(
                    "dangling-reference",
                    &item.file,
                    span,
                    format!("there is no framework `{prefix}`"),
                )
                .expected(format!(
                    "one of {}",
                    known
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .maybe_hint(did_you_mean(prefix, known.iter().copied()).or_else(|| {
                    Some(
                        "add it under frameworks/ (e.g. `covenant framework import CATALOG.json`)"
                            .to_string(),
                    )
                })),
            );
        }
        found
    }

    fn criterion_in<T>(
        &mut self,
        item: &Located<T>,
        span: crate::span::Span,
        fw: Catalog<'a>,
        id: &str,
    ) {
        if fw.criterion(id).is_none() {
            let ids: Vec<&str> = fw.criteria().iter().map(|c| c.id).collect();
            self.diags.push(
                Diagnostic::error(
                    "dangling-reference",
                    &item.file,
                    span,
                    format!("{} has no criterion `{id}`", fw.name()),
                )
                .expected(format!("a criterion id of {}", fw.name()))
                .maybe_hint(did_you_mean(id, ids.iter().copied())),
            );
        }
    }

    fn frameworks(&mut self, program: &'a Program) {
        for f in &program.frameworks {
            if crate::criteria::framework(&f.value.id).is_some() {
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        &f.file,
                        f.span(&["id"]),
                        format!("`{}` is a built-in framework", f.value.id),
                    )
                    .hint("choose another prefix for your own catalog"),
                );
            }
            let mut seen = std::collections::BTreeSet::new();
            for (i, c) in f.value.criteria.iter().enumerate() {
                let key = if f.value.case_insensitive {
                    c.id.to_ascii_lowercase()
                } else {
                    c.id.clone()
                };
                if !seen.insert(key) {
                    self.diags.push(Diagnostic::error(
                        "duplicate-id",
                        &f.file,
                        f.span(&["criteria", &i.to_string(), "id"]),
                        format!("criterion `{}` appears twice", c.id),
                    ));
                }
            }
            let fw = Catalog::Program(&f.value);
            for (i, c) in f.value.criteria.iter().enumerate() {
                if let Some(parent) = &c.parent
                    && fw.criterion(parent).is_none()
                {
                    self.diags.push(Diagnostic::error(
                        "dangling-reference",
                        &f.file,
                        f.span(&["criteria", &i.to_string(), "parent"]),
                        format!("there is no criterion `{parent}` in {}", f.value.name),
                    ));
                }
            }
        }
        for cw in &program.crosswalks {
            let from = self.framework(cw, cw.span(&["from"]), &cw.value.from);
            let to = self.framework(cw, cw.span(&["to"]), &cw.value.to);
            for (i, m) in cw.value.mappings.iter().enumerate() {
                let n = i.to_string();
                if let Some(fw) = from {
                    self.criterion_in(cw, cw.span(&["mappings", &n, "from"]), fw, &m.from);
                }
                if let Some(fw) = to {
                    for (j, t) in m.to.iter().enumerate() {
                        self.criterion_in(
                            cw,
                            cw.span(&["mappings", &n, "to", &j.to_string()]),
                            fw,
                            t,
                        );
                    }
                }
            }
        }
        for a in &program.applicability {
            if let Some(fw) = self.framework(a, a.span(&["framework"]), &a.value.framework) {
                for (key, list) in [
                    ("exclusions", &a.value.exclusions),
                    ("justifications", &a.value.justifications),
                ] {
                    for (i, e) in list.iter().enumerate() {
                        let n = i.to_string();
                        self.criterion_in(a, a.span(&[key, &n, "criterion"]), fw, &e.criterion);
                        if e.justification.trim().is_empty() {
                            self.diags.push(
                                Diagnostic::error(
                                    "empty-text",
                                    &a.file,
                                    a.span(&[key, &n, "justification"]),
                                    "the justification is empty",
                                )
                                .hint("say why, in a sentence an auditor accepts"),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Bands must cover every score from 0.1 to 10.0 exactly once.
    fn bands<T>(&mut self, item: &Located<T>, sla: &crate::commitment::RemediationSla) {
        let mut owner: [Option<usize>; 101] = [None; 101];
        for (i, band) in sla.bands.iter().enumerate() {
            for t in band.cvss.low_tenths..=band.cvss.high_tenths {
                let slot = &mut owner[usize::from(t)];
                if let Some(prev) = *slot {
                    let other = &sla.bands[prev];
                    self.diags.push(
                        Diagnostic::error("sla-overlap", &item.file, item.span(&["remediation_sla", "bands", &i.to_string(), "cvss"]), format!("CVSS band {} ({}) overlaps band {} ({}) at score {}.{}", band.cvss, band.severity.label(), other.cvss, other.severity.label(), t / 10, t % 10))
                            .hint("make each band start one tenth above where the previous one ends, e.g. 7.0-8.9 then 9.0-10.0"),
                    );
                    break;
                }
                *slot = Some(i);
            }
        }
        let mut t = 1u8;
        while t <= 100 {
            if owner[usize::from(t)].is_none() {
                let start = t;
                while t <= 100 && owner[usize::from(t)].is_none() {
                    t += 1;
                }
                let end = t - 1;
                self.diags.push(
                    Diagnostic::error(
                        "sla-gap",
                        &item.file,
                        item.span(&["remediation_sla", "bands"]),
                        format!(
                            "no band covers CVSS scores {}.{}-{}.{}",
                            start / 10,
                            start % 10,
                            end / 10,
                            end % 10
                        ),
                    )
                    .expected("bands that together cover 0.1-10.0")
                    .hint("extend a neighbouring band or add one for this range"),
                );
            }
            t += 1;
        }
    }
}

/// One `@` with a non-empty local part and a dotted domain, no spaces or angle brackets:
/// enough to catch typos and display names pasted in, without pretending to be RFC 5322.
fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let clean = |p: &str| {
        !p.is_empty()
            && !p
                .chars()
                .any(|c| c.is_whitespace() || "<>@,;\"".contains(c))
    };
    clean(local)
        && clean(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// For map keys that name a model, point at the key when it exists.
fn key_or_value_span<T>(item: &Located<T>, path: &[&str]) -> crate::span::Span {
    match path.split_last() {
        Some((last, parent)) => {
            let parent_node = {
                let mut node = &item.node;
                for k in parent {
                    match node.get(k) {
                        Some(n) => node = n,
                        None => break,
                    }
                }
                node
            };
            match &parent_node.kind {
                crate::yaml::NodeKind::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(last))
                    .map_or(parent_node.span, |(k, _)| k.span),
                _ => parent_node.span,
            }
        }
        None => item.node.span,
    }
}

#[cfg(test)]
mod tests {
    use crate::Sources;
    use std::path::PathBuf;

    fn codes(customers: &str) -> Vec<(&'static str, String)> {
        let mut sources = Sources::default();
        sources.files.insert(
            PathBuf::from("program.yaml"),
            include_str!("../../../examples/enforcer-dashboard/program.yaml").to_owned(),
        );
        sources
            .files
            .insert(PathBuf::from("customers.yaml"), customers.to_owned());
        let (_, diags) = crate::check(&sources);
        diags
            .into_iter()
            .filter(|d| d.file == std::path::Path::new("customers.yaml"))
            .map(|d| (d.code, d.message))
            .collect()
    }

    #[test]
    fn customers_are_checked() {
        let ok = "- id: a\n  name: A\n  security_contacts: [sec@a.example.com]\n  deployment_model: managed\n";
        assert_eq!(codes(ok), []);
        let bad = "\
- id: a
  name: A
  security_contacts: [not-an-address, Sec <sec@a.example.com>, sec@localhost]
  deployment_model: on-prem
- id: a
  name: Again
  security_contacts: []
  deployment_model: managed
";
        let got = codes(bad);
        let has = |code: &str, text: &str| got.iter().any(|(c, m)| *c == code && m.contains(text));
        assert!(has("invalid-email", "not-an-address"), "{got:?}");
        assert!(has("invalid-email", "Sec <sec@a.example.com>"), "{got:?}");
        assert!(has("invalid-email", "sec@localhost"), "{got:?}");
        assert!(has("dangling-reference", "on-prem"), "{got:?}");
        assert!(has("duplicate-id", "customer `a`"), "{got:?}");
        assert!(has("no-security-contact", "customer `a`"), "{got:?}");
    }
}
