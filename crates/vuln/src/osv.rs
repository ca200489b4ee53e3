//! OSV advisories: reading records, indexing them by package, and matching SBOM components against
//! their affected ranges with the component's own ecosystem rules (OSV schema 1.x, "Evaluation").

use crate::component::{Component, parse_purl};
use crate::cvss::{CvssScore, Declared};
use crate::import::{Ctx, Fail, ImportError};
use crate::json::{Path, expect_object, opt_array, opt_str, opt_strings, opt_text, req_str};
use crate::observation::{Format, Observation, Source};
use crate::version::{Ecosystem, Version};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// One OSV record, reduced to what matching and findings need.
#[derive(Debug, Clone)]
pub struct OsvRecord {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub withdrawn: bool,
    pub cvss: Vec<CvssScore>,
    pub affected: Vec<Affected>,
}

#[derive(Debug, Clone)]
pub struct Affected {
    pub ecosystem: String,
    pub name: String,
    /// RustSec marks advisories that report no vulnerability ("unmaintained", "unsound", ...).
    pub informational: Option<String>,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    pub kind: String,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

impl OsvRecord {
    pub(crate) fn from_value(
        ctx: &mut Ctx<'_>,
        v: &Value,
        p: &Path<'_>,
    ) -> Result<OsvRecord, Fail> {
        expect_object(v, p)?;
        let id = req_str(v, "id", p)?.to_owned();
        let aliases = opt_strings(v, "aliases", p)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let summary = opt_text(v, "summary", p)?.map(str::to_owned);
        let withdrawn = opt_text(v, "withdrawn", p)?.is_some();
        let mut cvss = Vec::new();
        let sp = p.key("severity");
        for (i, s) in opt_array(v, "severity", p)?.iter().enumerate() {
            let ip = sp.index(i);
            let declared = match req_str(s, "type", &ip)? {
                "CVSS_V3" => Declared::Major(3),
                "CVSS_V4" => Declared::Major(4),
                _ => continue,
            };
            let vector = req_str(s, "score", &ip)?;
            if let Some(score) = ctx.cvss(vector, declared, &ip.key("score"))? {
                cvss.push(score);
            }
        }
        let mut affected = Vec::new();
        let ap = p.key("affected");
        for (i, a) in opt_array(v, "affected", p)?.iter().enumerate() {
            let ip = ap.index(i);
            let Some(pkg) = a.get("package") else {
                continue;
            };
            let pp = ip.key("package");
            let ecosystem = req_str(pkg, "ecosystem", &pp)?.to_owned();
            let name = req_str(pkg, "name", &pp)?.to_owned();
            let informational = a
                .get("database_specific")
                .and_then(|d| d.get("informational"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut ranges = Vec::new();
            let rp = ip.key("ranges");
            for (j, r) in opt_array(a, "ranges", &ip)?.iter().enumerate() {
                let jp = rp.index(j);
                let kind = req_str(r, "type", &jp)?.to_owned();
                let mut events = Vec::new();
                let ep = jp.key("events");
                for (k, e) in opt_array(r, "events", &jp)?.iter().enumerate() {
                    let kp = ep.index(k);
                    let ev = if let Some(x) = opt_str(e, "introduced", &kp)? {
                        Event::Introduced(x.to_owned())
                    } else if let Some(x) = opt_str(e, "fixed", &kp)? {
                        Event::Fixed(x.to_owned())
                    } else if let Some(x) = opt_str(e, "last_affected", &kp)? {
                        Event::LastAffected(x.to_owned())
                    } else if let Some(x) = opt_str(e, "limit", &kp)? {
                        Event::Limit(x.to_owned())
                    } else {
                        return Err(crate::json::shape(
                            &kp,
                            "one of introduced, fixed, last_affected, limit",
                            "none",
                        )
                        .into());
                    };
                    events.push(ev);
                }
                ranges.push(Range { kind, events });
            }
            let versions = opt_strings(a, "versions", &ip)?
                .into_iter()
                .map(str::to_owned)
                .collect();
            affected.push(Affected {
                ecosystem,
                name,
                informational,
                ranges,
                versions,
            });
        }
        Ok(OsvRecord {
            id,
            aliases,
            summary,
            withdrawn,
            cvss,
            affected,
        })
    }

    /// Parses one OSV JSON file.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<OsvRecord, ImportError> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::Json {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let mut ctx = Ctx {
            file,
            warnings: Vec::new(),
        };
        OsvRecord::from_value(&mut ctx, &v, &Path::ROOT).map_err(|f| f.with_file(file))
    }

