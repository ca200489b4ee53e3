//! `covenant vuln notify` against a real SMTP server on loopback (Python's aiosmtpd, which
//! `.ci/run` installs): a confirmed critical finding produces one advisory per customer
//! security contact, the notice obligation becomes met, and a second run sends nothing.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vuln_fixtures() -> PathBuf {
    manifest().join("../vuln/tests/fixtures")
}

fn program() -> PathBuf {
    manifest().join("../../examples/enforcer-dashboard")
}

/// Runs `covenant ARGS` with no inherited data directory or SMTP server.
fn covenant(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .args(args)
        .env_remove("COVENANT_DATA")
        .env_remove("COVENANT_SMTP")
        .output()
        .expect("run covenant");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

/// The SMTP sink, killed when the test ends however it ends.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn aiosmtpd_available() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start_sink(dir: &Path) -> Sink {
    start_sink_rejecting(dir, None)
}

fn start_sink_rejecting(dir: &Path, reject: Option<&str>) -> Sink {
    // A free port: bind to port 0, note the port, release it for the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = Command::new("python3")
        .arg(manifest().join("../mail/tests/fixtures/smtp_sink.py"))
        .args(["127.0.0.1", &port.to_string()])
        .arg(dir)
        .args(reject)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the SMTP sink");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
    Sink {
        child,
        port,
        dir: dir.to_path_buf(),
    }
}

/// A delivered message: envelope recipients, headers and the decoded body.
struct Mail {
    envelope_to: Vec<String>,
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").expect("headers and body");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let envelope_to = headers
        .iter()
        .filter(|(k, _)| k == "X-Envelope-To")
        .map(|(_, v)| v.clone())
        .collect();
    let mut mail = Mail {
        envelope_to,
        headers,
        body: body.to_owned(),
    };
    if mail
        .header("Content-Transfer-Encoding")
        .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"))
    {
        mail.body = quoted_printable(&mail.body);
    }
    mail
}

/// Enough of RFC 2045 quoted-printable for the test: soft breaks and `=XX` escapes.
fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len() + 1
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8 body")
}

fn delivered(dir: &Path) -> Vec<Mail> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read sink dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| parse_mail(&std::fs::read_to_string(p).expect("read message")))
        .collect()
}

