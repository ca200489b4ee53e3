//! Calendar arithmetic for the timestamps entries carry: RFC 3339 formatting and
//! validation and `YYYY-MM-DD` dates. The ledger never reads the clock; callers pass
//! times in.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-23T01:02:03Z` for a point in time (second precision, UTC).
pub fn rfc3339_utc(t: SystemTime) -> String {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `2026-11-23` for a point in time (UTC).
pub fn date_utc(t: SystemTime) -> String {
    rfc3339_utc(t)[..10].to_string()
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Checks a `YYYY-MM-DD` calendar date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&s[..4]), digits(&s[5..7]), digits(&s[8..])) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// Checks an RFC 3339 date-time (`T` separator, `Z` or `±hh:mm` offset, optional fraction).
pub fn is_rfc3339(s: &str) -> bool {
    if s.len() < 20 || !s.is_char_boundary(10) || !is_date(&s[..10]) || s.as_bytes()[10] != b'T' {
        return false;
    }
    let rest = &s[11..];
    if rest.len() < 9 || !rest.is_char_boundary(8) {
        return false;
    }
    let (hms, mut tail) = rest.split_at(8);
    let hb = hms.as_bytes();
    if hb[2] != b':' || hb[5] != b':' {
        return false;
    }
    let (Some(h), Some(mi), Some(se)) = (digits(&hms[..2]), digits(&hms[3..5]), digits(&hms[6..]))
    else {
        return false;
    };
    if h > 23 || mi > 59 || se > 60 {
        return false;
    }
    if let Some(frac) = tail.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        tail = &frac[n..];
    }
    if tail == "Z" {
        return true;
    }
    let tb = tail.as_bytes();
    if tb.len() != 6 || !(tb[0] == b'+' || tb[0] == b'-') || tb[3] != b':' {
        return false;
    }
    matches!((digits(&tail[1..3]), digits(&tail[4..])), (Some(oh), Some(om)) if oh <= 23 && om <= 59)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_and_validates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_763_859_723);
        assert_eq!(rfc3339_utc(t), "2025-11-23T01:02:03Z");
        assert_eq!(date_utc(UNIX_EPOCH), "1970-01-01");
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert!(is_rfc3339("2026-03-31T09:00:00+02:00"));
        assert!(is_rfc3339("2026-03-31T09:00:00.5Z"));
        assert!(!is_rfc3339("2026-02-30T09:00:00Z"));
        assert!(!is_rfc3339("2026-03-31 09:00:00Z"));
        assert!(!is_rfc3339("2026-03-31T24:00:00Z"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-1-01"));
    }
}
