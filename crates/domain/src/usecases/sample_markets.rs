//! The sampler: one new sample per protocol per tick, read from the chain and recorded, so that every
//! chain-derived metric rests on stored history.

use std::sync::Arc;

use crate::metrics::Protocol;
use crate::ports::{MarketSamples, MetricsError, PoolReader};

/// What one tick did for one protocol.
#[derive(Debug)]
pub enum SampleOutcome {
    /// A sample of this block was recorded.
    Recorded(u64),
    /// Nothing new: the chain has not moved past the newest sample, or another replica recorded this block.
    Unchanged(u64),
    /// The chain or the store could not be read.
    Failed(MetricsError),
}

/// Records samples of the configured protocols' pools.
#[derive(Clone)]
pub struct SampleMarkets {
    reader: Arc<dyn PoolReader>,
    samples: Arc<dyn MarketSamples>,
    protocols: Vec<Protocol>,
}

impl SampleMarkets {
    /// A sampler of `protocols` reading through `reader` into `samples`.
    pub fn new(reader: Arc<dyn PoolReader>, samples: Arc<dyn MarketSamples>, protocols: Vec<Protocol>) -> Self {
        Self { reader, samples, protocols }
    }

    /// The protocols sampled.
    pub fn protocols(&self) -> &[Protocol] {
        &self.protocols
    }

    /// One sample per protocol at the chain's newest block, with the swaps since the newest recorded one.
    pub async fn tick(&self) -> Vec<(Protocol, SampleOutcome)> {
        let mut outcomes = Vec::with_capacity(self.protocols.len());
        for &protocol in &self.protocols {
            outcomes.push((protocol, self.sample(protocol).await));
        }
        outcomes
    }

    async fn sample(&self, protocol: Protocol) -> SampleOutcome {
        let stored = |e: crate::ports::StoreError| MetricsError::Unknown(anyhow::anyhow!("{protocol} samples: {e}"));
        let previous = match self.samples.latest_sample(protocol).await {
            Ok(previous) => previous.map(|s| s.block_number),
            Err(e) => return SampleOutcome::Failed(stored(e)),
        };
        let sample = match self.reader.sample(protocol, previous, None).await {
            Ok(sample) => sample,
            Err(e) => return SampleOutcome::Failed(e),
        };
        if previous.is_some_and(|p| sample.block_number <= p) {
            return SampleOutcome::Unchanged(sample.block_number);
        }
        match self.samples.record_sample(protocol, &sample).await {
            Ok(true) => SampleOutcome::Recorded(sample.block_number),
            Ok(false) => SampleOutcome::Unchanged(sample.block_number),
            Err(e) => SampleOutcome::Failed(stored(e)),
        }
    }
}
