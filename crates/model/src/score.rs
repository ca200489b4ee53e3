//! CVSS score ranges as written in an SLA band: `9.0-10.0`.

use crate::scalar::string_type;
use std::fmt;
use std::str::FromStr;

/// An inclusive range of CVSS base scores, kept in tenths so that coverage of 0.1–10.0
/// can be checked exactly (CVSS scores have one decimal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScoreRange {
    pub low_tenths: u8,
    pub high_tenths: u8,
}

impl ScoreRange {
    pub fn contains(&self, score: f64) -> bool {
        let t = (score * 10.0).round();
        t >= f64::from(self.low_tenths) && t <= f64::from(self.high_tenths)
    }
}

fn tenths(s: &str) -> Option<u8> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, "0"),
    };
    if whole.is_empty() || frac.len() != 1 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: u8 = whole.parse().ok()?;
    let f: u8 = frac.parse().ok()?;
    let t = w.checked_mul(10)?.checked_add(f)?;
    (t <= 100).then_some(t)
}

impl FromStr for ScoreRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{}` is not a CVSS range; write `LOW-HIGH` with one decimal between 0.0 and 10.0, e.g. `7.0-8.9`",
                s.trim()
            )
        };
        let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
        let (low, high) = (tenths(a).ok_or_else(bad)?, tenths(b).ok_or_else(bad)?);
        if low > high {
            return Err(format!(
                "`{}` runs backwards; put the lower score first",
                s.trim()
            ));
        }
        Ok(ScoreRange {
            low_tenths: low,
            high_tenths: high,
        })
    }
}

impl fmt::Display for ScoreRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}-{}.{}",
            self.low_tenths / 10,
            self.low_tenths % 10,
            self.high_tenths / 10,
            self.high_tenths % 10
        )
    }
}

string_type!(
    ScoreRange,
    "ScoreRange",
    "an inclusive CVSS base score range such as `7.0-8.9`",
    r"^\s*\d{1,2}(\.\d)?\s*[-–]\s*\d{1,2}(\.\d)?\s*$"
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_seed_bands() {
        let r: ScoreRange = "9.0-10.0".parse().unwrap();
        assert_eq!((r.low_tenths, r.high_tenths), (90, 100));
        assert!(r.contains(9.8) && !r.contains(8.9));
        assert!("8.9-7.0".parse::<ScoreRange>().is_err());
        assert!("7-11".parse::<ScoreRange>().is_err());
        assert!("7.05-8".parse::<ScoreRange>().is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(a in 0u8..=100, b in 0u8..=100) {
            let r = ScoreRange { low_tenths: a.min(b), high_tenths: a.max(b) };
            prop_assert_eq!(r.to_string().parse::<ScoreRange>(), Ok(r));
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = s.parse::<ScoreRange>();
        }
    }
}
