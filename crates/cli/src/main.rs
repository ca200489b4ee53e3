//! The `covenant` binary: parses arguments, calls the domain crates, renders results.
//! Reading the clock happens here and only here; domain code receives `now`.

mod clock;
mod cmd;
mod exit;
mod report;
mod state;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "covenant",
    version,
    about = "Security program as code, promises as proof"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a program directory (exit 0 valid, 1 rule violations, 2 invalid input).
    Check(cmd::check::Args),
    /// Print the JSON Schema of a program file kind.
    Schema(cmd::schema::Args),
    /// Render the program's documents into a directory.
    Publish(cmd::publish::Args),
    /// Scaffold a small valid program that teaches the schema.
    Init(cmd::init::Args),
    /// The tamper-evident ledger: init, append, checkpoint, verify, proof, export, keygen, entries.
    Ledger(cmd::ledger::Args),
    /// Record evidence in the ledger.
    Evidence(cmd::evidence::Args),
    /// Capacity checks run on the user's own machine.
    Bench(cmd::bench::Args),
    /// Vulnerability findings: ingest SBOMs and scanner output, list, show, triage, export, notify.
    Vuln(cmd::vuln::Args),
    /// Overdue and upcoming obligations, unbacked claims and control health.
    Status(cmd::status::Args),
    /// Upcoming obligations as an iCalendar feed.
    Calendar(cmd::calendar::Args),
    /// Record a security incident: open, notify, close.
    Incident(cmd::record::IncidentArgs),
    /// Record a release and the findings it fixes.
    Release(cmd::record::ReleaseArgs),
    /// Waive an obligation until a date, with a reason and an approver.
    Waive(cmd::record::WaiveArgs),
    /// Framework coverage: criteria with controls, backed or not, and gaps.
    Coverage(cmd::coverage::Args),
    /// Frameworks the program can cite: list, show, import, crosswalk.
    Framework(cmd::framework::Args),
    /// OSCAL: resolve profiles, export the program, validate OSCAL files.
    Oscal(cmd::oscal::Args),
    /// The multi-tenant server and REST API (SQLite by default, or PostgreSQL).
    Serve(cmd::serve::Args),
    /// Instance set-up: create-user (the first account is the administrator).
    Admin(cmd::admin::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(exit::USAGE),
            };
        }
    };
    let result = match cli.command {
        Command::Check(a) => cmd::check::run(a),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Publish(a) => cmd::publish::run(a),
        Command::Init(a) => cmd::init::run(a),
        Command::Ledger(a) => cmd::ledger::run(a),
        Command::Evidence(a) => cmd::evidence::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Vuln(a) => cmd::vuln::run(a),
        Command::Status(a) => cmd::status::run(a),
        Command::Calendar(a) => cmd::calendar::run(a),
        Command::Incident(a) => cmd::record::incident(a),
        Command::Release(a) => cmd::record::release(a),
        Command::Waive(a) => cmd::record::waive(a),
        Command::Coverage(a) => cmd::coverage::run(a),
        Command::Framework(a) => cmd::framework::run(a),
        Command::Oscal(a) => cmd::oscal::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Admin(a) => cmd::admin::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}
