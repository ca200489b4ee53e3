//! `covenant oscal ...`: resolve an OSCAL profile into a catalog, export the program as
//! OSCAL, validate an OSCAL file against NIST's schema and our structural checks.
//!
//! The OSCAL rules live in covenant-oscal; this file reads and writes files and implements
//! the import resolver over the filesystem: an explicit `--import HREF=FILE` first, then
//! the link relative to the profile, then a file of the same name in the profile's folder
//! (NIST's profiles link into NIST's own repository layout).

use crate::clock;
use crate::exit;
use crate::state::{self, DataDir};
use anyhow::Context;
use covenant_oscal::document::{Piece, catalog_json, parse_profile, sniff};
use covenant_oscal::export::{self, assessment, component, ssp};
use covenant_oscal::{Fetched, Resolver};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Resolve a profile into a catalog (imports, merge, modify) and write it.
    Resolve(ResolveArgs),
    /// Export the program as an OSCAL component-definition, SSP or assessment-results.
    Export(ExportArgs),
    /// Check an OSCAL JSON file against NIST's schema (and, for catalogs, our structural checks).
    Validate(ValidateArgs),
}

#[derive(clap::Args)]
pub struct ResolveArgs {
    pub profile: PathBuf,
    /// Where to write the resolved catalog (`-` for standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Use FILE for an import: HREF is the import's href (`#uuid`), one of its links, or a file name.
    #[arg(long = "import", value_name = "HREF=FILE")]
    pub imports: Vec<String>,
    /// Resolution time written into the catalog's metadata (default: keep the profile's last-modified).
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ComponentDefinition,
    Ssp,
    AssessmentResults,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    pub program: PathBuf,
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// Where to write the document (`-` for standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// For `ssp`: the deployment model the plan describes (default: the program's first).
    #[arg(long)]
    pub deployment_model: Option<String>,
    /// Time of the export. Default: the program's `version.updated` date for
    /// component-definition and SSP (so unchanged programs export the same bytes), the
    /// clock for assessment-results.
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub data: DataDir,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    pub file: PathBuf,
    /// Skip the JSON Schema; only load into typed OSCAL and run the structural checks
    /// (what a typed loader such as compliance-trestle's validates).
    #[arg(long)]
    pub no_schema: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Resolve(a) => resolve(a),
        Command::Export(a) => export_cmd(a),
        Command::Validate(a) => validate(a),
    }
}

