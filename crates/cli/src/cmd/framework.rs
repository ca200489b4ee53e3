//! `covenant framework list|show ID`: the frameworks a program can cite and their criteria.

use crate::exit;
use crate::state;
use covenant_model::framework::Registry;
use serde_json::json;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
    /// The program whose own frameworks (frameworks/) are listed beside the built-ins.
    #[arg(long, global = true, default_value = ".")]
    program: PathBuf,
    #[arg(long, global = true)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// The frameworks known to the program: built-ins and its own.
    List,
    /// The criteria of one framework.
    Show { id: String },
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let program = if args.program.join("program.yaml").exists() {
        match state::load_program(&args.program) {
            Ok((_, p, _)) => p,
            Err(rendered) => {
                eprint!("{rendered}");
                return Ok(exit::USAGE);
            }
        }
    } else {
        covenant_model::Program::default()
    };
    let registry = Registry::of(&program);
    match args.cmd {
        Cmd::List => {
            let rows: Vec<_> = registry
                .catalogs
                .iter()
                .map(|c| json!({ "id": c.prefix(), "name": c.name(), "criteria": c.criteria().len() }))
                .collect();
            if args.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for c in &registry.catalogs {
                    println!(
                        "{:<14} {:>5} criteria  {}",
                        c.prefix(),
                        c.criteria().len(),
                        c.name()
                    );
                }
            }
        }
        Cmd::Show { id } => {
            let Some(cat) = registry.get(&id) else {
                eprintln!("error: no framework `{id}`; run `covenant framework list`");
                return Ok(exit::USAGE);
            };
            let criteria = cat.criteria();
            if args.json {
                let rows: Vec<_> = criteria
                    .iter()
                    .map(|c| json!({ "id": c.id, "title": c.title, "parent": c.parent }))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &json!({ "id": cat.prefix(), "name": cat.name(), "criteria": rows })
                    )?
                );
            } else {
                println!("{} ({})", cat.name(), cat.prefix());
                for c in criteria {
                    let indent = if c.parent.is_some() { "  " } else { "" };
                    println!("{indent}{:<12} {}", c.id, c.title);
                }
            }
        }
    }
    Ok(exit::OK)
}
