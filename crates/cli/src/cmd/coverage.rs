//! `covenant coverage PROGRAM_DIR --framework ID`: which criteria have controls, which of
//! those are backed now, and which are gaps.

use crate::exit;
use crate::state::{self, DataDir};
use covenant_engine::Evaluation;
use covenant_engine::coverage::{self, Coverage};
use covenant_model::Program;
use covenant_model::framework::Registry;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    pub program: PathBuf,
    /// Framework prefix, e.g. `soc2`, `iso27001`, `nist-csf`, or one the program adds.
    #[arg(long)]
    pub framework: String,
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub data: DataDir,
    #[arg(long)]
    pub json: bool,
    /// List only gaps and unbacked criteria.
    #[arg(long)]
    pub problems: bool,
}

/// Coverage of every framework the program speaks to, directly or through a crosswalk.
pub fn all(program: &Program, eval: &Evaluation) -> Vec<Coverage> {
    Registry::of(program)
        .catalogs
        .iter()
        .filter_map(|c| coverage::coverage(program, eval, c.prefix()))
        .filter(|c| {
            c.rows.iter().any(|r| !r.implementations.is_empty()) || c.summary.not_applicable > 0
        })
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Some(state::Judged {
        program, eval, now, ..
    }) = state::judge(&args.program, &args.data, args.at.as_deref())?
    else {
        return Ok(exit::USAGE);
    };
    let Some(cov) = coverage::coverage(&program, &eval, &args.framework) else {
        let known: Vec<&str> = Registry::of(&program)
            .catalogs
            .iter()
            .map(|c| c.prefix())
            .collect();
        eprintln!(
            "error: no framework `{}`; known: {}",
            args.framework,
            known.join(", ")
        );
        return Ok(exit::USAGE);
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&cov)?);
        return Ok(exit::OK);
    }
    let mut out = String::new();
    let s = &cov.summary;
    let _ = writeln!(out, "{} at {now}", cov.name);
    let _ = writeln!(
        out,
        "{} criteria: {} backed, {} unbacked, {} unsupported, {} customer, {} gaps, {} not applicable\n",
        s.criteria, s.backed, s.unbacked, s.unsupported, s.customer, s.gaps, s.not_applicable
    );
    for r in &cov.rows {
        use covenant_engine::coverage::CoverageState as S;
        if args.problems && !matches!(r.state, S::Gap | S::Unbacked) {
            continue;
        }
        let controls: Vec<String> = r
            .implementations
            .iter()
            .map(|i| match &i.via {
                Some(v) => format!("{} (via {}, {})", i.control, v.cited, v.relationship),
                None => i.control.clone(),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<10} {:<12} {}  {}",
            r.criterion,
            format!("{:?}", r.state).to_lowercase(),
            r.title,
            controls.join(", ")
        );
    }
    print!("{out}");
    Ok(exit::OK)
}
