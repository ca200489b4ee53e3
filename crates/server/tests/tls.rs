//! Built-in TLS: the server answers HTTPS with the configured certificate, a client that
//! trusts it gets a normal answer with HSTS, and a silent client does not hold up others.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use covenant_server::clock::Clock;
use covenant_server::state::Settings;
use std::time::Duration;

struct Pki {
    _dir: tempfile::TempDir,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    cert_pem: String,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let cert_pem = ck.cert.pem();
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    Pki {
        _dir: dir,
        cert,
        key,
        cert_pem,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_configured_certificate() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new(dir.path().join("data"));
    settings.https = true;
    let url = covenant_server::default_database(&settings);
    let state = covenant_server::start(&url, settings, Clock::System)
        .await
        .unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let acceptor = covenant_server::tls::acceptor(&pki.cert, &pki.key).unwrap();
    let listener = covenant_server::tls::listen(tcp, acceptor).unwrap();
    tokio::spawn(covenant_server::serve(state, listener));

    // A client that opens a connection and says nothing must not block the next one.
    let _silent = tokio::net::TcpStream::connect(addr).await.unwrap();

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pki.cert_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let r = trusting
        .get(format!("https://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(
        r.headers()
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap().contains("max-age=")),
        "{:?}",
        r.headers()
    );

    // A client that does not trust the certificate fails the handshake.
    let default = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(
        default
            .get(format!("https://{addr}/healthz"))
            .send()
            .await
            .is_err()
    );
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(
        plain
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err()
    );
}

#[test]
fn bad_files_are_named_in_the_error() {
    let pki = pki();
    let missing = std::path::Path::new("/nonexistent/cert.pem");
    let Err(e) = covenant_server::tls::acceptor(missing, &pki.key) else {
        panic!("a missing certificate file was accepted");
    };
    assert!(e.to_string().contains("/nonexistent/cert.pem"), "{e}");
    // The key where the certificate belongs: no certificate in it.
    let Err(e) = covenant_server::tls::acceptor(&pki.key, &pki.key) else {
        panic!("a key was accepted as a certificate");
    };
    assert!(e.to_string().contains("key.pem"), "{e}");
    let Err(e) = covenant_server::tls::acceptor(&pki.cert, &pki.cert) else {
        panic!("a certificate was accepted as a key");
    };
    assert!(e.to_string().contains("PEM private key"), "{e}");
}
