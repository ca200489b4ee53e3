//! The merge rule: observations are the same finding when they name the same component (case-folded
//! name, exact version) and share at least one vulnerability id, directly or through a chain of
//! aliases. Rule ids, tool names and file paths play no part, since every scanner spells those
//! differently.

use crate::component::Component;
use crate::cvss::CvssScore;
use crate::finding::component_key;
use crate::observation::{Observation, Source, VexAssertion, id_rank};
use covenant_model::Severity;
use std::collections::{BTreeMap, BTreeSet};

/// Observations merged into one would-be finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub ids: BTreeSet<String>,
    pub component: Component,
    pub cvss: Vec<CvssScore>,
    pub reported_severity: Option<Severity>,
    pub fixed_versions: BTreeSet<String>,
    pub title: Option<String>,
    pub sources: BTreeSet<Source>,
    /// The last VEX assertion among the merged observations, with its source.
    pub vex: Option<(VexAssertion, Source)>,
}

impl Merged {
    fn from_observation(o: Observation) -> Merged {
        let mut ids = o.aliases;
        ids.insert(o.vulnerability);
        let vex = o.vex.map(|v| (v, o.source.clone()));
        Merged {
            ids,
            component: o.component,
            cvss: o.cvss,
            reported_severity: o.reported_severity,
            fixed_versions: o.fixed_versions,
            title: o.title,
            sources: std::iter::once(o.source).collect(),
            vex,
        }
    }

    fn absorb(&mut self, other: Merged) {
        self.ids.extend(other.ids);
        for s in other.cvss {
            if !self.cvss.contains(&s) {
                self.cvss.push(s);
            }
        }
        self.reported_severity = match (self.reported_severity, other.reported_severity) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.fixed_versions.extend(other.fixed_versions);
        if self.title.is_none() {
            self.title = other.title;
        }
        // A purl from any source beats a bare name.
        if self.component.purl.is_none() {
            self.component.purl = other.component.purl;
        }
        self.sources.extend(other.sources);
        if other.vex.is_some() {
            self.vex = other.vex;
        }
    }

    /// The best-ranked id: CVE, then GHSA, then database ids, then vendor ids.
    pub fn primary_id(&self) -> &str {
        self.ids
            .iter()
            .map(String::as_str)
            .min_by_key(|i| id_rank(i))
            .unwrap_or_default()
    }
}

/// Merges a batch of observations. Output order is sorted by component then primary id, so the same
/// input always gives the same output.
pub fn merge(observations: &[Observation]) -> Vec<Merged> {
    merge_owned(observations.to_vec())
}

/// [`merge`] without copying the observations.
pub fn merge_owned(observations: Vec<Observation>) -> Vec<Merged> {
    let mut groups: BTreeMap<(String, Option<String>), Vec<Merged>> = BTreeMap::new();
    for o in observations {
        let bucket = groups.entry(component_key(&o.component)).or_default();
        let new = Merged::from_observation(o);
        // Everything sharing an id with the newcomer joins it, which also fuses groups the newcomer
        // links (GHSA in one report, CVE in another, both in a third). Older entries are absorbed
        // first so the newest VEX assertion wins.
        let mut acc: Option<Merged> = None;
        let mut i = 0;
        while i < bucket.len() {
            if bucket[i].ids.iter().any(|id| new.ids.contains(id)) {
                let other = bucket.remove(i);
                match &mut acc {
                    Some(a) => a.absorb(other),
                    None => acc = Some(other),
                }
            } else {
                i += 1;
            }
        }
        let merged = match acc {
            Some(mut a) => {
                a.absorb(new);
                a
            }
            None => new,
        };
        bucket.push(merged);
    }
    let mut out: Vec<Merged> = groups.into_values().flatten().collect();
    for m in &mut out {
        m.cvss.sort_by(|a, b| a.vector.cmp(&b.vector));
    }
    out.sort_by(|a, b| {
        (component_key(&a.component), a.primary_id())
            .cmp(&(component_key(&b.component), b.primary_id()))
    });
    out
}
