//! The one retry schedule every loop here follows: a delay that doubles with each attempt, up to a ceiling.

use std::time::Duration;

/// `base · 2^attempt`, never above `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Backoff {
    /// The delay before the first retry.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// A schedule starting at `base` and capped at `max`.
    pub const fn new(base: Duration, max: Duration) -> Self {
        Self { base, max }
    }

    /// The delay after `attempt` earlier tries (0 for the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.base.saturating_mul(2u32.saturating_pow(attempt)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_stays_at_the_ceiling() {
        let b = Backoff::new(Duration::from_millis(200), Duration::from_secs(1));
        let delays: Vec<u128> = (0..5).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(delays, [200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1), "no overflow for any attempt");
    }
}
