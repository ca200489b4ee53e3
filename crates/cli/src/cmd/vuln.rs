//! `covenant vuln ...`: ingest SBOMs, scanner reports and VEX documents into finding events in the
//! ledger, list and triage findings, and export CSAF / OpenVEX / CycloneDX VEX.
//!
//! State is the fold of the `finding.*` entries in the ledger; every change is appended there.

use crate::cmd::ledger::DataArgs;
use crate::exit;
use anyhow::{Context, bail};
use covenant_ledger::Ledger;
use covenant_vuln::event::TriageError;
use covenant_vuln::{
    AdvisoryDb, ExportMeta, FindingEvent, FindingSet, Import, IngestOptions, MatchOptions,
    Observation, Severity, Status, TriageRequest, export, fold, import, plan_ingest_owned, triage,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    // `--data`, `--program` and `--json`. For `ingest`, `--program` is also the program whose
    // remediation SLA applies: each new finding records the terms in force, so later edits of
    // the commitment never move its deadlines.
    #[command(flatten)]
    common: DataArgs,
    /// Timestamp to record instead of the clock (RFC 3339, UTC), for reproducible runs.
    #[arg(long, global = true)]
    at: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Read SBOMs, scanner reports and VEX documents (format detected from content) and record
    /// new, re-seen and re-triaged findings in the ledger.
    Ingest {
        /// Directory of OSV advisory JSON files to match SBOM components against.
        #[arg(long)]
        advisories: Option<PathBuf>,
        /// Severity for findings no source scores; such findings are flagged as defaulted.
        #[arg(long, default_value = "medium")]
        default_severity: Severity,
        /// Also report informational advisories (unmaintained, unsound, notices).
        #[arg(long)]
        include_informational: bool,
        /// Show what would be recorded without writing to the ledger.
        #[arg(long)]
        dry_run: bool,
        /// Files to read.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List findings.
    List {
        /// Only findings in this status (open, triaged, fixed, risk_accepted, not_affected).
        #[arg(long)]
        status: Option<String>,
        /// Only findings of this severity.
        #[arg(long)]
        severity: Option<Severity>,
    },
    /// Show one finding with all its sources.
    Show { id: String },
    /// Change a finding's status.
    Triage {
        id: String,
        #[arg(long)]
        status: String,
        /// OpenVEX justification, required for not_affected.
        #[arg(long)]
        justification: Option<String>,
        /// Free text: impact statement, fix note.
        #[arg(long)]
        note: Option<String>,
        /// Why the risk is accepted (risk_accepted).
        #[arg(long)]
        reason: Option<String>,
        /// Who accepted the risk (risk_accepted).
        #[arg(long)]
        approver: Option<String>,
        /// Date the risk acceptance lapses (risk_accepted), YYYY-MM-DD.
        #[arg(long)]
        until: Option<String>,
        /// Who makes the decision (defaults to $USER).
        #[arg(long, env = "USER", default_value = "unknown")]
        by: String,
    },
    /// Write the findings as CSAF 2.0, OpenVEX 0.2.0 or CycloneDX 1.6 VEX.
    Export {
        #[arg(long, value_parser = ["csaf", "openvex", "cyclonedx-vex"])]
        format: String,
        #[arg(long)]
        product: String,
        #[arg(long)]
        product_version: Option<String>,
        #[arg(long)]
        product_purl: Option<String>,
        #[arg(long)]
        publisher: String,
        /// Publisher namespace URL, e.g. https://example.com.
        #[arg(long)]
        namespace: String,
        /// Document id (CSAF tracking id).
        #[arg(long)]
        id: String,
        #[arg(long, default_value_t = 1)]
        version: u32,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Email the advisory for each confirmed finding whose notice is due to every customer
    /// security contact, and record `notice.sent` (exit 1 when a send failed).
    Notify(crate::cmd::notify::Args),
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let at = match crate::clock::now(args.at.as_deref()) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(e) => {
            eprintln!("error: --at: {e:#}");
            return Ok(exit::USAGE);
        }
    };
    let json = args.common.json;
    let program = args.common.program.clone();
    let data = match &args.cmd {
        // `notify PROGRAM` names its program; every other subcommand takes `--program`.
        Cmd::Notify(n) => args.common.data_for(Some(n.program())),
        _ => args.common.data(),
    };
    match args.cmd {
        Cmd::Ingest {
            advisories,
            default_severity,
            include_informational,
            dry_run,
            files,
        } => ingest(
            &data,
            json,
            &at,
            advisories.as_deref(),
            default_severity,
            include_informational,
            dry_run,
            program.as_deref(),
            &files,
        ),
        Cmd::List { status, severity } => list(&data, json, status.as_deref(), severity),
        Cmd::Show { id } => show(&data, json, &id),
        Cmd::Triage {
            id,
            status,
            justification,
            note,
            reason,
            approver,
            until,
            by,
        } => {
            let req = TriageRequest {
                status,
                justification,
                note,
                reason,
                approver,
                until,
            };
            triage_cmd(&data, json, &at, &id, &req, &by)
        }
        Cmd::Export {
            format,
            product,
            product_version,
            product_purl,
            publisher,
            namespace,
            id,
            version,
            output,
        } => {
            let meta = ExportMeta {
                product_name: product,
                product_version,
                product_purl,
                publisher,
                namespace,
                document_id: id,
                timestamp: at,
                initial_release: None,
                version,
            };
            export_cmd(&data, &format, &meta, output.as_deref())
        }
        Cmd::Notify(n) => crate::cmd::notify::run(n, &data, json, args.at.as_deref()),
    }
}

fn open_ledger(data: &Path, create: bool) -> anyhow::Result<Option<Ledger>> {
    let exists = covenant_ledger::Layout::new(data).origin().exists();
    if !exists && !create {
        return Ok(None);
    }
    let l = Ledger::open_or_init(data, crate::cmd::ledger::DEFAULT_ORIGIN)
        .with_context(|| format!("opening the ledger in {}", data.display()))?;
    Ok(Some(l))
}

/// Every finding event in the ledger, in order.
fn events(ledger: Option<&Ledger>) -> anyhow::Result<Vec<FindingEvent>> {
    let Some(l) = ledger else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (seq, v) in l.values()? {
        if let Some(e) =
            FindingEvent::from_json(&v).with_context(|| format!("ledger entry {seq}"))?
        {
            out.push(e);
        }
    }
    Ok(out)
}

fn state(data: &Path) -> anyhow::Result<FindingSet> {
    let l = open_ledger(data, false)?;
    let evs = events(l.as_ref())?;
    Ok(fold(&evs)?)
}

/// Reads every `*.json` file under `dir` (the layout of an OSV export or `osv` branch checkout).
fn load_advisories(dir: &Path) -> anyhow::Result<AdvisoryDb> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                files.push((path.display().to_string(), bytes));
            }
        }
    }
    files.sort();
    Ok(AdvisoryDb::load(
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
    ))
}

