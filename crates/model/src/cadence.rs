//! How often a recurring activity happens: `quarterly`, `annual`, `every 30 days`.

use crate::scalar::string_type;
use std::fmt;
use std::str::FromStr;

/// The period of a recurring activity. Month-based periods keep calendar semantics
/// (a quarterly review anchored on Jan 31 falls on Apr 30), so they are not day counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cadence {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    SemiAnnual,
    Annual,
    EveryDays(u32),
    EveryMonths(u32),
}

impl Cadence {
    /// Month-based cadences as a number of months; day-based ones as `None`.
    pub fn months(self) -> Option<u32> {
        match self {
            Cadence::Monthly => Some(1),
            Cadence::Quarterly => Some(3),
            Cadence::SemiAnnual => Some(6),
            Cadence::Annual => Some(12),
            Cadence::EveryMonths(n) => Some(n),
            _ => None,
        }
    }

    /// Day-based cadences as a number of days; month-based ones as `None`.
    pub fn days(self) -> Option<u32> {
        match self {
            Cadence::Daily => Some(1),
            Cadence::Weekly => Some(7),
            Cadence::EveryDays(n) => Some(n),
            _ => None,
        }
    }
}

const HELP: &str = "use daily, weekly, monthly, quarterly, semi-annual, annual, `every N days` or `every N months`";

impl FromStr for Cadence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase();
        let fixed = match t.as_str() {
            "daily" => Some(Cadence::Daily),
            "weekly" => Some(Cadence::Weekly),
            "monthly" => Some(Cadence::Monthly),
            "quarterly" => Some(Cadence::Quarterly),
            "semi-annual" | "semiannual" | "semi-annually" | "biannual" => {
                Some(Cadence::SemiAnnual)
            }
            "annual" | "annually" | "yearly" => Some(Cadence::Annual),
            _ => None,
        };
        if let Some(c) = fixed {
            return Ok(c);
        }
        let bad = || format!("`{}` is not a cadence; {HELP}", s.trim());
        let rest = t.strip_prefix("every").ok_or_else(bad)?.trim();
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (num, unit) = rest.split_at(digits_end);
        let n: u32 = num.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(format!("`{}`: the period must be at least 1", s.trim()));
        }
        match unit.trim() {
            "d" | "day" | "days" => Ok(Cadence::EveryDays(n)),
            "w" | "week" | "weeks" => n.checked_mul(7).map(Cadence::EveryDays).ok_or_else(bad),
            "month" | "months" => Ok(Cadence::EveryMonths(n)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Daily => f.write_str("daily"),
            Cadence::Weekly => f.write_str("weekly"),
            Cadence::Monthly => f.write_str("monthly"),
            Cadence::Quarterly => f.write_str("quarterly"),
            Cadence::SemiAnnual => f.write_str("semi-annual"),
            Cadence::Annual => f.write_str("annual"),
            Cadence::EveryDays(n) => write!(f, "every {n} days"),
            Cadence::EveryMonths(n) => write!(f, "every {n} months"),
        }
    }
}

string_type!(
    Cadence,
    "Cadence",
    "daily, weekly, monthly, quarterly, semi-annual, annual, `every N days` or `every N months`",
    r"^\s*(daily|weekly|monthly|quarterly|semi-?annual(ly)?|biannual|annual(ly)?|yearly|every\s*\d+\s*(d|days?|w|weeks?|months?))\s*$"
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_named_and_counted_cadences() {
        assert_eq!("Quarterly".parse(), Ok(Cadence::Quarterly));
        assert_eq!("every 30 days".parse(), Ok(Cadence::EveryDays(30)));
        assert_eq!("every 2 weeks".parse(), Ok(Cadence::EveryDays(14)));
        assert_eq!("every 18 months".parse(), Ok(Cadence::EveryMonths(18)));
        assert!("fortnightly".parse::<Cadence>().is_err());
        assert!("every 0 days".parse::<Cadence>().is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(n in 1u32..10_000, months in any::<bool>()) {
            let c = if months { Cadence::EveryMonths(n) } else { Cadence::EveryDays(n) };
            prop_assert_eq!(c.to_string().parse::<Cadence>(), Ok(c));
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = s.parse::<Cadence>();
        }
    }
}
