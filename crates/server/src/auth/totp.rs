//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, as every authenticator app
//! expects). Time is passed in.

use totp_rs::{Algorithm, Builder, Secret, Totp};

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("invalid TOTP secret: {0}")]
    Secret(String),
}

fn totp(secret_b32: &str, account: &str) -> Result<Totp, TotpError> {
    let secret =
        Secret::try_from_base32(secret_b32).map_err(|e| TotpError::Secret(e.to_string()))?;
    let mut b = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some("Covenant"));
    if !account.is_empty() {
        b = b.with_account_name(account);
    }
    b.build().map_err(|e| TotpError::Secret(e.to_string()))
}

/// A new random secret, base32.
pub fn generate_secret() -> String {
    Secret::generate().to_base32()
}

/// The `otpauth://` URL an authenticator app scans.
pub fn url(secret_b32: &str, account: &str) -> Result<String, TotpError> {
    totp(secret_b32, account)?
        .to_url()
        .map_err(|e| TotpError::Secret(e.to_string()))
}

/// Checks a code at `unix_seconds`, accepting one step of clock skew either way.
pub fn check(secret_b32: &str, code: &str, unix_seconds: u64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp(secret_b32, "x")
        .ok()
        .and_then(|t| t.check(&code, unix_seconds))
        .is_some()
}

/// The code at `unix_seconds`, for tests and the demo's printed login.
pub fn code(secret_b32: &str, unix_seconds: u64) -> Result<String, TotpError> {
    Ok(totp(secret_b32, "x")?.generate(unix_seconds).to_string())
}
