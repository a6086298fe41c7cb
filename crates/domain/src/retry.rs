//! The one retry loop: try, and on a failure worth retrying wait the `Backoff` schedule's next delay
//! on the service's clock, until the try succeeds, fails for good, or the limit is reached.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use crate::backoff::Backoff;
use crate::ports::Clock;

/// How long a retried operation may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryLimit {
    /// Until it succeeds or fails for good: a service waiting for its own database has nothing better to do.
    Never,
    /// At most this many tries in all.
    Tries(u32),
    /// No wait that would end later than this after the first try began.
    Time(Duration),
}

/// What one try came to: a value, something a wait may change (`E`), or a failure none mends (`S`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<T, E, S = E> {
    /// It worked.
    Done(T),
    /// It did not work yet; another try after the next delay may.
    Again(E),
    /// It failed in a way no retry mends.
    Stop(S),
}

/// Why a retried operation gave up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GaveUp<E, S = E> {
    /// A try failed for good.
    #[error("{0}")]
    Stopped(S),
    /// The limit was reached; `last` is what the last try met.
    #[error("gave up after {tries} tries over {waited:?}: {last}")]
    Exhausted {
        /// Tries made.
        tries: u32,
        /// From the first try's start to giving up, on the clock the loop waited on.
        waited: Duration,
        /// The last try's failure.
        last: E,
    },
}

/// Spreads a delay so that many callers failing together do not retry in lockstep.
pub type Jitter = dyn Fn(Duration) -> Duration + Send + Sync;

/// A retry loop over a schedule, a clock and a limit; `what` names the operation in the log.
pub struct Retry<'a> {
    what: &'static str,
    schedule: Backoff,
    clock: &'a dyn Clock,
    limit: RetryLimit,
    jitter: Option<&'a Jitter>,
}

impl<'a> Retry<'a> {
    /// Retries `what` on `schedule`, waiting on `clock`, within `limit`.
    pub fn new(what: &'static str, schedule: Backoff, clock: &'a dyn Clock, limit: RetryLimit) -> Self {
        Self { what, schedule, clock, limit, jitter: None }
    }

    /// Each delay passes through `jitter` before the wait.
    pub fn jittered(self, jitter: &'a Jitter) -> Self {
        Self { jitter: Some(jitter), ..self }
    }

    /// Runs `attempt` (given the number of tries before it) until it is done, stops, or the limit is hit.
    pub async fn run<T, E, S, F, Fut>(self, mut attempt: F) -> Result<T, GaveUp<E, S>>
    where
        F: FnMut(u32) -> Fut + Send,
        Fut: Future<Output = Attempt<T, E, S>> + Send,
        E: Display + Send,
        S: Send,
    {
        let started = self.clock.now();
        let mut tries = 0u32;
        loop {
            let failure = match attempt(tries).await {
                Attempt::Done(value) => return Ok(value),
                Attempt::Stop(error) => return Err(GaveUp::Stopped(error)),
                Attempt::Again(error) => error,
            };
            let delay = self.delay(tries);
            tries = tries.saturating_add(1);
            let waited = self.clock.since(started);
            let over = match self.limit {
                RetryLimit::Never => false,
                RetryLimit::Tries(most) => tries >= most.max(1),
                RetryLimit::Time(limit) => waited.saturating_add(delay) > limit,
            };
            if over {
                return Err(GaveUp::Exhausted { tries, waited, last: failure });
            }
            tracing::warn!(operation = self.what, error = %failure, retry_in = ?delay, tries, "retrying");
            self.clock.sleep(delay).await;
        }
    }

    fn delay(&self, tries_before: u32) -> Duration {
        let delay = self.schedule.delay(tries_before);
        self.jitter.map_or(delay, |jitter| jitter(delay))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a panic is how a test reports failure
    use super::*;
    use crate::testing::ManualClock;
    use std::sync::Mutex;

    fn schedule() -> Backoff {
        Backoff::new(Duration::from_millis(100), Duration::from_millis(400))
    }

    /// A clock whose sleeps move it, so a test sees the schedule without waiting for it.
    fn clock() -> ManualClock {
        ManualClock::default()
    }

    #[tokio::test]
    async fn waits_the_schedule_between_tries_until_one_is_done() {
        let clock = clock();
        let start = clock.now();
        let seen = Mutex::new(Vec::new());
        let value = Retry::new("test", schedule(), &clock, RetryLimit::Never)
            .run(|tries| {
                seen.lock().unwrap().push((tries, clock.since(start).as_millis()));
                async move { if tries < 4 { Attempt::<_, _>::Again("not yet") } else { Attempt::Done(tries) } }
            })
            .await
            .unwrap();
        assert_eq!(value, 4);
        assert_eq!(*seen.lock().unwrap(), [(0, 0), (1, 100), (2, 300), (3, 700), (4, 1100)]);
    }

    #[tokio::test]
    async fn a_stop_ends_at_once_and_a_try_limit_counts_every_try() {
        let clock = clock();
        let stopped = Retry::new("test", schedule(), &clock, RetryLimit::Tries(5))
            .run(|_| async { Attempt::<(), _>::Stop("refused") })
            .await;
        assert_eq!(stopped, Err(GaveUp::Stopped("refused")));
        let exhausted = Retry::new("test", schedule(), &clock, RetryLimit::Tries(3))
            .run(|tries| async move { Attempt::<(), _>::Again(tries) })
            .await;
        assert_eq!(exhausted, Err(GaveUp::Exhausted { tries: 3, waited: Duration::from_millis(300), last: 2 }));
    }

    #[tokio::test]
    async fn a_time_limit_gives_up_before_a_wait_that_would_end_past_it() {
        let clock = clock();
        // Waits of 100, 200 and 400 ms end at 700 ms; the next (400 ms) would end at 1.1 s, past 1 s.
        let gave_up = Retry::new("test", schedule(), &clock, RetryLimit::Time(Duration::from_secs(1)))
            .run(|tries| async move { Attempt::<(), _>::Again(tries) })
            .await;
        assert_eq!(gave_up, Err(GaveUp::Exhausted { tries: 4, waited: Duration::from_millis(700), last: 3 }));
    }

    #[tokio::test]
    async fn jitter_changes_each_wait() {
        let clock = clock();
        let start = clock.now();
        let halved = |d: Duration| d / 2;
        let _ = Retry::new("test", schedule(), &clock, RetryLimit::Tries(3))
            .jittered(&halved)
            .run(|_| async { Attempt::<(), _>::Again("no") })
            .await;
        assert_eq!(clock.since(start), Duration::from_millis(150), "50 + 100 ms, not 100 + 200 ms");
    }
}
