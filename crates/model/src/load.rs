//! Loading: from source texts to typed items, collecting every problem on the way.

use crate::alignment::Alignment;
use crate::applicability::Applicability;
use crate::area::Area;
use crate::artifact::Artifact;
use crate::commitment::Commitment;
use crate::component::Component;
use crate::control::Control;
use crate::crosswalk::Crosswalk;
use crate::customer::Customer;
use crate::de::{DeError, UnknownKey, from_node};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::document::Document;
use crate::framework::Framework;
use crate::policy::{Policy, PolicyMeta};
use crate::program::ProgramFile;
use crate::source::{KIND_DIRS, Sources};
use crate::span::Span;
use crate::yaml::{self, Node, NodeKind};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// An item with the file it came from and its YAML node, so that later checks can point
/// at the exact key that is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub file: PathBuf,
    pub node: Node,
}

impl<T> Located<T> {
    /// The position of the value at a path of keys (list indexes as numbers), or of the
    /// deepest part of the path that exists.
    pub fn span(&self, path: &[&str]) -> Span {
        let mut node = &self.node;
        for key in path {
            let next = match &node.kind {
                NodeKind::Map(_) => node.get(key),
                NodeKind::Seq(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.span
    }

    /// The position of a key itself (rather than its value), for "unknown" or "missing" reports.
    pub fn key_span(&self, key: &str) -> Span {
        match &self.node.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map_or(self.node.span, |(k, _)| k.span),
            _ => self.node.span,
        }
    }
}

/// A whole program as loaded from its directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    pub manifest: Option<Located<ProgramFile>>,
    pub components: Vec<Located<Component>>,
    pub areas: Vec<Located<Area>>,
    pub controls: Vec<Located<Control>>,
    pub commitments: Vec<Located<Commitment>>,
    pub artifacts: Vec<Located<Artifact>>,
    pub alignments: Vec<Located<Alignment>>,
    pub documents: Vec<Located<Document>>,
    pub policies: Vec<Located<Policy>>,
    pub frameworks: Vec<Located<Framework>>,
    pub crosswalks: Vec<Located<Crosswalk>>,
    pub applicability: Vec<Located<Applicability>>,
    /// Customers and their security contacts, who receive advisories.
    pub customers: Vec<Located<Customer>>,
    /// Template overrides by file name (`templates/matrix.md.j2` → `matrix.md.j2`).
    pub templates: Vec<(String, String)>,
}

const PROGRAM_FILE: &str = "program.yaml";

/// Parses every source into typed items. Never fails: problems become diagnostics, and
/// items that could not be read are left out so that the other checks still run.
pub fn load(sources: &Sources) -> (Program, Vec<Diagnostic>) {
    let mut program = Program::default();
    let mut diags = Vec::new();
    for path in &sources.refused {
        diags.push(
            Diagnostic::error(
                "symbolic-link",
                path,
                Span::new(1, 1, 0),
                "is a symbolic link; program files must be regular files inside the program directory",
            )
            .hint("replace the link with a copy of the file it points to; links are never followed when reading a program"),
        );
    }
    let program_path = Path::new(PROGRAM_FILE);
    let refused = |p: &str| sources.refused.iter().any(|r| r == Path::new(p));
    match sources
        .get(program_path)
        .or_else(|| sources.get(Path::new("program.yml")))
    {
        Some(text) => {
            let path = if sources.get(program_path).is_some() {
                program_path
            } else {
                Path::new("program.yml")
            };
            if let Some(node) = parse_file(path, text, &mut diags) {
                program.manifest = read_item(path, &node, &mut diags);
            }
        }
        // A linked program.yaml is already reported as such.
        None if refused(PROGRAM_FILE) || refused("program.yml") => {}
        None => diags.push(
            Diagnostic::error(
                "missing-file",
                PROGRAM_FILE,
                Span::new(1, 1, 0),
                "the program has no program.yaml",
            )
            .hint("run `covenant init DIR` to see a complete example"),
        ),
    }
    for (path, text) in &sources.files {
        let Some(kind) = kind_of(path) else {
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let at_root = path.parent() == Some(Path::new(""));
            if is_yaml && at_root && path != program_path && path != Path::new("program.yml") {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let kinds = KIND_DIRS
                    .iter()
                    .map(|k| format!("`{k}.yaml`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                diags.push(
                    Diagnostic::warning(
                        "unknown-file",
                        path,
                        Span::new(1, 1, 0),
                        "this file is not part of any item kind and is ignored",
                    )
                    .expected(format!("`program.yaml` or one of {kinds}"))
                    .maybe_hint(
                        did_you_mean(&stem, KIND_DIRS.iter().copied())
                            .map(|h| format!("{h} (the file name decides the kind)")),
                    ),
                );
            }
            continue;
        };
        match kind {
            "policies" => {
                if let Some(p) = read_policy(path, text, &mut diags) {
                    program.policies.push(p);
                }
            }
            "templates" => {
                let name = path
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // Kept in step with covenant_publish::render::PAGE.
                if name == "page.html.j2" {
                    diags.push(
                        Diagnostic::warning(
                            "ignored-template",
                            path,
                            Span::new(1, 1, 0),
                            "the HTML page template cannot be overridden; this file is ignored",
                        )
                        .hint("program text reaches HTML only through Markdown, where raw HTML is escaped; override the Markdown templates instead"),
                    );
                    continue;
                }
                program.templates.push((name, text.clone()));
            }
            _ => {
                let Some(node) = parse_file(path, text, &mut diags) else {
                    continue;
                };
                let items: Vec<&Node> = match &node.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![&node],
                };
                for item in items {
                    match kind {
                        "components" => push(&mut program.components, path, item, &mut diags),
                        "areas" => push(&mut program.areas, path, item, &mut diags),
                        "controls" => push(&mut program.controls, path, item, &mut diags),
                        "commitments" => push(&mut program.commitments, path, item, &mut diags),
                        "artifacts" => push(&mut program.artifacts, path, item, &mut diags),
                        "alignment" => push(&mut program.alignments, path, item, &mut diags),
                        "documents" => push(&mut program.documents, path, item, &mut diags),
                        "frameworks" => push(&mut program.frameworks, path, item, &mut diags),
                        "crosswalks" => push(&mut program.crosswalks, path, item, &mut diags),
                        "applicability" => push(&mut program.applicability, path, item, &mut diags),
                        "customers" => push(&mut program.customers, path, item, &mut diags),
                        _ => {}
                    }
                }
            }
        }
    }
    (program, diags)
}

/// Which kind of item a file holds, from its place in the directory.
fn kind_of(path: &Path) -> Option<&'static str> {
    let mut parts = path.components();
    let first = parts.next()?.as_os_str().to_str()?;
    let nested = parts.next().is_some();
    if nested {
        return ["policies", "templates"]
            .into_iter()
            .chain(KIND_DIRS.iter().copied())
            .find(|k| *k == first);
    }
    let stem = first
        .strip_suffix(".yaml")
        .or_else(|| first.strip_suffix(".yml"))?;
    KIND_DIRS.iter().copied().find(|k| *k == stem)
}

