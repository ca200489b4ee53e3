//! Delivery to a real SMTP server on loopback (Python's aiosmtpd, which `.ci/run`
//! installs; the test says so on stderr and passes when it is missing).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use covenant_mail::{MailError, Mailer, Outgoing};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sink(dir: &Path, port: u16) -> Sink {
    let mut child = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_sink.py"))
        .args(["127.0.0.1", &port.to_string()])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the SMTP sink");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    Sink(child)
}

fn message<'a>(to: &'a str, reply_to: Option<&'a str>) -> Outgoing<'a> {
    Outgoing {
        from: "Covenant <covenant@example.test>",
        reply_to,
        to,
        subject: "Hello",
        body: "One line.\nA second line.\n",
        message_id: "test.1@example.test",
        date: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
    }
}

#[test]
fn a_message_arrives_with_its_headers() {
    if !aiosmtpd_available() {
        eprintln!("skipped: aiosmtpd not installed (python3 -m pip install aiosmtpd)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let _sink = start_sink(tmp.path(), port);
    let mailer = Mailer::connect(&format!("smtp://127.0.0.1:{port}")).unwrap();
    mailer
        .send(&message(
            "alice@example.test",
            Some("security@example.test"),
        ))
        .unwrap();
    mailer.send(&message("bob@example.test", None)).unwrap();
    let read = |n: &str| std::fs::read_to_string(tmp.path().join(n)).unwrap();
    let first = read("0001.eml");
    assert!(
        first.contains("X-Envelope-To: alice@example.test"),
        "{first}"
    );
    assert!(first.contains("Subject: Hello"), "{first}");
    assert!(first.contains("Reply-To: security@example.test"), "{first}");
    assert!(
        first.contains("Message-ID: <test.1@example.test>"),
        "{first}"
    );
    assert!(
        first.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000"),
        "{first}"
    );
    assert!(first.contains("Content-Type: text/plain"), "{first}");
    assert!(first.contains("One line.\r\nA second line."), "{first}");
    let second = read("0002.eml");
    assert!(
        second.contains("X-Envelope-To: bob@example.test"),
        "{second}"
    );
    assert!(!second.contains("Reply-To:"), "{second}");
}

#[test]
fn failures_name_the_recipient_and_the_server() {
    let port = free_port();
    let url = format!("smtp://u:hunter22@127.0.0.1:{port}");
    let mailer = Mailer::connect(&url).unwrap();
    assert_eq!(mailer.server(), format!("smtp://u:***@127.0.0.1:{port}"));
    let e = mailer
        .send(&message("alice@example.test", None))
        .unwrap_err();
    assert!(matches!(e, MailError::Send { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("alice@example.test") && text.contains(mailer.server()),
        "{text}"
    );
    assert!(!text.contains("hunter22"), "{text}");
    let e = mailer.send(&message("not an address", None)).unwrap_err();
    assert!(
        matches!(
            e,
            MailError::Address {
                what: "recipient",
                ..
            }
        ),
        "{e:?}"
    );
}
