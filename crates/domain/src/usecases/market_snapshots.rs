//! Looking up the raw chain readings a decision's proof names, checked against the hash it names.

use std::sync::Arc;

use crate::felt::SnapshotHash;
use crate::market::MarketReadings;
use crate::ports::{MarketSamples, StoreError};

/// Answers `GET /markets/snapshots/{hash}`.
#[derive(Clone)]
pub struct MarketSnapshots {
    samples: Arc<dyn MarketSamples>,
}

impl MarketSnapshots {
    /// Lookups over the recorded samples.
    pub fn new(samples: Arc<dyn MarketSamples>) -> Self {
        Self { samples }
    }

    /// The readings behind `hash`: [`StoreError::NotFound`] when no decision names it, and an error rather
    /// than readings that no longer hash to it (which would mean recorded samples changed).
    pub async fn get(&self, hash: SnapshotHash) -> Result<MarketReadings, StoreError> {
        let readings = self
            .samples
            .snapshot(hash)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("market snapshot {hash}")))?;
        let recomputed = readings.snapshot_hash();
        if recomputed != hash {
            return Err(StoreError::Unknown(anyhow::anyhow!(
                "market snapshot {hash}: the recorded readings now hash to {recomputed}; the samples they \
                 were read from have changed since"
            )));
        }
        Ok(readings)
    }
}