fn parse_file(path: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    match yaml::parse(text) {
        Ok(Some(node)) => Some(node),
        Ok(None) => {
            diags.push(Diagnostic::warning(
                "empty-file",
                path,
                Span::new(1, 1, 0),
                "this file is empty",
            ));
            None
        }
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "yaml-syntax",
                    path,
                    e.span,
                    format!("YAML syntax error: {}", e.message),
                )
                .hint("check indentation and that every `key: value` has a space after the colon"),
            );
            None
        }
    }
}

fn push<T: DeserializeOwned>(
    out: &mut Vec<Located<T>>,
    path: &Path,
    node: &Node,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some(item) = read_item(path, node, diags) {
        out.push(item);
    }
}

fn read_item<T: DeserializeOwned>(
    path: &Path,
    node: &Node,
    diags: &mut Vec<Diagnostic>,
) -> Option<Located<T>> {
    let (result, unknown) = from_node::<T>(node);
    report_unknown(path, unknown, diags);
    match result {
        Ok(value) => Some(Located {
            value,
            file: path.to_path_buf(),
            node: node.clone(),
        }),
        Err(e) => {
            diags.push(de_diagnostic(path, node.span, e));
            None
        }
    }
}

fn report_unknown(path: &Path, unknown: Vec<UnknownKey>, diags: &mut Vec<Diagnostic>) {
    for u in unknown {
        let expected = u
            .expected
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diags.push(
            Diagnostic::error(
                "unknown-key",
                path,
                u.span,
                format!("unknown key `{}`", u.key),
            )
            .expected(format!("one of {expected}"))
            .maybe_hint(did_you_mean(&u.key, u.expected.iter().copied())),
        );
    }
}

fn de_diagnostic(path: &Path, fallback: Span, e: DeError) -> Diagnostic {
    Diagnostic {
        expected: e.expected,
        hint: e.hint,
        ..Diagnostic::error("invalid-value", path, e.span.unwrap_or(fallback), e.message)
    }
}

/// Splits `---\nfront matter\n---\nbody` and reads the front matter with positions that
/// point into the whole file.
fn read_policy(path: &Path, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Located<Policy>> {
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let missing = || {
        Diagnostic::error(
            "policy-front-matter",
            path,
            Span::new(1, 1, 0),
            "a policy file must start with YAML front matter between `---` lines",
        )
        .expected("`---`, then title, owner, approver, version, review, last_review, then `---`")
    };
    let Some(after_open) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        diags.push(missing());
        return None;
    };
    let open_len = text.len() - after_open.len();
    let close = after_open
        .match_indices("\n---")
        .map(|(i, _)| i)
        .find(|&i| {
            matches!(
                after_open[i + 4..].chars().next(),
                None | Some('\n') | Some('\r')
            )
        });
    let Some(close) = close else {
        diags.push(missing());
        return None;
    };
    let front = &after_open[..=close];
    let body_start = (close + 4).min(after_open.len());
    let body = after_open[body_start..]
        .trim_start_matches(['\r', '\n'])
        .to_string();
    let node = match yaml::parse(front) {
        Ok(Some(n)) => shift(n, 1, open_len),
        Ok(None) => {
            diags.push(missing());
            return None;
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                "yaml-syntax",
                path,
                e.span.shifted(1, open_len),
                format!("YAML syntax error in front matter: {}", e.message),
            ));
            return None;
        }
    };
    let meta: Located<PolicyMeta> = read_item(path, &node, diags)?;
    Some(Located {
        value: Policy {
            id,
            meta: meta.value,
            body,
        },
        file: meta.file,
        node: meta.node,
    })
}

fn shift(mut node: Node, lines: u32, bytes: usize) -> Node {
    node.span = node.span.shifted(lines, bytes);
    node.kind = match node.kind {
        NodeKind::Seq(items) => {
            NodeKind::Seq(items.into_iter().map(|n| shift(n, lines, bytes)).collect())
        }
        NodeKind::Map(entries) => NodeKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| (shift(k, lines, bytes), shift(v, lines, bytes)))
                .collect(),
        ),
        other => other,
    };
    node
}
