//! `covenant vuln notify PROGRAM`: email the advisory for every confirmed finding whose
//! notice obligation is not yet met, to each security contact of each customer it applies
//! to, and record `notice.sent` in the ledger so that the obligation is met and the
//! advisory is never sent twice.
//!
//! The engine decides what is owed (the `notice:COMMITMENT:FINDING` obligations); this verb
//! only discharges it. A finding counts as confirmed once triaged (VEX "affected"): an open
//! finding may still turn out not to affect the product, and customers must not be alarmed
//! by a false positive.

use crate::exit;
use crate::state::{evaluate_at, load_program, read_state};
use anyhow::Context;
use covenant_engine::obligation::{Obligation, ObligationKind, Status};
use covenant_ledger::Ledger;
use covenant_mail::{Mailer, Outgoing};
use covenant_model::Program;
use covenant_vuln::{Finding, FindingEvent, FindingSet, Status as FindingStatus, fold};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The program directory (its customers and their security contacts).
    program: PathBuf,
    /// SMTP server, e.g. smtp://127.0.0.1:2525 (STARTTLS when offered), smtp://HOST?tls=required,
    /// smtps://HOST, smtp://USER:PASSWORD@HOST.
    #[arg(long, env = "COVENANT_SMTP")]
    smtp: Option<String>,
    /// Sender address (default: the program's security contact).
    #[arg(long)]
    from: Option<String>,
    /// Print what would be sent without sending or recording anything.
    #[arg(long)]
    dry_run: bool,
}

/// One advisory to send: a finding, the notice obligation it discharges and its recipients.
struct Due<'a> {
    obligation: &'a Obligation,
    finding: &'a Finding,
    /// Contacts in sorted order, each with the customer it belongs to.
    recipients: Vec<(String, String)>,
    remediation: Option<&'a Obligation>,
}

impl Args {
    /// The program directory the advisories are about.
    pub fn program(&self) -> &Path {
        &self.program
    }
}

