//! `covenant bench ledger`: a capacity check of the ledger on the user's own disk, in
//! the spirit of pg_test_fsync. Every ledger figure is printed next to the machine
//! limit that bounds it, measured in the same run.

use super::ledger::emit;
use crate::exit;
use anyhow::Context;
use covenant_ledger::{
    GroupCommitter, Ledger, NoteSigner, VerifyOptions, blob, canonical, merkle, verify,
};
use serde_json::{Value, json};
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Measure hashing, fsync, durable append, verify and proof speed of the ledger.
    Ledger {
        /// Entries appended in batches of 1000 (the main throughput run).
        #[arg(long, default_value_t = 200_000)]
        entries: u64,
        /// Directory to run in (created, then removed); defaults to a new directory
        /// under the current one, so the disk measured is the one the data lives on.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Keep the benchmark ledger afterwards.
        #[arg(long)]
        keep: bool,
        /// Print machine-readable JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Cmd::Ledger {
        entries,
        dir,
        keep,
        json,
    } = args.cmd;
    let dir =
        dir.unwrap_or_else(|| PathBuf::from(format!(".covenant-bench-{}", std::process::id())));
    if dir.exists() {
        anyhow::bail!("{} already exists; choose another --dir", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = bench(&dir, entries.max(1000), json);
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A 256-byte canonical entry (the size the targets are stated for).
fn entry_256(n: u64) -> Value {
    let base = canonical::to_canonical(&json!({"type": "bench.entry", "n": n, "pad": ""}))
        .map_or(0, |b| b.len());
    json!({"type": "bench.entry", "n": n, "pad": "x".repeat(256usize.saturating_sub(base))})
}

struct Xorshift(u64);
impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn sha256_leaves_per_s() -> f64 {
    let mut buf = [0x61u8; 256];
    let start = Instant::now();
    let mut n = 0u64;
    let mut acc = 0u8;
    while start.elapsed() < Duration::from_millis(400) {
        for i in 0..10_000u32 {
            buf[..4].copy_from_slice(&i.to_le_bytes());
            acc ^= merkle::leaf_hash(&buf)[0];
        }
        n += 10_000;
    }
    std::hint::black_box(acc);
    n as f64 / start.elapsed().as_secs_f64()
}

fn sha256_block_bytes_per_s() -> anyhow::Result<f64> {
    let buf = vec![0x5au8; 64 << 20];
    let start = Instant::now();
    let mut bytes = 0u64;
    while start.elapsed() < Duration::from_millis(400) {
        let (_, n) = blob::hash_reader(&buf[..])?;
        bytes += n;
    }
    Ok(bytes as f64 / start.elapsed().as_secs_f64())
}

fn fdatasync_us(dir: &Path) -> anyhow::Result<Vec<f64>> {
    let p = dir.join("fsync-probe");
    let f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&p)?;
    f.set_len(1 << 20)?;
    f.sync_all()?;
    let block = [0xa5u8; 4096];
    let mut lat = Vec::new();
    for i in 0..200u64 {
        f.write_all_at(&block, (i % 256) * 4096)?;
        let t = Instant::now();
        f.sync_data()?;
        lat.push(us(t.elapsed()));
    }
    std::fs::remove_file(&p)?;
    Ok(lat)
}

struct AppendRun {
    batch: u64,
    entries: u64,
    per_s: f64,
    p50_us: f64,
    p99_us: f64,
}

fn append_run(l: &mut Ledger, batch: u64, commits: u64) -> anyhow::Result<AppendRun> {
    let mut lat = Vec::with_capacity(commits as usize);
    let mut total = Duration::ZERO;
    for _ in 0..commits {
        let start = l.size();
        let vals: Vec<Value> = (start..start + batch).map(entry_256).collect();
        let t = Instant::now();
        l.append(&vals)?;
        let d = t.elapsed();
        total += d;
        lat.push(us(d));
    }
    let entries = batch * commits;
    Ok(AppendRun {
        batch,
        entries,
        per_s: entries as f64 / total.as_secs_f64(),
        p50_us: pct(&mut lat, 0.5),
        p99_us: pct(&mut lat, 0.99),
    })
}

struct GroupRun {
    writers: u64,
    entries: u64,
    per_s: f64,
    p50_us: f64,
}

/// Many threads appending one entry at a time through the group committer.
fn group_run(l: Ledger, writers: u64, each: u64) -> anyhow::Result<(Ledger, GroupRun)> {
    let g = GroupCommitter::new(l);
    let t = Instant::now();
    let lat: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let g = &g;
                s.spawn(move || -> anyhow::Result<Vec<f64>> {
                    let mut lat = Vec::new();
                    for i in 0..each {
                        let v = entry_256(1_000_000_000 + w * 1_000_000 + i);
                        let t = Instant::now();
                        g.append(vec![v])?;
                        lat.push(us(t.elapsed()));
                    }
                    Ok(lat)
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            match h.join() {
                Ok(Ok(v)) => all.extend(v),
                Ok(Err(e)) => return Err(e),
                Err(_) => anyhow::bail!("a writer thread panicked"),
            }
        }
        Ok(all)
    })?;
    let elapsed = t.elapsed().as_secs_f64();
    let mut lat = lat;
    let entries = writers * each;
    let run = GroupRun {
        writers,
        entries,
        per_s: entries as f64 / elapsed,
        p50_us: pct(&mut lat, 0.5),
    };
    Ok((g.into_inner()?, run))
}

