//! Time, as a port: entities and use cases take the time from here, so tests set it instead of sleeping.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The current time and a way to wait. The service's adapter reads the system clock and sleeps on its
/// runtime; tests use a clock they move by hand (`testing::ManualClock`).
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Returns after `duration` has passed on this clock.
    async fn sleep(&self, duration: Duration);

    /// How long ago `then` was; zero when the clock went back past it, so a cached value reads as fresh
    /// rather than as expired forever.
    fn since(&self, then: DateTime<Utc>) -> Duration {
        (self.now() - then).to_std().unwrap_or_default()
    }

    /// Now in whole seconds since the Unix epoch (0 for a clock set before 1970).
    fn unix_seconds(&self) -> u64 {
        u64::try_from(self.now().timestamp()).unwrap_or(0)
    }
}

/// Wall-clock time, and sleeping on the tokio runtime: what the service runs on outside tests.
#[cfg(feature = "system-clock")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[cfg(feature = "system-clock")]
#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
