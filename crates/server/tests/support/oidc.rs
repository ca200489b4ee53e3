//! A real OpenID provider (node-oidc-provider, see `tests/oidc/`) for tests.
//!
//! Needs `npm ci` in `tests/oidc` first. Without it, [`start`] skips (returns
//! `None`) unless `COVENANT_REQUIRE_OIDC` is set, in which case it panics, so
//! CI cannot silently stop exercising SSO.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running provider; killed when dropped.
pub struct Provider {
    pub issuer: String,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("oidc")
}

fn required() -> bool {
    std::env::var_os("COVENANT_REQUIRE_OIDC").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Starts a provider whose only client (`covenant` / `covenant-test-secret`)
/// may redirect to `redirect_uri`. The provider picks a free port itself
/// (`--port 0`) and reports its issuer, so there is no window in which
/// another process could take a port we chose.
pub fn start(redirect_uri: &str) -> Option<Provider> {
    let dir = provider_dir();
    if !dir.join("node_modules").join("oidc-provider").is_dir() {
        let how = format!("(cd {} && npm ci --no-audit --no-fund)", dir.display());
        if required() {
            panic!(
                "COVENANT_REQUIRE_OIDC is set but the test OpenID provider is not installed: run {how}"
            );
        }
        println!("skipping: the test OpenID provider is not installed; run {how}");
        return None;
    }

    let mut child = Command::new("node")
        .arg("provider.mjs")
        .args(["--port", "0", "--redirect-uri", redirect_uri])
        .current_dir(&dir)
        // Kept open for the child's lifetime: the provider exits on EOF, so
        // it does not outlive a test process that dies without dropping us.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting `node provider.mjs` in {}: {e}", dir.display()));

    // Forwarded through eprintln! so the test harness captures it and shows
    // it only for failing tests.
    if let Some(stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[oidc-provider] {line}");
            }
        });
    }

    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    std::thread::spawn(move || {
        // Keeps draining after start-up: a closed pipe would kill the
        // provider on its next write (EPIPE).
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Err(mpsc::SendError(line)) = tx.send(line) {
                println!("[oidc-provider] {line}");
            }
        }
    });

    let mut provider = Provider {
        issuer: String::new(),
        child,
    };
    let deadline = std::time::Instant::now() + STARTUP_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line == "ready" => break,
            Ok(line) => {
                if let Some(issuer) = line.strip_prefix("issuer ") {
                    provider.issuer = issuer.to_owned();
                }
            }
            Err(e) => {
                let status = provider.child.try_wait().ok().flatten();
                panic!(
                    "the test OpenID provider did not become ready ({e:?}, exit status {status:?}); its stderr is above"
                );
            }
        }
    }
    assert!(
        !provider.issuer.is_empty(),
        "the provider printed `ready` but no issuer"
    );
    Some(provider)
}

/// Plays the browser: follows the provider's redirects from `authorize_url`,
/// signs in as `account` on the provider's test login form (consent is
/// auto-approved by the provider), and returns the URL the provider finally
/// redirects to outside itself, i.e. the redirect URI with `code` and `state`.
pub async fn login_at_provider(authorize_url: &str, account: &str) -> String {
    covenant_server::oidc::install_crypto_provider();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building the browser client");
    let start = reqwest::Url::parse(authorize_url).expect("authorize URL parses");
    let provider_origin = start.origin();

    let mut response = http
        .get(start.clone())
        .send()
        .await
        .expect("GET authorize URL");
    let mut url = start;
    for _ in 0..20 {
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{status} from {url} without a Location"));
            let next = url.join(location).expect("Location resolves");
            if next.origin() != provider_origin {
                return next.into();
            }
            response = http
                .get(next.clone())
                .send()
                .await
                .expect("following redirect");
            url = next;
        } else if status.is_success() && url.path().starts_with("/interaction/") {
            let login =
                reqwest::Url::parse(&format!("{}/login", url.as_str().trim_end_matches('/')))
                    .expect("login URL");
            response = http
                .post(login.clone())
                .form(&[("account", account)])
                .send()
                .await
                .expect("POST login form");
            url = login;
        } else {
            let body = response.text().await.unwrap_or_default();
            panic!("unexpected {status} from {url}: {body}");
        }
    }
    panic!("no redirect out of the provider after 20 steps");
}
