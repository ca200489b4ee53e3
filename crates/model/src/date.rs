//! Calendar dates as written in the program (`2026-05-01`).

use crate::scalar::string_type;
use std::fmt;
use std::str::FromStr;

/// A calendar date with no time zone; which zone applies is the calendar's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub jiff::civil::Date);

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let bad = || format!("`{t}` is not a date; write it as YYYY-MM-DD, e.g. 2026-05-01");
        if t.len() != 10 {
            return Err(bad());
        }
        t.parse::<jiff::civil::Date>().map(Date).map_err(|_| bad())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

string_type!(
    Date,
    "Date",
    "a date written YYYY-MM-DD",
    r"^\d{4}-\d{2}-\d{2}$"
);
