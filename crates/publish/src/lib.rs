//! Documents rendered from a program: the shared-responsibility matrix, responsibility
//! lists, the remediation SLA table, service boundaries with a diagram, framework
//! alignment, evidence artifacts, the security overview, the security-measures annex,
//! policies and SECURITY.md — as Markdown and self-contained HTML. Pure: the caller
//! writes the returned bytes. Dates come from the program, never from the clock.

mod diagram;
mod html;
pub mod render;
pub mod snapshot;
pub mod view;

use covenant_engine::claim::{ClaimId, ClaimState};
use covenant_model::Program;
use covenant_model::document::DocumentKind;
use minijinja::Value;
use minijinja::value::Serde;
use snapshot::Snapshot;
use std::collections::BTreeMap;
use view::View;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the program has no program.yaml, so there is nothing to publish")]
    NoManifest,
    #[error("template {name}: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
    #[error("cannot encode the snapshot: {0}")]
    Snapshot(#[from] serde_json::Error),
}

/// What to compare against for the "what changed" page.
#[derive(Debug, Clone)]
pub struct Since {
    /// How the earlier version is named on the page (a git revision or a directory).
    pub label: String,
    pub snapshot: Snapshot,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub since: Option<Since>,
    /// Claim states from the engine; documents mark each claim with its state. Empty: no marks.
    pub claims: BTreeMap<ClaimId, ClaimState>,
    /// Framework coverage from the engine; one page (and JSON file) per framework, and the
    /// Statement of Applicability for ISO/IEC 27001.
    pub coverage: Vec<covenant_engine::coverage::Coverage>,
}

/// The published files, by path relative to the output directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
}

struct Page {
    file: String,
    title: String,
    markdown: String,
}

fn default_title(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Matrix => "Shared responsibility matrix",
        DocumentKind::Responsibilities => "Vendor and customer security responsibilities",
        DocumentKind::RemediationSla => "Vulnerability remediation SLA",
        DocumentKind::Boundaries => "Service and security boundaries",
        DocumentKind::Alignment => "Framework alignment",
        DocumentKind::Artifacts => "Evidence artifacts",
        DocumentKind::Overview => "Security overview",
        DocumentKind::Annex => "Security measures annex",
        DocumentKind::Policies => "Security policies",
        DocumentKind::SecurityMd => "Security policy",
    }
}

fn has_content(kind: DocumentKind, view: &View) -> bool {
    match kind {
        DocumentKind::RemediationSla => view.sla.is_some(),
        DocumentKind::Boundaries => {
            !view.components.is_empty()
                || view
                    .models
                    .iter()
                    .any(|m| !m.vendor_boundary.is_empty() || !m.customer_boundary.is_empty())
        }
        DocumentKind::Alignment => {
            !view.frameworks.is_empty()
                || view
                    .areas
                    .iter()
                    .any(|a| a.controls.iter().any(|c| !c.criteria.is_empty()))
        }
        DocumentKind::Artifacts => !view.artifacts.is_empty(),
        DocumentKind::Policies => !view.policies.is_empty(),
        _ => true,
    }
}

