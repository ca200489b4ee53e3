//! `covenant publish PROGRAM_DIR --out DIR`: render the program's documents.

use crate::exit;
use crate::report;
use anyhow::Context;
use covenant_engine::claim::{Claim, ClaimState};
use covenant_model::{Level, Sources};
use covenant_publish::snapshot::{self, Snapshot};
use covenant_publish::{Options, Since};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args)]
pub struct Args {
    /// The program directory.
    pub program: PathBuf,
    /// Where to write the documents.
    #[arg(long)]
    pub out: PathBuf,
    /// Show what changed since a git revision of the program, or since an earlier published directory.
    #[arg(long, value_name = "REF|DIR")]
    pub since: Option<String>,
    /// Print the list of written files as JSON.
    #[arg(long)]
    pub json: bool,
    /// Publish even when a claim is not backed by met obligations (it is marked as such).
    #[arg(long)]
    pub allow_unbacked: bool,
    /// Judge claims at this time instead of now (RFC 3339, or a date).
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub data: crate::state::DataDir,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let sources = match Sources::read_dir(&args.program) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read program {}: {e}", args.program.display());
            return Ok(exit::USAGE);
        }
    };
    let (program, diags) = covenant_model::check(&sources);
    if diags.iter().any(|d| d.level == Level::Error) {
        eprint!("{}", report::render(&args.program, &sources, &diags));
        eprintln!("error: the program is invalid; fix the problems above before publishing");
        return Ok(exit::USAGE);
    }
    let since = match &args.since {
        Some(s) => match earlier_snapshot(&args.program, s) {
            Ok(snapshot) => Some(Since {
                label: s.clone(),
                snapshot,
            }),
            Err(e) => {
                eprintln!("error: --since {s}: {e:#}");
                return Ok(exit::USAGE);
            }
        },
        None => None,
    };
    let now = crate::clock::now(args.at.as_deref())?;
    let state = crate::state::read_state(&args.data.resolve(&args.program))?;
    let eval = crate::state::evaluate_at(&program, &state, now)?;
    // Without a ledger nothing has been recorded yet, so claims are neither judged nor
    // marked, as `check` applies no gate then: the documents are a draft of the promises.
    if !state.ledger_found {
        eprintln!(
            "note: no ledger in {}; claims are published unmarked (record evidence to have them judged)",
            args.data.resolve(&args.program).display()
        );
    }
    let judged: &[Claim] = if state.ledger_found {
        &eval.claims
    } else {
        &[]
    };
    let unbacked: Vec<&Claim> = judged
        .iter()
        .filter(|c| c.state == ClaimState::Unbacked)
        .collect();
    if !unbacked.is_empty() && !args.allow_unbacked {
        eprintln!(
            "error: {} published claims are not backed at {now}:",
            unbacked.len()
        );
        for c in &unbacked {
            eprintln!("  {}: {}", c.id, c.reasons.join("; "));
        }
        eprintln!(
            "hint: record the missing evidence, or pass --allow-unbacked to publish them marked as not backed"
        );
        return Ok(exit::VIOLATIONS);
    }
    let claims = judged.iter().map(|c| (c.id.clone(), c.state)).collect();
    let coverage = crate::cmd::coverage::all(&program, &eval);
    let output = covenant_publish::publish(
        &program,
        &Options {
            since,
            claims,
            coverage,
        },
    )?;
    for (name, bytes) in &output.files {
        let path = args.out.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let files: Vec<&String> = output.files.keys().collect();
        println!(
            "{}",
            serde_json::json!({ "out": args.out.display().to_string(), "files": files })
        );
    } else {
        println!(
            "published {} files to {}",
            output.files.len(),
            args.out.display()
        );
        println!("open {}", args.out.join("index.html").display());
    }
    Ok(exit::OK)
}

/// Reads the snapshot of an earlier published directory, or rebuilds it from the program
/// as it was at a git revision.
fn earlier_snapshot(program: &Path, since: &str) -> anyhow::Result<Snapshot> {
    let dir = Path::new(since);
    if dir.is_dir() {
        let path = dir.join(snapshot::FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()));
    }
    let sources = sources_at_revision(program, since)?;
    let (old, diags) = covenant_model::check(&sources);
    if diags.iter().any(|d| d.level == Level::Error) {
        anyhow::bail!(
            "the program at {since} does not load ({} errors)",
            diags.len()
        );
    }
    let view = covenant_publish::view::View::of(&old, &Default::default())
        .context("the program at that revision has no program.yaml")?;
    Ok(Snapshot::of(&view))
}

fn git(program: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(program)
        .args(args)
        .output()
        .context("running git")?;
    if !out.status.success() {
        anyhow::bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn sources_at_revision(program: &Path, rev: &str) -> anyhow::Result<Sources> {
    let listing = git(program, &["ls-tree", "-r", rev, "--", "."])?;
    let mut sources = Sources::default();
    for line in listing.lines() {
        // `<mode> <type> <object>\t<path>`; a symbolic link (mode 120000) that would be
        // read is refused, as reading the directory refuses one.
        let Some((meta, name)) = line.split_once('\t') else {
            continue;
        };
        if meta.starts_with("120000 ") {
            if covenant_model::source::is_program_path(Path::new(name)) {
                sources.refused.push(PathBuf::from(name));
            }
            continue;
        }
        let text = git(program, &["show", &format!("{rev}:./{name}")])?;
        sources.files.insert(PathBuf::from(name), text);
    }
    Ok(sources)
}
