//! Every fact of the two seed documents (shared/seeds/*.txt), asserted on the documents
//! published from examples/enforcer-dashboard and examples/control-core. Tables are read
//! back cell by cell, so a fact in the wrong row, column or section fails.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// Shared-responsibility matrix, self-hosted: (responsibility domain, vendor, customer).
const ENFORCER_MATRIX: &[(&str, bool, bool)] = &[
    ("Software source code security", true, false),
    ("Application-level vulnerability patching", true, false),
    ("Software architecture and design security", true, false),
    ("Release of security updates and patches", true, false),
    ("Security advisory notifications", true, false),
    ("Documentation of security configurations", true, false),
    ("Infrastructure provisioning", false, true),
    ("Network security and firewalls", false, true),
    ("Operating system patching", false, true),
    ("Container runtime security", false, true),
    ("Access control and identity management", false, true),
    ("Database security and encryption at rest", false, true),
    ("Backup and disaster recovery", false, true),
    ("Monitoring and incident response", false, true),
    ("Application of security patches", false, true),
    ("Compliance with regulatory requirements", false, true),
    ("Audit log retention and integrity", false, true),
    ("SSL/TLS certificate management", false, true),
    ("Third-party integration security", false, true),
    ("Cloud provider account security", false, true),
    ("Physical security of infrastructure", false, true),
    ("Data classification and handling", false, true),
];

/// Remediation SLA: (severity, CVSS band, response time, patch release target).
const ENFORCER_SLA: &[(&str, &str, &str, &str)] = &[
    ("Critical", "9.0-10.0", "24 hours", "72 hours"),
    ("High", "7.0-8.9", "48 hours", "14 days"),
    (
        "Medium",
        "4.0-6.9",
        "5 business days",
        "Next scheduled release",
    ),
    (
        "Low",
        "0.1-3.9",
        "10 business days",
        "Next scheduled release",
    ),
];

fn tick(cell: &str) -> bool {
    match cell {
        "✅" => true,
        "—" => false,
        other => panic!("matrix cell is neither ✅ nor —: {other:?}"),
    }
}

/// The matrix table of one deployment model: title → (vendor, customer).
fn matrix_of(md: &str, model: &str) -> BTreeMap<String, (bool, bool)> {
    let t = only_table(&section(md, model));
    assert_eq!(t.header[0], "Responsibility");
    let vendor = t
        .header
        .iter()
        .position(|h| h.contains("(vendor)"))
        .expect("vendor column");
    let customer = t
        .header
        .iter()
        .position(|h| h == "Customer")
        .expect("customer column");
    let mut rows = BTreeMap::new();
    for r in &t.rows {
        let prev = rows.insert(r[0].clone(), (tick(&r[vendor]), tick(&r[customer])));
        assert!(prev.is_none(), "row {} appears twice in {model}", r[0]);
    }
    rows
}

fn owner_word(v: bool, c: bool) -> &'static str {
    match (v, c) {
        (true, true) => "shared",
        (true, false) => "vendor",
        (false, true) => "customer",
        (false, false) => panic!("a matrix row with no owner"),
    }
}

#[test]
fn enforcer_matrix_self_hosted_has_the_22_seed_rows_with_their_owners() {
    let out = publish_example("enforcer-dashboard");
    let md = text(&out, "matrix.md");
    let rows = matrix_of(md, "Self-hosted");
    assert_eq!(rows.len(), 22, "rows: {rows:#?}");
    for (title, vendor, customer) in ENFORCER_MATRIX {
        let got = rows
            .get(*title)
            .unwrap_or_else(|| panic!("matrix has no row `{title}`"));
        assert_eq!(
            got,
            &(*vendor, *customer),
            "owner of `{title}` (vendor, customer)"
        );
    }
    // The seed's headline split: six with the vendor, sixteen with the customer.
    assert_eq!(rows.values().filter(|(v, c)| *v && !*c).count(), 6);
    assert_eq!(rows.values().filter(|(v, c)| !*v && *c).count(), 16);
    // Spot check the one the issue names.
    assert_eq!(rows["Backup and disaster recovery"], (false, true));
    // The HTML page carries the same table.
    let html = text(&out, "matrix.html");
    for (title, _, _) in ENFORCER_MATRIX {
        assert!(
            html.contains(&format!("<td>{}</td>", title.replace('&', "&amp;"))),
            "matrix.html lacks {title}"
        );
    }
}

