//! The server's one source of time. Domain code receives `now`; the server reads it
//! here, and tests swap in a clock they move by hand.

use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone)]
pub enum Clock {
    System,
    /// Milliseconds since the epoch, set by tests.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(at.as_millisecond())))
    }

    #[allow(clippy::disallowed_methods)]
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Manual(ms) => Timestamp::from_millisecond(ms.load(Ordering::SeqCst))
                .unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }

    /// Moves a manual clock; a system clock cannot be moved.
    pub fn advance(&self, by: jiff::SignedDuration) {
        if let Clock::Manual(ms) = self {
            ms.fetch_add(i64::try_from(by.as_millis()).unwrap_or(0), Ordering::SeqCst);
        }
    }
}
