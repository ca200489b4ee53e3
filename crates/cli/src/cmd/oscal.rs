//! `covenant oscal ...`: OSCAL profile resolution, export and validation.

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<u8> {
    eprintln!("error: covenant oscal is not implemented yet");
    Ok(crate::exit::USAGE)
}
