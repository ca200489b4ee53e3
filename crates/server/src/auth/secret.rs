//! Random secrets (session ids, API tokens, recovery codes) and the hashes stored for them.
//! They carry 256 bits of entropy, so a plain SHA-256 is the right hash: a slow password
//! hash would only slow every request down.

use sha2::{Digest, Sha256};

pub fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)?;
    Ok(b)
}

/// 32 random bytes as URL-safe base64 without padding.
pub fn token() -> Result<String, getrandom::Error> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// A random identifier for rows (not a secret).
pub fn id() -> Result<String, getrandom::Error> {
    Ok(hex::encode(random_bytes::<12>()?))
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares in constant time (`subtle`), so timing does not tell how much matched; only
/// the lengths, which are public (every token and CSRF secret has the same one), may differ
/// in time.
pub fn equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Ten recovery codes of the form `xxxx-xxxx-xxxx`, easy to read out and type.
pub fn recovery_codes() -> Result<Vec<String>, getrandom::Error> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut codes = Vec::new();
    for _ in 0..10 {
        let raw = random_bytes::<12>()?;
        let chars: String = raw
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        codes.push(format!(
            "{}-{}-{}",
            &chars[0..4],
            &chars[4..8],
            &chars[8..12]
        ));
    }
    Ok(codes)
}

/// Recovery codes are compared case- and dash-insensitively.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
