//! The sampler: one new sample per protocol per tick, read from the chain and recorded, so that every
//! chain-derived metric rests on stored history.

use std::sync::Arc;
use std::time::Duration;

use crate::metrics::Protocol;
use crate::ports::{Leadership, MarketSamples, MetricsError, PoolReader};

/// What one tick did for one protocol.
#[derive(Debug)]
pub enum SampleOutcome {
    /// A sample of this block was recorded.
    Recorded(u64),
    /// Nothing new: the chain has not moved past the newest sample, or another replica recorded this block.
    Unchanged(u64),
    /// The chain or the store could not be read.
    Failed(MetricsError),
    /// Another replica holds the sampler's lease and samples this round.
    LedElsewhere,
}

/// The lease name the sampler runs under.
pub const SAMPLER_TASK: &str = "market-sampler";

/// Records samples of the configured protocols' pools.
#[derive(Clone)]
pub struct SampleMarkets {
    reader: Arc<dyn PoolReader>,
    samples: Arc<dyn MarketSamples>,
    protocols: Vec<Protocol>,
    lead: Option<(Arc<dyn Leadership>, String, Duration)>,
}

impl SampleMarkets {
    /// A sampler of `protocols` reading through `reader` into `samples`.
    pub fn new(reader: Arc<dyn PoolReader>, samples: Arc<dyn MarketSamples>, protocols: Vec<Protocol>) -> Self {
        Self { reader, samples, protocols, lead: None }
    }

    /// The same sampler, sampling only while `holder` holds the sampler's lease (renewed for `ttl` each
    /// round), so one replica reads the chain while the others wait to take over.
    #[must_use]
    pub fn led_by(mut self, leadership: Arc<dyn Leadership>, holder: impl Into<String>, ttl: Duration) -> Self {
        self.lead = Some((leadership, holder.into(), ttl));
        self
    }

    /// The protocols sampled.
    pub fn protocols(&self) -> &[Protocol] {
        &self.protocols
    }

    /// One sample per protocol at the chain's newest block, with the swaps since the newest recorded one.
    pub async fn tick(&self) -> Vec<(Protocol, SampleOutcome)> {
        if let Some((leadership, holder, ttl)) = &self.lead {
            match leadership.try_lead(SAMPLER_TASK, holder, *ttl).await {
                Ok(true) => {}
                Ok(false) => return self.protocols.iter().map(|p| (*p, SampleOutcome::LedElsewhere)).collect(),
                Err(e) => {
                    let failed = |p: &Protocol| {
                        (*p, SampleOutcome::Failed(MetricsError::Unknown(anyhow::anyhow!("the sampler's lease: {e}"))))
                    };
                    return self.protocols.iter().map(failed).collect();
                }
            }
        }
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
