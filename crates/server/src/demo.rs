//! `covenant serve --demo`: a workspace made from an example program, with an admin who
//! has a second factor, some history, and optionally a large seeded load for benchmarks.

use crate::auth::{password, secret, totp};
use crate::problem::Problem;
use crate::role::{Role, Scope};
use crate::state::Shared;
use covenant_store::{EvidenceRow, NewAccount, Projection};
use serde_json::{Value, json};
use std::path::Path;

pub struct DemoLogin {
    pub email: String,
    pub password: String,
    pub totp_secret: String,
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DemoError(String);

impl From<Problem> for DemoError {
    fn from(p: Problem) -> Self {
        DemoError(format!("{}: {}", p.title, p.detail.unwrap_or_default()))
    }
}

/// Creates the demo workspace (slug `demo`) unless it exists, and a fresh admin login.
pub async fn create(
    state: &Shared,
    program: &Path,
    findings: usize,
    evidence: usize,
) -> Result<DemoLogin, DemoError> {
    let now = state.clock.now_ms();
    let live = match state.live("demo") {
        Some(l) => l,
        None => {
            let dir = program
                .canonicalize()
                .map_err(|e| DemoError(format!("{}: {e}", program.display())))?;
            let live = crate::workspaces::create(
                state,
                "demo",
                "Demo workspace",
                &dir,
                "account:demo",
                None,
            )
            .await?;
            history(state, &live, findings, evidence).await?;
            live
        }
    };
    let pw = secret::token().map_err(|e| DemoError(e.to_string()))?;
    let email = format!(
        "admin-{}@demo.test",
        &secret::id().map_err(|e| DemoError(e.to_string()))?[..8]
    );
    let hash = password::hash(&pw).map_err(|e| DemoError(e.to_string()))?;
    let id = state.new_id()?;
    let account = state
        .store
        .create_account(NewAccount {
            id: &id,
            email: &email,
            name: "Demo admin",
            password_hash: Some(&hash),
            created_at: now,
        })
        .await
        .map_err(|e| DemoError(e.to_string()))?;
    // The demo's admin runs the instance too (creates workspaces, invites people).
    state
        .store
        .set_instance_admin(&account.id, true)
        .await
        .map_err(|e| DemoError(e.to_string()))?;
    let totp_secret = totp::generate_secret();
    state
        .store
        .set_totp(&account.id, Some(&totp_secret), true)
        .await
        .map_err(|e| DemoError(e.to_string()))?;
    state
        .store
        .set_member(&live.workspace.id, &account.id, Role::Owner.as_str(), now)
        .await
        .map_err(|e| DemoError(e.to_string()))?;
    let req = crate::api::tokens::NewToken {
        name: "demo".into(),
        scopes: vec![Scope::Admin],
        expires_in_days: 30,
    };
    let (t, raw) = crate::api::tokens::mint(state, &live.workspace.id, &account.id, &req)?;
    state
        .store
        .create_token(&t)
        .await
        .map_err(|e| DemoError(e.to_string()))?;
    Ok(DemoLogin {
        email,
        password: pw,
        totp_secret,
        token: raw,
    })
}

/// A recorded history: evidence for some controls, a scanner report with findings, an
/// incident and a release, then the seeded load.
async fn history(
    state: &Shared,
    live: &std::sync::Arc<crate::live::Live>,
    findings: usize,
    evidence: usize,
) -> Result<(), DemoError> {
    let now = state.clock.now();
    let view = live.view();
    let controls: Vec<String> = view
        .program
        .controls
        .iter()
        .map(|c| c.value.id.clone())
        .collect();
    if controls.is_empty() {
        return Ok(());
    }
    let blob = live
        .blobs
        .put(b"demo evidence: quarterly review notes\n")
        .map_err(|e| DemoError(e.to_string()))?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    // Half the controls have fresh evidence, so the dashboard shows both states.
    let mut batch = Vec::new();
    let mut rows = Vec::new();
    let total = evidence.max(controls.len() / 2);
    for i in 0..total {
        let control = &controls[i % controls.len().div_ceil(2).max(1)];
        let effective = today
            .checked_sub(jiff::Span::new().days(i64::try_from(i % 60).unwrap_or(0)))
            .unwrap_or(today);
        let at = jiff::Timestamp::from_second(now.as_second())
            .unwrap_or(now)
            .to_string();
        batch.push(json!({"type": "evidence.added", "control": control, "blob": blob.id(), "file_name": "review.txt", "kind": "document",
            "recorded_by": "account:demo", "recorded_at": at, "collected_at": at, "effective": effective.to_string()}));
        rows.push(Projection::Evidence(
            batch.len() - 1,
            EvidenceRow {
                seq: 0,
                control: control.clone(),
                kind: "document".into(),
                effective: effective.to_string(),
                recorded_at: now.as_millisecond(),
                recorded_by: "account:demo".into(),
                blob: Some(blob.id()),
                filename: Some("review.txt".into()),
                size: Some(38),
                note: None,
            },
        ));
        if batch.len() == 1000 {
            live.record(
                &state.store,
                "account:demo",
                now,
                std::mem::take(&mut batch),
                std::mem::take(&mut rows),
            )
            .await
            .map_err(|e| DemoError(e.to_string()))?;
        }
    }
    if !batch.is_empty() {
        live.record(&state.store, "account:demo", now, batch, rows)
            .await
            .map_err(|e| DemoError(e.to_string()))?;
    }
    let n = findings.max(12);
    for chunk in (0..n).collect::<Vec<_>>().chunks(2000) {
        let doc = scanner_report(chunk);
        let imp = covenant_vuln::import_value("demo-scan.cdx.json", &doc)
            .map_err(|e| DemoError(e.to_string()))?;
        let view = live.view();
        let opts = covenant_vuln::IngestOptions {
            at: now.to_string(),
            default_severity: covenant_vuln::Severity::Medium,
        };
        let planned = covenant_vuln::plan_ingest_owned(&view.finding_set, imp.observations, &opts);
        let mut values: Vec<Value> = planned
            .iter()
            .map(covenant_vuln::FindingEvent::to_json)
            .collect();
        covenant_vuln::sla::record_terms(&view.program, &view.finding_set, &planned, &mut values);
        let rows = crate::api::findings::projections(&view.finding_set, &planned)?;
        live.record(&state.store, "account:demo", now, values, rows)
            .await
            .map_err(|e| DemoError(e.to_string()))?;
    }
    let incident = json!({"type": "incident.opened", "incident": "INC-DEMO-1", "title": "Suspicious login activity", "at": now.to_string()});
    live.record(&state.store, "account:demo", now, vec![incident], vec![])
        .await
        .map_err(|e| DemoError(e.to_string()))?;
    Ok(())
}

/// A CycloneDX document with one vulnerability per index, severities cycling.
fn scanner_report(indexes: &[usize]) -> Value {
    let sev = ["critical", "high", "medium", "low"];
    let components: Vec<Value> = indexes.iter().map(|i| json!({"bom-ref": format!("c{i}"), "type": "library", "name": format!("demo-lib-{i}"), "version": "1.0.0", "purl": format!("pkg:cargo/demo-lib-{i}@1.0.0")})).collect();
    let vulns: Vec<Value> = indexes.iter().map(|i| json!({"id": format!("CVE-2026-{:05}", 10000 + i), "ratings": [{"severity": sev[i % 4]}], "affects": [{"ref": format!("c{i}")}]})).collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components, "vulnerabilities": vulns})
}
