//! An OSCAL catalog: metadata, loose parameters, controls, groups and back matter.

use crate::control::{BackMatter, Control, Group, Param};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Catalog {
    pub uuid: String,
    /// Passed through as JSON: metadata differs between OSCAL versions and we only read a
    /// few fields of it (title, version, oscal-version).
    pub metadata: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

/// Counts that describe a catalog's size, as NIST's own summaries do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Every control, nested ones included.
    pub controls: usize,
    /// Controls directly in a group or the catalog (not inside another control).
    pub base: usize,
    /// Controls nested inside another control (SP 800-53's enhancements).
    pub enhancements: usize,
    /// Parameters anywhere: loose, in groups and in controls.
    pub params: usize,
    pub groups: usize,
}

impl Counts {
    /// Adds another piece's counts (a catalog read group by group).
    pub fn add(&mut self, o: Counts) {
        self.controls += o.controls;
        self.base += o.base;
        self.enhancements += o.enhancements;
        self.params += o.params;
        self.groups += o.groups;
    }
}

/// The counts of one group, as part of a catalog.
pub fn group_counts(g: &Group) -> Counts {
    let mut n = Counts::default();
    count_group(g, &mut n);
    n
}

fn count_control(c: &Control, nested: bool, n: &mut Counts) {
    n.controls += 1;
    if nested {
        n.enhancements += 1;
    } else {
        n.base += 1;
    }
    n.params += c.params.len();
    for sub in &c.controls {
        count_control(sub, true, n);
    }
}

fn count_group(g: &Group, n: &mut Counts) {
    n.groups += 1;
    n.params += g.params.len();
    for c in &g.controls {
        count_control(c, false, n);
    }
    for sub in &g.groups {
        count_group(sub, n);
    }
}

impl Catalog {
    /// Every control in document order (groups first-to-last, depth first), with nested
    /// controls right after their parent.
    pub fn controls(&self) -> Vec<&Control> {
        let mut out = Vec::new();
        for c in &self.controls {
            c.walk(&mut out);
        }
        fn group<'a>(g: &'a Group, out: &mut Vec<&'a Control>) {
            for c in &g.controls {
                c.walk(out);
            }
            for sub in &g.groups {
                group(sub, out);
            }
        }
        for g in &self.groups {
            group(g, &mut out);
        }
        out
    }

    pub fn title(&self) -> &str {
        self.metadata
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn counts(&self) -> Counts {
        let mut n = Counts {
            params: self.params.len(),
            ..Counts::default()
        };
        for c in &self.controls {
            count_control(c, false, &mut n);
        }
        for g in &self.groups {
            count_group(g, &mut n);
        }
        n
    }
}
