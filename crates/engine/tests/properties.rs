#![allow(clippy::unwrap_used)]
mod common;

use common::{program, ts};
use covenant_engine::calendar::WorkCalendar;
use covenant_engine::evaluate;
use covenant_engine::event::Event;
use covenant_model::duration::Duration;
use jiff::ToSpan;
use proptest::prelude::*;
use std::collections::HashMap;

fn ev(seq: u64, day: i64, recorded: i64, kind: bool) -> (u64, Event) {
    let base: jiff::civil::Date = "2026-01-01".parse().unwrap();
    let effective = base.checked_add(day.days()).unwrap();
    let recorded_at = ts("2026-01-01T00:00:00Z")
        .checked_add((day + recorded).hours() * 24)
        .unwrap();
    (
        seq,
        Event::EvidenceAdded {
            control: "AR".into(),
            kind: if kind {
                "attestation".into()
            } else {
                "report".into()
            },
            effective,
            recorded_at,
            blob: None,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Adding evidence never makes any obligation's status worse.
    #[test]
    fn adding_evidence_never_worsens_status(
        base in prop::collection::vec((0i64..500, 0i64..30, any::<bool>()), 0..6),
        extra in (0i64..500, 0i64..30, any::<bool>()),
        at in 0i64..600,
    ) {
        let p = program();
        let now = ts("2026-01-01T00:00:00Z").checked_add((at * 24).hours()).unwrap();
        let before: Vec<_> = base.iter().enumerate().map(|(i, (d, r, k))| ev(i as u64, *d, *r, *k)).collect();
        let mut after = before.clone();
        after.push(ev(99, extra.0, extra.1, extra.2));
        let a = evaluate(&p, &before, &[], now).unwrap();
        let b = evaluate(&p, &after, &[], now).unwrap();
        let old: HashMap<_, _> = a.obligations.iter().map(|o| (o.id.clone(), o.status)).collect();
        for o in &b.obligations {
            if let Some(prev) = old.get(&o.id) {
                prop_assert!(o.status <= *prev, "{} went from {:?} to {:?}", o.id, prev, o.status);
            }
        }
    }

    /// A deadline never moves earlier when holidays are added.
    #[test]
    fn holidays_never_pull_deadlines_earlier(
        start_hours in 0i64..20_000,
        n in 1u32..40,
        holidays in prop::collection::vec(0i64..900, 0..20),
        unit in 0..3,
    ) {
        let start = ts("2026-01-01T00:00:00Z").checked_add(start_hours.hours()).unwrap();
        let d = match unit { 0 => Duration::BusinessDays(n), 1 => Duration::Days(n), _ => Duration::Hours(n) };
        let plain = WorkCalendar::utc_weekdays();
        let mut with = plain.clone();
        let base: jiff::civil::Date = "2026-01-01".parse().unwrap();
        for h in holidays {
            with = with.with_holiday(base.checked_add(h.days()).unwrap());
        }
        prop_assert!(with.add(start, d).unwrap() >= plain.add(start, d).unwrap());
    }

    /// Business-day deadlines always land on a working day and after the start.
    #[test]
    fn business_days_land_on_working_days(start_hours in 0i64..20_000, n in 1u32..60) {
        let start = ts("2026-01-01T00:00:00Z").checked_add(start_hours.hours()).unwrap();
        let cal = WorkCalendar::utc_weekdays();
        let due = cal.add(start, Duration::BusinessDays(n)).unwrap();
        prop_assert!(due > start);
        prop_assert!(cal.is_working_day(cal.local_date(due)));
    }
}