#[test]
fn enforcer_both_deployment_models_are_published() {
    let out = publish_example("enforcer-dashboard");
    let md = text(&out, "matrix.md");
    assert_eq!(
        &headings(md, 2)[..2],
        &["Self-hosted", "Managed (vendor-hosted)"]
    );
    let managed = matrix_of(md, "Managed (vendor-hosted)");
    let self_hosted = matrix_of(md, "Self-hosted");
    assert_eq!(
        managed.keys().collect::<Vec<_>>(),
        self_hosted.keys().collect::<Vec<_>>(),
        "both models list the same 22 responsibilities"
    );
    // Managed hosting moves the infrastructure to the vendor.
    assert_eq!(managed["Backup and disaster recovery"], (true, false));
    assert_eq!(managed["Infrastructure provisioning"], (true, false));
    assert_eq!(managed["Data classification and handling"], (false, true));
    for file in [
        "annex-self-hosted.md",
        "annex-managed.md",
        "annex-self-hosted.html",
        "annex-managed.html",
        "boundaries-self-hosted.svg",
        "boundaries-managed.svg",
    ] {
        assert!(out.files.contains_key(file), "{file} missing");
    }
    let boundaries = text(&out, "boundaries.md");
    for model in ["Self-hosted", "Managed (vendor-hosted)"] {
        assert!(!section(boundaries, model).is_empty());
    }
}