fn write_out(path: &Path, text: &str) -> anyhow::Result<()> {
    if path == Path::new("-") {
        print!("{text}");
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Fetches imports from the filesystem; see the module documentation for the order.
struct Files {
    overrides: Vec<(String, PathBuf)>,
}

fn file_name(href: &str) -> &str {
    href.rsplit(['/', '\\']).next().unwrap_or(href)
}

impl Resolver for Files {
    fn fetch(&mut self, import: &str, candidate: &str, base: &str) -> Result<Fetched, String> {
        let dir = Path::new(base).parent().unwrap_or(Path::new("."));
        let mut paths: Vec<PathBuf> = self
            .overrides
            .iter()
            .filter(|(h, _)| h == import || h == candidate || h == file_name(candidate))
            .map(|(_, f)| f.clone())
            .collect();
        if candidate.contains("://") {
            if paths.is_empty() {
                // No network IO: a remote link needs a local copy named by --import or
                // placed beside the profile.
                paths.push(dir.join(file_name(candidate)));
            }
        } else {
            paths.push(dir.join(candidate));
            paths.push(dir.join(file_name(candidate)));
        }
        paths.dedup();
        let mut why = Vec::new();
        for p in paths {
            match std::fs::read_to_string(&p) {
                Ok(text) => {
                    return Ok(Fetched {
                        text,
                        location: p.display().to_string(),
                    });
                }
                Err(e) => why.push(format!("{} ({e})", p.display())),
            }
        }
        Err(format!(
            "tried {}; point at a local copy with --import {import}=FILE",
            why.join(", ")
        ))
    }
}

fn resolve(a: ResolveArgs) -> anyhow::Result<u8> {
    let mut overrides = Vec::new();
    for spec in &a.imports {
        let Some((href, file)) = spec.split_once('=') else {
            eprintln!("error: --import wants HREF=FILE, got `{spec}`");
            return Ok(exit::USAGE);
        };
        overrides.push((href.to_string(), PathBuf::from(file)));
    }
    let at = match &a.at {
        Some(s) => Some(clock::parse_time(s)?.to_string()),
        None => None,
    };
    let location = a.profile.display().to_string();
    let text =
        std::fs::read_to_string(&a.profile).with_context(|| format!("reading {location}"))?;
    let profile = match parse_profile(&text, &location) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::USAGE);
        }
    };
    let res =
        match covenant_oscal::resolve(&profile, &location, &mut Files { overrides }, at.as_deref())
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(exit::USAGE);
            }
        };
    for w in &res.warnings {
        eprintln!("warning: {w}");
    }
    if a.output == Path::new("-") {
        write_out(&a.output, &catalog_json(&res.catalog))?;
    } else {
        // Streamed to the file: the resolved text is never held whole in memory.
        let file = std::fs::File::create(&a.output)
            .with_context(|| format!("writing {}", a.output.display()))?;
        let mut w = std::io::BufWriter::new(file);
        covenant_oscal::document::write_catalog(&mut w, &res.catalog)
            .and_then(|()| std::io::Write::flush(&mut w))
            .with_context(|| format!("writing {}", a.output.display()))?;
    }
    let n = res.catalog.counts();
    if a.json {
        println!(
            "{}",
            json!({"output": a.output.display().to_string(), "controls": n.controls, "base": n.base,
                   "enhancements": n.enhancements, "params": n.params, "groups": n.groups,
                   "warnings": res.warnings})
        );
    } else if a.output != Path::new("-") {
        println!(
            "resolved {}: {} controls ({} base + {} enhancements), {} params, {} groups -> {}",
            location,
            n.controls,
            n.base,
            n.enhancements,
            n.params,
            n.groups,
            a.output.display()
        );
    }
    Ok(exit::OK)
}

fn export_cmd(a: ExportArgs) -> anyhow::Result<u8> {
    let (_, program, _) = match state::load_program(&a.program) {
        Ok(p) => p,
        Err(rendered) => {
            eprint!("{rendered}");
            return Ok(exit::USAGE);
        }
    };
    let dated = || -> anyhow::Result<String> {
        if let Some(at) = &a.at {
            return Ok(clock::parse_time(at)?.to_string());
        }
        let updated = program
            .manifest
            .as_ref()
            .map(|m| m.value.version.updated.to_string())
            .context("the program has no program.yaml")?;
        Ok(format!("{updated}T00:00:00Z"))
    };
    let doc: Result<Value, covenant_oscal::Error> = match a.kind {
        Kind::ComponentDefinition => component::export(&program, &dated()?),
        Kind::Ssp => ssp::deployment_model(&program, a.deployment_model.as_deref())
            .and_then(|m| {
                Ok((
                    m,
                    dated().map_err(|e| covenant_oscal::Error::Export(e.to_string()))?,
                ))
            })
            .and_then(|(m, t)| ssp::export(&program, &m, &t)),
        Kind::AssessmentResults => {
            let now = clock::now(a.at.as_deref())?;
            let st = state::read_state(&a.data.resolve(&a.program))?;
            let eval = state::evaluate_at(&program, &st, now)?;
            assessment::export(&program, &eval)
        }
    };
    match doc {
        Ok(d) => {
            write_out(&a.output, &export::to_json(&d))?;
            Ok(exit::OK)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(exit::USAGE)
        }
    }
}

fn validator(schema: &Value) -> anyhow::Result<jsonschema::Validator> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| anyhow::anyhow!("the vendored OSCAL schema does not compile: {e}"))
}

/// Most problems reported for one file.
const LIMIT: usize = 50;

