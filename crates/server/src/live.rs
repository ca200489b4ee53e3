//! A workspace as the server holds it in memory: its program, the events and findings
//! read from its ledger, the ledger writer and its signing key, and a cached evaluation.
//!
//! Writes go through `record`: the entries and the state rows they record commit in one
//! database transaction, then the same entries (same sequence numbers) are appended to
//! the workspace's ledger files before the request is answered. If the process dies
//! between the two, `open` appends what the database holds beyond the ledger's size, so
//! the ledger always catches up with the committed state and never runs ahead of it.

use crate::blobs::{Blobs, LocalBlobs};
use covenant_engine::Evaluation;
use covenant_engine::event::{Event, parse_events};
use covenant_engine::finding::FindingClock;
use covenant_ledger::{Layout, Ledger, NoteSigner};
use covenant_model::Program;
use covenant_store::{NewEntry, Projection, Store, Workspace};
use covenant_vuln::FindingSet;
use jiff::Timestamp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("ledger: {0}")]
    Ledger(#[from] covenant_ledger::Error),
    #[error("store: {0}")]
    Store(#[from] covenant_store::StoreError),
    #[error("program: {0}")]
    Program(String),
    #[error("engine: {0}")]
    Engine(#[from] covenant_engine::evaluate::EvalError),
    #[error("entry is not canonical JSON: {0}")]
    Canonical(String),
    #[error("the evaluation task failed: {0}")]
    Evaluation(String),
    #[error("the write task failed: {0}")]
    Task(String),
    #[error(
        "the signing key {0} is missing but the workspace has entries; restore it from the backup (a new key would sign checkpoints nobody can link to the published one)"
    )]
    KeyMissing(PathBuf),
    #[error(
        "the ledger files hold {ledger} entries, the database {database}: the files are ahead (a restored backup, or another server on this database); restore a consistent backup"
    )]
    LedgerAhead { ledger: u64, database: u64 },
    #[error(
        "entry {0} differs between the database and the ledger files (or the database skips it); the workspace is not served until they agree"
    )]
    Diverged(u64),
    #[error(
        "the ledger files are behind the database at entry {0}; the workspace is read-only until restart"
    )]
    Poisoned(u64),
}

/// What the engine and the API read. Readers hold an `Arc` of it; writers change it in
/// place when no reader does and copy it otherwise.
#[derive(Clone)]
pub struct View {
    pub program: Arc<Program>,
    pub events: Vec<(u64, Event)>,
    /// Finding events (`finding.*`) in ledger order, for the fold.
    pub finding_values: Vec<(u64, Value)>,
    pub findings: Vec<FindingClock>,
    pub finding_set: FindingSet,
    /// Ledger entries committed.
    pub size: u64,
    /// Evidence records among `events`, kept so that summaries need not scan them.
    pub evidence: usize,
}

fn evidence_in(events: &[(u64, Event)]) -> usize {
    events
        .iter()
        .filter(|(_, e)| matches!(e, Event::EvidenceAdded { .. }))
        .count()
}

pub struct Live {
    pub workspace: Workspace,
    pub dir: PathBuf,
    pub view: std::sync::RwLock<Arc<View>>,
    ledger: tokio::sync::Mutex<Ledger>,
    signer: NoteSigner,
    pub blobs: Box<dyn Blobs>,
    cache: Mutex<Option<(u64, i64, Arc<Evaluation>)>>,
    /// Held while an evaluation is computed, so that a burst of requests after a write or
    /// at a minute's turn computes it once instead of once per request.
    computing: tokio::sync::Mutex<()>,
    poisoned: std::sync::atomic::AtomicBool,
    /// A background re-evaluation is running (see `evaluation_or_stale`).
    refreshing: std::sync::atomic::AtomicBool,
}

pub fn ledger_dir(data: &Path, slug: &str) -> PathBuf {
    data.join("workspaces").join(slug).join("ledger")
}

/// The ledger's name: its checkpoints say which log they are for.
pub fn origin(slug: &str) -> String {
    format!("covenant/{slug}")
}

fn is_finding_entry(v: &Value) -> bool {
    v.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("finding."))
}

