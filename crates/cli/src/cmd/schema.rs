//! `covenant schema [KIND]`: JSON Schemas for editors.

use crate::exit;
use covenant_model::schema::{KINDS, schema_for};

#[derive(clap::Args)]
pub struct Args {
    /// The file kind; without it, every kind is printed as one JSON object keyed by kind.
    pub kind: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.kind {
        Some(kind) => match schema_for(&kind) {
            Some(s) => println!("{}", serde_json::to_string_pretty(&s)?),
            None => {
                eprintln!(
                    "error: unknown file kind `{kind}`; expected one of {}",
                    KINDS.join(", ")
                );
                return Ok(exit::USAGE);
            }
        },
        None => {
            let all: serde_json::Map<String, serde_json::Value> = KINDS
                .iter()
                .filter_map(|k| schema_for(k).map(|s| (k.to_string(), s.to_value())))
                .collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        }
    }
    Ok(exit::OK)
}
