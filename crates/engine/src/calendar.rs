//! Working-time calendars: a time zone, working weekdays and holidays, and the deadline
//! arithmetic that SLA clocks and cadences need on them.

use covenant_model::duration::Duration;
use covenant_model::program::{Calendar, Weekday};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::collections::BTreeSet;

/// A calendar ready for arithmetic.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    pub id: String,
    pub tz: TimeZone,
    working: [bool; 7],
    holidays: BTreeSet<Date>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar `{0}`: unknown time zone `{1}`")]
    TimeZone(String, String),
    #[error("calendar `{0}` has no working day")]
    NoWorkingDay(String),
    #[error("the deadline falls outside the supported date range")]
    Range,
}

fn index(w: Weekday) -> usize {
    match w {
        Weekday::Mon => 0,
        Weekday::Tue => 1,
        Weekday::Wed => 2,
        Weekday::Thu => 3,
        Weekday::Fri => 4,
        Weekday::Sat => 5,
        Weekday::Sun => 6,
    }
}

impl WorkCalendar {
    pub fn from_model(c: &Calendar) -> Result<Self, CalendarError> {
        let tz = TimeZone::get(&c.time_zone)
            .map_err(|_| CalendarError::TimeZone(c.id.clone(), c.time_zone.clone()))?;
        let mut working = [false; 7];
        for w in &c.working_days {
            working[index(*w)] = true;
        }
        if !working.iter().any(|w| *w) {
            return Err(CalendarError::NoWorkingDay(c.id.clone()));
        }
        Ok(WorkCalendar {
            id: c.id.clone(),
            tz,
            working,
            holidays: c.holidays.iter().map(|h| h.date.0).collect(),
        })
    }

    /// UTC, Monday to Friday, no holidays: used when a program declares no calendar.
    pub fn utc_weekdays() -> Self {
        WorkCalendar {
            id: "utc".into(),
            tz: TimeZone::UTC,
            working: [true, true, true, true, true, false, false],
            holidays: BTreeSet::new(),
        }
    }