pub fn run(args: Args, data: &Path, as_json: bool, at: Option<&str>) -> anyhow::Result<u8> {
    let now = match crate::clock::now(at) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --at: {e:#}");
            return Ok(exit::USAGE);
        }
    };
    let program = match load_program(&args.program) {
        Ok((_, p, _)) => p,
        Err(rendered) => {
            eprint!("{rendered}");
            return Ok(exit::USAGE);
        }
    };
    let Some(manifest) = program.manifest.as_ref().map(|m| &m.value) else {
        eprintln!("error: {} has no program.yaml", args.program.display());
        return Ok(exit::USAGE);
    };
    let reply_to = manifest.security_contact.email.clone();
    let from = args.from.clone().unwrap_or_else(|| reply_to.clone());
    let state = read_state(data)?;
    let evaluation = evaluate_at(&program, &state, now)?;
    let values = if state.ledger_found {
        covenant_ledger::read_values(data)
            .with_context(|| format!("reading the ledger in {}", data.display()))?
    } else {
        Vec::new()
    };
    let findings = findings(&values)?;
    let delivered = delivered(&values);
    let waiting = awaiting(&program, &findings);

    // Notice obligations for findings, one advisory per finding even when several notice
    // commitments cover it: one `notice.sent` meets them all.
    let mut due: Vec<Due> = Vec::new();
    let mut seen = BTreeSet::new();
    for o in &evaluation.obligations {
        if o.kind != ObligationKind::Notice || matches!(o.status, Status::Met | Status::Waived) {
            continue;
        }
        let Some(finding) = o.subject.as_deref().and_then(|s| findings.get(s)) else {
            continue;
        };
        if !seen.insert(finding.id.clone()) {
            continue;
        }
        let already = delivered.get(&finding.id);
        let recipients = recipients(&program, o.commitment.as_deref())
            .into_iter()
            .filter(|(email, _)| already.is_none_or(|d| !d.contains(email)))
            .collect();
        let remediation = evaluation
            .obligations
            .iter()
            .find(|r| r.id == format!("remediation:{}", finding.id));
        due.push(Due {
            obligation: o,
            finding,
            recipients,
            remediation,
        });
    }

    let mailer = if args.dry_run || due.is_empty() {
        None
    } else {
        let Some(url) = args.smtp.as_deref() else {
            eprintln!(
                "error: {} advisories are due; give --smtp smtp://HOST:PORT or set COVENANT_SMTP",
                due.len()
            );
            return Ok(exit::USAGE);
        };
        match Mailer::connect(url) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("error: --smtp {e}");
                return Ok(exit::USAGE);
            }
        }
    };

    let mut ledger = None;
    let mut report = Vec::new();
    let mut failed = 0usize;
    let at_text = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    for d in &due {
        let subject = subject_line(d.finding);
        let body = body(&program, d);
        let mut sent: Vec<(String, String)> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        if d.recipients.is_empty() && delivered.get(&d.finding.id).is_none_or(BTreeSet::is_empty) {
            errors.push(
                "no customer security contact applies (add customers.yaml with contacts for a deployment model the notice covers)"
                    .to_owned(),
            );
        }
        for (email, _customer) in &d.recipients {
            let message_id = message_id(&d.finding.id, email, &at_text, &from);
            if let Some(m) = &mailer {
                let out = Outgoing {
                    from: &from,
                    reply_to: Some(&reply_to),
                    to: email,
                    subject: &subject,
                    body: &body,
                    message_id: &message_id,
                    date: std::time::SystemTime::from(now),
                };
                match m.send(&out) {
                    Ok(()) => sent.push((email.clone(), message_id)),
                    Err(e) => errors.push(e.to_string()),
                }
            } else {
                sent.push((email.clone(), message_id));
            }
        }
        let complete = errors.is_empty();
        if !args.dry_run && (complete || !sent.is_empty()) {
            // Record right after sending, so that a crash later in the run cannot cause a
            // second advisory to the same people.
            let entry = ledger_entry(d, &sent, complete, &at_text);
            if ledger.is_none() {
                ledger = Some(
                    Ledger::open_or_init(data, crate::cmd::ledger::DEFAULT_ORIGIN)
                        .with_context(|| format!("opening the ledger in {}", data.display()))?,
                );
            }
            if let Some(l) = ledger.as_mut() {
                l.append(&[entry]).with_context(|| {
                    format!(
                        "advisory for {} was sent but recording it in the ledger failed",
                        d.finding.id
                    )
                })?;
            }
        }
        if !complete {
            failed += 1;
        }
        report.push(json!({
            "finding": d.finding.id,
            "obligation": d.obligation.id,
            "due": d.obligation.due.to_string(),
            "subject": subject,
            "sent": sent.iter().map(|(to, id)| json!({"to": to, "message_id": id})).collect::<Vec<_>>(),
            "errors": errors,
            "dry_run": args.dry_run,
            "body": if args.dry_run { Value::String(body.clone()) } else { Value::Null },
        }));
    }

    if as_json {
        let out = json!({
            "at": at_text,
            "server": mailer.as_ref().map(|m| m.server().to_owned()),
            "advisories": report,
            "awaiting_confirmation": waiting.iter().map(|f| json!({
                "finding": f.id, "severity": f.rating().severity.as_str(),
            })).collect::<Vec<_>>(),
            "failed": failed,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for r in &report {
            let finding = r["finding"].as_str().unwrap_or_default();
            for s in r["sent"].as_array().into_iter().flatten() {
                let to = s["to"].as_str().unwrap_or_default();
                if args.dry_run {
                    println!("would send: {finding} -> {to}");
                } else {
                    println!("sent: {finding} -> {to}");
                }
            }
            for e in r["errors"].as_array().into_iter().flatten() {
                eprintln!("error: {finding}: {}", e.as_str().unwrap_or_default());
            }
            if args.dry_run {
                println!(
                    "Subject: {}\n\n{}",
                    r["subject"].as_str().unwrap_or_default(),
                    r["body"].as_str().unwrap_or_default()
                );
            }
        }
        for f in &waiting {
            println!(
                "waiting: {} (not confirmed yet; triage it as affected to start the advisory clock)",
                f.id
            );
        }
        println!(
            "{} advisories due, {} failed{}",
            report.len(),
            failed,
            if args.dry_run {
                " (dry run: nothing sent or recorded)"
            } else {
                ""
            }
        );
    }
    Ok(if failed > 0 {
        exit::VIOLATIONS
    } else {
        exit::OK
    })
}

/// Open findings a vulnerability notice commitment would cover once triage confirms them:
/// the engine starts no advisory clock before confirmation, so they are listed separately.
fn awaiting<'a>(program: &Program, findings: &'a FindingSet) -> Vec<&'a Finding> {
    use covenant_model::commitment::NoticeTrigger;
    findings
        .iter()
        .filter(|f| matches!(f.status, FindingStatus::Open))
        .filter(|f| {
            let severity = f.rating().severity;
            program.commitments.iter().any(|c| {
                c.value.notice.as_ref().is_some_and(|n| {
                    n.trigger == NoticeTrigger::Vulnerability && n.severities.contains(&severity)
                })
            })
        })
        .collect()
}

