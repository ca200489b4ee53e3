//! The web UI in a real browser: an in-process server with the demo workspace, driven by
//! `tests/web/ui.mjs` (playwright-core and Debian's Chromium). Needs `npm ci` in
//! `tests/web` and `/usr/bin/chromium` (or `COVENANT_CHROMIUM`); without them the test
//! prints why and passes, unless `COVENANT_REQUIRE_BROWSER` is set, when it fails so that
//! CI cannot silently stop running it. Screenshots go to `COVENANT_SCREENSHOTS` (default
//! `target/web-screenshots`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/smtp.rs"]
mod smtp;

use covenant_server::clock::Clock;
use covenant_server::state::Settings;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn required() -> bool {
    std::env::var_os("COVENANT_REQUIRE_BROWSER").is_some_and(|v| !v.is_empty() && v != "0")
}

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("web")
}

fn chromium() -> PathBuf {
    std::env::var_os("COVENANT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Why the browser test cannot run here, if it cannot.
fn missing() -> Option<String> {
    let dir = web_dir();
    if !dir.join("node_modules").join("playwright-core").is_dir() {
        return Some(format!(
            "playwright-core is not installed: run (cd {} && npm ci --no-audit --no-fund)",
            dir.display()
        ));
    }
    if !smtp::available() {
        return Some(
            "aiosmtpd is not installed (python3 -m pip install aiosmtpd): the invitation and reset scenarios read mail from it".to_string(),
        );
    }
    if !chromium().is_file() {
        return Some(format!(
            "no browser at {}: apt-get install -y chromium (or set COVENANT_CHROMIUM)",
            chromium().display()
        ));
    }
    None
}

fn screenshots() -> PathBuf {
    match std::env::var_os("COVENANT_SCREENSHOTS") {
        Some(d) => PathBuf::from(d),
        // The workspace's target directory, beside the build.
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/web-screenshots"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_ui_in_a_real_browser() {
    if let Some(why) = missing() {
        if required() {
            panic!("COVENANT_REQUIRE_BROWSER is set but {why}");
        }
        println!("skipping the browser test: {why}");
        return;
    }
    covenant_server::oidc::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    // Invitations and reset links are mailed to a real SMTP server, and point at the
    // address the browser uses.
    let sink = smtp::start().expect("aiosmtpd");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut settings = Settings::new(dir.path().join("data"));
    settings.mailer = Some(sink.mailer());
    settings.public_url = Some(format!("http://localhost:{}", addr.port()));
    let url = covenant_server::default_database(&settings);
    // The real clock: the browser computes TOTP codes from its own time.
    let state = covenant_server::start(&url, settings, Clock::System)
        .await
        .unwrap();
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/enforcer-dashboard");
    let login = covenant_server::demo::create(&state, &program, 0, 0)
        .await
        .unwrap();
    // A viewer without a second factor: enrols TOTP from the account page.
    let viewer_password = "correct horse battery staple";
    let id = state.new_id().unwrap();
    let hash = covenant_server::auth::password::hash(viewer_password).unwrap();
    state
        .store
        .create_account(covenant_store::NewAccount {
            id: &id,
            email: "viewer@demo.test",
            name: "Vera Viewer",
            password_hash: Some(&hash),
            created_at: 0,
        })
        .await
        .unwrap();
    let demo = state.live("demo").unwrap();
    state
        .store
        .set_member(&demo.workspace.id, &id, "viewer", 0)
        .await
        .unwrap();
    let app = covenant_server::app::router(state.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let shots = screenshots();
    let mail_dir = sink.dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("ui.mjs")
            .current_dir(web_dir())
            // `localhost` is a secure context, so the `__Host-` session cookie is kept.
            .env("BASE_URL", format!("http://localhost:{}", addr.port()))
            .env("EMAIL", &login.email)
            .env("PASSWORD", &login.password)
            .env("TOTP_SECRET", &login.totp_secret)
            .env("VIEWER_EMAIL", "viewer@demo.test")
            .env("VIEWER_PASSWORD", viewer_password)
            .env("SCREENSHOTS", &shots)
            .env("MAIL_DIR", &mail_dir)
            .env("CHROMIUM", chromium())
            .output()
    })
    .await
    .unwrap()
    .expect("running node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("\nok"),
        "the script did not finish: {stdout}"
    );
}
