//! Which replica runs a task that must run once across all of them (the market sampler).

use std::time::Duration;

use async_trait::async_trait;

use crate::ports::StoreError;

/// Leases on singleton tasks.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait Leadership: Send + Sync {
    /// Takes or renews `holder`'s lease on `task` for `ttl`; `false` while another holder's lease runs.
    async fn try_lead(&self, task: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError>;
}
