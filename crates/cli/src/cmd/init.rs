//! `covenant init DIR`: scaffold a small valid program whose comments teach the schema.

use crate::exit;
use anyhow::Context;
use std::path::PathBuf;

/// The scaffold, embedded so that the binary needs no other file.
const FILES: &[(&str, &str)] = &[
    ("program.yaml", include_str!("../../init/program.yaml")),
    ("areas.yaml", include_str!("../../init/areas.yaml")),
    (
        "components.yaml",
        include_str!("../../init/components.yaml"),
    ),
    (
        "controls/access-review.yaml",
        include_str!("../../init/controls/access-review.yaml"),
    ),
    (
        "commitments/remediation-sla.yaml",
        include_str!("../../init/commitments/remediation-sla.yaml"),
    ),
    ("artifacts.yaml", include_str!("../../init/artifacts.yaml")),
    (
        "alignment/soc2.yaml",
        include_str!("../../init/alignment/soc2.yaml"),
    ),
    (
        "policies/information-security.md",
        include_str!("../../init/policies/information-security.md"),
    ),
];

#[derive(clap::Args)]
pub struct Args {
    /// The directory to create; it must not exist or be empty.
    pub dir: PathBuf,
    /// Print the created files as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.dir.exists()
        && std::fs::read_dir(&args.dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!(
            "error: {} exists and is not empty; choose a new directory",
            args.dir.display()
        );
        return Ok(exit::USAGE);
    }
    for (name, text) in FILES {
        let path = args.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let files: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        println!(
            "{}",
            serde_json::json!({ "created": args.dir.display().to_string(), "files": files })
        );
    } else {
        println!("created a program in {}", args.dir.display());
        println!(
            "next: covenant check {0} && covenant publish {0} --out {0}/public",
            args.dir.display()
        );
    }
    Ok(exit::OK)
}
