//! Per-caller limits on mutating requests: governor's GCRA (a token bucket without the bookkeeping) per
//! token subject, in this process, on the domain's clock so tests move time instead of waiting for it.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Gcra};
use starkrisk_domain::ports::Clock;

/// Subjects beyond this many are swept of idle ones, so a stream of one-off subjects cannot grow the map
/// without end.
const SWEEP_ABOVE: usize = 10_000;

/// Admits each caller `per_minute` mutating requests a minute on average, `burst` at once.
pub struct RateLimiter {
    limits: Option<Gcra<String, DefaultKeyedStateStore<String>, PortClock, NoOpMiddleware<Duration>>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("enabled", &self.limits.is_some()).finish()
    }
}

impl RateLimiter {
    /// A limiter reading time from `clock`; `per_minute = 0` admits everything.
    pub fn new(per_minute: u32, burst: u32, clock: Arc<dyn Clock>) -> Self {
        let limits = NonZeroU32::new(per_minute).map(|rate| {
            let quota = Quota::per_minute(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
            Gcra::dashmap_with_clock(quota, PortClock(clock))
        });
        Self { limits }
    }

    /// Admits one request of `caller`, or says how long until the next one would be admitted.
    pub fn admit(&self, caller: &str) -> Result<(), Duration> {
        let Some(limits) = &self.limits else { return Ok(()) };
        if limits.len() > SWEEP_ABOVE {
            limits.retain_recent();
        }
        limits.check_key(&caller.to_string()).map_err(|refused| refused.wait_time_from(limits.clock().now()))
    }
}

/// The domain's clock as governor reads time: the span since the Unix epoch.
#[derive(Clone)]
struct PortClock(Arc<dyn Clock>);

impl GovernorClock for PortClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        // A clock set before 1970 reads as the epoch; the limiter only compares spans.
        (self.0.now() - chrono::DateTime::UNIX_EPOCH).to_std().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use starkrisk_domain::testing::ManualClock;

    use super::*;

    #[test]
    fn a_burst_is_admitted_then_the_caller_waits_until_the_clock_moves_and_others_do_not() {
        let clock = Arc::new(ManualClock::default());
        let limiter = RateLimiter::new(60, 3, clock.clone());
        for _ in 0..3 {
            assert!(limiter.admit("alice").is_ok());
        }
        let wait = limiter.admit("alice").unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.admit("bob").is_ok(), "limits are per caller");
        clock.advance(Duration::from_millis(500));
        assert!(limiter.admit("alice").is_err(), "half the wait is not enough");
        clock.advance(Duration::from_millis(500));
        assert!(limiter.admit("alice").is_ok(), "one request a second comes back after a second");
        assert!(limiter.admit("alice").is_err(), "and only one");
        assert!(RateLimiter::new(0, 1, clock).admit("anyone").is_ok());
    }
}
