//! Where samples of a protocol's pool come from: the chain, read at one block.

use async_trait::async_trait;

use crate::market::PoolSample;
use crate::metrics::Protocol;
use crate::ports::MetricsError;

/// Reads a protocol's pool at one block.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait PoolReader: Send + Sync {
    /// A sample of `protocol`'s pool at block `at` (the chain's newest when `None`), every read pinned to
    /// that block, with the swaps of the blocks after `after` up to it (none when `after` is `None`).
    async fn sample(&self, protocol: Protocol, after: Option<u64>, at: Option<u64>)
    -> Result<PoolSample, MetricsError>;
}
