//! `covenant ledger ...`: the tamper-evident ledger on a data directory.

use crate::exit;
use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use covenant_ledger::{
    Layout, Ledger, NoteVerifier, ProofBundle, VerifyOptions, canonical, keys, merkle, verify,
};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Origin (log name and key name) used when `ledger init` is not given one.
pub const DEFAULT_ORIGIN: &str = "covenant.local/ledger";

/// Options every ledger-related verb shares.
#[derive(clap::Args, Clone, Debug)]
pub struct DataArgs {
    /// Data directory holding the ledger, blobs and keys (default: $COVENANT_DATA, else PROGRAM/.covenant if present, else ./.covenant).
    #[arg(long, global = true, env = "COVENANT_DATA")]
    data: Option<PathBuf>,
    /// The program whose ledger this is: its `.covenant` directory, when present, is the data
    /// directory, as for `covenant status PROGRAM`. `incident open` and `vuln ingest` also
    /// record the terms of its commitments.
    #[arg(
        long = "program",
        id = "ledger_program",
        value_name = "PROGRAM",
        global = true
    )]
    pub program: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

impl DataArgs {
    /// The data directory, by the one rule of [`crate::state::data_dir`]; `program` is the
    /// verb's PROGRAM argument, for verbs that have one.
    pub fn data_for(&self, program: Option<&Path>) -> PathBuf {
        crate::state::data_dir(self.data.as_deref(), self.program.as_deref().or(program))
    }

    /// The data directory of a verb without a PROGRAM argument.
    pub fn data(&self) -> PathBuf {
        self.data_for(None)
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: DataArgs,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Create an empty ledger (and a signing key unless one exists).
    Init {
        /// Log origin, also the key name (e.g. `example.com/covenant`).
        #[arg(long, default_value = DEFAULT_ORIGIN)]
        origin: String,
    },
    /// Append JSON objects read from standard input, one per line.
    Append,
    /// Sign a checkpoint of the current tree and write it to the write-once directory.
    Checkpoint,
    /// Recompute and check everything stored in a data (or exported) directory.
    Verify {
        /// Directory to verify (defaults to --data).
        dir: Option<PathBuf>,
        /// Verifier key file the checkpoints must be signed with. Without it the key
        /// stored in the directory is used, which proves only self-consistency.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Produce or check proofs.
    Proof {
        #[command(subcommand)]
        cmd: ProofCmd,
    },
    /// Copy a consistent snapshot (without the private key) for an auditor.
    Export {
        /// Destination directory; must not exist.
        dest: PathBuf,
    },
    /// Generate the Ed25519 signing key (`keys/ledger.key`, mode 0600).
    Keygen {
        /// Key name; defaults to the ledger origin.
        #[arg(long)]
        name: Option<String>,
        /// Replace an existing key.
        #[arg(long)]
        force: bool,
    },
    /// Print entries as JSON lines.
    Entries {
        /// First sequence number.
        #[arg(long, default_value_t = 0)]
        from: u64,
    },
}

#[derive(clap::Subcommand)]
enum ProofCmd {
    /// Write the offline proof bundle of one entry against the latest checkpoint.
    Inclusion {
        seq: u64,
        /// Write the bundle to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the consistency proof between two tree sizes.
    Consistency {
        old: u64,
        /// Defaults to the current size.
        new: Option<u64>,
    },
    /// Check a proof bundle with nothing but the public key.
    Verify {
        bundle: PathBuf,
        /// Verifier key file (`<name>+<id>+<base64>`).
        #[arg(long)]
        key: PathBuf,
    },
}

/// Prints `value` as JSON or `text` for people.
pub fn emit(json: bool, value: &Value, text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)?;
    } else {
        write!(out, "{text}")?;
    }
    Ok(())
}

/// The clock, read through the CLI's one clock module.
pub fn now() -> SystemTime {
    crate::clock::now(None).map_or(SystemTime::UNIX_EPOCH, SystemTime::from)
}

pub fn b64(h: &[u8]) -> String {
    B64.encode(h)
}

pub fn open(data: &Path) -> anyhow::Result<Ledger> {
    Ledger::open(data).with_context(|| format!("opening the ledger in {}", data.display()))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let c = args.common;
    match args.cmd {
        Cmd::Init { origin } => init(&c, &origin),
        Cmd::Append => append(&c),
        Cmd::Checkpoint => checkpoint(&c),
        Cmd::Verify { dir, key } => verify_dir(&c, dir.as_deref(), key.as_deref()),
        Cmd::Proof { cmd } => proof(&c, cmd),
        Cmd::Export { dest } => export(&c, &dest),
        Cmd::Keygen { name, force } => keygen(&c, name, force),
        Cmd::Entries { from } => entries(&c, from),
    }
}

fn init(c: &DataArgs, origin: &str) -> anyhow::Result<u8> {
    let l = Ledger::init(c.data(), origin)?;
    let layout = l.layout().clone();
    let created_key = !layout.signer_key().exists();
    let v = if created_key {
        keys::keygen(&layout, origin, false)?
    } else {
        keys::load_signer(&layout)?.verifier()
    };
    emit(
        c.json,
        &json!({"data": c.data(), "origin": origin, "verifier_key": v.to_key_string(), "key_created": created_key}),
        &format!(
            "initialized ledger {origin} in {}\nverifier key: {}\n",
            c.data().display(),
            v.to_key_string()
        ),
    )?;
    Ok(exit::OK)
}

fn keygen(c: &DataArgs, name: Option<String>, force: bool) -> anyhow::Result<u8> {
    let layout = Layout::new(c.data());
    let name = match name {
        Some(n) => n,
        None => std::fs::read_to_string(layout.origin())
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| DEFAULT_ORIGIN.to_string()),
    };
    let v = match keys::keygen(&layout, &name, force) {
        Err(e @ covenant_ledger::Error::KeyExists(_)) => {
            anyhow::bail!("{e} (use --force to replace it)")
        }
        r => r?,
    };
    emit(
        c.json,
        &json!({"verifier_key": v.to_key_string(), "signer_key_file": layout.signer_key(), "verifier_key_file": layout.verifier_key()}),
        &format!("{}\n", v.to_key_string()),
    )?;
    Ok(exit::OK)
}