/// The findings folded from the ledger's `finding.*` entries.
fn findings(values: &[(u64, Value)]) -> anyhow::Result<FindingSet> {
    let mut events = Vec::new();
    for (seq, v) in values {
        if let Some(e) =
            FindingEvent::from_json(v).with_context(|| format!("ledger entry {seq}"))?
        {
            events.push(e);
        }
    }
    Ok(fold(&events)?)
}

/// Recipients already sent an advisory by an earlier run that did not reach everyone
/// (`notice.partial` entries), by finding: a retry must not send them a second copy.
fn delivered(values: &[(u64, Value)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, v) in values {
        if v["type"] != "notice.partial" {
            continue;
        }
        let Some(subject) = v["subject"].as_str() else {
            continue;
        };
        let set = out.entry(subject.to_owned()).or_default();
        for r in v["recipients"].as_array().into_iter().flatten() {
            if let Some(r) = r.as_str() {
                set.insert(r.to_owned());
            }
        }
    }
    out
}

/// The contacts of every customer whose deployment model the notice applies to: a model
/// where the vendor owns or shares one of the commitment's controls (the vendor has
/// promised the advisory there), or every model when the commitment names no control.
fn recipients(program: &Program, commitment: Option<&str>) -> Vec<(String, String)> {
    let controls: Vec<&String> = program
        .commitments
        .iter()
        .find(|c| Some(c.value.id.as_str()) == commitment)
        .map(|c| c.value.controls.iter().collect())
        .unwrap_or_default();
    let applies = |model: &str| {
        controls.is_empty()
            || program.controls.iter().any(|c| {
                controls.contains(&&c.value.id)
                    && c.value
                        .responsibility
                        .get(model)
                        .is_some_and(|r| r.owner.includes_vendor())
            })
    };
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for cu in &program.customers {
        if applies(&cu.value.deployment_model) {
            for email in &cu.value.security_contacts {
                out.entry(email.clone())
                    .or_insert_with(|| cu.value.id.clone());
            }
        }
    }
    out.into_iter().collect()
}

fn subject_line(f: &Finding) -> String {
    format!(
        "[Security advisory] {} {} in {}",
        f.rating().severity.as_str().to_uppercase(),
        f.vulnerability(),
        f.component.name
    )
}

