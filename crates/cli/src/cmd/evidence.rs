//! `covenant evidence add`: store an evidence file and record it in the ledger.

use super::ledger::{DataArgs, emit, now, open};
use crate::exit;
use anyhow::{Context, bail};
use covenant_ledger::{BlobStore, EvidenceAdded, timefmt};
use serde_json::json;
use std::path::PathBuf;
use std::time::SystemTime;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: DataArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Store FILE in the blob store and append an `evidence.added` entry for CONTROL.
    Add {
        /// Control the evidence is for (e.g. AC-03).
        control: String,
        /// The evidence file.
        file: PathBuf,
        /// Date the evidence speaks for (YYYY-MM-DD); defaults to today (UTC).
        #[arg(long)]
        effective: Option<String>,
        /// When the evidence was produced (RFC 3339); defaults to the file's modification time.
        #[arg(long)]
        collected_at: Option<String>,
        /// Free-text note.
        #[arg(long)]
        note: Option<String>,
        /// Kind of evidence, as controls require it: attestation, document, report,
        /// command-output, log, configuration, url.
        #[arg(long, default_value = "document", value_parser = parse_kind)]
        kind: String,
        /// Record as of this time instead of now (RFC 3339), when importing history kept
        /// elsewhere; the ledger's order still shows when the entry was appended.
        #[arg(long)]
        at: Option<String>,
        /// Who records it; defaults to $COVENANT_USER or $USER.
        #[arg(long)]
        by: Option<String>,
    },
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let c = args.common;
    let Cmd::Add {
        control,
        file,
        effective,
        collected_at,
        note,
        kind,
        at,
        by,
    } = args.cmd;
    let now = match at {
        Some(t) => SystemTime::from(crate::clock::parse_time(&t)?),
        None => now(),
    };
    let meta = std::fs::metadata(&file).with_context(|| format!("reading {}", file.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", file.display());
    }
    let collected_at = match collected_at {
        Some(t) => t,
        None => timefmt::rfc3339_utc(meta.modified().unwrap_or(now)),
    };
    let recorded_by = by
        .or_else(|| std::env::var("COVENANT_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".to_string());
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    let mut ev = EvidenceAdded {
        control,
        blob: format!("sha256:{}", "0".repeat(64)),
        file_name,
        kind,
        recorded_by,
        recorded_at: timefmt::rfc3339_utc(now),
        collected_at,
        effective: effective.unwrap_or_else(|| timefmt::date_utc(now)),
        note,
    };
    // Reject bad fields before touching the data directory.
    ev.validate()?;
    let mut l = open(&c.data())?;
    let blob = BlobStore::new(l.layout().blobs()).put_file(&file)?;
    ev.blob = blob.id();
    let seq = l.append(&[ev.to_value()?])?[0];
    emit(
        c.json,
        &json!({
            "seq": seq,
            "blob": ev.blob,
            "size": blob.size,
            "control": ev.control,
            "effective": ev.effective,
            "collected_at": ev.collected_at,
            "recorded_at": ev.recorded_at,
            "recorded_by": ev.recorded_by,
        }),
        &format!(
            "recorded {} for {} as entry {seq} ({}, effective {})\n",
            ev.file_name, ev.control, ev.blob, ev.effective
        ),
    )?;
    Ok(exit::OK)
}

/// The evidence kinds controls can require (see `EvidenceKind` in the model).
fn parse_kind(s: &str) -> Result<String, String> {
    use covenant_model::control::EvidenceKind;
    match EvidenceKind::parse(s) {
        Some(k) => Ok(k.as_str().to_string()),
        None => Err(format!(
            "`{s}` is not an evidence kind; use {}",
            words(&EvidenceKind::ALL.map(EvidenceKind::as_str))
        )),
    }
}

/// `a, b or c`.
fn words(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
