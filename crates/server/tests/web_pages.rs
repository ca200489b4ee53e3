//! The web UI over plain HTTP (no browser): every page renders for a signed-in session,
//! strangers are sent to the login page, other workspaces are 404 pages, form POSTs need
//! the CSRF token in their `csrf` field and record their change in the ledger, and assets
//! are cacheable under content-hashed names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use covenant_server::clock::Clock;
use covenant_server::state::{Settings, Shared};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;

struct Web {
    state: Shared,
    base: String,
    cookie: String,
    csrf: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Web {
    covenant_server::oidc::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::new(dir.path().join("data"));
    let url = covenant_server::default_database(&settings);
    let state = covenant_server::start(&url, settings, Clock::System)
        .await
        .unwrap();
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard");
    let login = covenant_server::demo::create(&state, &program, 0, 0)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = covenant_server::app::router(state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}");
    let c = client();
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("email", login.email.as_str()),
            ("password", login.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = r.text().await.unwrap();
    let csrf = hidden(&html, "csrf");
    let now = u64::try_from(state.clock.now().as_second()).unwrap();
    let code = covenant_server::auth::totp::code(&login.totp_secret, now).unwrap();
    let r = c
        .post(format!("{base}/login/totp"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The second factor rotates the session: a new cookie, and a new CSRF token on the
    // pages it sees.
    let cookie = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = c
        .get(format!("{base}/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    Web {
        state,
        base,
        cookie,
        csrf,
        _dir: dir,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden input with this name.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl Web {
    async fn get(&self, path: &str) -> reqwest::Response {
        client()
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client()
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    fn ledger_size(&self) -> u64 {
        self.state.live("demo").unwrap().view().size
    }

    fn first_finding(&self) -> String {
        let live = self.state.live("demo").unwrap();
        live.view().finding_set.iter().next().unwrap().id.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders() {
    let w = start().await;
    let finding = w.first_finding();
    let pages = [
        "/w".to_string(),
        "/w/demo".into(),
        "/w/demo/program".into(),
        "/w/demo/program?model=managed".into(),
        "/w/demo/obligations".into(),
        "/w/demo/obligations?status=overdue&page=2".into(),
        "/w/demo/obligations?view=calendar&month=2026-01".into(),
        "/w/demo/evidence".into(),
        "/w/demo/evidence/1".into(),
        "/w/demo/findings".into(),
        "/w/demo/findings?severity=critical&sla=upcoming".into(),
        format!("/w/demo/findings/item?id={}", urlencode(&finding)),
        "/w/demo/ledger".into(),
        "/w/demo/ledger?old=1&new=5".into(),
        "/w/demo/documents".into(),
        "/w/demo/settings".into(),
        "/account".into(),
    ];
    for p in &pages {
        let r = w.get(p).await;
        let status = r.status();
        // `/w` with one workspace goes straight to its dashboard.
        if p == "/w" {
            assert_eq!(status, StatusCode::SEE_OTHER, "{p}");
            continue;
        }
        let ct = r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        let csp = r.headers()[reqwest::header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{p}: {body}");
        assert!(ct.starts_with("text/html"), "{p}: {ct}");
        assert!(!csp.contains("unsafe-inline"), "{p}: {csp}");
        assert!(
            !body.contains("<script>") && !body.contains("style=\""),
            "{p}: inline script or style"
        );
        assert!(body.contains("id=\"main\""), "{p}: no main landmark");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_foreign_workspaces_and_assets() {
    let w = start().await;
    let r = client()
        .get(format!("{}/w/demo/findings?status=open", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[reqwest::header::LOCATION].to_str().unwrap();
    assert!(to.starts_with("/login?next=%2Fw%2Fdemo%2Ffindings"), "{to}");
    // Another site cannot post the sign-in form (login CSRF), whatever the credentials.
    let r = client()
        .post(format!("{}/login", w.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "someone@example.test"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(reqwest::header::SET_COOKIE).is_none());
    // A signed-in user sent to a `next` that browsers would read as another site stays here.
    let r = client()
        .get(format!("{}/login?next=/%09/evil.example", w.base))
        .header("cookie", &w.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[reqwest::header::LOCATION], "/");
    // Another workspace, existing or not, is the same 404 page.
    covenant_server::workspaces::create(
        &w.state,
        "other",
        "Other",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard"),
        "test",
        None,
    )
    .await
    .unwrap();
    for ws in ["other", "missing"] {
        let r = w.get(&format!("/w/{ws}/evidence")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let body = r.text().await.unwrap();
        assert!(body.contains("<h1>Not found</h1>"), "{body}");
        let r = w
            .post(&format!("/w/{ws}/ledger/checkpoints"), &[("csrf", &w.csrf)])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    // An item page without its id, or with an unknown one, is a 404 page too.
    for p in [
        "/w/demo/findings/item",
        "/w/demo/findings/item?id=nope",
        "/w/demo/obligations/item",
        "/w/demo/documents/view?path=nope.md",
        "/w/demo/evidence/999999",
    ] {
        let r = w.get(p).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
        assert!(
            r.text().await.unwrap().contains("<h1>Not found</h1>"),
            "{p}"
        );
    }
    // Assets: named by content, cached for a year.
    let html = w.get("/w/demo").await.text().await.unwrap();
    let css = html
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|u| u.ends_with(".css")))
        .unwrap()
        .to_string();
    let r = client()
        .get(format!("{}{css}", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[reqwest::header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let r = client()
        .get(format!("{}/assets/app-0000000000000000.css", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_need_the_csrf_field_and_record_in_the_ledger() {
    let w = start().await;
    let id = w.first_finding();
    let triage = [
        ("id", id.as_str()),
        ("status", "not_affected"),
        ("justification", "component_not_present"),
    ];
    let before = w.ledger_size();
    // Without the token, or with another, nothing happens.
    let r = w.post("/w/demo/findings/triage", &triage).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut wrong = triage.to_vec();
    wrong.push(("csrf", "not-the-token"));
    let r = w.post("/w/demo/findings/triage", &wrong).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.ledger_size(), before);
    // With it, the triage is an entry in the ledger.
    let mut good = triage.to_vec();
    good.push(("csrf", w.csrf.as_str()));
    let r = w.post("/w/demo/findings/triage", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.ledger_size(), before + 1);
    let status = w
        .state
        .live("demo")
        .unwrap()
        .view()
        .finding_set
        .get(&id)
        .unwrap()
        .status
        .as_str();
    assert_eq!(status, "not_affected");
    // A refused triage is explained on the page, not recorded.
    let refused = [
        ("csrf", w.csrf.as_str()),
        ("id", id.as_str()),
        ("status", "risk_accepted"),
    ];
    let r = w.post("/w/demo/findings/triage", &refused).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("an approver"));
    assert_eq!(w.ledger_size(), before + 1);

    // A multipart upload carries the token as its first field.
    let control = w.state.live("demo").unwrap().view().program.controls[0]
        .value
        .id
        .clone();
    let form = reqwest::multipart::Form::new()
        .text("csrf", w.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"pen test report".to_vec()).file_name("pt.pdf"),
        )
        .text("control", control)
        .text("kind", "report")
        .text("effective", "2026-11-01")
        .text("note", "annual pen test");
    let r = client()
        .post(format!("{}/w/demo/evidence", w.base))
        .header("cookie", &w.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[reqwest::header::LOCATION].to_str().unwrap();
    assert!(to.starts_with("/w/demo/evidence/"), "{to}");
    assert_eq!(w.ledger_size(), before + 2);
    let entry: Value = serde_json::from_str(
        &w.state
            .store
            .entries_from(
                &w.state.live("demo").unwrap().workspace.id,
                i64::try_from(before + 1).unwrap(),
                1,
            )
            .await
            .unwrap()[0]
            .body,
    )
    .unwrap();
    assert_eq!(entry["type"], json!("evidence.added"));
    assert_eq!(entry["note"], json!("annual pen test"));

    // Signing out ends the session.
    let r = w.post("/logout", &[("csrf", &w.csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = w.get("/w/demo").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
