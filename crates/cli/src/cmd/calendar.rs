//! `covenant calendar PROGRAM_DIR --ics`: upcoming obligations as an iCalendar feed.
//!
//! The ICS text is written here rather than with a crate: the Rust iCalendar crates pull
//! in chrono (a second time library beside jiff) and random UIDs, which would break
//! byte-for-byte reproducible output. RFC 5545 escaping and line folding are all we need.

use crate::exit;
use crate::state::{self, DataDir};
use covenant_engine::obligation::Status;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    pub program: PathBuf,
    /// Print iCalendar (the only format so far; kept explicit for later formats).
    #[arg(long)]
    pub ics: bool,
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub data: DataDir,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets, on character boundaries (RFC 5545 3.1).
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        let w = c.len_utf8();
        if len + w > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += w;
    }
    out.push_str("\r\n");
    out
}

fn stamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Some(state::Judged {
        program, eval, now, ..
    }) = state::judge(&args.program, &args.data, args.at.as_deref())?
    else {
        return Ok(exit::USAGE);
    };
    let product = program
        .manifest
        .as_ref()
        .map(|m| m.value.product.name.clone())
        .unwrap_or_default();
    let mut ics = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Covenant//Obligations//EN",
        "CALSCALE:GREGORIAN",
    ] {
        ics.push_str(&fold(l));
    }
    ics.push_str(&fold(&format!(
        "X-WR-CALNAME:{}",
        escape(&format!("{product} obligations"))
    )));
    for o in eval.obligations.iter().filter(|o| {
        matches!(
            o.status,
            Status::Upcoming | Status::DueSoon | Status::Overdue
        )
    }) {
        ics.push_str(&fold("BEGIN:VEVENT"));
        ics.push_str(&fold(&format!("UID:{}@covenant", escape(&o.id))));
        // DTSTAMP is the evaluation time, not the clock at render, so --at gives the same bytes.
        ics.push_str(&fold(&format!("DTSTAMP:{}", stamp(now))));
        ics.push_str(&fold(&format!("DTSTART:{}", stamp(o.due))));
        ics.push_str(&fold(&format!("SUMMARY:{}", escape(&o.title))));
        ics.push_str(&fold(&format!(
            "DESCRIPTION:{}",
            escape(&format!("{} ({})", o.id, o.status.label()))
        )));
        ics.push_str(&fold(&format!(
            "STATUS:{}",
            if o.status == Status::Overdue {
                "NEEDS-ACTION"
            } else {
                "CONFIRMED"
            }
        )));
        ics.push_str(&fold("END:VEVENT"));
    }
    ics.push_str(&fold("END:VCALENDAR"));
    print!("{ics}");
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_long_lines_at_75_octets() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75, "{part}");
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