fn bench(dir: &Path, entries: u64, as_json: bool) -> anyhow::Result<u8> {
    let progress = |m: &str| {
        if !as_json {
            eprintln!("… {m}");
        }
    };
    progress("hashing");
    let leaves_per_s = sha256_leaves_per_s();
    let block_bytes_per_s = sha256_block_bytes_per_s()?;
    progress("fdatasync");
    let mut fs = fdatasync_us(dir)?;
    let fsync_p50 = pct(&mut fs, 0.5);
    let fsync_p99 = pct(&mut fs, 0.99);

    let data = dir.join("data");
    let mut l = Ledger::init(&data, "bench.covenant.local/ledger")?;
    progress("durable append, batches of 1");
    let b1 = append_run(&mut l, 1, 200)?;
    progress("durable append, batches of 100");
    let b100 = append_run(&mut l, 100, 100)?;
    progress("durable append, batches of 1000");
    let b1000 = append_run(&mut l, 1000, entries / 1000)?;
    progress("group commit, 64 concurrent writers of 1 entry");
    let (l_back, group) = group_run(l, 64, 40)?;
    let mut l = l_back;
    let signer = NoteSigner::generate(l.origin())?;
    let t = Instant::now();
    let cp = l.checkpoint(&signer, super::ledger::now())?;
    let checkpoint_us = us(t.elapsed());
    let size = l.size();

    progress("inclusion proofs");
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..1000 {
        l.inclusion_proof(rng.next() % size, size)?;
    }
    let mut proof_lat = Vec::new();
    let mut verify_lat = Vec::new();
    let root = l.root()?;
    for _ in 0..5000 {
        let i = rng.next() % size;
        let t = Instant::now();
        let p = l.inclusion_proof(i, size)?;
        proof_lat.push(us(t.elapsed()));
        let leaf = merkle::leaf_hash(&l.entry(i)?);
        let t = Instant::now();
        merkle::verify_inclusion(i, size, &leaf, &p, &root)?;
        verify_lat.push(us(t.elapsed()));
    }
    let proof_p50 = pct(&mut proof_lat, 0.5);
    let proof_verify_p50 = pct(&mut verify_lat, 0.5);

    // Storage actually used per entry beyond the entry bytes (preallocated space not counted).
    let (used, _) = l.segment_bytes();
    let mut payload = 0u64;
    l.for_each_in(0, size, |_, e| {
        payload += e.len() as u64;
        Ok(())
    })?;
    let tree_bytes = std::fs::metadata(l.layout().level0())?.len()
        + std::fs::metadata(l.layout().level8())?.len();
    let overhead = (used + tree_bytes).saturating_sub(payload) as f64 / size as f64;
    drop(l);

    progress("full verify");
    let t = Instant::now();
    let report = verify(
        &data,
        &VerifyOptions {
            verifier: Some(signer.verifier()),
            ..Default::default()
        },
    )?;
    let verify_s = t.elapsed().as_secs_f64();
    if !report.ok() {
        anyhow::bail!(
            "the benchmark ledger did not verify: {:?}",
            report.discrepancies.first()
        );
    }
    let verify_per_s = report.entries as f64 / verify_s;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    progress("blob hashing from disk");
    let store = blob::BlobStore::new(dir.join("blobs"));
    let big = vec![0x42u8; (entries * 1024).min(256 << 20) as usize];
    let b = store.put_bytes(&big)?;
    drop(big);
    let t = Instant::now();
    let (hex, n) = blob::hash_reader(std::fs::File::open(store.path(&b.sha256))?)?;
    let blob_bytes_per_s = n as f64 / t.elapsed().as_secs_f64();
    anyhow::ensure!(hex == b.sha256, "blob hash mismatch");

    let fsync_bound_b1 = 1e6 / fsync_p50;
    let v = json!({
        "entries": size,
        "entry_bytes": 256,
        "sha256_leaves_per_s": leaves_per_s.round(),
        "sha256_block_bytes_per_s": block_bytes_per_s.round(),
        "fdatasync_p50_us": fsync_p50,
        "fdatasync_p99_us": fsync_p99,
        "append_entries_per_s": b1000.per_s.round(),
        "append_batch1000_commit_p50_us": b1000.p50_us,
        "append_batch1000_commit_p99_us": b1000.p99_us,
        "append_batch100_entries_per_s": b100.per_s.round(),
        "append_batch100_commit_p50_us": b100.p50_us,
        "append_batch1_entries_per_s": b1.per_s.round(),
        "append_batch1_commit_p50_us": b1.p50_us,
        "group_commit_writers": group.writers,
        "group_commit_entries_per_s": group.per_s.round(),
        "group_commit_p50_us": group.p50_us,
        "checkpoint_us": checkpoint_us,
        "verify_leaves_per_s": verify_per_s.round(),
        "verify_threads": threads,
        "verify_leaves_per_s_per_core": (verify_per_s / threads as f64).round(),
        "blob_hash_bytes_per_s": blob_bytes_per_s.round(),
        "inclusion_proof_p50_us": proof_p50,
        "inclusion_proof_tree_size": size,
        "proof_verify_p50_us": proof_verify_p50,
        "storage_overhead_bytes_per_entry": (overhead * 100.0).round() / 100.0,
        "checkpoint": cp.note,
    });
    let row = |name: &str, val: String, bound: String| format!("{name:<30} {val:>22}   {bound}\n");
    let mut t = String::new();
    t.push_str(&format!(
        "covenant bench ledger — {size} entries of 256 bytes in {}\n\n",
        dir.display()
    ));
    t.push_str(&row(
        "machine: sha256 256-B leaves",
        format!("{:.2} M/s", leaves_per_s / 1e6),
        String::new(),
    ));
    t.push_str(&row(
        "machine: sha256 1 MiB blocks",
        format!("{:.2} GB/s", block_bytes_per_s / 1e9),
        String::new(),
    ));
    t.push_str(&row(
        "machine: fdatasync",
        format!("p50 {fsync_p50:.0} µs"),
        format!("p99 {fsync_p99:.0} µs"),
    ));
    for r in [&b1, &b100, &b1000] {
        // A commit costs one fdatasync of the segment plus hashing every entry.
        let bound = (fsync_bound_b1 * r.batch as f64).min(leaves_per_s);
        t.push_str(&row(
            &format!("append, batches of {}", r.batch),
            format!("{:.0} entries/s", r.per_s),
            format!(
                "bound {:.0}/s (1 fdatasync per commit, sha256) = {:.0}%; commit p50 {:.0} µs, p99 {:.0} µs; {} entries",
                bound,
                100.0 * r.per_s / bound,
                r.p50_us,
                r.p99_us,
                r.entries
            ),
        ));
    }
    t.push_str(&row(
        &format!("full verify ({threads} threads)"),
        format!("{:.2} M leaves/s", verify_per_s / 1e6),
        format!(
            "bound: sha256 leaves {:.2} M/s × {threads} cores = {:.0}%; {:.2} M leaves/s per core",
            leaves_per_s / 1e6,
            100.0 * verify_per_s / (leaves_per_s * threads as f64),
            verify_per_s / threads as f64 / 1e6
        ),
    ));
    t.push_str(&row(
        &format!("group commit, {} writers × 1", group.writers),
        format!("{:.0} entries/s", group.per_s),
        format!(
            "vs {:.0}/s for one writer of 1; p50 {:.0} µs; {} entries",
            b1.per_s, group.p50_us, group.entries
        ),
    ));
    t.push_str(&row(
        "blob hashing from disk",
        format!("{:.2} GB/s", blob_bytes_per_s / 1e9),
        format!(
            "bound: sha256 blocks {:.2} GB/s = {:.0}%",
            block_bytes_per_s / 1e9,
            100.0 * blob_bytes_per_s / block_bytes_per_s
        ),
    ));
    t.push_str(&row(
        "inclusion proof",
        format!("p50 {proof_p50:.1} µs"),
        format!(
            "at {size} entries; ≈255 node hashes ≈ {:.1} µs of sha256",
            255.0 / leaves_per_s * 1e6 * 0.6
        ),
    ));
    t.push_str(&row(
        "proof verification",
        format!("p50 {proof_verify_p50:.2} µs"),
        String::new(),
    ));
    t.push_str(&row(
        "checkpoint (sign + WORM write)",
        format!("{checkpoint_us:.0} µs"),
        "2 fsyncs + dir syncs".into(),
    ));
    t.push_str(&row(
        "storage overhead",
        format!("{overhead:.2} B/entry"),
        "framing 6 + leaf hash 32 + tiles".into(),
    ));
    emit(as_json, &v, &t)?;
    Ok(exit::OK)
}
