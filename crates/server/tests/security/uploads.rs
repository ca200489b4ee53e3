//! Bodies sent before authentication, and uploads over the size limit.
//!
//! Requests are written by hand on a TCP connection: a 30 MiB body then comes from one
//! reused 64 KiB buffer (the client holds nothing, so the process's peak memory is the
//! server's), and an answer the server gives before the body has been sent is read
//! rather than lost in a broken pipe.

use crate::support::harness::{Server, account, member, program};
use covenant_server::role::Role;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MIB: usize = 1 << 20;
const BOUNDARY: &str = "covenant-test-boundary";

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> String {
        self.head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    }
}

/// POSTs `head`, then `filler` bytes of `x`, then `tail`, and reads the answer, which may
/// come before the body has been written.
async fn post(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: (Vec<u8>, usize, Vec<u8>),
) -> Answer {
    static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let (head, filler, tail) = body;
    let addr = base.strip_prefix("http://").unwrap().to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        head.len() + filler + tail.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let writer = tokio::spawn(async move {
        wr.write_all(req.as_bytes()).await?;
        wr.write_all(&head).await?;
        let mut left = filler;
        while left > 0 {
            let n = left.min(CHUNK.len());
            wr.write_all(&CHUNK[..n]).await?;
            left -= n;
        }
        wr.write_all(&tail).await?;
        wr.flush().await?;
        // Dropping the write half would shut it down, and hyper answers a half-closed
        // connection by closing it: hold it until the answer has been read.
        std::future::pending::<()>().await;
        Ok::<_, std::io::Error>(())
    });
    let mut raw = Vec::new();
    // The server may reset the connection once it has answered; what arrived counts.
    let _ = rd.read_to_end(&mut raw).await;
    writer.abort();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A multipart body: the text fields in order, then a file of `size` bytes.
fn multipart(fields: &[(&str, &str)], size: usize) -> (String, (Vec<u8>, usize, Vec<u8>)) {
    let mut head = String::new();
    for (name, value) in fields {
        head.push_str(&format!(
            "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    head.push_str(&format!(
        "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\ncontent-type: application/octet-stream\r\n\r\n"
    ));
    (
        format!("multipart/form-data; boundary={BOUNDARY}"),
        (
            head.into_bytes(),
            size,
            format!("\r\n--{BOUNDARY}--\r\n").into_bytes(),
        ),
    )
}

/// Peak and current resident memory of this process (server and client), in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    };
    (kib("VmHWM:"), kib("VmRSS:"))
}

/// Starts a new peak: `VmHWM` is reset to the current resident size (Linux ≥ 4.0).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Workspace `demo`: the id of its first control and its admin's API token.
async fn demo(s: &Server) -> (String, String) {
    let login = covenant_server::demo::create(&s.state, &program(), 0, 0)
        .await
        .unwrap();
    let control = s.state.live("demo").unwrap().view().program.controls[0]
        .value
        .id
        .clone();
    (control, login.token)
}

/// A contributor's browser session in `demo`, second factor done (new workspaces ask
/// every member for one): (cookie, CSRF token).
async fn session(s: &Server) -> (String, String) {
    let (email, pw, secret) = account(s, "uploader@example.com", true).await;
    member(s, "demo", &email, Role::Contributor).await;
    crate::auth::sign_in(s, &email, &pw, secret.as_deref().unwrap()).await
}

/// Every file under a directory.
fn files(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.insert(p);
            }
        }
    }
    out
}

/// The ledger's size and the evidence count of `demo`.
fn recorded(s: &Server) -> (u64, usize) {
    let v = s.state.live("demo").unwrap().view();
    (v.size, v.evidence)
}

