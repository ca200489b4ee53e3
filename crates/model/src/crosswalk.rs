//! Crosswalks: how the criteria of one framework relate to another's, with the NIST OLIR
//! relationship types, so a control cited for one framework shows what it covers in another.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    /// The framework prefix mapped from, e.g. `soc2`.
    pub from: String,
    /// The framework prefix mapped to, e.g. `iso27001`.
    pub to: String,
    /// Who authored the mapping and where it was published.
    #[serde(default)]
    pub source: Option<String>,
    pub mappings: Vec<Mapping>,
}

/// `from` stands in `relationship` to each of `to`: "CC6.2 intersects A.5.16".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub from: String,
    pub to: Vec<String>,
    pub relationship: Relationship,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// NIST OLIR set-theory relationships between a source and a target criterion.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// The two say the same thing.
    #[serde(alias = "equivalent", alias = "equivalent-to", alias = "equal-to")]
    Equal,
    /// The source is narrower than the target.
    #[serde(alias = "subset-of")]
    Subset,
    /// The source is broader than the target.
    #[serde(alias = "superset-of")]
    Superset,
    /// They overlap, and each has something the other lacks.
    #[serde(alias = "intersects-with")]
    Intersects,
}

impl Relationship {
    /// The relationship read from the other side: A ⊂ B means B ⊃ A.
    pub fn inverse(self) -> Relationship {
        match self {
            Relationship::Subset => Relationship::Superset,
            Relationship::Superset => Relationship::Subset,
            other => other,
        }
    }

    pub fn parse_olir(s: &str) -> Option<Relationship> {
        match s.trim().to_ascii_lowercase().as_str() {
            "equal" | "equivalent" | "equivalent-to" | "equal-to" => Some(Relationship::Equal),
            "subset" | "subset-of" => Some(Relationship::Subset),
            "superset" | "superset-of" => Some(Relationship::Superset),
            "intersects" | "intersects-with" => Some(Relationship::Intersects),
            _ => None,
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Relationship::Equal => "equal",
            Relationship::Subset => "subset",
            Relationship::Superset => "superset",
            Relationship::Intersects => "intersects",
        })
    }
}

/// The SOC 2 ↔ ISO/IEC 27001:2022 crosswalk we authored for the criteria our examples use.
pub const SOC2_ISO27001: &str = include_str!("criteria/soc2_iso27001.yaml");

/// Reads NIST's OLIR crosswalk CSV (as published for CSF 2.0 → SP 800-53 rev5): columns
/// source resource, target resource, source ids, target ids (space separated),
/// relationship. The first two lines are headers. Criterion ids are kept as NIST writes them.
pub fn from_olir_csv(text: &str, from: &str, to: &str) -> Result<Crosswalk, String> {
    let mut mappings = Vec::new();
    for (n, line) in text.lines().enumerate().skip(2) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').collect();
        let col = |i: usize| cols.get(i).copied().unwrap_or("").trim();
        // NIST lists unmapped source criteria as rows with no target: a gap, not a mapping.
        if col(3).is_empty() {
            continue;
        }
        let relationship = Relationship::parse_olir(col(4))
            .ok_or_else(|| format!("line {}: `{}` is not an OLIR relationship (equal, subset-of, superset-of, intersects-with)", n + 1, col(4)))?;
        let to_ids: Vec<String> = col(3).split_whitespace().map(str::to_string).collect();
        for source in col(2).split_whitespace() {
            mappings.push(Mapping {
                from: source.to_string(),
                to: to_ids.clone(),
                relationship,
                note: None,
            });
        }
    }
    Ok(Crosswalk {
        from: from.into(),
        to: to.into(),
        source: Some("NIST OLIR crosswalk (CSV)".into()),
        mappings,
    })
}

/// The crosswalks that ship with Covenant. A parse failure here is a bug in the shipped
/// file, which the tests below catch; at run time it yields no built-in crosswalk.
pub fn builtin() -> Vec<Crosswalk> {
    let Ok(Some(node)) = crate::yaml::parse(SOC2_ISO27001) else {
        return Vec::new();
    };
    match crate::de::from_node::<Crosswalk>(&node) {
        (Ok(c), unknown) if unknown.is_empty() => vec![c],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::framework::Registry;

    #[test]
    fn the_shipped_crosswalk_parses_and_every_criterion_exists() {
        let node = crate::yaml::parse(SOC2_ISO27001).unwrap().unwrap();
        let (r, unknown) = crate::de::from_node::<Crosswalk>(&node);
        assert!(unknown.is_empty(), "{unknown:?}");
        r.unwrap();
        let all = builtin();
        assert_eq!(all.len(), 1);
        let reg = Registry::new(&[]);
        for m in &all[0].mappings {
            assert!(
                reg.resolve(&format!("soc2:{}", m.from)).is_some(),
                "{}",
                m.from
            );
            for t in &m.to {
                assert!(reg.resolve(&format!("iso27001:{t}")).is_some(), "{t}");
            }
        }
    }

    #[test]
    fn reads_nist_olir_csv() {
        let csv = "h1,h2,h3,h4,h5\nd1,d2,d3,d4,d5\ncsf.json,sp.json,de.ae-02,au-6 ca-7,superset-of,100%,\n";
        let cw = from_olir_csv(csv, "nist-csf", "nist-800-53").unwrap();
        assert_eq!(cw.mappings.len(), 1);
        assert_eq!(cw.mappings[0].to, vec!["au-6", "ca-7"]);
        assert_eq!(cw.mappings[0].relationship, Relationship::Superset);
        assert!(from_olir_csv("a\nb\nx,y,z,w,sideways\n", "a", "b").is_err());
        let gap = from_olir_csv("a\nb\ncsf.json,sp.json,de.ae-01,,,,\n", "a", "b").unwrap();
        assert!(gap.mappings.is_empty(), "a row without targets is a gap");
    }

    #[test]
    fn inverse_flips_subset_and_superset() {
        assert_eq!(Relationship::Subset.inverse(), Relationship::Superset);
        assert_eq!(Relationship::Intersects.inverse(), Relationship::Intersects);
    }
}
