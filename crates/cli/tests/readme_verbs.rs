//! The README's verb table names exactly the verbs and subcommands the binary has.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// The command names under "Commands:" in `covenant [VERB] --help`, without `help`.
fn commands(verb: Option<&str>) -> BTreeSet<String> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_covenant"));
    c.args(verb).arg("--help");
    let out = String::from_utf8(c.output().unwrap().stdout).unwrap();
    out.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect()
}

/// Verb → subcommands, from the backticked names in the first column of the verb table:
/// `covenant ledger init\|append`, `calendar DIR`, `incident open\|close`.
fn readme_verbs() -> BTreeMap<String, BTreeSet<String>> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let table = readme
        .split("## Verbs")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    let mut verbs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split(" | ").next().unwrap();
        for name in first.split('`').skip(1).step_by(2) {
            let mut words = name.trim_start_matches("covenant ").split(' ');
            let verb = words.next().unwrap().to_string();
            let subs = verbs.entry(verb).or_default();
            if let Some(next) = words
                .next()
                .filter(|w| w.starts_with(|c: char| c.is_lowercase()))
            {
                subs.extend(next.split("\\|").map(str::to_string));
            }
        }
    }
    verbs
}

#[test]
fn the_readme_names_every_verb_and_subcommand() {
    let readme = readme_verbs();
    let binary = commands(None);
    assert_eq!(
        readme.keys().cloned().collect::<BTreeSet<_>>(),
        binary,
        "README verbs vs `covenant --help`"
    );
    for verb in &binary {
        assert_eq!(
            readme[verb],
            commands(Some(verb)),
            "README subcommands of `{verb}` vs `covenant {verb} --help`"
        );
    }
}