#[test]
fn confirmed_critical_finding_is_advised_once_to_every_contact() {
    if !aiosmtpd_available() {
        println!("skipped: aiosmtpd not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let data_s = data.display().to_string();
    let program = program().display().to_string();
    let sink = start_sink(&tmp.path().join("mail"));
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let fx = vuln_fixtures();
    let f = |n: &str| fx.join(n).display().to_string();

    let (code, _, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T04:00:00Z",
        "ingest",
        "--advisories",
        &f("osv"),
        &f("app.cdx.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = covenant(&["vuln", "--data", &data_s, "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let findings = json(&out);
    let critical = findings
        .as_array()
        .expect("list")
        .iter()
        .find(|f| {
            f["severity"] == "critical"
                && f["vulnerability"]
                    .as_str()
                    .is_some_and(|v| v.starts_with("CVE-"))
        })
        .unwrap_or_else(|| panic!("a critical CVE finding in the fixtures: {findings:#}"))
        .clone();
    let id = critical["id"].as_str().expect("id").to_owned();
    let vuln_id = critical["vulnerability"]
        .as_str()
        .expect("vulnerability")
        .to_owned();
    let component = critical["component"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    let version = critical["component"]["version"]
        .as_str()
        .expect("version")
        .to_owned();

    // Not confirmed yet: nothing goes out, the obligation waits for triage.
    let notify = |at: &str| {
        covenant(&[
            "vuln",
            "--data",
            &data_s,
            "--at",
            at,
            "--json",
            "notify",
            &program,
            "--smtp",
            &smtp,
            "--from",
            "advisories@enforcer-cca.com",
        ])
    };
    let (code, out, err) = notify("2026-11-02T05:00:00Z");
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["advisories"].as_array().map(Vec::len), Some(0), "{v:#}");
    assert!(
        v["awaiting_confirmation"]
            .as_array()
            .expect("waiting")
            .iter()
            .any(|w| w["finding"] == id.as_str()),
        "{v:#}"
    );
    assert!(delivered(&sink.dir).is_empty());

    let (code, _, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T06:00:00Z",
        "triage",
        &id,
        "--status",
        "triaged",
        "--by",
        "test",
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = notify("2026-11-02T07:00:00Z");
    assert_eq!(code, 0, "{err}\n{out}");
    let v = json(&out);
    let advisories = v["advisories"].as_array().expect("advisories");
    assert_eq!(advisories.len(), 1, "{v:#}");
    assert_eq!(advisories[0]["finding"], id.as_str());

    // Acme Bank runs self-hosted (two contacts), Globex managed (one); the vendor owns the
    // advisory control in both models, so all three hear about it.
    let mails = delivered(&sink.dir);
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.envelope_to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "ciso@acme-bank.example.com",
            "secops@acme-bank.example.com",
            "security@globex.example.org"
        ]
    );
    for m in &mails {
        assert_eq!(m.envelope_to.len(), 1, "one message per contact");
        let subject = m.header("Subject").expect("subject");
        assert!(
            subject.starts_with("[Security advisory] CRITICAL "),
            "{subject}"
        );
        assert!(
            subject.contains(&vuln_id) && subject.contains(&component),
            "{subject}"
        );
        assert!(
            m.header("Reply-To")
                .is_some_and(|r| r.contains("legal@enforcer-cca.com")),
            "{:?}",
            m.headers
        );
        assert!(
            m.header("From")
                .is_some_and(|r| r.contains("advisories@enforcer-cca.com"))
        );
        assert!(
            m.header("Message-ID")
                .is_some_and(|r| r.contains("@enforcer-cca.com>"))
        );
        assert!(
            m.body.contains(&format!("Vulnerability:    {vuln_id}")),
            "{}",
            m.body
        );
        assert!(
            m.body
                .contains(&format!("Component:        {component} {version}")),
            "{}",
            m.body
        );
        assert!(m.body.contains("Severity:         CRITICAL"), "{}", m.body);
        assert!(m.body.contains("Status:           confirmed"), "{}", m.body);
        assert!(m.body.contains("Fixed versions:"), "{}", m.body);
        // Critical: 72 hours after detection under the remediation SLA.
        assert!(
            m.body
                .contains("Remediation target: 2026-11-05 04:00 UTC, under remediation-sla"),
            "{}",
            m.body
        );
        assert!(m.body.contains("reply to this email"), "{}", m.body);
    }
    // Every customer reads the same advisory.
    assert!(mails.windows(2).all(|w| w[0].body == w[1].body));

    // The send met the notice obligation.
    let (code, out, err) = covenant(&[
        "status",
        &program,
        "--data",
        &data_s,
        "--at",
        "2026-11-02T08:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let status = json(&out);
    let obligation = format!("notice:vulnerability-notice:{id}");
    let o = status["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["id"] == obligation.as_str())
        .unwrap_or_else(|| panic!("no {obligation} in {status:#}"));
    assert_eq!(o["status"], "met", "{o:#}");
    assert_eq!(o["met_at"], "2026-11-02T07:00:00Z", "{o:#}");

    // A second run sends nothing more.
    let (code, out, err) = notify("2026-11-02T09:00:00Z");
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["advisories"].as_array().map(Vec::len), Some(0), "{v:#}");
    assert_eq!(delivered(&sink.dir).len(), 3);
}

#[test]
fn unreachable_server_fails_with_exit_1_and_records_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let data_s = data.display().to_string();
    let program = program().display().to_string();
    let fx = vuln_fixtures();
    let f = |n: &str| fx.join(n).display().to_string();
    let (code, _, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T04:00:00Z",
        "ingest",
        "--advisories",
        &f("osv"),
        &f("app.cdx.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "list",
        "--json",
        "--severity",
        "critical",
    ]);
    let id = json(&out)[0]["id"]
        .as_str()
        .expect("a critical finding")
        .to_owned();
    let (code, _, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T06:00:00Z",
        "triage",
        &id,
        "--status",
        "triaged",
        "--by",
        "test",
    ]);
    assert_eq!(code, 0, "{err}");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let run = || {
        covenant(&[
            "vuln",
            "--data",
            &data_s,
            "--at",
            "2026-11-02T07:00:00Z",
            "notify",
            &program,
            "--smtp",
            &smtp,
        ])
    };
    let (code, _, err) = run();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&smtp) && err.contains("acme-bank.example.com"),
        "{err}"
    );
    // Nothing was recorded, so the next run tries again.
    let (code, _, _) = run();
    assert_eq!(code, 1);

    // A dry run needs no server and records nothing.
    let (code, out, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T07:00:00Z",
        "notify",
        &program,
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("would send:") && out.contains("Subject: [Security advisory]"),
        "{out}"
    );

    // Bad input: a program that does not load.
    let (code, _, _) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "notify",
        "/nonexistent",
        "--dry-run",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn a_failed_delivery_is_retried_for_that_contact_only() {
    if !aiosmtpd_available() {
        println!("skipped: aiosmtpd not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let data_s = data.display().to_string();
    let program = program().display().to_string();
    let fx = vuln_fixtures();
    let f = |n: &str| fx.join(n).display().to_string();
    let (code, _, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T04:00:00Z",
        "ingest",
        "--advisories",
        &f("osv"),
        &f("app.cdx.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "list",
        "--json",
        "--severity",
        "high",
    ]);
    let id = json(&out)[0]["id"]
        .as_str()
        .expect("a high finding")
        .to_owned();
    let (code, _, err) = covenant(&[
        "vuln",
        "--data",
        &data_s,
        "--at",
        "2026-11-02T05:00:00Z",
        "triage",
        &id,
        "--status",
        "triaged",
        "--by",
        "test",
    ]);
    assert_eq!(code, 0, "{err}");
    let notify = |smtp: &str, at: &str| {
        covenant(&[
            "vuln", "--data", &data_s, "--at", at, "notify", &program, "--smtp", smtp,
        ])
    };
    let obligation_status = |at: &str| {
        let (code, out, err) =
            covenant(&["status", &program, "--data", &data_s, "--at", at, "--json"]);
        assert_eq!(code, 0, "{err}");
        let v = json(&out);
        let want = format!("notice:vulnerability-notice:{id}");
        v["obligations"]
            .as_array()
            .expect("obligations")
            .iter()
            .find(|o| o["id"] == want.as_str())
            .map(|o| o["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };

    // Globex's server refuses the recipient: exit 1, the error names the address and the
    // server, and the obligation stays open.
    let first = start_sink_rejecting(&tmp.path().join("mail1"), Some("globex"));
    let smtp1 = format!("smtp://127.0.0.1:{}", first.port);
    let (code, out, err) = notify(&smtp1, "2026-11-02T06:00:00Z");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("security@globex.example.org") && err.contains(&smtp1),
        "{err}"
    );
    assert_eq!(delivered(&first.dir).len(), 2);
    assert_ne!(obligation_status("2026-11-02T06:30:00Z"), "met");

    // The retry goes to Globex only, and then the obligation is met.
    let second = start_sink(&tmp.path().join("mail2"));
    let smtp2 = format!("smtp://127.0.0.1:{}", second.port);
    let (code, out, err) = notify(&smtp2, "2026-11-02T07:00:00Z");
    assert_eq!(code, 0, "{out}{err}");
    let mails = delivered(&second.dir);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].envelope_to, ["security@globex.example.org"]);
    assert_eq!(obligation_status("2026-11-02T07:30:00Z"), "met");
}
