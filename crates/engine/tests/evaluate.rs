#![allow(clippy::unwrap_used)]
mod common;

use common::{program, program_with, ts};
use covenant_engine::claim::{ClaimId, ClaimState, Health};
use covenant_engine::event::Event;
use covenant_engine::finding::{FindingClock, FindingState};
use covenant_engine::gate;
use covenant_engine::obligation::Status;
use covenant_engine::{Evaluation, evaluate};
use covenant_model::Severity;
use covenant_model::program::Gate;

fn evidence(seq: u64, control: &str, kind: &str, effective: &str, recorded: &str) -> (u64, Event) {
    (
        seq,
        Event::EvidenceAdded {
            control: control.into(),
            kind: kind.into(),
            effective: effective.parse().unwrap(),
            recorded_at: ts(recorded),
            blob: None,
        },
    )
}

fn status(e: &Evaluation, id: &str) -> Status {
    e.obligations
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| {
            panic!(
                "no obligation {id}: {:#?}",
                e.obligations.iter().map(|o| &o.id).collect::<Vec<_>>()
            )
        })
        .status
}

fn finding(id: &str, score: f64, severity: Severity, detected: &str) -> FindingClock {
    FindingClock {
        id: id.into(),
        title: id.into(),
        score: Some(score),
        severity,
        first_detected: ts(detected),
        terms: None,
        responded_at: None,
        fixed_at: None,
        state: FindingState::Open,
    }
}

#[test]
fn quarterly_review_is_met_by_evidence_effective_in_its_window_even_if_uploaded_later() {
    let p = program();
    // Q1 runs 2026-01-01 .. 2026-04-01 (+14 days grace). The review happened on 20 March
    // and was uploaded on 10 April: it meets Q1.
    let events = vec![evidence(
        0,
        "AR",
        "attestation",
        "2026-03-20",
        "2026-04-10T08:00:00Z",
    )];
    let e = evaluate(&p, &events, &[], ts("2026-04-20T00:00:00Z")).unwrap();
    assert_eq!(status(&e, "cadence:AR:2026-04-01"), Status::Met);
    assert_eq!(status(&e, "cadence:AR:2026-07-01"), Status::Upcoming);
    // Before the upload, the same moment in time looked overdue-in-grace: the upload is not visible.
    let before = evaluate(&p, &events, &[], ts("2026-04-09T00:00:00Z")).unwrap();
    assert_eq!(status(&before, "cadence:AR:2026-04-01"), Status::DueSoon);
}

#[test]
fn missing_review_goes_overdue_after_grace_and_is_superseded_by_a_later_one() {
    let p = program();
    let e = evaluate(&p, &[], &[], ts("2026-04-16T00:00:00Z")).unwrap();
    assert_eq!(status(&e, "cadence:AR:2026-04-01"), Status::Overdue);
    let claim = e.claim(&ClaimId::control("AR")).unwrap();
    assert_eq!(claim.state, ClaimState::Unbacked);
    assert!(
        claim.reasons.iter().any(|r| r.contains("2026-04-01")),
        "{:?}",
        claim.reasons
    );
    // Q2 done: Q1 becomes history (missed), the claim is backed again.
    let events = vec![evidence(
        0,
        "AR",
        "attestation",
        "2026-06-10",
        "2026-06-10T09:00:00Z",
    )];
    let later = evaluate(&p, &events, &[], ts("2026-07-20T00:00:00Z")).unwrap();
    assert_eq!(status(&later, "cadence:AR:2026-04-01"), Status::Missed);
    assert_eq!(status(&later, "cadence:AR:2026-07-01"), Status::Met);
    assert_eq!(
        later.claim(&ClaimId::control("AR")).unwrap().state,
        ClaimState::Backed
    );
}

#[test]
fn evidence_of_the_wrong_kind_does_not_count() {
    let p = program();
    let events = vec![evidence(
        0,
        "AR",
        "report",
        "2026-03-20",
        "2026-03-20T08:00:00Z",
    )];
    let e = evaluate(&p, &events, &[], ts("2026-04-20T00:00:00Z")).unwrap();
    assert_eq!(status(&e, "cadence:AR:2026-04-01"), Status::Overdue);
}

#[test]
fn freshness_expires_and_warns_before_it_does() {
    let p = program();
    let events = vec![evidence(
        0,
        "AR",
        "attestation",
        "2026-03-01",
        "2026-03-01T08:00:00Z",
    )];
    // fresh for 100 days after 2026-03-01 (end of day) -> 2026-06-10
    assert_eq!(
        status(
            &evaluate(&p, &events, &[], ts("2026-04-01T00:00:00Z")).unwrap(),
            "evidence:AR:attestation"
        ),
        Status::Met
    );
    assert_eq!(
        status(
            &evaluate(&p, &events, &[], ts("2026-06-05T00:00:00Z")).unwrap(),
            "evidence:AR:attestation"
        ),
        Status::DueSoon
    );
    assert_eq!(
        status(
            &evaluate(&p, &events, &[], ts("2026-06-11T00:00:00Z")).unwrap(),
            "evidence:AR:attestation"
        ),
        Status::Overdue
    );
}

