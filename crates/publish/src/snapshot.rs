//! What customers are told changed: a snapshot of commitments and ownership written next
//! to the published documents, and the difference between two snapshots.

use crate::view::View;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The public promises of one published version, compared by `--since`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    pub version: String,
    pub updated: String,
    /// model id → control id → (title, owner)
    pub ownership: BTreeMap<String, BTreeMap<String, (String, String)>>,
    /// commitment id → (title, terms)
    pub commitments: BTreeMap<String, (String, Vec<String>)>,
}

/// The file name of the snapshot inside a published directory.
pub const FILE: &str = "covenant-snapshot.json";

impl Snapshot {
    pub fn of(view: &View) -> Snapshot {
        let mut ownership: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
        for a in &view.areas {
            for c in &a.controls {
                for (model, p) in &c.owners {
                    ownership
                        .entry(model.clone())
                        .or_default()
                        .insert(c.id.clone(), (c.title.clone(), p.owner.to_string()));
                }
            }
        }
        Snapshot {
            version: view.version.clone(),
            updated: view.updated.clone(),
            ownership,
            commitments: view
                .commitments
                .iter()
                .map(|c| (c.id.clone(), (c.title.clone(), c.terms.clone())))
                .collect(),
        }
    }

    /// Lines describing what changed from `old` to `self`, in a stable order.
    pub fn changes_since(&self, old: &Snapshot) -> Vec<String> {
        let mut out = Vec::new();
        for (id, (title, terms)) in &self.commitments {
            match old.commitments.get(id) {
                None => out.push(format!("New commitment: {title}.")),
                Some((_, before)) if before != terms => {
                    for t in terms.iter().filter(|t| !before.contains(t)) {
                        out.push(format!("{title}: now {t}."));
                    }
                    for t in before.iter().filter(|t| !terms.contains(t)) {
                        out.push(format!("{title}: no longer {t}."));
                    }
                }
                _ => {}
            }
        }
        for (id, (title, _)) in &old.commitments {
            if !self.commitments.contains_key(id) {
                out.push(format!("Commitment withdrawn: {title}."));
            }
        }
        for (model, rows) in &self.ownership {
            let before = old.ownership.get(model);
            if before.is_none() {
                out.push(format!("New deployment model: {model}."));
                continue;
            }
            for (id, (title, owner)) in rows {
                match before.and_then(|b| b.get(id)) {
                    None => out.push(format!("{title} ({model}): added, owned by the {owner}.")),
                    Some((_, o)) if o != owner => out.push(format!(
                        "{title} ({model}): owner changed from {o} to {owner}."
                    )),
                    _ => {}
                }
            }
            for (id, (title, _)) in before.into_iter().flatten() {
                if !rows.contains_key(id) {
                    out.push(format!("{title} ({model}): removed."));
                }
            }
        }
        out
    }
}
