//! Where pool samples are kept, so volatility and 24-hour figures come from history that survives restarts.

use async_trait::async_trait;

use crate::felt::{ReadingsHash, SnapshotHash};
use crate::market::{MarketReadings, PoolSample, ProtocolReadings};
use crate::metrics::Protocol;
use crate::ports::StoreError;

/// The recorded samples of every protocol's pool.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait MarketSamples: Send + Sync {
    /// Records `sample`; `false` when a sample of that protocol and block was already recorded (by this
    /// or another replica), which leaves the recorded one as it was.
    async fn record_sample(&self, protocol: Protocol, sample: &PoolSample) -> Result<bool, StoreError>;

    /// The newest recorded sample of `protocol`.
    async fn latest_sample(&self, protocol: Protocol) -> Result<Option<PoolSample>, StoreError>;

    /// The samples of `protocol` whose block timestamp is at least `since` (Unix seconds), oldest first.
    async fn samples_since(&self, protocol: Protocol, since: u64) -> Result<Vec<PoolSample>, StoreError>;

    /// Keeps what `readings` were read from (their samples stay where `record_sample` put them) under
    /// their hash; recording the same readings again changes nothing.
    async fn record_readings(&self, readings: &ProtocolReadings) -> Result<(), StoreError>;

    /// The readings recorded under `hash`.
    async fn readings(&self, hash: ReadingsHash) -> Result<Option<ProtocolReadings>, StoreError>;

    /// The readings behind `hash` as a decision's statement names it; `None` when no decision names it.
    async fn snapshot(&self, hash: SnapshotHash) -> Result<Option<MarketReadings>, StoreError>;
}