/// Renders every document of a valid program.
pub fn publish(program: &Program, options: &Options) -> Result<Output, PublishError> {
    let view = View::of(program, &options.claims).ok_or(PublishError::NoManifest)?;
    let env = render::environment(&program.templates).map_err(|source| PublishError::Template {
        name: "templates/".into(),
        source,
    })?;
    let model_names: BTreeMap<&str, &str> = view
        .models
        .iter()
        .map(|m| (m.id.as_str(), m.name.as_str()))
        .collect();
    let base = Value::from(Serde(&view));
    let render = |name: &str, extra: Vec<(&str, Value)>| -> Result<String, PublishError> {
        let tmpl = env
            .get_template(name)
            .map_err(|source| PublishError::Template {
                name: name.into(),
                source,
            })?;
        let mut ctx: BTreeMap<&str, Value> = extra.into_iter().collect();
        ctx.insert("model_names", Value::from(Serde(&model_names)));
        let ctx = minijinja::context! { ..Value::from(Serde(&ctx)), ..base.clone() };
        tmpl.render(ctx).map_err(|source| PublishError::Template {
            name: name.into(),
            source,
        })
    };
    let declared: BTreeMap<DocumentKind, &covenant_model::document::Document> = program
        .documents
        .iter()
        .map(|d| (d.value.kind, &d.value))
        .collect();

    let mut pages: Vec<Page> = Vec::new();
    let mut out = Output::default();
    let mut svgs = BTreeMap::new();
    for kind in DocumentKind::ALL {
        if !has_content(kind, &view) {
            continue;
        }
        let doc = declared.get(&kind);
        let title = doc.map_or(default_title(kind).to_string(), |d| d.title.clone());
        let intro = doc.and_then(|d| d.intro.clone());
        let common = |t: &str| {
            vec![
                ("title", Value::from(t.to_string())),
                ("intro", Value::from(intro.clone())),
            ]
        };
        match kind {
            DocumentKind::Annex => {
                for m in &view.models {
                    let t = format!("{title}: {}", m.name);
                    let mut ctx = common(&t);
                    ctx.push(("model", Value::from(Serde(m))));
                    let markdown = render("annex.md.j2", ctx)?;
                    pages.push(Page {
                        file: format!("annex-{}", m.id),
                        title: t,
                        markdown,
                    });
                }
            }
            DocumentKind::Policies => {
                let markdown = render("policies.md.j2", common(&title))?;
                pages.push(Page {
                    file: "policies".into(),
                    title: title.clone(),
                    markdown,
                });
                for p in &view.policies {
                    let markdown = render("policy.md.j2", vec![("policy", Value::from(Serde(p)))])?;
                    pages.push(Page {
                        file: format!("policies/{}", p.id),
                        title: p.title.clone(),
                        markdown,
                    });
                }
            }
            DocumentKind::SecurityMd => {
                let markdown = render("security-md.md.j2", common(&title))?;
                out.files
                    .insert("SECURITY.md".into(), markdown.into_bytes());
            }
            DocumentKind::Boundaries => {
                for m in &view.models {
                    svgs.insert(
                        format!("boundaries-{}.svg", m.id),
                        diagram::boundary_svg(&view, m),
                    );
                }
                let markdown = render("boundaries.md.j2", common(&title))?;
                pages.push(Page {
                    file: kind.as_str().into(),
                    title,
                    markdown,
                });
            }
            _ => {
                let markdown = render(&format!("{}.md.j2", kind.as_str()), common(&title))?;
                pages.push(Page {
                    file: kind.as_str().into(),
                    title,
                    markdown,
                });
            }
        }
    }
    for cov in &options.coverage {
        let title = format!("{} coverage", cov.name);
        let mut ctx = vec![
            ("title", Value::from(title.clone())),
            ("intro", Value::from(())),
            ("cov", Value::from(Serde(cov))),
        ];
        let markdown = render("coverage.md.j2", ctx.clone())?;
        pages.push(Page {
            file: format!("coverage-{}", cov.framework),
            title,
            markdown,
        });
        let mut json = serde_json::to_vec_pretty(cov)?;
        json.push(b'\n');
        out.files
            .insert(format!("coverage-{}.json", cov.framework), json);
        if cov.framework == "iso27001" {
            let title = "Statement of Applicability (ISO/IEC 27001:2022 Annex A)".to_string();
            ctx[0] = ("title", Value::from(title.clone()));
            let markdown = render("soa.md.j2", ctx)?;
            pages.push(Page {
                file: "soa".into(),
                title,
                markdown,
            });
        }
    }
    let snapshot = Snapshot::of(&view);
    if let Some(since) = &options.since {
        let changes = snapshot.changes_since(&since.snapshot);
        let title = "What changed".to_string();
        let markdown = render(
            "changes.md.j2",
            vec![
                ("title", Value::from(title.clone())),
                ("intro", Value::from(())),
                ("since", Value::from(since.label.clone())),
                ("changes", Value::from(Serde(&changes))),
            ],
        )?;
        pages.push(Page {
            file: "changes".into(),
            title,
            markdown,
        });
    }
    let index: Vec<BTreeMap<&str, String>> = pages
        .iter()
        .filter(|p| !p.file.starts_with("policies/"))
        .map(|p| {
            BTreeMap::from([
                ("title", p.title.clone()),
                ("file", format!("{}.md", p.file)),
            ])
        })
        .collect();
    let markdown = render(
        "index.md.j2",
        vec![("documents", Value::from(Serde(&index)))],
    )?;
    pages.push(Page {
        file: "index".into(),
        title: format!("{}: security documents", view.product),
        markdown,
    });

    for page in pages {
        let depth = page.file.matches('/').count();
        let local_svgs: BTreeMap<String, String> = svgs
            .iter()
            .map(|(k, v)| (format!("{}{k}", "../".repeat(depth)), v.clone()))
            .collect();
        let body = html::markdown_to_html(&page.markdown, &local_svgs);
        let html = render(
            render::PAGE,
            vec![
                ("title", Value::from(page.title.clone())),
                ("body", Value::from_safe_string(body)),
            ],
        )?;
        out.files
            .insert(format!("{}.md", page.file), page.markdown.into_bytes());
        out.files
            .insert(format!("{}.html", page.file), html.into_bytes());
    }
    for (name, svg) in svgs {
        out.files.insert(name, svg.into_bytes());
    }
    let mut snap = serde_json::to_vec_pretty(&snapshot)?;
    snap.push(b'\n');
    out.files.insert(snapshot::FILE.into(), snap);
    Ok(out)
}
