//! Login throttling: after too many failures in a window, an account or an address is
//! locked until the oldest failure in the window ages out. Pure: the store keeps the
//! failures; this decides.

/// Failures counted over this window.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Per account: a targeted guess.
pub const ACCOUNT_LIMIT: usize = 5;
/// Per address: spraying many accounts from one place.
pub const ADDRESS_LIMIT: usize = 20;
/// Per pending session: second-factor guesses on one sign-in.
pub const SESSION_LIMIT: usize = 5;

/// The limits in force (`Settings::throttle`); the constants above are the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub account: usize,
    pub address: usize,
    pub session: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            account: ACCOUNT_LIMIT,
            address: ADDRESS_LIMIT,
            session: SESSION_LIMIT,
        }
    }
}

/// Seconds until the next attempt is allowed, or `None` if allowed now. `failures` are
/// the times (ms) of failures within the window, oldest first.
pub fn locked_for(failures: &[i64], limit: usize, now_ms: i64) -> Option<u64> {
    if failures.len() < limit {
        return None;
    }
    // A limit of 0 locks until the newest failure ages out (and, with none, not at all).
    let index = failures.len().checked_sub(limit.max(1))?;
    let oldest_counting = *failures.get(index)?;
    let until = oldest_counting + WINDOW_MS;
    (until > now_ms).then(|| u64::try_from((until - now_ms + 999) / 1000).unwrap_or(1))
}

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

pub fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}