#[allow(clippy::too_many_arguments)]
fn ingest(
    data: &Path,
    as_json: bool,
    at: &str,
    advisories: Option<&Path>,
    default_severity: Severity,
    include_informational: bool,
    dry_run: bool,
    program: Option<&Path>,
    files: &[PathBuf],
) -> anyhow::Result<u8> {
    let program = match program.map(crate::state::load_program).transpose() {
        Ok(p) => p.map(|(_, p, _)| p),
        Err(rendered) => {
            eprint!("{rendered}");
            return Ok(exit::USAGE);
        }
    };
    let db = match advisories {
        Some(dir) => {
            let db = load_advisories(dir)?;
            for e in &db.errors {
                eprintln!("warning: advisory not loaded: {e}");
            }
            Some(db)
        }
        None => None,
    };
    let mut observations: Vec<Observation> = Vec::new();
    let mut per_file = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return Ok(exit::USAGE);
            }
        };
        let imp: Import = match import(&name, &bytes) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::USAGE);
            }
        };
        for w in &imp.warnings {
            eprintln!("warning: {w}");
        }
        let mut matched = 0;
        let mut skipped = Vec::new();
        if db.is_none() && !imp.components.is_empty() {
            eprintln!(
                "note: {name}: {} components not matched against advisories (pass --advisories DIR)",
                imp.components.len()
            );
        }
        if let Some(db) = &db
            && !imp.components.is_empty()
        {
            let opts = MatchOptions {
                include_informational,
            };
            let report = db.match_components(&imp.components, &opts, &name);
            matched = report.observations.len();
            for s in &report.skipped {
                let v = s.component.version.as_deref().unwrap_or("?");
                eprintln!(
                    "note: {name}: not matched: {}@{v}: {}",
                    s.component.name, s.reason
                );
            }
            skipped = report.skipped;
            observations.extend(report.observations);
        }
        per_file.push(json!({
            "file": name,
            "format": imp.format.as_str(),
            "format_version": imp.format_version,
            "tool": imp.tool,
            "components": imp.components.len(),
            "observations": imp.observations.len(),
            "matched": matched,
            "not_matched": skipped.len(),
            "warnings": imp.warnings.len(),
        }));
        observations.extend(imp.observations);
    }
    let mut ledger = open_ledger(data, !dry_run)?;
    let current = fold(&events(ledger.as_ref())?)?;
    let opts = IngestOptions {
        at: at.to_owned(),
        default_severity,
    };
    let observed = observations.len();
    let planned = plan_ingest_owned(&current, observations, &opts);
    let count = |t: &str| planned.iter().filter(|e| e.to_json()["type"] == t).count();
    let summary = json!({
        "files": per_file,
        "observations": observed,
        "opened": count("finding.opened"),
        "seen": count("finding.seen"),
        "triaged": count("finding.triaged"),
        "dry_run": dry_run,
    });
    if !dry_run
        && !planned.is_empty()
        && let Some(l) = ledger.as_mut()
    {
        let mut values: Vec<Value> = planned.iter().map(FindingEvent::to_json).collect();
        if let Some(p) = &program {
            covenant_vuln::sla::record_terms(p, &current, &planned, &mut values);
        }
        l.append(&values)
            .context("appending finding events to the ledger")?;
    }
    if as_json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        for f in &per_file {
            println!(
                "{}: {} {} ({}): {} observations, {} matched from advisories",
                f["file"].as_str().unwrap_or_default(),
                f["format"].as_str().unwrap_or_default(),
                f["format_version"].as_str().unwrap_or_default(),
                f["tool"].as_str().unwrap_or_default(),
                f["observations"],
                f["matched"]
            );
        }
        println!(
            "{} observations -> {} new findings, {} seen again, {} status changes{}",
            observed,
            summary["opened"],
            summary["seen"],
            summary["triaged"],
            if dry_run {
                " (dry run: nothing recorded)"
            } else {
                ""
            }
        );
    }
    Ok(exit::OK)
}