/// Folds entries into a view one batch at a time, so that loading a large workspace never
/// holds every entry as a JSON tree at once (only finding entries are kept as JSON).
#[derive(Default)]
struct Folder {
    events: Vec<(u64, Event)>,
    finding_values: Vec<(u64, Value)>,
}

impl Folder {
    fn add(&mut self, seq: u64, v: Value) {
        if is_finding_entry(&v) {
            self.finding_values.push((seq, v));
        } else {
            let (parsed, _) = parse_events([(seq, &v)]);
            self.events.extend(parsed);
        }
    }

    fn view(self, program: Arc<Program>, size: u64) -> View {
        View {
            program,
            evidence: evidence_in(&self.events),
            events: self.events,
            findings: covenant_vuln::sla::from_values(&self.finding_values),
            finding_set: finding_set(&self.finding_values),
            finding_values: self.finding_values,
            size,
        }
    }
}

pub fn finding_set(values: &[(u64, Value)]) -> FindingSet {
    let mut set = FindingSet::default();
    for (i, (_, v)) in values.iter().enumerate() {
        if let Ok(Some(e)) = covenant_vuln::FindingEvent::from_json(v) {
            let _ = covenant_vuln::event::apply(&mut set, i, &e);
        }
    }
    set
}

impl Live {
    /// Opens a workspace: its ledger (created with a signing key on first use), catching
    /// the ledger files up with the database, and its events.
    pub async fn open(
        store: &Store,
        workspace: Workspace,
        data: &Path,
        program: Program,
    ) -> Result<Live, LiveError> {
        let dir = ledger_dir(data, &workspace.slug);
        let layout = Layout::new(&dir);
        let mut ledger = Ledger::open_or_init(&dir, &origin(&workspace.slug))?;
        let on_disk = ledger.size();
        if !layout.signer_key().exists() {
            // A key made now would sign checkpoints no one can link to the published key:
            // only a workspace with nothing recorded gets a new one.
            if on_disk > 0 || workspace.next_seq > 0 {
                return Err(LiveError::KeyMissing(layout.signer_key()));
            }
            covenant_ledger::keys::keygen(&layout, &origin(&workspace.slug), false)?;
        }
        let signer = covenant_ledger::keys::load_signer(&layout)?;
        let mut folder = Folder::default();
        let mut from = 0i64;
        let mut in_database = 0u64;
        loop {
            let rows = store.entries_from(&workspace.id, from, 10_000).await?;
            let Some(last) = rows.last() else { break };
            from = last.seq + 1;
            // Entries the files already hold must be the same bytes at the same positions:
            // an edited row would otherwise be served by the API while proofs prove the
            // original.
            let first = u64::try_from(rows[0].seq).unwrap_or(0);
            let mut diverged = None;
            ledger.for_each_in(first, first + rows.len() as u64, |seq, bytes| {
                let row = usize::try_from(seq - first).ok().and_then(|i| rows.get(i));
                if diverged.is_none()
                    && row.is_none_or(|r| r.seq != seq as i64 || r.body.as_bytes() != bytes)
                {
                    diverged = Some(seq);
                }
                Ok(())
            })?;
            if let Some(seq) = diverged {
                return Err(LiveError::Diverged(seq));
            }
            for r in rows {
                let seq = u64::try_from(r.seq).unwrap_or(0);
                if seq != in_database {
                    return Err(LiveError::Diverged(in_database));
                }
                in_database += 1;
                if seq >= ledger.size() {
                    ledger.append_canonical(&[r.body.as_bytes()])?;
                }
                let v: Value = serde_json::from_str(&r.body)
                    .map_err(|e| LiveError::Canonical(e.to_string()))?;
                folder.add(seq, v);
            }
        }
        if on_disk > in_database {
            return Err(LiveError::LedgerAhead {
                ledger: on_disk,
                database: in_database,
            });
        }
        let size = ledger.size();
        let view = folder.view(Arc::new(program), size);
        Ok(Live {
            blobs: Box::new(LocalBlobs::new(layout.blobs())),
            dir,
            workspace,
            view: std::sync::RwLock::new(Arc::new(view)),
            ledger: tokio::sync::Mutex::new(ledger),
            signer,
            cache: Mutex::new(None),
            computing: tokio::sync::Mutex::new(()),
            poisoned: std::sync::atomic::AtomicBool::new(false),
            refreshing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn view(&self) -> Arc<View> {
        match self.view.read() {
            Ok(v) => v.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn replace_view(&self, v: View) {
        match self.view.write() {
            Ok(mut g) => *g = Arc::new(v),
            Err(p) => *p.into_inner() = Arc::new(v),
        }
    }

    pub fn healthy(&self) -> bool {
        !self.poisoned.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Commits entries and their state rows, appends them to the ledger, and refreshes
    /// the view. Returns the entries' sequence numbers.
    ///
    /// The work runs in a task of its own and runs to its end even when the caller stops
    /// waiting: a request whose client timed out is dropped at its next await, and if that
    /// fell between the database commit and the ledger append, the committed entry had no
    /// ledger entry and the next write landed at its position (issue 14).
    pub async fn record(
        self: &Arc<Self>,
        store: &Store,
        actor: &str,
        now: Timestamp,
        entries: Vec<Value>,
        projections: Vec<Projection>,
    ) -> Result<Vec<u64>, LiveError> {
        let live = Arc::clone(self);
        let store = store.clone();
        let actor = actor.to_string();
        tokio::spawn(async move {
            live.record_to_end(&store, &actor, now, entries, projections)
                .await
        })
        .await
        .map_err(|e| LiveError::Task(e.to_string()))?
    }

    async fn record_to_end(
        &self,
        store: &Store,
        actor: &str,
        now: Timestamp,
        entries: Vec<Value>,
        projections: Vec<Projection>,
    ) -> Result<Vec<u64>, LiveError> {
        let mut ledger = self.ledger.lock().await;
        if !self.healthy() {
            return Err(LiveError::Poisoned(ledger.size()));
        }
        let mut new = Vec::with_capacity(entries.len());
        for e in &entries {
            let bytes = covenant_ledger::canonical::to_canonical(e)
                .map_err(|err| LiveError::Canonical(err.to_string()))?;
            let body =
                String::from_utf8(bytes).map_err(|err| LiveError::Canonical(err.to_string()))?;
            new.push(NewEntry {
                entry_type: e
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                actor: actor.to_string(),
                at: now.as_millisecond(),
                body,
            });
        }
        let seqs = store.commit(&self.workspace.id, &new, &projections).await?;
        let bodies: Vec<&[u8]> = new.iter().map(|n| n.body.as_bytes()).collect();
        let appended = ledger.append_canonical(&bodies);
        let seqs: Vec<u64> = seqs
            .into_iter()
            .map(|s| u64::try_from(s).unwrap_or(0))
            .collect();
        match appended {
            Ok(got) if got == seqs => {}
            Ok(_) | Err(_) => {
                // The database committed; the files did not follow. Refuse further writes
                // until a restart re-appends from the database (see the module comment).
                self.poisoned
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                return Err(LiveError::Poisoned(seqs.first().copied().unwrap_or(0)));
            }
        }
        let mut folder = Folder::default();
        for (seq, e) in seqs.iter().zip(entries) {
            folder.add(*seq, e);
        }
        let size = ledger.size();
        // Extended in place when no request holds the current view (the usual case), so a
        // write costs what it adds, not a copy of every event; otherwise copied as before.
        let mut guard = match self.view.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let view = Arc::make_mut(&mut guard);
        view.evidence += evidence_in(&folder.events);
        view.events.extend(folder.events);
        if !folder.finding_values.is_empty() {
            view.finding_values.extend(folder.finding_values);
            view.findings = covenant_vuln::sla::from_values(&view.finding_values);
            view.finding_set = finding_set(&view.finding_values);
        }
        view.size = size;
        drop(guard);
        Ok(seqs)
    }

    pub fn replace_program(&self, program: Program) {
        let old = self.view();
        self.replace_view(View {
            program: Arc::new(program),
            events: old.events.clone(),
            finding_values: old.finding_values.clone(),
            findings: old.findings.clone(),
            finding_set: old.finding_set.clone(),
            size: old.size,
            evidence: old.evidence,
        });
        if let Ok(mut c) = self.cache.lock() {
            *c = None;
        }
    }

    /// The evaluation at `now`, computed at most once per minute and ledger size: the
    /// dashboard is read far more often than anything changes. The computation runs on the
    /// blocking pool (it takes milliseconds to seconds on a large workspace), one at a time.
    pub async fn evaluation(&self, now: Timestamp) -> Result<Arc<Evaluation>, LiveError> {
        let view = self.view();
        let minute = now.as_second().div_euclid(60);
        if let Some(eval) = self.cached(view.size, minute) {
            return Ok(eval);
        }
        let _computing = self.computing.lock().await;
        // Whoever held the lock before may have computed just this.
        if let Some(eval) = self.cached(view.size, minute) {
            return Ok(eval);
        }
        // At `now`, not at the minute's start: an entry recorded earlier in this minute
        // (an upload just made) must count, and an evaluation at the minute's start would
        // not see it. Within the minute the cached answer is at most a minute old.
        let at = now;
        let size = view.size;
        let started = std::time::Instant::now();
        let eval = tokio::task::spawn_blocking(move || {
            covenant_engine::evaluate(&view.program, &view.events, &view.findings, at)
        })
        .await
        .map_err(|e| LiveError::Evaluation(e.to_string()))??;
        tracing::info!(
            workspace = %self.workspace.slug,
            ledger_size = size,
            millis = started.elapsed().as_millis() as u64,
            "evaluation computed"
        );
        let eval = Arc::new(eval);
        if let Ok(mut c) = self.cache.lock() {
            *c = Some((size, minute, eval.clone()));
        }
        Ok(eval)
    }

    fn cached(&self, size: u64, minute: i64) -> Option<Arc<Evaluation>> {
        let c = self.cache.lock().ok()?;
        let (s, m, eval) = c.as_ref()?;
        (*s == size && *m == minute).then(|| eval.clone())
    }

    /// Like `evaluation`, for reads that can take an answer a minute old: when only the
    /// minute has turned since the cached evaluation (no new entries), the cached one is
    /// returned at once and a fresh one is computed in the background, so no request
    /// waits for the once-a-minute re-evaluation. After a write the ledger size differs
    /// and the evaluation is computed on the spot, so a change is visible to the next read.
    pub async fn evaluation_or_stale(
        self: &Arc<Self>,
        now: Timestamp,
    ) -> Result<Arc<Evaluation>, LiveError> {
        let size = self.view().size;
        let stale = match self.cache.lock() {
            Ok(c) => c
                .as_ref()
                .filter(|(s, _, _)| *s == size)
                .map(|(_, m, e)| (*m == now.as_second().div_euclid(60), e.clone())),
            Err(_) => None,
        };
        match stale {
            Some((true, eval)) => Ok(eval),
            Some((false, eval)) => {
                if !self
                    .refreshing
                    .swap(true, std::sync::atomic::Ordering::SeqCst)
                {
                    let live = self.clone();
                    tokio::spawn(async move {
                        if let Err(e) = live.evaluation(now).await {
                            tracing::warn!(error = %e, "background evaluation failed");
                        }
                        live.refreshing
                            .store(false, std::sync::atomic::Ordering::SeqCst);
                    });
                }
                Ok(eval)
            }
            None => self.evaluation(now).await,
        }
    }

    /// Signs a checkpoint of the ledger as it stands.
    pub async fn checkpoint(
        &self,
        now: Timestamp,
    ) -> Result<covenant_ledger::SignedCheckpoint, LiveError> {
        let mut ledger = self.ledger.lock().await;
        let t = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(u64::try_from(now.as_second()).unwrap_or(0));
        Ok(ledger.checkpoint(&self.signer, t)?)
    }

    /// Runs `f` with the ledger (for proofs and exports), holding the writer lock.
    pub async fn with_ledger<T>(&self, f: impl FnOnce(&Ledger) -> T) -> T {
        let ledger = self.ledger.lock().await;
        f(&ledger)
    }

    pub fn verifier_key(&self) -> String {
        self.signer.verifier().to_key_string()
    }
}