    /// Every `fixed` version the record gives for one package.
    pub fn fixed_versions(&self, eco: Ecosystem, name: &str) -> Vec<String> {
        let name = eco.normalize_name(name);
        self.affected
            .iter()
            .filter(|a| {
                Ecosystem::from_osv(&a.ecosystem) == Some(eco)
                    && eco.normalize_name(&a.name) == name
            })
            .flat_map(|a| a.ranges.iter())
            .flat_map(|r| r.events.iter())
            .filter_map(|e| match e {
                Event::Fixed(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Whether `v` falls in an affected entry (OSV's evaluation: explicit `versions`, then every
/// SEMVER/ECOSYSTEM range with events sorted by version). GIT ranges name commits, which an SBOM
/// does not have, so they are not evaluated.
pub fn is_affected(
    eco: Ecosystem,
    affected: &Affected,
    raw: &str,
    v: &Version,
) -> Result<bool, String> {
    Prepared::new(eco, affected).contains(raw, v)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
}

/// A range's events sorted by version; `None` is the "0" introduced event.
type SortedEvents = Vec<(Option<Version>, Kind)>;

/// Index entries for one package: (record, affected entry, its prepared ranges).
type Hits = Vec<(usize, usize, Prepared)>;

/// An affected entry with its versions parsed once, when the database is loaded.
#[derive(Debug, Clone)]
struct Prepared {
    /// Every `fixed` version of the entry, for the finding's remediation hint.
    fixed: std::collections::BTreeSet<String>,
    versions: Vec<(String, Option<Version>)>,
    /// Per range: events sorted by version (`None` is the "0" introduced event), or why a range
    /// could not be parsed; reported when a component is checked against it.
    ranges: Vec<Result<SortedEvents, String>>,
}

impl Prepared {
    fn new(eco: Ecosystem, affected: &Affected) -> Prepared {
        let versions = affected
            .versions
            .iter()
            .map(|v| (v.clone(), eco.parse(v).ok()))
            .collect();
        let mut ranges = Vec::new();
        for range in &affected.ranges {
            if range.kind != "SEMVER" && range.kind != "ECOSYSTEM" {
                continue;
            }
            let mut events: Vec<(Option<Version>, Kind)> = Vec::with_capacity(range.events.len());
            let mut failed = None;
            for e in &range.events {
                let kind = match e {
                    Event::Introduced(_) => Kind::Introduced,
                    Event::Fixed(_) => Kind::Fixed,
                    Event::LastAffected(_) => Kind::LastAffected,
                    Event::Limit(_) => continue,
                };
                if matches!(e, Event::Introduced(x) if x == "0") {
                    events.push((None, kind));
                    continue;
                }
                match eco.parse(e.version()) {
                    Ok(v) => events.push((Some(v), kind)),
                    Err(err) => {
                        failed = Some(format!("range event: {err}"));
                        break;
                    }
                }
            }
            if let Some(f) = failed {
                ranges.push(Err(f));
                continue;
            }
            // "0" sorts first; otherwise by version, stable so same-version events keep document order.
            events.sort_by(|a, b| match (&a.0, &b.0) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => x.compare(y).unwrap_or(Ordering::Equal),
            });
            ranges.push(Ok(events));
        }
        let fixed = affected
            .ranges
            .iter()
            .flat_map(|r| r.events.iter())
            .filter_map(|e| match e {
                Event::Fixed(v) => Some(v.clone()),
                _ => None,
            })
            .collect();
        Prepared {
            fixed,
            versions,
            ranges,
        }
    }

    fn contains(&self, raw: &str, v: &Version) -> Result<bool, String> {
        for (listed, parsed) in &self.versions {
            if listed == raw || parsed.as_ref().and_then(|p| p.compare(v)) == Some(Ordering::Equal)
            {
                return Ok(true);
            }
        }
        for range in &self.ranges {
            let events = range.as_ref().map_err(Clone::clone)?;
            let mut vulnerable = false;
            for (ev_v, kind) in events {
                let cmp = ev_v
                    .as_ref()
                    .map(|x| v.compare(x).unwrap_or(Ordering::Less));
                match kind {
                    Kind::Introduced => {
                        if cmp.is_none_or(|c| c != Ordering::Less) {
                            vulnerable = true;
                        }
                    }
                    Kind::Fixed => {
                        if cmp.is_some_and(|c| c != Ordering::Less) {
                            vulnerable = false;
                        }
                    }
                    Kind::LastAffected => {
                        if cmp == Some(Ordering::Greater) {
                            vulnerable = false;
                        }
                    }
                }
            }
            if vulnerable {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Builds a purl for an OSV package, so OSV-Scanner results dedupe with purl-bearing reports.
pub fn purl_for(osv_ecosystem: &str, name: &str, version: Option<&str>) -> Option<String> {
    let eco = Ecosystem::from_osv(osv_ecosystem)?;
    let (ns, short) = match eco {
        Ecosystem::Maven => name
            .split_once(':')
            .map_or((None, name), |(g, a)| (Some(g), a)),
        Ecosystem::Npm | Ecosystem::Golang => name
            .rsplit_once('/')
            .map_or((None, name), |(n, s)| (Some(n), s)),
        _ => (None, name),
    };
    let mut p = packageurl::PackageUrl::new(eco.purl_type(), short).ok()?;
    if let Some(ns) = ns {
        p.with_namespace(ns).ok()?;
    }
    if let Some(v) = version {
        p.with_version(v).ok()?;
    }
    Some(p.to_string())
}

/// Options for [`AdvisoryDb::match_components`].
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Also report informational advisories (RustSec "unmaintained", "unsound", "notice").
    pub include_informational: bool,
}

/// A component the matcher could not check, and why. Never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub component: Component,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct MatchReport {
    pub observations: Vec<Observation>,
    pub skipped: Vec<Skipped>,
    /// Components checked against the index (supported ecosystem, parseable version).
    pub checked: usize,
    pub informational_ignored: usize,
}

/// An in-memory index of OSV records by (ecosystem, package name).
#[derive(Debug, Default)]
pub struct AdvisoryDb {
    records: Vec<OsvRecord>,
    index: HashMap<Ecosystem, HashMap<String, Hits>>,
    /// Records that did not load, with the reason; the caller reports them.
    pub errors: Vec<ImportError>,
    pub withdrawn: usize,
}

impl AdvisoryDb {
    /// Loads records from `(file name, bytes)` pairs. A bad record is kept in `errors` and the
    /// rest still load, so one broken advisory cannot blind the whole scan.
    pub fn load<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> AdvisoryDb {
        let mut db = AdvisoryDb::default();
        for (file, bytes) in files {
            match OsvRecord::parse(file, bytes) {
                Ok(r) => db.insert(r),
                Err(e) => db.errors.push(e),
            }
        }
        db
    }

    pub fn insert(&mut self, record: OsvRecord) {
        if record.withdrawn {
            self.withdrawn += 1;
            return;
        }
        let idx = self.records.len();
        for (ai, a) in record.affected.iter().enumerate() {
            if let Some(eco) = Ecosystem::from_osv(&a.ecosystem) {
                self.index
                    .entry(eco)
                    .or_default()
                    .entry(eco.normalize_name(&a.name))
                    .or_default()
                    .push((idx, ai, Prepared::new(eco, a)));
            }
        }
        self.records.push(record);
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Matches components; `file` names the SBOM in each observation's source.
    pub fn match_components(
        &self,
        components: &[Component],
        opts: &MatchOptions,
        file: &str,
    ) -> MatchReport {
        let mut report = MatchReport::default();
        let mut seen: HashSet<(&str, Option<&str>)> = HashSet::with_capacity(components.len());
        for comp in components {
            let key = (
                comp.purl.as_deref().unwrap_or(&comp.name),
                comp.version.as_deref(),
            );
            if !seen.insert(key) {
                continue;
            }
            let skip = |reason: String| Skipped {
                component: comp.clone(),
                reason,
            };
            let Some(purl) = &comp.purl else {
                report.skipped.push(skip("no package URL".to_owned()));
                continue;
            };
            let parts = match parse_purl(purl) {
                Ok(p) => p,
                Err(e) => {
                    report
                        .skipped
                        .push(skip(format!("invalid package URL: {e}")));
                    continue;
                }
            };
            // Path and git dependencies share names with registry packages but not their code.
            if let Some((k, v)) = parts
                .qualifiers
                .iter()
                .find(|(k, v)| (k == "download_url" && v.starts_with("file:")) || k == "vcs_url")
            {
                report
                    .skipped
                    .push(skip(format!("not a registry package ({k}={v})")));
                continue;
            }
            let Some(eco) = Ecosystem::from_purl_type(&parts.purl_type) else {
                report
                    .skipped
                    .push(skip(format!("unsupported ecosystem {:?}", parts.purl_type)));
                continue;
            };
            let Some(raw) = comp.version.as_deref().or(parts.version.as_deref()) else {
                report.skipped.push(skip("no version".to_owned()));
                continue;
            };
            let version = match eco.parse(raw) {
                Ok(v) => v,
                Err(e) => {
                    report.skipped.push(skip(e.to_string()));
                    continue;
                }
            };
            report.checked += 1;
            let Some(hits) = self
                .index
                .get(&eco)
                .and_then(|m| m.get(parts.name.as_str()))
            else {
                continue;
            };
            for (ri, ai, prepared) in hits {
                let (ri, ai) = (*ri, *ai);
                let (Some(rec), Some(aff)) = (
                    self.records.get(ri),
                    self.records.get(ri).and_then(|r| r.affected.get(ai)),
                ) else {
                    continue;
                };
                match prepared.contains(raw, &version) {
                    Ok(false) => {}
                    Ok(true) if aff.informational.is_some() && !opts.include_informational => {
                        report.informational_ignored += 1;
                    }
                    Ok(true) => {
                        let mut o = Observation::new(
                            rec.id.clone(),
                            Component {
                                version: Some(raw.to_owned()),
                                ..comp.clone()
                            },
                            Source {
                                tool: "covenant".to_owned(),
                                format: Format::OsvMatch,
                                file: file.to_owned(),
                                rule: None,
                            },
                        );
                        o.aliases = rec
                            .aliases
                            .iter()
                            .filter(|a| **a != rec.id)
                            .cloned()
                            .collect();
                        o.cvss = rec.cvss.clone();
                        o.title = rec.summary.clone();
                        o.fixed_versions = prepared.fixed.clone();
                        report.observations.push(o);
                    }
                    Err(e) => report
                        .skipped
                        .push(skip(format!("advisory {}: {e}", rec.id))),
                }
            }
        }
        report.skipped.sort();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affected(kind: &str, events: &[(&str, &str)], versions: &[&str]) -> Affected {
        Affected {
            ecosystem: "crates.io".into(),
            name: "x".into(),
            informational: None,
            ranges: vec![Range {
                kind: kind.into(),
                events: events
                    .iter()
                    .map(|(k, v)| match *k {
                        "introduced" => Event::Introduced((*v).into()),
                        "fixed" => Event::Fixed((*v).into()),
                        "last_affected" => Event::LastAffected((*v).into()),
                        _ => Event::Limit((*v).into()),
                    })
                    .collect(),
            }],
            versions: versions.iter().map(|v| (*v).into()).collect(),
        }
    }

    fn hit(eco: Ecosystem, a: &Affected, v: &str) -> bool {
        let parsed = eco.parse(v).expect("version");
        is_affected(eco, a, v, &parsed).expect("evaluates")
    }

    #[test]
    fn introduced_fixed_pairs_in_any_order() {
        // Events out of order in the document: evaluation sorts them first.
        let a = affected(
            "SEMVER",
            &[
                ("fixed", "1.6.1"),
                ("introduced", "1.0.0"),
                ("fixed", "0.6.14"),
                ("introduced", "0.6.3"),
            ],
            &[],
        );
        for (v, want) in [
            ("0.6.2", false),
            ("0.6.3", true),
            ("0.6.13", true),
            ("0.6.14", false),
            ("0.9.0", false),
            ("1.0.0", true),
            ("1.6.0", true),
            ("1.6.1", false),
            ("2.0.0", false),
        ] {
            assert_eq!(hit(Ecosystem::Cargo, &a, v), want, "{v}");
        }
    }

    #[test]
    fn last_affected_is_inclusive_and_zero_means_everything_before() {
        let a = affected(
            "ECOSYSTEM",
            &[("introduced", "0"), ("last_affected", "2.3")],
            &[],
        );
        assert!(hit(Ecosystem::Pypi, &a, "0.1"));
        assert!(hit(Ecosystem::Pypi, &a, "2.3"));
        assert!(hit(Ecosystem::Pypi, &a, "2.3.0"));
        assert!(!hit(Ecosystem::Pypi, &a, "2.3.post1"));
        assert!(!hit(Ecosystem::Pypi, &a, "2.4"));
    }

    #[test]
    fn explicit_versions_and_git_ranges() {
        let a = affected("GIT", &[("introduced", "abc123")], &["1.2.3"]);
        assert!(hit(Ecosystem::Cargo, &a, "1.2.3"));
        assert!(
            !hit(Ecosystem::Cargo, &a, "1.2.4"),
            "GIT ranges are not evaluated against versions"
        );
    }

    #[test]
    fn prerelease_inside_range() {
        let a = affected(
            "SEMVER",
            &[("introduced", "0.0.0-0"), ("fixed", "1.0.0-alpha.1")],
            &[],
        );
        assert!(hit(Ecosystem::Cargo, &a, "0.3.0"));
        assert!(hit(Ecosystem::Cargo, &a, "1.0.0-alpha"));
        assert!(!hit(Ecosystem::Cargo, &a, "1.0.0-alpha.1"));
        assert!(!hit(Ecosystem::Cargo, &a, "1.0.0"));
    }

    #[test]
    fn unparseable_range_is_an_error_not_a_miss() {
        let a = affected(
            "ECOSYSTEM",
            &[("introduced", "0"), ("fixed", "not a version")],
            &[],
        );
        let v = Ecosystem::Cargo.parse("1.0.0").expect("version");
        assert!(is_affected(Ecosystem::Cargo, &a, "1.0.0", &v).is_err());
    }
}
