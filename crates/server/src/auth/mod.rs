//! Accounts' credentials: passwords, second factors, secrets, throttling, and the
//! extractor that turns a request into an authenticated actor.

pub mod actor;
pub mod password;
pub mod secret;
pub mod throttle;
pub mod totp;