#[test]
fn customer_owned_controls_are_not_vendor_obligations() {
    let e = evaluate(&program(), &[], &[], ts("2026-12-01T00:00:00Z")).unwrap();
    assert!(
        e.obligations
            .iter()
            .all(|o| o.control.as_deref() != Some("CU"))
    );
    assert!(e.claim(&ClaimId::control("CU")).is_none());
    assert_eq!(
        e.claim(&ClaimId::control("PT")).unwrap().state,
        ClaimState::Backed,
        "annual test not yet due in 2026"
    );
    assert!(
        e.controls
            .iter()
            .any(|c| c.control == "PT" && c.health == Health::Healthy)
    );
}

#[test]
fn sla_clocks_follow_the_band_and_breach() {
    let p = program();
    let f = finding("CVE-1", 9.8, Severity::Critical, "2026-05-04T10:00:00Z");
    let e = evaluate(
        &p,
        &[],
        std::slice::from_ref(&f),
        ts("2026-05-05T09:00:00Z"),
    )
    .unwrap();
    let resp = e
        .obligations
        .iter()
        .find(|o| o.id == "response:CVE-1")
        .unwrap();
    assert_eq!(resp.due, ts("2026-05-05T10:00:00Z"));
    assert_eq!(resp.status, Status::DueSoon);
    let e = evaluate(
        &p,
        &[],
        std::slice::from_ref(&f),
        ts("2026-05-07T11:00:00Z"),
    )
    .unwrap();
    assert_eq!(status(&e, "remediation:CVE-1"), Status::Overdue);
    assert!(
        e.obligations
            .iter()
            .all(|o| o.id != "notice:advisories:CVE-1"),
        "no advisory before triage confirms it"
    );
    let mut confirmed = f.clone();
    confirmed.state = FindingState::Triaged;
    confirmed.responded_at = Some(ts("2026-05-04T12:00:00Z"));
    let e = evaluate(
        &p,
        &[],
        std::slice::from_ref(&confirmed),
        ts("2026-05-07T11:00:00Z"),
    )
    .unwrap();
    let advisory = e
        .obligations
        .iter()
        .find(|o| o.id == "notice:advisories:CVE-1")
        .unwrap();
    assert_eq!(
        advisory.due,
        ts("2026-05-05T12:00:00Z"),
        "24 hours from confirmation"
    );
    assert_eq!(advisory.status, Status::Overdue);
    assert_eq!(
        e.claim(&ClaimId::commitment("sla")).unwrap().state,
        ClaimState::Unbacked
    );
    let mut fixed = confirmed.clone();
    fixed.state = FindingState::Fixed;
    fixed.fixed_at = Some(ts("2026-05-06T12:00:00Z"));
    let e = evaluate(
        &p,
        &[(
            0,
            Event::NoticeSent {
                subject: "CVE-1".into(),
                at: ts("2026-05-04T20:00:00Z"),
            },
        )],
        &[fixed],
        ts("2026-05-07T11:00:00Z"),
    )
    .unwrap();
    assert_eq!(status(&e, "remediation:CVE-1"), Status::Met);
    assert_eq!(status(&e, "response:CVE-1"), Status::Met);
    assert_eq!(status(&e, "notice:advisories:CVE-1"), Status::Met);
}

#[test]
fn business_day_response_skips_weekend_and_holiday() {
    // Medium found Thu 2026-04-02 10:00 Berlin; Fri 3, Mon 6 (Easter Monday, holiday) ...
    // 5 business days: Fri 3, Tue 7, Wed 8, Thu 9, Fri 10 -> 2026-04-10 10:00 +02:00.
    let f = finding("M-1", 5.0, Severity::Medium, "2026-04-02T08:00:00Z");
    let e = evaluate(&program(), &[], &[f], ts("2026-04-03T00:00:00Z")).unwrap();
    let o = e
        .obligations
        .iter()
        .find(|o| o.id == "response:M-1")
        .unwrap();
    assert_eq!(o.due, ts("2026-04-10T08:00:00Z"));
}

