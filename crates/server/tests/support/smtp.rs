//! A real SMTP server for the tests that mail links: Python's aiosmtpd, run by
//! `crates/mail/tests/fixtures/smtp_sink.py`, which saves each message it receives as a
//! file. `.ci/run` installs aiosmtpd; without it `start` says so on stderr and the test
//! skips (unless `COVENANT_REQUIRE_SMTP` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The SMTP sink, killed when the test ends however it ends.
pub struct Sink {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mail/tests/fixtures/smtp_sink.py")
}

/// Starts a sink on a free loopback port; `None` (with a line on stderr) without aiosmtpd.
pub fn start() -> Option<Sink> {
    if !available() {
        if std::env::var_os("COVENANT_REQUIRE_SMTP").is_some() {
            panic!("COVENANT_REQUIRE_SMTP is set but aiosmtpd is not installed");
        }
        eprintln!("skipping: aiosmtpd is not installed (python3 -m pip install aiosmtpd)");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mail");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("python3")
        .arg(script())
        .args(["127.0.0.1", &port.to_string()])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the SMTP sink");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
    Some(Sink {
        child,
        port,
        dir,
        _tmp: tmp,
    })
}

impl Sink {
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mailer(&self) -> covenant_mail::Mailer {
        covenant_mail::Mailer::connect(&self.url()).unwrap()
    }

    /// Every message received so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .iter()
            .map(|p| Mail::parse(&std::fs::read_to_string(p).unwrap()))
            .collect()
    }

    /// Waits (up to 20 s) until `n` messages have arrived, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..200 {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} messages did not arrive; got {}", self.mails().len());
    }
}

/// A received message: envelope recipients, headers and the decoded body.
pub struct Mail {
    pub envelope_to: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first URL in the body whose path starts with `prefix` (e.g. `/invite/`).
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(prefix))
            .map(str::to_string)
    }

    /// The secret at the end of that link.
    pub fn token(&self, prefix: &str) -> Option<String> {
        let link = self.link(prefix)?;
        Some(link.rsplit_once(prefix)?.1.to_string())
    }

    fn parse(raw: &str) -> Mail {
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
        match mail.header("Content-Transfer-Encoding") {
            Some(e) if e.eq_ignore_ascii_case("quoted-printable") => {
                mail.body = quoted_printable(&mail.body);
            }
            Some(e) if e.eq_ignore_ascii_case("base64") => {
                use base64::Engine;
                let compact: String = mail.body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("base64 body");
                mail.body = String::from_utf8(bytes).expect("utf-8 body");
            }
            _ => {}
        }
        mail
    }
}

/// Enough of RFC 2045 quoted-printable: soft breaks and `=XX` escapes.
fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
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
