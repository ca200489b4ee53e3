//! Verbs that record events in the ledger: `incident open|notify|close`,
//! `release record VERSION`, `waive OBLIGATION`. Each is one ledger append.

use crate::clock;
use crate::cmd::ledger::{DEFAULT_ORIGIN, DataArgs, emit};
use crate::exit;
use anyhow::Context;
use covenant_model::commitment::NoticeTrigger;
use covenant_model::{Level, Sources};
use serde_json::{Value, json};
use std::path::Path;

#[derive(clap::Args)]
pub struct IncidentArgs {
    #[command(flatten)]
    common: DataArgs,
    #[command(subcommand)]
    cmd: IncidentCmd,
}

#[derive(clap::Subcommand)]
enum IncidentCmd {
    /// Declare a confirmed incident: starts the customer-notice clock.
    Open {
        /// A short id, e.g. INC-2026-004.
        id: String,
        #[arg(long)]
        title: String,
        /// When the incident was declared (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Record that customers were notified.
    Notify {
        id: String,
        #[arg(long)]
        at: Option<String>,
        /// How and whom, in words.
        #[arg(long)]
        note: Option<String>,
    },
    /// Close the incident.
    Close {
        id: String,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    common: DataArgs,
    #[command(subcommand)]
    cmd: ReleaseCmd,
}

#[derive(clap::Subcommand)]
enum ReleaseCmd {
    /// Record a release and the findings whose fix it ships.
    Record {
        version: String,
        /// Finding ids fixed in this release (repeat or comma-separate).
        #[arg(long, value_delimiter = ',')]
        fixes: Vec<String>,
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct WaiveArgs {
    #[command(flatten)]
    common: DataArgs,
    /// The obligation id, as `covenant status --json` shows it.
    obligation: String,
    #[arg(long)]
    reason: String,
    #[arg(long)]
    approver: String,
    /// When the waiver expires (a date or RFC 3339 time).
    #[arg(long)]
    until: String,
    #[arg(long)]
    at: Option<String>,
}

fn append(common: &DataArgs, entry: Value) -> anyhow::Result<u8> {
    let data = common.data();
    let mut ledger = covenant_ledger::Ledger::open_or_init(&data, DEFAULT_ORIGIN)
        .with_context(|| format!("opening the ledger in {}", data.display()))?;
    let seqs = ledger.append(std::slice::from_ref(&entry))?;
    let seq = seqs.first().copied().unwrap_or_default();
    let kind = entry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    emit(
        common.json,
        &json!({ "seq": seq, "entry": entry }),
        &format!("recorded {kind} as ledger entry {seq}\n"),
    )?;
    Ok(exit::OK)
}

fn time(at: &Option<String>) -> anyhow::Result<String> {
    Ok(clock::now(at.as_deref())?.to_string())
}

fn non_empty(what: &str, s: &str) -> anyhow::Result<()> {
    if s.trim().is_empty() {
        anyhow::bail!("{what} must not be empty");
    }
    Ok(())
}

/// The incident-notice commitment of the program at `dir`, if it loads and has one.
fn notice_terms(dir: &Path) -> Option<(String, String)> {
    let sources = Sources::read_dir(dir).ok()?;
    let (program, diags) = covenant_model::check(&sources);
    if diags.iter().any(|d| d.level == Level::Error) {
        return None;
    }
    program.commitments.iter().find_map(|c| {
        let n = c.value.notice.as_ref()?;
        (n.trigger == NoticeTrigger::Incident).then(|| (c.value.id.clone(), n.within.to_string()))
    })
}

pub fn incident(args: IncidentArgs) -> anyhow::Result<u8> {
    let entry = match &args.cmd {
        IncidentCmd::Open { id, title, at } => {
            // The program whose notice commitment applies (`--program`, default the current
            // directory); its terms are recorded with the clock.
            let program = args.common.program.as_deref().unwrap_or(Path::new("."));
            non_empty("the incident id", id)?;
            non_empty("--title", title)?;
            let mut e = json!({ "type": "incident.opened", "incident": id, "title": title, "at": time(at)? });
            if let (Some((commitment, within)), Some(m)) =
                (notice_terms(program), e.as_object_mut())
            {
                m.insert("commitment".into(), commitment.into());
                m.insert("within".into(), within.into());
            }
            e
        }
        IncidentCmd::Notify { id, at, note } => {
            json!({ "type": "incident.notified", "incident": id, "at": time(at)?, "note": note })
        }
        IncidentCmd::Close { id, at, note } => {
            json!({ "type": "incident.closed", "incident": id, "at": time(at)?, "note": note })
        }
    };
    append(&args.common, strip_nulls(entry))
}

pub fn release(args: ReleaseArgs) -> anyhow::Result<u8> {
    let ReleaseCmd::Record { version, fixes, at } = &args.cmd;
    non_empty("the version", version)?;
    append(
        &args.common,
        json!({ "type": "release.recorded", "version": version, "fixes": fixes, "at": time(at)? }),
    )
}

pub fn waive(args: WaiveArgs) -> anyhow::Result<u8> {
    non_empty("the obligation", &args.obligation)?;
    non_empty("--reason", &args.reason)?;
    non_empty("--approver", &args.approver)?;
    let at = clock::now(args.at.as_deref())?;
    let until = clock::parse_time(&args.until)?;
    if until <= at {
        eprintln!(
            "error: --until {until} is not after the grant time {at}; a waiver must expire in the future"
        );
        return Ok(exit::USAGE);
    }
    append(
        &args.common,
        json!({ "type": "waiver.granted", "obligation": args.obligation, "reason": args.reason, "approver": args.approver, "until": until.to_string(), "at": at.to_string() }),
    )
}

/// Optional fields are left out rather than written as null, so entries stay minimal.
fn strip_nulls(mut v: Value) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, x| !x.is_null());
    }
    v
}