#[test]
fn next_release_is_met_only_by_a_release_that_ships_the_fix() {
    let p = program();
    let f = finding("L-1", 2.0, Severity::Low, "2026-05-01T00:00:00Z");
    let other = (
        0,
        Event::ReleaseRecorded {
            version: "1.2".into(),
            at: ts("2026-05-10T00:00:00Z"),
            fixes: vec!["X".into()],
        },
    );
    let e = evaluate(
        &p,
        std::slice::from_ref(&other),
        std::slice::from_ref(&f),
        ts("2026-07-15T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        status(&e, "remediation:L-1"),
        Status::Overdue,
        "60-day horizon passed without a fixing release"
    );
    let fixing = (
        1,
        Event::ReleaseRecorded {
            version: "1.3".into(),
            at: ts("2026-06-01T00:00:00Z"),
            fixes: vec!["L-1".into()],
        },
    );
    let e = evaluate(&p, &[other, fixing], &[f], ts("2026-07-15T00:00:00Z")).unwrap();
    let o = e
        .obligations
        .iter()
        .find(|o| o.id == "remediation:L-1")
        .unwrap();
    assert_eq!(o.status, Status::Met);
    assert_eq!(o.met_by, Some(1));
}

#[test]
fn a_started_clock_keeps_its_terms_when_the_commitment_changes() {
    let mut f = finding("C-1", 9.1, Severity::Critical, "2026-05-04T00:00:00Z");
    f.terms = covenant_engine::evaluate::terms_for(
        &program_with(72).commitments[0].value,
        f.score,
        f.severity,
    );
    // The commitment is later tightened to 48 hours; the recorded clock still says 72.
    let e = evaluate(&program_with(48), &[], &[f], ts("2026-05-06T12:00:00Z")).unwrap();
    let o = e
        .obligations
        .iter()
        .find(|o| o.id == "remediation:C-1")
        .unwrap();
    assert_eq!(o.due, ts("2026-05-07T00:00:00Z"));
    assert_ne!(o.status, Status::Overdue);
}

#[test]
fn incident_notice_clock_and_recorded_terms() {
    let p = program();
    let opened = (
        0,
        Event::IncidentOpened {
            incident: "INC-1".into(),
            title: "Leak".into(),
            at: ts("2026-05-01T00:00:00Z"),
            commitment: None,
            within: None,
        },
    );
    let e = evaluate(
        &p,
        std::slice::from_ref(&opened),
        &[],
        ts("2026-05-04T01:00:00Z"),
    )
    .unwrap();
    assert_eq!(status(&e, "notice:breach:INC-1"), Status::Overdue);
    let recorded = (
        0,
        Event::IncidentOpened {
            incident: "INC-1".into(),
            title: "Leak".into(),
            at: ts("2026-05-01T00:00:00Z"),
            commitment: None,
            within: Some("96h".parse().unwrap()),
        },
    );
    let e = evaluate(&p, &[recorded], &[], ts("2026-05-04T01:00:00Z")).unwrap();
    assert_ne!(
        status(&e, "notice:breach:INC-1"),
        Status::Overdue,
        "recorded terms win"
    );
    let notified = (
        1,
        Event::IncidentNotified {
            incident: "INC-1".into(),
            at: ts("2026-05-02T00:00:00Z"),
        },
    );
    let e = evaluate(&p, &[opened, notified], &[], ts("2026-05-04T01:00:00Z")).unwrap();
    assert_eq!(status(&e, "notice:breach:INC-1"), Status::Met);
}

#[test]
fn waivers_cover_until_expiry() {
    let p = program();
    let w = (
        0,
        Event::WaiverGranted {
            obligation: "cadence:AR:2026-04-01".into(),
            reason: "auditor moved the review".into(),
            approver: "ciso".into(),
            until: ts("2026-05-01T00:00:00Z"),
            at: ts("2026-04-10T00:00:00Z"),
        },
    );
    let e = evaluate(
        &p,
        std::slice::from_ref(&w),
        &[],
        ts("2026-04-20T00:00:00Z"),
    )
    .unwrap();
    let o = e
        .obligations
        .iter()
        .find(|o| o.id == "cadence:AR:2026-04-01")
        .unwrap();
    assert_eq!(o.status, Status::Waived);
    assert_eq!(o.waiver.as_ref().unwrap().approver, "ciso");
    let e = evaluate(&p, &[w], &[], ts("2026-05-02T00:00:00Z")).unwrap();
    assert_eq!(status(&e, "cadence:AR:2026-04-01"), Status::Overdue);
}

#[test]
fn gate_policy_filters_sla_breaches_by_severity() {
    let p = program();
    let high = finding("H-1", 7.5, Severity::High, "2026-05-01T00:00:00Z");
    let e = evaluate(
        &p,
        &[evidence(
            0,
            "AR",
            "attestation",
            "2026-03-01",
            "2026-03-01T00:00:00Z",
        )],
        &[high],
        ts("2026-05-20T00:00:00Z"),
    )
    .unwrap();
    let sev = |_: &str| Some(Severity::High);
    let strict = gate::violations(&e, &Gate::default(), &sev);
    assert!(
        strict
            .iter()
            .any(|v| v.rule == "sla-breach" && v.id == "remediation:H-1"),
        "{strict:#?}"
    );
    let lenient = Gate {
        sla_breaches: Severity::Critical,
        unbacked_claims: false,
        ..Gate::default()
    };
    assert!(
        gate::violations(&e, &lenient, &sev)
            .iter()
            .all(|v| v.rule != "sla-breach")
    );
}

#[test]
fn evaluation_is_deterministic() {
    let p = program();
    let events = vec![evidence(
        0,
        "AR",
        "attestation",
        "2026-03-20",
        "2026-04-10T08:00:00Z",
    )];
    let a = serde_json::to_string(&evaluate(&p, &events, &[], ts("2026-09-01T00:00:00Z")).unwrap())
        .unwrap();
    let b = serde_json::to_string(&evaluate(&p, &events, &[], ts("2026-09-01T00:00:00Z")).unwrap())
        .unwrap();
    assert_eq!(a, b);
}