/// The vendored schema entered at one of its definitions (e.g. the catalog group), so only
/// the part of the schema that applies is compiled.
fn sub_validator(schema: &Value, definition: &str) -> anyhow::Result<jsonschema::Validator> {
    let mut sub = schema.clone();
    if let Some(o) = sub.as_object_mut() {
        o.remove("oneOf");
        o.insert(
            "$ref".into(),
            Value::String(format!("#/definitions/{definition}")),
        );
    }
    validator(&sub)
}

/// Schema messages quote the offending JSON, which for a group is the whole group: keep
/// them readable.
fn short(message: String) -> String {
    const MAX: usize = 300;
    if message.len() <= MAX {
        return message;
    }
    let mut cut = MAX;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &message[..cut])
}

/// `--no-schema`: typed load and structural checks only. Groups are checked and dropped as
/// the parser reads them, so memory stays near the size of the file.
fn validate_structure(text: &str, what: &str, as_json: bool) -> anyhow::Result<u8> {
    let mut checker = covenant_oscal::validate::Checker::default();
    let mut counts = covenant_oscal::catalog::Counts::default();
    let mut keep = |g: covenant_oscal::control::Group| {
        counts.add(covenant_oscal::catalog::group_counts(&g));
        checker.group(&g);
        None
    };
    let parsed = covenant_oscal::document::parse_filtered(text, what, &mut keep);
    let (model, problems, counts) = match parsed {
        Ok(covenant_oscal::Document::Catalog(c)) => {
            counts.add(c.counts());
            checker.catalog(&c);
            let problems: Vec<String> = checker
                .finish()
                .into_iter()
                .take(LIMIT)
                .map(|p| format!("{} at {}", p.message, p.path))
                .collect();
            ("catalog", problems, Some(counts))
        }
        Ok(covenant_oscal::Document::Profile(_)) => ("profile", Vec::new(), None),
        Err(e @ covenant_oscal::Error::Json { .. }) => ("?", vec![e.to_string()], None),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::USAGE);
        }
    };
    if as_json {
        println!(
            "{}",
            json!({"file": what, "model": model, "valid": problems.is_empty(), "problems": problems,
                   "controls": counts.map(|c| c.controls), "params": counts.map(|c| c.params), "schema": false})
        );
    } else if problems.is_empty() {
        match counts {
            Some(n) => println!(
                "{what}: valid OSCAL {model} structure ({} controls, {} params; schema not checked)",
                n.controls, n.params
            ),
            None => println!("{what}: valid OSCAL {model} structure (schema not checked)"),
        }
    } else {
        for p in &problems {
            println!("{what}: {p}");
        }
    }
    Ok(if problems.is_empty() {
        exit::OK
    } else {
        exit::VIOLATIONS
    })
}

