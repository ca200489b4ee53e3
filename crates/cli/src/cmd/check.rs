//! `covenant check PROGRAM_DIR`: validate a program and report every problem.

use crate::exit;
use crate::report;
use covenant_model::{Severity, Sources};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The program directory (holding program.yaml).
    pub program: PathBuf,
    /// Print diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let sources = match Sources::read_dir(&args.program) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read program {}: {e}", args.program.display());
            return Ok(exit::USAGE);
        }
    };
    let (_program, diags) = covenant_model::check(&sources);
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report::json(&args.program, &diags))?);
    } else {
        eprint!("{}", report::render(&args.program, &sources, &diags));
        if errors == 0 {
            println!("{}: valid ({} warnings)", args.program.display(), diags.len());
        } else {
            eprintln!("{}: {errors} errors, {} warnings", args.program.display(), diags.len() - errors);
        }
    }
    Ok(if errors > 0 { exit::USAGE } else { exit::OK })
}
