//! Argon2id password hashes in the PHC string format.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least 12 characters")]
    TooShort,
    #[error("this password is too easy to guess ({0}); use a longer passphrase of unrelated words")]
    Guessable(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

pub const MIN_LENGTH: usize = 12;

/// Checks a password a person chose (set at an invitation, a reset or a change): at least
/// [`MIN_LENGTH`] characters, and not guessable — zxcvbn's estimate, which knows common
/// and breached passwords, dictionary words, keyboard patterns and `context` (the email
/// and name), must exceed 10^10 guesses (score 4 of 4 is not required; 3 is).
pub fn check_new(password: &str, context: &[&str]) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    if (estimate.score() as u8) < 3 {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map_or_else(|| "it is a common pattern".to_string(), |w| w.to_string());
        return Err(PasswordError::Guessable(why.to_lowercase()));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash to verify against when the account does not exist, so a login attempt takes
/// as long for unknown emails as for known ones.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy-password-never-used").unwrap_or_default())
}

/// Why a password could not be checked now.
#[derive(Debug, thiserror::Error)]
pub enum Busy {
    #[error("too many passwords are being checked; try again shortly")]
    Queue,
}

enum Work {
    Verify { password: String, phc: String },
    Hash { password: String },
}

enum Outcome {
    Verified(bool),
    Hashed(Result<String, PasswordError>),
}

struct Job {
    work: Work,
    queued: std::time::Instant,
    reply: tokio::sync::oneshot::Sender<Option<Outcome>>,
}

/// Every Argon2 computation of the server runs here: a fixed set of threads, one per
/// core, fed by a bounded queue. Each hash takes about 19 MiB for its duration, and glibc
/// keeps a freed block in the arena of the thread that used it, so hashing on the shared
/// blocking pool let 100 parallel logins grow the process by 2 GiB for good. Here memory
/// is bounded by the worker count, and a request that cannot be served within `deadline`
/// is answered "busy" (503 with Retry-After) instead of waiting without end.
pub struct Hasher {
    queue: std::sync::mpsc::SyncSender<Job>,
    deadline: std::time::Duration,
}

impl Hasher {
    /// `workers` threads (at least one), `queue` jobs waiting at most, each answered
    /// within `deadline` or refused.
    pub fn new(
        workers: usize,
        queue: usize,
        deadline: std::time::Duration,
    ) -> std::io::Result<Hasher> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(queue);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        // The decoy is made before the first login, so an unknown email costs one hash
        // like a known one, never two.
        let _ = decoy();
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok(job) = job else { return };
                        if job.queued.elapsed() > deadline {
                            let _ = job.reply.send(None);
                            continue;
                        }
                        let outcome = match job.work {
                            Work::Verify { password, phc } => {
                                Outcome::Verified(verify(&password, &phc))
                            }
                            Work::Hash { password } => Outcome::Hashed(hash(&password)),
                        };
                        // The requester may have given up; nothing to do then.
                        let _ = job.reply.send(Some(outcome));
                    }
                })?;
        }
        Ok(Hasher {
            queue: tx,
            deadline,
        })
    }

    /// One worker per core the process may use.
    pub fn for_this_machine() -> std::io::Result<Hasher> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Hasher::new(cores, 32 * cores, std::time::Duration::from_secs(5))
    }

    /// How long a caller should wait before trying again after [`Busy`].
    pub fn retry_after_secs(&self) -> u64 {
        self.deadline.as_secs().max(1)
    }

    async fn run(&self, work: Work) -> Result<Outcome, Busy> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            work,
            queued: std::time::Instant::now(),
            reply,
        };
        self.queue.try_send(job).map_err(|_| Busy::Queue)?;
        match tokio::time::timeout(self.deadline, answer).await {
            Ok(Ok(Some(outcome))) => Ok(outcome),
            _ => Err(Busy::Queue),
        }
    }

    /// Checks `password` against a PHC string (a wrong one and a malformed hash alike
    /// answer false).
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, Busy> {
        let work = Work::Verify {
            password: password.to_string(),
            phc: phc.to_string(),
        };
        match self.run(work).await? {
            Outcome::Verified(ok) => Ok(ok),
            Outcome::Hashed(_) => Ok(false),
        }
    }

    /// Hashes a new password (length checked first).
    pub async fn hash(&self, password: &str) -> Result<Result<String, PasswordError>, Busy> {
        if password.chars().count() < MIN_LENGTH {
            return Ok(Err(PasswordError::TooShort));
        }
        let work = Work::Hash {
            password: password.to_string(),
        };
        match self.run(work).await? {
            Outcome::Hashed(h) => Ok(h),
            Outcome::Verified(_) => Ok(Err(PasswordError::Hash("unexpected answer".into()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PasswordError, check_new};

    #[test]
    fn guessable_passwords_are_refused() {
        for weak in [
            "password1234",
            "qwertyuiop12",
            "alice@example.com1",
            "aaaaaaaaaaaaaaaa",
        ] {
            assert!(
                matches!(
                    check_new(weak, &["alice@example.com", "Alice"]),
                    Err(PasswordError::Guessable(_))
                ),
                "{weak}"
            );
        }
        assert!(matches!(
            check_new("short", &[]),
            Err(PasswordError::TooShort)
        ));
        assert!(check_new("violet staple orbit canyon", &["alice@example.com"]).is_ok());
    }
}