fn validate(a: ValidateArgs) -> anyhow::Result<u8> {
    use covenant_oscal::document::{catalog_from_value, group_from_value, profile_from_value};

    let what = a.file.display().to_string();
    let text = std::fs::read_to_string(&a.file).with_context(|| format!("reading {what}"))?;
    let format = sniff(&text);
    if format != "JSON" {
        eprintln!("error: {what} is {format}; `covenant oscal validate` reads OSCAL JSON");
        return Ok(exit::USAGE);
    }
    if a.no_schema {
        return validate_structure(&text, &what, a.json);
    }
    let schema: Value = serde_json::from_str(covenant_oscal::schema::COMPLETE)?;
    // Groups are checked as they stream by (schema and structure), so a 10 MB catalog is
    // never one JSON tree; the group validator is compiled on the first group.
    let mut group_validator: Option<jsonschema::Validator> = None;
    let mut problems: Vec<String> = Vec::new();
    let mut checker = covenant_oscal::validate::Checker::default();
    let mut counts = covenant_oscal::catalog::Counts::default();
    let mut rest = None;
    let mut failure: Option<anyhow::Error> = None;
    let walked = covenant_oscal::document::catalog_pieces(&text, &mut |piece, v| match piece {
        Piece::Group(i) => {
            if group_validator.is_none() {
                match sub_validator(&schema, "oscal-complete-oscal-catalog:group") {
                    Ok(g) => group_validator = Some(g),
                    Err(e) => failure = Some(e),
                }
            }
            let Some(gv) = &group_validator else { return };
            let before = problems.len();
            for e in gv.iter_errors(&v) {
                if problems.len() < LIMIT {
                    problems.push(format!(
                        "{} at /catalog/groups/{i}{}",
                        short(e.to_string()),
                        e.instance_path()
                    ));
                }
            }
            if problems.len() == before {
                match group_from_value(&v) {
                    Ok(g) => {
                        counts.add(covenant_oscal::catalog::group_counts(&g));
                        checker.group(&g);
                    }
                    Err(e) => problems.push(format!("{e} at /catalog/groups/{i}")),
                }
            }
        }
        Piece::Rest => rest = Some(v),
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let doc = match (walked, rest) {
        (Ok(()), Some(doc)) => doc,
        (Err(e), _) => {
            eprintln!("error: {what} is not JSON: {e}");
            return Ok(exit::USAGE);
        }
        (Ok(()), None) => {
            eprintln!("error: {what} is empty");
            return Ok(exit::USAGE);
        }
    };
    let model = covenant_oscal::document::MODELS
        .iter()
        .find(|m| doc.get(**m).is_some())
        .copied();
    let Some(model) = model else {
        eprintln!(
            "error: {what} has no OSCAL root (expected one of {})",
            covenant_oscal::document::MODELS.join(", ")
        );
        return Ok(exit::USAGE);
    };
    let mut is_catalog = false;
    if model == "catalog" {
        is_catalog = true;
        if let Some(extra) = doc.as_object().and_then(|o| {
            o.keys()
                .find(|k| !matches!(k.as_str(), "catalog" | "$schema"))
        }) {
            problems.push(format!("unexpected root member `{extra}`"));
        }
        let cv = sub_validator(&schema, "oscal-complete-oscal-catalog:catalog")?;
        for e in cv.iter_errors(&doc["catalog"]) {
            if problems.len() < LIMIT {
                problems.push(format!(
                    "{} at /catalog{}",
                    short(e.to_string()),
                    e.instance_path()
                ));
            }
        }
        if problems.is_empty() {
            match catalog_from_value(&doc["catalog"]) {
                Ok(c) => {
                    counts.add(c.counts());
                    checker.catalog(&c);
                }
                Err(e) => problems.push(format!("{e} at /catalog")),
            }
        }
    } else {
        let whole = validator(&schema)?;
        for e in whole.iter_errors(&doc) {
            if problems.len() < LIMIT {
                problems.push(format!("{} at {}", short(e.to_string()), e.instance_path()));
            }
        }
        if model == "profile"
            && problems.is_empty()
            && let Err(e) = profile_from_value(&doc["profile"])
        {
            problems.push(format!("{e} at /profile"));
        }
    }
    drop(doc);
    if is_catalog && problems.is_empty() {
        problems.extend(
            checker
                .finish()
                .into_iter()
                .take(LIMIT)
                .map(|p| format!("{} at {}", p.message, p.path)),
        );
    }
    let counts = is_catalog.then_some(counts);
    if a.json {
        println!(
            "{}",
            json!({"file": what, "model": model, "valid": problems.is_empty(), "problems": problems,
                   "controls": counts.map(|c| c.controls), "params": counts.map(|c| c.params)})
        );
    } else if problems.is_empty() {
        match counts {
            Some(n) => println!(
                "{what}: valid OSCAL {model} ({} controls, {} params)",
                n.controls, n.params
            ),
            None => println!("{what}: valid OSCAL {model}"),
        }
    } else {
        for p in &problems {
            println!("{what}: {p}");
        }
    }
    Ok(if problems.is_empty() {
        exit::OK
    } else {
        exit::VIOLATIONS
    })
}