#[test]
fn enforcer_what_changes_lists_exactly_the_rows_whose_owner_differs() {
    let out = publish_example("enforcer-dashboard");
    let md = text(&out, "matrix.md");
    let a = matrix_of(md, "Self-hosted");
    let b = matrix_of(md, "Managed (vendor-hosted)");
    let expected: BTreeMap<String, (String, String)> = a
        .iter()
        .filter(|(k, v)| b[*k] != **v)
        .map(|(k, (v, c))| {
            let (v2, c2) = b[k];
            (
                k.clone(),
                (
                    owner_word(*v, *c).to_string(),
                    owner_word(v2, c2).to_string(),
                ),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    let changes = section(md, "What changes between deployment models");
    let t = only_table(&section(
        &changes.join("\n"),
        "Self-hosted → Managed (vendor-hosted)",
    ));
    assert_eq!(
        t.header,
        ["Responsibility", "Self-hosted", "Managed (vendor-hosted)"]
    );
    let got: BTreeMap<String, (String, String)> = t
        .rows
        .iter()
        .map(|r| (r[0].clone(), (r[1].clone(), r[2].clone())))
        .collect();
    assert_eq!(got.len(), t.rows.len(), "a changed row is listed twice");
    assert_eq!(got, expected);
    assert_eq!(
        got["Backup and disaster recovery"],
        ("customer".to_string(), "vendor".to_string())
    );
}

fn sla_rows(md: &str) -> Vec<(String, String, String, String)> {
    let all = tables(&md.lines().collect::<Vec<_>>());
    let t = all
        .iter()
        .find(|t| t.header.first().is_some_and(|h| h == "Severity"))
        .expect("an SLA table");
    assert_eq!(t.header.len(), 4);
    t.rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect()
}

fn assert_seed_sla(doc: &str, rows: &[(String, String, String, String)]) {
    assert_eq!(rows.len(), 4, "{doc}: {rows:#?}");
    for (row, (sev, cvss, resp, target)) in rows.iter().zip(ENFORCER_SLA) {
        assert!(row.0.eq_ignore_ascii_case(sev), "{doc}: severity {row:?}");
        assert_eq!(row.1, *cvss, "{doc}: CVSS band of {sev}");
        assert!(row.2.eq_ignore_ascii_case(resp), "{doc}: response {row:?}");
        assert!(row.3.eq_ignore_ascii_case(target), "{doc}: target {row:?}");
    }
}

#[test]
fn enforcer_sla_bands_in_remediation_sla_and_security_md() {
    let out = publish_example("enforcer-dashboard");
    let sla = text(&out, "remediation-sla.md");
    assert_seed_sla("remediation-sla.md", &sla_rows(sla));
    let security = text(&out, "SECURITY.md");
    assert_seed_sla("SECURITY.md", &sla_rows(security));
    // 3.3: critical and high advisories go to the designated security contact.
    let advisories = section(sla, "Advisories for critical and high vulnerabilities").join("\n");
    assert!(advisories.contains("designated security contact"));
    assert!(advisories.contains("critical") && advisories.contains("high"));
}

#[test]
fn enforcer_soc2_alignment_rows() {
    let out = publish_example("enforcer-dashboard");
    let md = text(&out, "alignment.md");
    let soc2 = section(
        md,
        "SOC 2 Trust Services Criteria (2017, points of focus revised 2022)",
    );
    let t = only_table(&section(&soc2.join("\n"), "Self-hosted"));
    // (criterion, label, words in the vendor cell, words in the customer cell)
    let expected: &[(&str, &str, &[&str], &[&str])] = &[
        (
            "CC6.1",
            "Logical access",
            &["access controls"],
            &["configures"],
        ),
        ("CC6.2", "Credentials", &["credentials"], &["credential"]),
        ("CC6.6", "System boundaries", &["boundaries"], &["enforces"]),
        ("CC7.1", "Detection", &["Audit logging"], &["monitors"]),
        ("CC7.2", "Monitoring", &[], &["entirely the customer"]),
        (
            "CC8.1",
            "Change management",
            &["versioned", "changelogs"],
            &["applies the changes"],
        ),
    ];
    assert_eq!(t.rows.len(), expected.len(), "{:#?}", t.rows);
    for (row, (id, label, vendor, customer)) in t.rows.iter().zip(expected) {
        assert!(
            row[0].eq_ignore_ascii_case(&format!("{id} ({label})")),
            "criterion cell {:?}",
            row[0]
        );
        if *id == "CC7.2" {
            assert!(
                row[1].starts_with("Not applicable") && row[1].contains("Self-hosted"),
                "CC7.2 vendor cell: {:?}",
                row[1]
            );
        } else {
            assert!(!row[1].starts_with("Not applicable"), "{id}: {:?}", row[1]);
        }
        for w in *vendor {
            assert!(
                row[1].contains(w),
                "{id} vendor cell {:?} lacks {w}",
                row[1]
            );
        }
        for w in *customer {
            assert!(
                row[2].contains(w),
                "{id} customer cell {:?} lacks {w}",
                row[2]
            );
        }
    }
}

#[test]
fn enforcer_boundaries_of_both_parties() {
    let out = publish_example("enforcer-dashboard");
    let md = text(&out, "boundaries.md");
    let sh = section(md, "Self-hosted").join("\n");
    let vendor = bullets(&section(&sh, "Vendor boundary"));
    let customer = bullets(&section(&sh, "Customer boundary"));
    let vendor_words: &[&[&str]] = &[
        &["application code", "binaries"],
        &["Documentation", "configuration"],
        &["Security fixes and updates", "official"],
        &["licenses"],
    ];
    let customer_words: &[&[&str]] = &[
        &["infrastructure"],
        &["data"],
        &["network connection"],
        &["integration", "third-party services"],
        &["user accounts", "access"],
        &["configuration and customization"],
    ];
    for (items, words, who) in [
        (&vendor, vendor_words, "vendor"),
        (&customer, customer_words, "customer"),
    ] {
        assert_eq!(items.len(), words.len(), "{who} boundary: {items:#?}");
        for (item, ws) in items.iter().zip(words) {
            for w in *ws {
                assert!(item.contains(w), "{who} boundary item {item:?} lacks {w:?}");
            }
        }
    }
    assert!(sh.contains("(boundaries-self-hosted.svg)"));
}

#[test]
fn enforcer_security_contact_and_data_handling() {
    let out = publish_example("enforcer-dashboard");
    let security = text(&out, "SECURITY.md");
    let reporting = section(security, "Reporting a vulnerability").join("\n");
    assert!(reporting.contains("**legal@enforcer-cca.com**"));
    assert!(security.contains("Enforcer Labs Private Limited"));
    assert!(security.contains("https://enforcer-cca.com"));
    let overview = text(&out, "overview.md");
    assert!(
        section(overview, "Reporting a vulnerability")
            .join("\n")
            .contains("legal@enforcer-cca.com")
    );
    // 6.1: the vendor never touches customer data.
    assert!(overview.contains("never accesses, collects, stores or processes customer data"));
    // Dates and entity of the seed's header.
    let matrix = text(&out, "matrix.md");
    for fact in [
        "Enforcer Labs Private Limited",
        "effective 2026-05-01",
        "last updated 2026-05-17",
    ] {
        assert!(matrix.contains(fact), "matrix header lacks {fact}");
    }
}

#[test]
fn enforcer_html_is_self_contained_and_diagrams_are_well_formed() {
    let out = publish_example("enforcer-dashboard");
    let mut html_count = 0;
    for (name, bytes) in &out.files {
        let s = std::str::from_utf8(bytes).expect("utf-8");
        if name.ends_with(".html") {
            html_count += 1;
            for bad in [
                "src=\"http",
                "src='http",
                "<link",
                "<script",
                "@import",
                "url(http",
            ] {
                assert!(!s.contains(bad), "{name} contains {bad}");
            }
            assert!(s.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(s.contains("<style>"), "{name} has no inline style");
        }
    }
    // Every Markdown page has its HTML twin.
    let md_pages = out
        .files
        .keys()
        .filter(|n| n.ends_with(".md") && *n != "SECURITY.md")
        .count();
    assert_eq!(html_count, md_pages);
    for model in ["self-hosted", "managed"] {
        let name = format!("boundaries-{model}.svg");
        let svg = text(&out, &name);
        assert_eq!(well_formed_xml(svg), Ok("svg".to_string()), "{name}");
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("CUSTOMER BOUNDARY"), "{name}");
    }
    // The diagrams are inlined into the boundaries page, not linked.
    let page = text(&out, "boundaries.html");
    assert_eq!(page.matches("<svg").count(), 2);
    assert!(!page.contains("<img"));
}

// ---- Control Core ---------------------------------------------------------------------

#[test]
fn control_core_components_with_deployer_and_network_boundary() {
    let out = publish_example("control-core");
    let md = text(&out, "boundaries.md");
    let t = only_table(&section(md, "Service boundaries"));
    assert_eq!(
        t.header,
        ["Component", "Deployed by (Self-hosted)", "Network boundary"]
    );
    let expected = [
        (
            "Control Plane (UI + API)",
            &["Customer", "partner"][..],
            "Your VPC or cluster",
        ),
        (
            "Bouncer (PEP)",
            &["Customer"][..],
            "Co-located with protected workloads",
        ),
        (
            "Postgres / Redis",
            &["Customer (in-chart or managed)"][..],
            "Your data plane",
        ),
        ("Policy Git repo", &["Customer"][..], "Your Git provider"),
        ("IdP (SSO)", &["Customer"][..], "Your identity platform"),
    ];
    assert_eq!(t.rows.len(), expected.len(), "{:#?}", t.rows);
    for (row, (name, deployer, boundary)) in t.rows.iter().zip(expected) {
        assert_eq!(row[0], name);
        for w in deployer {
            assert!(
                row[1].contains(w),
                "{name}: deployer {:?} lacks {w}",
                row[1]
            );
        }
        assert_eq!(row[2], boundary, "{name}");
    }
    // Only the control plane may be deployed by a partner.
    assert!(
        t.rows[1..].iter().all(|r| !r[1].contains("partner")),
        "{:#?}",
        t.rows
    );
}

/// The seed's responsibility matrix: area, its criteria, and words of the product and
/// the operator columns.
const CONTROL_CORE_AREAS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "Access control",
        "CC6",
        &["RBAC", "MFA", "SSO", "Rego", "Bouncer"],
        &["IdP", "roles", "Review access periodically"],
    ),
    (
        "Encryption in transit",
        "CC6.7",
        &["Control Plane API", "Helm", "TLS"],
        &["TLS", "certificates", "sslmode=verify-full", "rediss://"],
    ),
    (
        "Encryption at rest",
        "",
        &["K8s", "ExternalSecrets"],
        &["TDE", "disks", "KMS"],
    ),
    (
        "Audit & integrity",
        "PI1",
        &["hash-chained AuditLog", "exporting", "WORM checkpoint"],
        &["SIEM", "retention policy", "keys used to sign checkpoints"],
    ),
    (
        "Vulnerability management",
        "CC6.1",
        &["SBOM", "security gate"],
        &["security gate before promoting", "Patch", "cosign verify"],
    ),
    (
        "Supply chain",
        "CC6.8",
        &["cosign", "SBOM"],
        &["signed tags", "verification"],
    ),
    (
        "Change management",
        "CC8",
        &["Versioning of every policy", "policy sync"],
        &["CAB", "release discipline", "Helm"],
    ),
    (
        "Backup / DR",
        "CC7.5",
        &["postgres-backup CronJob", "Helm"],
        &["PITR", "DR drills", "RTO", "RPO"],
    ),
    (
        "Incident response",
        "CC7",
        &["Audit", "SIEM outbox"],
        &[
            "24/7",
            "Control Core provides no such monitoring",
            "runbooks",
            "escalation",
        ],
    ),
    (
        "Governance",
        "CC1",
        &["Engineering documentation", "Feature flags"],
        &["Board", "risk register", "vendors"],
    ),
    (
        "Privacy",
        "P1",
        &["masking", "Rego", "Bouncer"],
        &["lawful basis", "consent", "data subject requests"],
    ),
];

#[test]
fn control_core_eleven_areas_with_criteria_and_both_parties() {
    let out = publish_example("control-core");
    // Matrix: 11 rows, each shared between the product and the operator.
    let matrix = text(&out, "matrix.md");
    let rows = matrix_of(matrix, "Self-hosted");
    assert_eq!(rows.len(), CONTROL_CORE_AREAS.len(), "{rows:#?}");
    for (area, _, _, _) in CONTROL_CORE_AREAS {
        assert_eq!(rows.get(*area), Some(&(true, true)), "matrix row {area}");
    }
    // Overview: each area heading carries the seed's criteria.
    let overview = text(&out, "overview.md");
    let by_area = section(overview, "Security controls by area").join("\n");
    let expected: Vec<String> = CONTROL_CORE_AREAS
        .iter()
        .map(|(a, c, _, _)| {
            if c.is_empty() {
                a.to_string()
            } else {
                format!("{a} ({c})")
            }
        })
        .collect();
    assert_eq!(headings(&by_area, 3), expected);
    // Responsibilities: the product's and the operator's duties per area.
    let resp = text(&out, "responsibilities.md");
    let sh = section(resp, "Self-hosted").join("\n");
    let vendor = section(&sh, "Control Core (vendor) responsibilities").join("\n");
    let customer = section(&sh, "Customer responsibilities").join("\n");
    for (i, (area, _, vwords, cwords)) in CONTROL_CORE_AREAS.iter().enumerate() {
        let heading = format!("{}. {}", i + 1, area.replace('&', "&amp;"));
        for (doc, words, who) in [(&vendor, vwords, "vendor"), (&customer, cwords, "customer")] {
            let body = unescape(&section(doc, &heading).join("\n")).to_lowercase();
            for w in *words {
                assert!(
                    body.contains(&w.to_lowercase()),
                    "{who} duties of {area} lack {w:?}:\n{body}"
                );
            }
        }
    }
}

#[test]
fn control_core_evidence_artifacts_exactly_as_the_seed() {
    let out = publish_example("control-core");
    let md = text(&out, "artifacts.md");
    let t = only_table(&md.lines().collect::<Vec<_>>());
    assert_eq!(t.header, ["Need", "Where"]);
    let seed = [
        ["SOC 2 narrative", "This page + Security guides"],
        [
            "TSC checklist",
            "Request from your account team before audit season",
        ],
        [
            "Vulnerability scan",
            "Your CI/CD pipeline reports for the release tag",
        ],
        [
            "Signed images",
            "cosign verify output archived with the change record",
        ],
    ];
    assert_eq!(t.rows, seed.map(|r| r.map(String::from).to_vec()).to_vec());
}

#[test]
fn control_core_soc1_and_no_implied_soc_operations() {
    let out = publish_example("control-core");
    let overview = text(&out, "overview.md");
    for fact in [
        "does not issue a SOC 1 report",
        "structured audit export",
        "PolicyVersion",
        "Bouncer decision logs",
        "SOX 302/404",
        "CPA",
        "does not suggest that Control Core provides round-the-clock security monitoring",
    ] {
        assert!(overview.contains(fact), "overview lacks {fact:?}");
    }
    let svg = text(&out, "boundaries-self-hosted.svg");
    assert_eq!(well_formed_xml(svg), Ok("svg".to_string()));
    let files: BTreeSet<&str> = out.files.keys().map(String::as_str).collect();
    assert!(
        !files.contains("remediation-sla.md"),
        "Control Core publishes no SLA, so there is no SLA page"
    );
}
