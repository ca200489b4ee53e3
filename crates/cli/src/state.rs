//! Loading what program-scoped verbs work on: the program, the ledger's events, the
//! findings, and the evaluation at `now`.

use crate::report;
use anyhow::Context;
use covenant_engine::event::{Event, EventError, parse_events};
use covenant_engine::finding::FindingClock;
use covenant_engine::{Evaluation, evaluate};
use covenant_model::{Level, Program, Sources};
use jiff::Timestamp;
use std::path::{Path, PathBuf};

/// The one rule for where the CLI's ledger (its data directory) is, for every verb:
/// `--data`, else `$COVENANT_DATA` (clap reads both into `data`), else `PROGRAM/.covenant`
/// when that directory exists (a program and its recorded history can live side by side in
/// one repository), else `.covenant` in the current directory. PROGRAM is the verb's program:
/// its PROGRAM argument or `--program`. So `status PROGRAM` and `evidence add --program
/// PROGRAM` always use the same ledger. (`serve` and `admin` keep the server's own data
/// directory, `.covenant-server`: see the README.)
pub fn data_dir(data: Option<&Path>, program: Option<&Path>) -> PathBuf {
    if let Some(d) = data {
        return d.to_path_buf();
    }
    if let Some(beside) = program.map(|p| p.join(".covenant")).filter(|b| b.is_dir()) {
        return beside;
    }
    PathBuf::from(".covenant")
}

/// `--data` of the verbs that take a PROGRAM argument; see [`data_dir`].
#[derive(clap::Args, Clone, Debug)]
pub struct DataDir {
    /// Data directory holding the ledger (default: $COVENANT_DATA, else PROGRAM/.covenant if present, else ./.covenant).
    #[arg(long, env = "COVENANT_DATA")]
    pub data: Option<PathBuf>,
}

impl DataDir {
    pub fn resolve(&self, program: &Path) -> PathBuf {
        data_dir(self.data.as_deref(), Some(program))
    }
}

/// A program loaded without errors, or the rendered diagnostics.
pub fn load_program(
    dir: &Path,
) -> Result<(Sources, Program, Vec<covenant_model::Diagnostic>), String> {
    let sources = Sources::read_dir(dir)
        .map_err(|e| format!("error: cannot read program {}: {e}\n", dir.display()))?;
    let (program, diags) = covenant_model::check(&sources);
    if diags.iter().any(|d| d.level == Level::Error) {
        return Err(report::render(dir, &sources, &diags));
    }
    Ok((sources, program, diags))
}

pub struct State {
    pub events: Vec<(u64, Event)>,
    pub event_errors: Vec<EventError>,
    pub findings: Vec<FindingClock>,
    /// False when no ledger exists yet in the data directory.
    pub ledger_found: bool,
}

/// Reads the ledger's events; a missing ledger is an empty history, not an error.
pub fn read_state(data: &Path) -> anyhow::Result<State> {
    if !covenant_ledger::Layout::new(data).origin().exists() {
        return Ok(State {
            events: Vec::new(),
            event_errors: Vec::new(),
            findings: Vec::new(),
            ledger_found: false,
        });
    }
    // Read without the writer lock, so status and checks run beside a writer.
    let values = covenant_ledger::read_values(data)
        .with_context(|| format!("reading the ledger in {}", data.display()))?;
    let (events, event_errors) = parse_events(values.iter().map(|(s, v)| (*s, v)));
    let findings = covenant_vuln::sla::from_values(&values);
    Ok(State {
        events,
        event_errors,
        findings,
        ledger_found: true,
    })
}

pub fn evaluate_at(program: &Program, state: &State, now: Timestamp) -> anyhow::Result<Evaluation> {
    Ok(evaluate(program, &state.events, &state.findings, now)?)
}

/// A valid program evaluated at one moment against its ledger.
pub struct Judged {
    pub program: Program,
    pub state: State,
    pub eval: Evaluation,
    pub now: Timestamp,
}

/// Loads the program, reads its ledger and evaluates at `at` (or now). An invalid program
/// has its diagnostics printed and gives `None`, for which the caller exits 2.
pub fn judge(dir: &Path, data: &DataDir, at: Option<&str>) -> anyhow::Result<Option<Judged>> {
    let program = match load_program(dir) {
        Ok((_, p, _)) => p,
        Err(rendered) => {
            eprint!("{rendered}");
            return Ok(None);
        }
    };
    let now = crate::clock::now(at)?;
    let state = read_state(&data.resolve(dir))?;
    let eval = evaluate_at(&program, &state, now)?;
    Ok(Some(Judged {
        program,
        state,
        eval,
        now,
    }))
}
