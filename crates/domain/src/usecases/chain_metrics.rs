//! Metrics derived from recorded samples: the `MetricsSource` a decision reads when its caller sends none.

use std::sync::Arc;

use async_trait::async_trait;

use crate::market::{DAY_SECS, ProtocolReadings, ProtocolTerms, SamplingPolicy, derive};
use crate::metrics::Protocol;
use crate::ports::{Clock, MarketSamples, MetricsError, MetricsSource, ProtocolReading};

/// Each protocol's configured terms; a protocol without terms is not read from the chain.
#[derive(Debug, Clone, Default)]
pub struct MarketTerms {
    /// JediSwap's.
    pub jediswap: Option<ProtocolTerms>,
    /// Ekubo's.
    pub ekubo: Option<ProtocolTerms>,
}

impl MarketTerms {
    /// The terms of `protocol`.
    pub fn of(&self, protocol: Protocol) -> Option<&ProtocolTerms> {
        match protocol {
            Protocol::JediSwap => self.jediswap.as_ref(),
            Protocol::Ekubo => self.ekubo.as_ref(),
        }
    }

    /// The protocols that have terms, in canonical order.
    pub fn protocols(&self) -> Vec<Protocol> {
        Protocol::ALL.into_iter().filter(|p| self.of(*p).is_some()).collect()
    }
}

/// Derives metrics from the samples recorded for each protocol (docs/metrics.md).
pub struct ChainMetrics {
    samples: Arc<dyn MarketSamples>,
    terms: MarketTerms,
    policy: SamplingPolicy,
    clock: Arc<dyn Clock>,
}

impl ChainMetrics {
    /// A source over `samples` under `terms` and `policy`, judging staleness by `clock`.
    pub fn new(
        samples: Arc<dyn MarketSamples>,
        terms: MarketTerms,
        policy: SamplingPolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { samples, terms, policy, clock }
    }
}

#[async_trait]
impl MetricsSource for ChainMetrics {
    async fn reading(&self, protocol: Protocol) -> Result<ProtocolReading, MetricsError> {
        let terms = self.terms.of(protocol).ok_or_else(|| {
            MetricsError::Unavailable(format!("{protocol}: no pool is configured; set [markets.{protocol}]"))
        })?;
        // A negative time would be a clock before 1970; treat it as the epoch, which only makes samples stale.
        let now = u64::try_from(self.clock.now().timestamp()).unwrap_or(0);
        // Enough history for both windows, measured back from the oldest snapshot that is still fresh.
        let reach = self.policy.volatility_window_secs.max(DAY_SECS) + self.policy.max_sample_age_secs;
        let samples = self
            .samples
            .samples_since(protocol, now.saturating_sub(reach))
            .await
            .map_err(|e| MetricsError::Unknown(anyhow::anyhow!("{protocol} samples: {e}")))?;
        let readings = ProtocolReadings { protocol, terms: terms.clone(), policy: self.policy, samples };
        let reading = derive(&readings, now)
            .map(|derived| derived.reading)
            .map_err(|reason| MetricsError::NotDerivable { protocol, reason })?;
        // Kept before the reading is used, so every snapshot a statement names can be looked up.
        self.samples
            .record_readings(&readings)
            .await
            .map_err(|e| MetricsError::Unknown(anyhow::anyhow!("{protocol} readings: {e}")))?;
        Ok(reading)
    }
}