/// The advisory text. Deterministic: it depends only on the program, the finding and the
/// obligations, never on the clock or on the recipient, so every customer reads the same.
fn body(program: &Program, d: &Due) -> String {
    let f = d.finding;
    let r = f.rating();
    let Some(m) = &program.manifest else {
        return String::new();
    };
    let (org, product, contact) = (
        m.value.organization.name.as_str(),
        m.value.product.name.as_str(),
        &m.value.security_contact,
    );
    let mut s = String::new();
    let mut line = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    line(format!("Security advisory from {org} for {product}"));
    line(String::new());
    if let Some(t) = &f.title {
        line(wrap(&format!("Summary:          {t}"), 18));
    }
    line(format!("Vulnerability:    {}", f.vulnerability()));
    let aliases: Vec<&str> = f
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| *a != f.vulnerability())
        .collect();
    if !aliases.is_empty() {
        line(format!("Also known as:    {}", aliases.join(", ")));
    }
    line(format!(
        "Component:        {} {}",
        f.component.name,
        f.component
            .version
            .as_deref()
            .unwrap_or("(version unknown)")
    ));
    if let Some(p) = &f.component.purl {
        line(format!("Package URL:      {p}"));
    }
    let (score, vector) = match (&r.score, &r.basis) {
        (Some(score), covenant_vuln::RatingBasis::Cvss { version, vector }) => (
            format!(" (CVSS {} base score {score:.1})", version.as_str()),
            Some(vector),
        ),
        (Some(score), _) => (format!(" (CVSS base score {score:.1})"), None),
        _ => (String::new(), None),
    };
    line(format!(
        "Severity:         {}{score}",
        r.severity.as_str().to_uppercase()
    ));
    if let Some(v) = vector {
        line(format!("CVSS vector:      {v}"));
    }
    // The engine starts the advisory clock once triage confirms the finding; a finding
    // fixed or risk-accepted since then is still owed its advisory.
    line(match &f.status {
        FindingStatus::Fixed { .. } => {
            "Status:           confirmed and fixed; upgrade to the fixed release".to_owned()
        }
        FindingStatus::RiskAccepted { until, .. } => {
            format!("Status:           confirmed; fix deferred until {until}")
        }
        _ => "Status:           confirmed, affected; a fix is being prepared".to_owned(),
    });
    if f.fixed_versions.is_empty() {
        line("Fixed versions:   none published yet".to_owned());
    } else {
        let v: Vec<&str> = f.fixed_versions.iter().map(String::as_str).collect();
        line(format!("Fixed versions:   {} (upstream)", v.join(", ")));
    }
    line(format!("First detected:   {}", f.first_detected));
    if let Some(rem) = d.remediation {
        let mut target = format!("Remediation target: {} UTC", utc(rem.due));
        if let Some(detail) = &rem.detail {
            target.push_str(&format!(" ({detail})"));
        }
        let commitment = rem.commitment.as_deref().unwrap_or("the remediation SLA");
        line(format!("{target}, under {commitment}"));
    }
    line(String::new());
    line(wrap(
        &format!(
            "You receive this advisory as a designated security contact of your organization, under our commitment `{}`.",
            d.obligation.commitment.as_deref().unwrap_or("")
        ),
        0,
    ));
    line(wrap(
        &format!(
            "To ask a question or report a related problem, reply to this email; it reaches {}.",
            contact.email
        ),
        0,
    ));
    line(String::new());
    line(format!("Reference: {}", f.id));
    s
}

/// Breaks text at spaces before column 72, continuing lines indented by `indent`: short
/// ASCII lines travel as 7-bit text that every mail client shows as written.
fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut width = 0;
    for word in text.split(' ') {
        if width > indent && width + 1 + word.len() > 72 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            width = indent;
        } else if !out.is_empty() {
            out.push(' ');
            width += 1;
        }
        out.push_str(word);
        width += word.len();
    }
    out
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

/// A Message-ID that is the same for the same advisory, recipient and send time (so that
/// a dry run shows what a real run records), under the sender's domain.
fn message_id(finding: &str, to: &str, at: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d.trim_end_matches('>'));
    // FNV-1a: stable across Rust versions, unlike the std hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in [finding, "\0", to, "\0", at].concat().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let stamp: String = at.chars().filter(char::is_ascii_digit).collect();
    format!("advisory.{stamp}.{h:016x}@{domain}")
}

fn ledger_entry(d: &Due, sent: &[(String, String)], complete: bool, at: &str) -> Value {
    // `notice.sent` meets the obligation; a partial delivery must not, so it gets its own
    // type (which the engine ignores) and the next run sends only to the rest.
    json!({
        "type": if complete { "notice.sent" } else { "notice.partial" },
        "subject": d.finding.id,
        "at": at,
        "commitment": d.obligation.commitment,
        "obligation": d.obligation.id,
        "channel": "email",
        "recipients": sent.iter().map(|(to, _)| to).collect::<Vec<_>>(),
        "message_ids": sent.iter().map(|(_, id)| id).collect::<Vec<_>>(),
    })
}
