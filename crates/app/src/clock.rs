//! The system clock behind the domain's `Clock` port.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use starkrisk_domain::ports::Clock;

/// Wall-clock time, and sleeping on the tokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
