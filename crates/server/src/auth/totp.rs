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

/// The time step (30 s) whose code `code` is at `unix_seconds`, accepting one step of
/// clock skew either way. The caller must refuse a step at or before the last one it
/// accepted for the account (`Store::accept_totp_step`), so a code works once.
pub fn matching_step(secret_b32: &str, code: &str, unix_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let t = totp(secret_b32, "x").ok()?;
    let now = unix_seconds / 30;
    // Every candidate is compared, so timing does not tell which step matched.
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let expected = t.generate(step * 30).to_string();
        if crate::auth::secret::equal(&expected, &code) && found.is_none() {
            found = i64::try_from(step).ok();
        }
    }
    found
}

/// The code at `unix_seconds`, for tests and the demo's printed login.
pub fn code(secret_b32: &str, unix_seconds: u64) -> Result<String, TotpError> {
    Ok(totp(secret_b32, "x")?.generate(unix_seconds).to_string())
}