fn append(c: &DataArgs) -> anyhow::Result<u8> {
    // Validate the whole input before writing anything, so a bad line appends nothing.
    let stdin = std::io::stdin().lock();
    let mut values = Vec::new();
    for (i, line) in stdin.lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => bail!("line {}: not JSON: {e}", i + 1),
        };
        if let Err(e) = canonical::to_canonical(&v) {
            bail!("line {}: {e}", i + 1);
        }
        values.push(v);
    }
    let mut l = open(&c.data())?;
    let seqs = l.append(&values)?;
    let (first, last) = (seqs.first().copied(), seqs.last().copied());
    emit(
        c.json,
        &json!({"appended": seqs.len(), "first": first, "last": last, "size": l.size()}),
        &match (first, last) {
            (Some(a), Some(b)) => format!(
                "appended {} entries ({a}..={b}); ledger size {}\n",
                seqs.len(),
                l.size()
            ),
            _ => format!("nothing to append; ledger size {}\n", l.size()),
        },
    )?;
    Ok(exit::OK)
}

fn checkpoint(c: &DataArgs) -> anyhow::Result<u8> {
    let mut l = open(&c.data())?;
    let signer = keys::load_signer(l.layout())
        .context("loading the signing key (run `covenant ledger keygen`)")?;
    let cp = l.checkpoint(&signer, now())?;
    emit(
        c.json,
        &json!({
            "origin": cp.checkpoint.origin,
            "size": cp.checkpoint.size,
            "root": b64(&cp.checkpoint.root),
            "file": cp.file,
            "note": cp.note,
        }),
        &format!("{}(written to {})\n", cp.note, cp.file.display()),
    )?;
    Ok(exit::OK)
}

fn verify_dir(c: &DataArgs, dir: Option<&Path>, key: Option<&Path>) -> anyhow::Result<u8> {
    let data = c.data();
    let dir = dir.unwrap_or(&data);
    if !dir.join("ledger").is_dir() {
        bail!("{} holds no ledger", dir.display());
    }
    let verifier = key.map(keys::load_verifier).transpose()?;
    let trusted_key = verifier.is_some();
    let r = verify(
        dir,
        &VerifyOptions {
            verifier,
            ..Default::default()
        },
    )?;
    let discrepancies: Vec<Value> = r
        .discrepancies
        .iter()
        .map(|f| json!({"code": f.code, "entry": f.entry, "file": f.file, "offset": f.offset, "message": f.message}))
        .collect();
    let value = json!({
        "ok": r.ok(),
        "entries": r.entries,
        "segments": r.segments,
        "root": r.root.map(|h| b64(&h)),
        "checkpoints_verified": r.checkpoints_verified,
        "latest_checkpoint_size": r.latest_checkpoint_size,
        "uncheckpointed_entries": r.uncheckpointed,
        "blobs": r.blobs,
        "blob_bytes": r.blob_bytes,
        "evidence_entries": r.evidence_entries,
        "key": if trusted_key { "given" } else { "stored in the directory (self-consistency only)" },
        // The key predates the type's name; scripts read it.
        "findings": discrepancies,
    });
    let mut text = String::new();
    for f in &r.discrepancies {
        let entry = f.entry.map(|e| format!(" entry {e}")).unwrap_or_default();
        let file = f
            .file
            .as_ref()
            .map(|p| format!(" {}", p.display()))
            .unwrap_or_default();
        let off = f.offset.map(|o| format!(" @{o}")).unwrap_or_default();
        text.push_str(&format!("[{}]{entry}{file}{off}: {}\n", f.code, f.message));
    }
    text.push_str(&format!(
        "{}: {} entries, {} checkpoints verified (latest covers {}), {} blobs ({} bytes), {} findings\n",
        if r.ok() { "OK" } else { "TAMPERED" },
        r.entries,
        r.checkpoints_verified,
        r.latest_checkpoint_size.map_or("nothing".to_string(), |s| format!("{s} entries")),
        r.blobs,
        r.blob_bytes,
        r.discrepancies.len()
    ));
    if r.uncheckpointed > 0 {
        text.push_str(&format!(
            "note: {} entries are newer than the latest checkpoint; run `covenant ledger checkpoint`\n",
            r.uncheckpointed
        ));
    }
    if !trusted_key {
        text.push_str("note: checked against the key stored in the directory; pass --key with the key you trust\n");
    }
    emit(c.json, &value, &text)?;
    Ok(if r.ok() { exit::OK } else { exit::VIOLATIONS })
}