    pub fn with_holiday(mut self, date: Date) -> Self {
        self.holidays.insert(date);
        self
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        let wd = usize::try_from(d.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.working[wd] && !self.holidays.contains(&d)
    }

    /// The local date of an instant in this calendar's zone.
    pub fn local_date(&self, t: Timestamp) -> Date {
        t.to_zoned(self.tz.clone()).date()
    }

    /// The first instant of a local date (midnight, or the first valid time after a gap).
    pub fn start_of(&self, d: Date) -> Result<Timestamp, CalendarError> {
        d.to_datetime(Time::midnight())
            .to_zoned(self.tz.clone())
            .map(|z| z.timestamp())
            .map_err(|_| CalendarError::Range)
    }

    /// The end of a local date: the first instant of the next day. Deadlines expressed as
    /// dates ("due on 31 March") are met by anything before then.
    pub fn end_of(&self, d: Date) -> Result<Timestamp, CalendarError> {
        self.start_of(d.tomorrow().map_err(|_| CalendarError::Range)?)
    }

    /// The deadline `d` after `start`:
    /// - hours are elapsed time (a 72-hour clock is 72 real hours, across DST changes);
    /// - days keep the local wall-clock time (09:00 stays 09:00 across DST);
    /// - business days count working days after the start's local date and keep the local
    ///   time; a clock started on a non-working day starts at the next working day's midnight.
    pub fn add(&self, start: Timestamp, d: Duration) -> Result<Timestamp, CalendarError> {
        match d {
            Duration::Hours(n) => start
                .checked_add(i64::from(n).hours())
                .map_err(|_| CalendarError::Range),
            Duration::Days(n) => start
                .to_zoned(self.tz.clone())
                .checked_add(i64::from(n).days())
                .map(|z| z.timestamp())
                .map_err(|_| CalendarError::Range),
            Duration::BusinessDays(n) => {
                let z = start.to_zoned(self.tz.clone());
                let (mut date, time) = if self.is_working_day(z.date()) {
                    (z.date(), z.time())
                } else {
                    (self.next_working_day(z.date())?, Time::midnight())
                };
                for _ in 0..n {
                    date = self.next_working_day(date)?;
                }
                date.to_datetime(time)
                    .to_zoned(self.tz.clone())
                    .map(|z| z.timestamp())
                    .map_err(|_| CalendarError::Range)
            }
        }
    }

    /// The next working day strictly after `d`.
    pub fn next_working_day(&self, d: Date) -> Result<Date, CalendarError> {
        let mut next = d;
        // A calendar has at least one working weekday, but holidays could in theory fill
        // years; stop after ten years rather than loop forever.
        for _ in 0..3660 {
            next = next.tomorrow().map_err(|_| CalendarError::Range)?;
            if self.is_working_day(next) {
                return Ok(next);
            }
        }
        Err(CalendarError::Range)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    fn cal(tz: &str) -> WorkCalendar {
        let mut c = WorkCalendar::utc_weekdays();
        c.tz = TimeZone::get(tz).unwrap();
        c
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// (start, duration, expected deadline, zone)
    const CASES: &[(&str, &str, &str, &str)] = &[
        // business days skip the weekend: Friday + 1 business day is Monday
        (
            "2026-05-01T10:00:00Z",
            "1 business day",
            "2026-05-04T10:00:00Z",
            "UTC",
        ),
        (
            "2026-05-01T10:00:00Z",
            "5 business days",
            "2026-05-08T10:00:00Z",
            "UTC",
        ),
        // a clock started on Saturday runs from Monday midnight
        (
            "2026-05-02T15:00:00Z",
            "1 business day",
            "2026-05-05T00:00:00Z",
            "UTC",
        ),
        // year end: Thu 2026-12-31 + 2 business days = Mon 2027-01-04
        (
            "2026-12-31T09:00:00Z",
            "2 business days",
            "2027-01-04T09:00:00Z",
            "UTC",
        ),
        // leap day: 2028-02-28 + 1 day = 2028-02-29; 2028-02-28 (Mon) + 2 bd = Wed 03-01
        (
            "2028-02-28T12:00:00Z",
            "1 day",
            "2028-02-29T12:00:00Z",
            "UTC",
        ),
        (
            "2028-02-28T12:00:00Z",
            "2 business days",
            "2028-03-01T12:00:00Z",
            "UTC",
        ),
        // month end: 2026-01-31 + 1 day
        (
            "2026-01-31T23:00:00Z",
            "1 day",
            "2026-02-01T23:00:00Z",
            "UTC",
        ),
        // DST (Europe/Berlin springs forward 2026-03-29): 72 hours are real hours...
        (
            "2026-03-28T09:00:00+01:00",
            "72 hours",
            "2026-03-31T10:00:00+02:00",
            "Europe/Berlin",
        ),
        // ...but 3 days keep 09:00 local
        (
            "2026-03-28T09:00:00+01:00",
            "3 days",
            "2026-03-31T09:00:00+02:00",
            "Europe/Berlin",
        ),
        // autumn (2026-10-25): 1 day keeps local time, 24 hours does not
        (
            "2026-10-24T12:00:00+02:00",
            "1 day",
            "2026-10-25T12:00:00+01:00",
            "Europe/Berlin",
        ),
        (
            "2026-10-24T12:00:00+02:00",
            "24 hours",
            "2026-10-25T11:00:00+01:00",
            "Europe/Berlin",
        ),
        // business days across DST keep local time too
        (
            "2026-03-27T09:00:00+01:00",
            "1 business day",
            "2026-03-30T09:00:00+02:00",
            "Europe/Berlin",
        ),
        // US zone, 14 days across DST
        (
            "2026-03-01T08:00:00-05:00",
            "14 days",
            "2026-03-15T08:00:00-04:00",
            "America/New_York",
        ),
    ];

    #[test]
    fn date_rules_table() {
        for (start, dur, want, tz) in CASES {
            let got = cal(tz).add(ts(start), dur.parse().unwrap()).unwrap();
            assert_eq!(got, ts(want), "{start} + {dur} in {tz}");
        }
    }

    #[test]
    fn holidays_are_skipped() {
        // Mon 2026-01-26 is a holiday: Fri 23 + 1 business day = Tue 27
        let c = cal("UTC").with_holiday(date(2026, 1, 26));
        let got = c
            .add(ts("2026-01-23T10:00:00Z"), Duration::BusinessDays(1))
            .unwrap();
        assert_eq!(got, ts("2026-01-27T10:00:00Z"));
        assert!(!c.is_working_day(date(2026, 1, 26)));
    }
}
