//! What several test files share: the HTTP client and the real OpenID provider.
// Each test file compiles this module anew and uses only part of it.
#![allow(dead_code)]

pub mod oidc;

/// A client that shows redirects instead of following them, as the tests check them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client")
}
