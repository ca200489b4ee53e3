//! The one place the CLI reads the clock, and parsing of `--at`.

use anyhow::Context;
use jiff::Timestamp;

/// `--at` if given (an RFC 3339 time, or a date meaning its start in UTC), else the clock.
pub fn now(at: Option<&str>) -> anyhow::Result<Timestamp> {
    match at {
        Some(s) => parse_time(s),
        None => Ok(read_clock()),
    }
}

pub fn parse_time(s: &str) -> anyhow::Result<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let d: jiff::civil::Date = s.parse().with_context(|| {
        format!("`{s}` is not a time; write 2026-06-01T09:00:00Z or 2026-06-01")
    })?;
    Ok(d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
}

#[allow(clippy::disallowed_methods)]
fn read_clock() -> Timestamp {
    Timestamp::now()
}