fn finding_json(f: &covenant_vuln::Finding) -> Value {
    let r = f.rating();
    json!({
        "id": f.id,
        "vulnerability": f.vulnerability(),
        "aliases": f.aliases,
        "component": f.component,
        "severity": r.severity,
        "score": r.score,
        "severity_basis": r.basis,
        "severity_defaulted": r.defaulted(),
        "first_detected": f.first_detected,
        "last_seen": f.last_seen,
        "status": f.status,
        "status_since": f.status_since,
        "responded_at": f.responded_at,
        "fixed_at": f.fixed_at,
        "tools": f.tools(),
        "sources": f.sources,
        "fixed_versions": f.fixed_versions,
        "title": f.title,
    })
}

fn list(
    data: &Path,
    as_json: bool,
    status: Option<&str>,
    severity: Option<Severity>,
) -> anyhow::Result<u8> {
    if let Some(s) = status
        && !Status::NAMES.contains(&s)
    {
        eprintln!(
            "error: unknown status {s:?} (expected one of {})",
            Status::NAMES.join(", ")
        );
        return Ok(exit::USAGE);
    }
    let set = state(data)?;
    let selected: Vec<_> = set
        .iter()
        .filter(|f| status.is_none_or(|s| f.status.as_str() == s))
        .filter(|f| severity.is_none_or(|s| f.rating().severity == s))
        .collect();
    if as_json {
        let list: Vec<Value> = selected.iter().map(|f| finding_json(f)).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(exit::OK);
    }
    for f in &selected {
        let r = f.rating();
        let score = r.score.map_or("-".to_owned(), |s| format!("{s:.1}"));
        // A trailing `*` marks a severity that is the configured default (no source scored it).
        let severity = format!(
            "{}{}",
            r.severity.as_str(),
            if r.defaulted() { "*" } else { "" }
        );
        println!(
            "{:<13} {:<9} {:>4}  {}  first {}  [{}]",
            f.status.as_str(),
            severity,
            score,
            f.id,
            f.first_detected,
            f.tools().into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    println!(
        "{} of {} findings (* = default severity, no source scored it)",
        selected.len(),
        set.len()
    );
    Ok(exit::OK)
}

fn show(data: &Path, as_json: bool, id: &str) -> anyhow::Result<u8> {
    let set = state(data)?;
    let Some(f) = set.get(id) else {
        eprintln!("error: no finding {id:?}");
        return Ok(exit::USAGE);
    };
    let v = finding_json(f);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let r = f.rating();
        println!("{}  {}", f.id, f.title.as_deref().unwrap_or(""));
        println!(
            "  aliases:        {}",
            f.aliases.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        println!(
            "  component:      {} {}",
            f.component.name,
            f.component.version.as_deref().unwrap_or("?")
        );
        if let Some(p) = &f.component.purl {
            println!("  purl:           {p}");
        }
        let score = r.score.map_or(String::new(), |s| format!(" {s:.1}"));
        let flag = if r.defaulted() {
            " (configured default: no source scores it)"
        } else {
            ""
        };
        println!("  severity:       {}{score}{flag}", r.severity);
        println!(
            "  status:         {} since {}",
            f.status.as_str(),
            f.status_since
        );
        println!(
            "  first detected: {}   last seen: {}",
            f.first_detected, f.last_seen
        );
        for s in &f.sources {
            let rule = s
                .rule
                .as_deref()
                .map_or(String::new(), |r| format!(" rule {r}"));
            println!(
                "  source:         {} ({}) {}{rule}",
                s.tool, s.format, s.file
            );
        }
    }
    Ok(exit::OK)
}

fn triage_cmd(
    data: &Path,
    as_json: bool,
    at: &str,
    id: &str,
    req: &TriageRequest,
    by: &str,
) -> anyhow::Result<u8> {
    let Some(mut l) = open_ledger(data, false)? else {
        eprintln!(
            "error: no ledger in {}; ingest findings first",
            data.display()
        );
        return Ok(exit::USAGE);
    };
    let set = fold(&events(Some(&l))?)?;
    let event = match triage(&set, id, req, by, at) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            // The domain names the fields; here they are flags.
            match e {
                TriageError::IncompleteRiskAcceptance => {
                    eprintln!("hint: pass --reason, --approver and --until");
                }
                TriageError::MissingJustification(_) => eprintln!("hint: pass --justification"),
                _ => {}
            }
            return Ok(exit::USAGE);
        }
    };
    let seq = l.append(&[event.to_json()])?;
    if as_json {
        println!(
            "{}",
            json!({ "finding": id, "status": req.status, "ledger_seq": seq.first() })
        );
    } else {
        println!(
            "{id}: {} (ledger entry {})",
            req.status,
            seq.first().copied().unwrap_or_default()
        );
    }
    Ok(exit::OK)
}

fn export_cmd(
    data: &Path,
    format: &str,
    meta: &ExportMeta,
    output: Option<&Path>,
) -> anyhow::Result<u8> {
    let set = state(data)?;
    let doc = match format {
        "csaf" => export::csaf(&set, meta),
        "openvex" => {
            if set.is_empty() {
                eprintln!("error: OpenVEX needs at least one statement and there are no findings");
                return Ok(exit::USAGE);
            }
            export::openvex(&set, meta)
        }
        "cyclonedx-vex" => export::cyclonedx_vex(&set, meta),
        other => bail!("unknown format {other}"),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        None => print!("{text}"),
    }
    Ok(exit::OK)
}
