//! `covenant status PROGRAM_DIR [--at TIME] [--json]`: what is overdue, what is due in the
//! next 30 days, which claims are unbacked, and how each control is doing.

use crate::exit;
use crate::state::{self, DataDir};
use covenant_engine::claim::{ClaimState, Health};
use covenant_engine::obligation::Status;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    pub program: PathBuf,
    /// Evaluate at this time instead of now (RFC 3339, or a date).
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub data: DataDir,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Some(state::Judged {
        state, eval, now, ..
    }) = state::judge(&args.program, &args.data, args.at.as_deref())?
    else {
        return Ok(exit::USAGE);
    };
    for e in &state.event_errors {
        eprintln!("warning: {e}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&eval)?);
        return Ok(exit::OK);
    }
    let horizon = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap_or(now);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Status at {now}{}",
        if state.ledger_found {
            ""
        } else {
            " (no ledger yet: nothing recorded)"
        }
    );
    let overdue: Vec<_> = eval
        .obligations
        .iter()
        .filter(|o| o.status == Status::Overdue)
        .collect();
    let _ = writeln!(out, "\nOverdue ({})", overdue.len());
    for o in &overdue {
        let _ = writeln!(out, "  ✗ {}  due {}  [{}]", o.title, o.due, o.id);
    }
    let upcoming: Vec<_> = eval
        .obligations
        .iter()
        .filter(|o| matches!(o.status, Status::DueSoon | Status::Upcoming) && o.due <= horizon)
        .collect();
    let _ = writeln!(out, "\nDue in the next 30 days ({})", upcoming.len());
    for o in &upcoming {
        let mark = if o.status == Status::DueSoon {
            "!"
        } else {
            "·"
        };
        let _ = writeln!(out, "  {mark} {}  due {}  [{}]", o.title, o.due, o.id);
    }
    let unbacked: Vec<_> = eval
        .claims
        .iter()
        .filter(|c| c.state == ClaimState::Unbacked)
        .collect();
    let _ = writeln!(out, "\nUnbacked claims ({})", unbacked.len());
    for c in &unbacked {
        let _ = writeln!(out, "  ✗ {}: \"{}\"", c.id, c.text);
        for r in &c.reasons {
            let _ = writeln!(out, "      {r}");
        }
    }
    let _ = writeln!(out, "\nControl health");
    for h in [
        Health::Failing,
        Health::AtRisk,
        Health::Healthy,
        Health::Untracked,
    ] {
        let names: Vec<&str> = eval
            .controls
            .iter()
            .filter(|c| c.health == h)
            .map(|c| c.control.as_str())
            .collect();
        if !names.is_empty() {
            let _ = writeln!(
                out,
                "  {:<10} {:>3}  {}",
                format!("{h:?}").to_lowercase(),
                names.len(),
                names.join(", ")
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} met, {} waived, {} upcoming, {} due soon, {} overdue, {} missed",
        eval.count(Status::Met),
        eval.count(Status::Waived),
        eval.count(Status::Upcoming),
        eval.count(Status::DueSoon),
        eval.count(Status::Overdue),
        eval.count(Status::Missed)
    );
    print!("{out}");
    Ok(exit::OK)
}
