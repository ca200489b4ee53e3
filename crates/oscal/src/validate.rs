//! Structural checks beyond what JSON Schema can say: identifiers unique within a catalog,
//! UUIDs well formed, parameters that inserts refer to actually declared.

use crate::catalog::Catalog;
use crate::control::{Control, Group, Param, Part};
use crate::resolve::inserted_params;
use std::collections::HashSet;

/// A problem found in a document, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// OSCAL's token: a letter or `_`, then letters, digits, `.`, `-` or `_`.
pub fn is_token(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

struct Check {
    ids: HashSet<String>,
    params: HashSet<String>,
    inserts: Vec<(String, String)>,
    problems: Vec<Problem>,
}

impl Check {
    fn id(&mut self, path: &str, id: &str) {
        if !is_token(id) {
            self.problems.push(Problem {
                path: path.to_string(),
                message: format!("`{id}` is not an OSCAL token"),
            });
        }
        if !self.ids.insert(id.to_string()) {
            self.problems.push(Problem {
                path: path.to_string(),
                message: format!("id `{id}` is used more than once"),
            });
        }
    }
    fn text(&mut self, path: &str, s: &str) {
        let mut found = HashSet::new();
        inserted_params(s, &mut found);
        for id in found {
            self.inserts.push((path.to_string(), id));
        }
    }
    fn param(&mut self, path: &str, p: &Param) {
        let path = format!("{path}/param[{}]", p.id);
        self.id(&path, &p.id);
        self.params.insert(p.id.clone());
    }
    fn part(&mut self, path: &str, p: &Part) {
        let path = format!("{path}/part[{}]", p.id.as_deref().unwrap_or(&p.name));
        if let Some(id) = &p.id {
            self.id(&path, id);
        }
        if let Some(prose) = &p.prose {
            self.text(&path, prose);
        }
        for sub in &p.parts {
            self.part(&path, sub);
        }
    }
    fn control(&mut self, path: &str, c: &Control) {
        let path = format!("{path}/control[{}]", c.id);
        self.id(&path, &c.id);
        if c.title.trim().is_empty() {
            self.problems.push(Problem {
                path: path.clone(),
                message: "empty title".into(),
            });
        }
        for p in &c.params {
            self.param(&path, p);
        }
        for p in &c.parts {
            self.part(&path, p);
        }
        for k in &c.controls {
            self.control(&path, k);
        }
    }
    fn group(&mut self, path: &str, g: &Group) {
        let path = format!("{path}/group[{}]", g.id.as_deref().unwrap_or(&g.title));
        if let Some(id) = &g.id {
            self.id(&path, id);
        }
        for p in &g.params {
            self.param(&path, p);
        }
        for p in &g.parts {
            self.part(&path, p);
        }
        for c in &g.controls {
            self.control(&path, c);
        }
        for s in &g.groups {
            self.group(&path, s);
        }
    }
}

/// Structural checks fed piece by piece (the catalog without its groups, then each group),
/// so a large catalog can be checked while it streams by.
pub struct Checker(Check);

impl Default for Checker {
    fn default() -> Self {
        Checker(Check {
            ids: HashSet::new(),
            params: HashSet::new(),
            inserts: Vec::new(),
            problems: Vec::new(),
        })
    }
}

impl Checker {
    /// The catalog's own fields, loose parameters and top-level controls (and its groups,
    /// if it still has them).
    pub fn catalog(&mut self, c: &Catalog) {
        let k = &mut self.0;
        if !crate::uuid::is_uuid(&c.uuid) {
            k.problems.push(Problem {
                path: "/catalog/uuid".into(),
                message: format!("`{}` is not a UUID", c.uuid),
            });
        }
        for key in ["title", "last-modified", "version", "oscal-version"] {
            if c.metadata.get(key).and_then(|v| v.as_str()).is_none() {
                k.problems.push(Problem {
                    path: "/catalog/metadata".into(),
                    message: format!("missing `{key}`"),
                });
            }
        }
        for p in &c.params {
            k.param("/catalog", p);
        }
        for ctl in &c.controls {
            k.control("/catalog", ctl);
        }
        for g in &c.groups {
            k.group("/catalog", g);
        }
    }

    /// One group of the catalog.
    pub fn group(&mut self, g: &Group) {
        self.0.group("/catalog", g);
    }

    /// The problems found; inserts are checked here, once every parameter has been seen.
    pub fn finish(self) -> Vec<Problem> {
        let mut k = self.0;
        let inserts = std::mem::take(&mut k.inserts);
        for (path, id) in inserts {
            if !k.params.contains(&id) {
                k.problems.push(Problem {
                    path,
                    message: format!("inserts parameter `{id}`, which is not declared"),
                });
            }
        }
        k.problems
    }
}

/// Checks a catalog; an empty list means it passed.
pub fn catalog(c: &Catalog) -> Vec<Problem> {
    let mut k = Checker::default();
    k.catalog(c);
    k.finish()
}