fn proof(c: &DataArgs, cmd: ProofCmd) -> anyhow::Result<u8> {
    match cmd {
        ProofCmd::Inclusion { seq, out } => {
            let l = open(&c.data())?;
            let Some(note) = l.latest_checkpoint()? else {
                bail!("no checkpoint yet; run `covenant ledger checkpoint` first");
            };
            let bundle = l.proof_bundle(seq, &note).with_context(|| {
                format!("entry {seq} is not covered by the latest checkpoint; run `covenant ledger checkpoint`")
            })?;
            let text = bundle.encode();
            if let Some(p) = &out {
                std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?;
            }
            let value = json!({
                "index": bundle.index,
                "entry": String::from_utf8_lossy(&bundle.entry),
                "proof": bundle.proof.iter().map(|h| b64(h)).collect::<Vec<_>>(),
                "checkpoint": bundle.checkpoint,
                "file": out,
            });
            let human = match &out {
                Some(p) => format!("proof bundle for entry {seq} written to {}\n", p.display()),
                None => text,
            };
            emit(c.json, &value, &human)?;
            Ok(exit::OK)
        }
        ProofCmd::Consistency { old, new } => {
            let l = open(&c.data())?;
            let new = new.unwrap_or(l.size());
            let proof = l.consistency_proof(old, new)?;
            let hashes: Vec<String> = proof.iter().map(|h| b64(h)).collect();
            let value = json!({
                "old_size": old,
                "new_size": new,
                "old_root": b64(&l.root_at(old.min(new))?),
                "new_root": b64(&l.root_at(new)?),
                "proof": hashes,
            });
            emit(c.json, &value, &format!("{}\n", hashes.join("\n")))?;
            Ok(exit::OK)
        }
        ProofCmd::Verify { bundle, key } => {
            let v: NoteVerifier = keys::load_verifier(&key)?;
            let bytes =
                std::fs::read(&bundle).with_context(|| format!("reading {}", bundle.display()))?;
            let b = ProofBundle::parse(&bytes)?;
            match b.verify(&v) {
                Ok(cp) => {
                    emit(
                        c.json,
                        &json!({"ok": true, "index": b.index, "origin": cp.origin, "tree_size": cp.size, "root": b64(&cp.root), "entry": String::from_utf8_lossy(&b.entry), "leaf_hash": b64(&merkle::leaf_hash(&b.entry))}),
                        &format!(
                            "OK: entry {} is in {} at tree size {}\n{}\n",
                            b.index,
                            cp.origin,
                            cp.size,
                            String::from_utf8_lossy(&b.entry)
                        ),
                    )?;
                    Ok(exit::OK)
                }
                Err(e) => {
                    emit(
                        c.json,
                        &json!({"ok": false, "index": b.index, "error": e.to_string()}),
                        &format!("FAILED: {e}\n"),
                    )?;
                    Ok(exit::VIOLATIONS)
                }
            }
        }
    }
}

fn export(c: &DataArgs, dest: &Path) -> anyhow::Result<u8> {
    let l = open(&c.data())?;
    let s = l.export(dest)?;
    emit(
        c.json,
        &json!({"dest": dest, "entries": s.entries, "files": s.files, "bytes": s.bytes}),
        &format!(
            "exported {} entries ({} files, {} bytes) to {}\n",
            s.entries,
            s.files,
            s.bytes,
            dest.display()
        ),
    )?;
    Ok(exit::OK)
}

fn entries(c: &DataArgs, from: u64) -> anyhow::Result<u8> {
    let l = open(&c.data())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in l.entries()? {
        let e = e?;
        if e.seq < from {
            continue;
        }
        if c.json {
            out.write_all(format!("{{\"seq\":{},\"entry\":", e.seq).as_bytes())?;
            out.write_all(&e.bytes)?;
            out.write_all(b"}\n")?;
        } else {
            out.write_all(format!("{}\t", e.seq).as_bytes())?;
            out.write_all(&e.bytes)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(exit::OK)
}
