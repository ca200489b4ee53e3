//! Frameworks as data: the built-in catalogs plus any the program adds in `frameworks/`
//! (written by hand or imported from an OSCAL catalog), looked up through one registry.

use crate::criteria::{self, FrameworkDef};
use crate::load::{Located, Program};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A framework file: a catalog of criteria that controls can cite as `ID:CRITERION`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// The prefix used in references, e.g. `nist-800-53`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    /// Where the catalog came from (a publication, an OSCAL file).
    #[serde(default)]
    pub source: Option<String>,
    /// Compare criterion ids without regard to case (OSCAL ids are lowercase, labels upper).
    #[serde(default)]
    pub case_insensitive: bool,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// One criterion as the registry hands it out, whichever kind of catalog it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriterionRef<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub parent: Option<&'a str>,
}

/// A framework in the registry.
#[derive(Debug, Clone, Copy)]
pub enum Catalog<'a> {
    Builtin(&'static FrameworkDef),
    Program(&'a Framework),
}

impl<'a> Catalog<'a> {
    pub fn prefix(&self) -> &'a str {
        match self {
            Catalog::Builtin(f) => f.prefix,
            Catalog::Program(f) => &f.id,
        }
    }

    pub fn name(&self) -> &'a str {
        match self {
            Catalog::Builtin(f) => f.name,
            Catalog::Program(f) => &f.name,
        }
    }

    pub fn criteria(&self) -> Vec<CriterionRef<'a>> {
        match self {
            Catalog::Builtin(f) => f
                .criteria
                .iter()
                .map(|c| CriterionRef {
                    id: c.id,
                    title: c.title,
                    parent: c.parent,
                })
                .collect(),
            Catalog::Program(f) => f
                .criteria
                .iter()
                .map(|c| CriterionRef {
                    id: &c.id,
                    title: &c.title,
                    parent: c.parent.as_deref(),
                })
                .collect(),
        }
    }

    /// Finds a criterion by id, ignoring case for NIST catalogs whose ids come in both forms.
    pub fn criterion(&self, id: &str) -> Option<CriterionRef<'a>> {
        let fold = match self {
            Catalog::Builtin(f) => f.prefix == "nist-csf",
            Catalog::Program(f) => f.case_insensitive,
        };
        self.criteria().into_iter().find(|c| {
            if fold {
                c.id.eq_ignore_ascii_case(id)
            } else {
                c.id == id
            }
        })
    }
}

/// Every framework a program can cite: built-ins first, then the program's own.
#[derive(Debug, Clone)]
pub struct Registry<'a> {
    pub catalogs: Vec<Catalog<'a>>,
}

impl<'a> Registry<'a> {
    pub fn new(program_frameworks: &'a [Located<Framework>]) -> Self {
        let mut catalogs: Vec<Catalog> =
            criteria::FRAMEWORKS.iter().map(Catalog::Builtin).collect();
        catalogs.extend(
            program_frameworks
                .iter()
                .map(|f| Catalog::Program(&f.value)),
        );
        Registry { catalogs }
    }

    pub fn of(program: &'a Program) -> Self {
        Registry::new(&program.frameworks)
    }

    pub fn get(&self, prefix: &str) -> Option<Catalog<'a>> {
        self.catalogs.iter().copied().find(|c| c.prefix() == prefix)
    }

    /// Resolves `prefix:ID`.
    pub fn resolve(&self, reference: &str) -> Option<(Catalog<'a>, CriterionRef<'a>)> {
        let (prefix, id) = reference.split_once(':')?;
        let cat = self.get(prefix)?;
        Some((cat, cat.criterion(id)?))
    }
}
