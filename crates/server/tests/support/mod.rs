//! What several test files share: the HTTP client and the real OpenID provider.
// Each test file compiles this module anew and uses only part of it.
#![allow(dead_code)]

pub mod harness;
pub mod oidc;
pub mod smtp;

/// A client that shows redirects instead of following them, as the tests check them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}

/// Runs `async fn NAME(Server)` as two tests, `NAME::sqlite` and `NAME::postgres`; the
/// second says on stderr that it skipped when no PostgreSQL server is configured.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::harness::server(false).await.unwrap()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(s) = $crate::support::harness::server(true).await {
                    super::$name(s).await;
                }
            }
        }
    };
}