/// 20 parallel 30 MiB uploads without a cookie to the web form and 20 without a token to
/// the API, and 20 each of 30 MiB sign-in bodies (form and JSON): each is answered
/// before its body is read, so the process grows by far less than the 2.4 GiB sent.
async fn unauthenticated_upload_is_not_buffered(s: Server) {
    let (control, _) = demo(&s).await;
    let before = recorded(&s);
    reset_peak();
    let (peak_before, rss_before) = memory();
    let mut tasks = Vec::new();
    for i in 0..80 {
        let base = s.base.clone();
        let control = control.clone();
        tasks.push(tokio::spawn(async move {
            let (path, ct, body, want): (&str, String, _, &[u16]) = match i % 4 {
                0 => {
                    let (ct, body) = multipart(&[("csrf", "x"), ("control", &control)], 30 * MIB);
                    ("/w/demo/evidence", ct, body, &[303])
                }
                1 => {
                    let (ct, body) = multipart(&[("control", &control)], 30 * MIB);
                    ("/api/v1/workspaces/demo/evidence", ct, body, &[401])
                }
                2 => (
                    "/login",
                    "application/x-www-form-urlencoded".to_string(),
                    (b"email=a%40b.c&password=".to_vec(), 30 * MIB, Vec::new()),
                    &[413],
                ),
                _ => (
                    "/api/v1/auth/login",
                    "application/json".to_string(),
                    (
                        br#"{"email":"a@b.c","password":""#.to_vec(),
                        30 * MIB,
                        br#""}"#.to_vec(),
                    ),
                    &[413],
                ),
            };
            let a = post(&base, path, &[], &ct, body).await;
            (path, want, a)
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    let (peak_after, rss_after) = memory();
    let growth_mib = (peak_after.saturating_sub(peak_before)) / 1024;
    eprintln!(
        "unauthenticated bodies: peak RSS {} -> {} MiB (+{growth_mib} MiB), RSS {} -> {} MiB",
        peak_before / 1024,
        peak_after / 1024,
        rss_before / 1024,
        rss_after / 1024
    );
    assert!(
        growth_mib < 150,
        "peak resident memory grew by {growth_mib} MiB"
    );
    for (path, want, a) in answers {
        assert!(want.contains(&a.status), "{path}: {} {}", a.status, a.body);
        if a.status == 303 {
            assert!(a.header("location").starts_with("/login"), "{}", a.head);
        }
    }
    assert_eq!(recorded(&s), before);
}
crate::both!(unauthenticated_upload_is_not_buffered);

/// An authenticated API upload over the 32 MiB limit is refused with 413 problem details;
/// nothing is recorded and no temporary file is left behind.
async fn oversized_api_upload_is_413(s: Server) {
    let (control, token) = demo(&s).await;
    let bearer = format!("Bearer {token}");
    let before = recorded(&s);
    let data = files(&s.state.settings.data);
    let (ct, body) = multipart(&[("control", &control)], 33 * MIB);
    let a = post(
        &s.base,
        "/api/v1/workspaces/demo/evidence",
        &[("authorization", &bearer)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert_eq!(a.header("content-type"), "application/problem+json");
    let p: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(p["status"], 413);
    assert_eq!(recorded(&s), before);
    assert_eq!(files(&s.state.settings.data), data);

    // A JSON body over its (smaller) limit is 413 as well, not 400.
    let a = post(
        &s.base,
        "/api/v1/workspaces/demo/incidents",
        &[("authorization", &bearer)],
        "application/json",
        (br#"{"title":""#.to_vec(), 2 * MIB, br#""}"#.to_vec()),
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert_eq!(a.header("content-type"), "application/problem+json");

    // Under the limit the same upload is recorded, with the file's size and hash.
    let (ct, body) = multipart(&[("control", &control), ("kind", "report")], 3 * MIB);
    let a = post(
        &s.base,
        "/api/v1/workspaces/demo/evidence",
        &[("authorization", &bearer)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let e: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(e["size"], 3 * MIB);
    assert_eq!(e["filename"], "big.bin");
    assert_eq!(recorded(&s).1, before.1 + 1);
    let blob = e["blob"].as_str().unwrap().to_string();
    let stored = s
        .state
        .live("demo")
        .unwrap()
        .blobs
        .get(&blob)
        .unwrap()
        .unwrap();
    assert_eq!(stored.len(), 3 * MIB);
    assert!(stored.iter().all(|b| *b == b'x'));
}
crate::both!(oversized_api_upload_is_413);

/// The same through the web form: a 413 page, nothing recorded, no file left; and a form
/// body over the form limit is 413 too.
async fn oversized_web_upload_is_413(s: Server) {
    let (control, _) = demo(&s).await;
    let (cookie, csrf) = session(&s).await;
    let before = recorded(&s);
    let data = files(&s.state.settings.data);
    let (ct, body) = multipart(&[("csrf", &csrf), ("control", &control)], 33 * MIB);
    let a = post(
        &s.base,
        "/w/demo/evidence",
        &[("cookie", &cookie)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert!(
        a.header("content-type").starts_with("text/html"),
        "{}",
        a.head
    );
    assert_eq!(recorded(&s), before);
    assert_eq!(files(&s.state.settings.data), data);

    let form = format!("csrf={csrf}&scope=read&expires_in_days=30&name=");
    let a = post(
        &s.base,
        "/w/demo/settings/tokens",
        &[("cookie", &cookie)],
        "application/x-www-form-urlencoded",
        (form.into_bytes(), MIB, Vec::new()),
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.body);
    assert_eq!(recorded(&s), before);

    // Under the limit the upload is recorded and the browser sent to the new item.
    let (ct, body) = multipart(&[("csrf", &csrf), ("control", &control)], MIB);
    let a = post(
        &s.base,
        "/w/demo/evidence",
        &[("cookie", &cookie)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.header("location").starts_with("/w/demo/evidence/"));
    assert_eq!(recorded(&s).1, before.1 + 1);
}
crate::both!(oversized_web_upload_is_413);

/// A browser upload must carry the session's CSRF token as its first field: the file is
/// not read until it has been checked.
async fn web_upload_without_csrf_first_is_refused(s: Server) {
    let (control, _) = demo(&s).await;
    let (cookie, csrf) = session(&s).await;
    let before = recorded(&s);
    let data = files(&s.state.settings.data);
    for fields in [
        vec![("control", control.as_str())],
        vec![("control", control.as_str()), ("csrf", csrf.as_str())],
        vec![("csrf", "not-the-token"), ("control", control.as_str())],
        vec![("csrf", ""), ("control", control.as_str())],
    ] {
        let (ct, body) = multipart(&fields, 1024);
        let a = post(
            &s.base,
            "/w/demo/evidence",
            &[("cookie", &cookie)],
            &ct,
            body,
        )
        .await;
        assert_eq!(a.status, 403, "{fields:?}: {}", a.body);
        assert_eq!(recorded(&s), before);
    }
    // Nor is a large one read: the refusal comes before the 30 MiB are sent.
    let (ct, body) = multipart(&[("control", &control)], 30 * MIB);
    let a = post(
        &s.base,
        "/w/demo/evidence",
        &[("cookie", &cookie)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(recorded(&s), before);
    assert_eq!(files(&s.state.settings.data), data);
    // The header works as well as the field, as it does for the API.
    let (ct, body) = multipart(&[("control", &control)], 1024);
    let a = post(
        &s.base,
        "/w/demo/evidence",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let (ct, body) = multipart(&[("csrf", &csrf), ("control", &control)], 1024);
    let a = post(
        &s.base,
        "/w/demo/evidence",
        &[("cookie", &cookie)],
        &ct,
        body,
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(recorded(&s).1, before.1 + 2);
}
crate::both!(web_upload_without_csrf_first_is_refused);
