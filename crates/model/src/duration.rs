//! Durations and deadlines as programs write them: `24h`, `14 days`, `5 business days`,
//! `next release`.

use crate::scalar::string_type;
use std::fmt;
use std::str::FromStr;

/// A span of time in the unit the promise was made in; business days need a calendar,
/// so the unit is kept rather than converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Duration {
    Hours(u32),
    Days(u32),
    BusinessDays(u32),
}

/// A remediation target: a duration, or the next scheduled release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Within(Duration),
    NextRelease,
}

const DURATION_HELP: &str =
    "write a number and a unit: `24h`, `72 hours`, `14d`, `14 days`, `5 business days`";

impl FromStr for Duration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(digits_end);
        let n: u32 = num
            .parse()
            .map_err(|_| format!("`{}` is not a duration; {DURATION_HELP}", s.trim()))?;
        if n == 0 {
            return Err(format!(
                "`{}` is zero; a duration must be at least 1",
                s.trim()
            ));
        }
        match unit.trim() {
            "h" | "hour" | "hours" => Ok(Duration::Hours(n)),
            "d" | "day" | "days" => Ok(Duration::Days(n)),
            "bd" | "business day" | "business days" | "business-days" => {
                Ok(Duration::BusinessDays(n))
            }
            "w" | "week" | "weeks" => n
                .checked_mul(7)
                .map(Duration::Days)
                .ok_or_else(|| format!("`{}` is too long", s.trim())),
            other => Err(format!(
                "`{other}` is not a unit of time in `{}`; {DURATION_HELP}",
                s.trim()
            )),
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = match *self {
            Duration::Hours(n) => (n, "hour"),
            Duration::Days(n) => (n, "day"),
            Duration::BusinessDays(n) => (n, "business day"),
        };
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

impl FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        if matches!(
            t.as_str(),
            "next release" | "next-release" | "next scheduled release"
        ) {
            return Ok(Target::NextRelease);
        }
        s.parse::<Duration>()
            .map(Target::Within)
            .map_err(|e| format!("{e}, or `next release`"))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Within(d) => d.fmt(f),
            Target::NextRelease => f.write_str("next scheduled release"),
        }
    }
}

string_type!(
    Duration,
    "Duration",
    "a duration such as `24h`, `14 days` or `5 business days`",
    r"^\s*\d+\s*(h|hours?|d|days?|w|weeks?|bd|business[ -]days?)\s*$"
);
string_type!(
    Target,
    "Target",
    "a duration such as `72h` or `14 days`, or `next release`",
    r"^\s*(next( scheduled)?[ -]release|\d+\s*(h|hours?|d|days?|w|weeks?|bd|business[ -]days?))\s*$"
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_programs_use() {
        assert_eq!("24h".parse(), Ok(Duration::Hours(24)));
        assert_eq!("72 hours".parse(), Ok(Duration::Hours(72)));
        assert_eq!("14 days".parse(), Ok(Duration::Days(14)));
        assert_eq!("5 business days".parse(), Ok(Duration::BusinessDays(5)));
        assert_eq!("2w".parse(), Ok(Duration::Days(14)));
        assert_eq!("Next scheduled release".parse(), Ok(Target::NextRelease));
        assert!("0h".parse::<Duration>().is_err());
        assert!(
            "14 fortnights"
                .parse::<Duration>()
                .unwrap_err()
                .contains("fortnights")
        );
        assert!("soon".parse::<Target>().is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(n in 1u32..100_000, unit in 0..3) {
            let d = match unit { 0 => Duration::Hours(n), 1 => Duration::Days(n), _ => Duration::BusinessDays(n) };
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = s.parse::<Target>();
        }
    }
}
