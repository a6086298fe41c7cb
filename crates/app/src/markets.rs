//! `[markets]`: which pools chain metrics come from, the terms the chain does not state, and the sampler
//! task that records one sample per protocol every `markets.sample_secs`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starkrisk_domain::market::{Amount, ProtocolTerms, QuoteToken, SamplingPolicy};
use starkrisk_domain::parse_felt;
use starkrisk_domain::ports::PoolReader;
use starkrisk_domain::usecases::{MarketTerms, SampleMarkets, SampleOutcome};
use starkrisk_starknet::markets::{ChainPools, EkuboPool, EkuboPoolKey, JediSwapPool};

use crate::periodic::Periodic;

/// The `[markets]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketsSettings {
    /// Seconds between two samples of each pool.
    pub sample_secs: u64,
    /// Seconds of history volatility is measured over.
    pub volatility_window_secs: u64,
    /// The fewest samples inside that window.
    pub min_samples: usize,
    /// The oldest the newest sample may be when a decision reads it, in seconds.
    pub max_sample_age_secs: u64,
    /// Swap events per `starknet_getEvents` page.
    pub events_per_page: u64,
    /// A JediSwap v2 pool; JediSwap is not read from the chain without it.
    pub jediswap: Option<JediSwapMarket>,
    /// An Ekubo pool; Ekubo is not read from the chain without it.
    pub ekubo: Option<EkuboMarket>,
}

/// The facts about a protocol that the chain does not state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsSettings {
    /// Audit score, 0..=100.
    pub audit_score: u8,
    /// Launch time, RFC 3339.
    pub launched_at: DateTime<Utc>,
    /// TVL thresholds of tiers 0, 1 and 2 in quote-token units, as decimal or `0x`-hex strings (amounts
    /// exceed u64; from the environment, a comma-separated list).
    pub tvl_tiers: [String; 3],
}

/// `[markets.jediswap]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JediSwapMarket {
    /// The pool contract, hex.
    pub pool: String,
    /// `token0` or `token1`: the token amounts are valued in.
    pub quote: QuoteToken,
    /// Configured terms.
    pub terms: TermsSettings,
}

/// `[markets.ekubo]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EkuboMarket {
    /// Ekubo's Core contract, hex.
    pub core: String,
    /// The pool key's token0, hex.
    pub token0: String,
    /// The pool key's token1, hex.
    pub token1: String,
    /// The pool key's fee, a 0.128 fixed-point fraction, decimal or `0x`-hex (hex from the environment).
    pub fee: String,
    /// The pool key's tick spacing.
    pub tick_spacing: u64,
    /// The pool key's extension, hex (`0x0` for none).
    pub extension: String,
    /// `token0` or `token1`: the token amounts are valued in.
    pub quote: QuoteToken,
    /// Configured terms.
    pub terms: TermsSettings,
}

impl TermsSettings {
    fn terms(&self, section: &str) -> anyhow::Result<ProtocolTerms> {
        if self.audit_score > 100 {
            anyhow::bail!("{section}.audit_score is {}; it must be 0..=100", self.audit_score);
        }
        let launched_at = u64::try_from(self.launched_at.timestamp())
            .map_err(|_| anyhow::anyhow!("{section}.launched_at must be after 1970"))?;
        let mut tiers = Vec::with_capacity(3);
        for (i, text) in self.tvl_tiers.iter().enumerate() {
            tiers.push(Amount::parse(&format!("{section}.tvl_tiers[{i}]"), text)?);
        }
        if tiers.windows(2).any(|pair| pair[0] < pair[1]) {
            anyhow::bail!("{section}.tvl_tiers must descend: tier 0 needs the most TVL");
        }
        let tvl_tiers: [Amount; 3] = tiers.try_into().map_err(|_| anyhow::anyhow!("{section}.tvl_tiers needs 3"))?;
        Ok(ProtocolTerms { audit_score: self.audit_score, launched_at, tvl_tiers })
    }
}

impl MarketsSettings {
    /// Whether any protocol is read from the chain.
    pub fn any(&self) -> bool {
        self.jediswap.is_some() || self.ekubo.is_some()
    }

    /// The sampling policy.
    pub fn policy(&self) -> SamplingPolicy {
        SamplingPolicy {
            volatility_window_secs: self.volatility_window_secs,
            min_samples: self.min_samples,
            max_sample_age_secs: self.max_sample_age_secs,
        }
    }

    /// Each configured protocol's terms, checked.
    pub fn terms(&self) -> anyhow::Result<MarketTerms> {
        Ok(MarketTerms {
            jediswap: self.jediswap.as_ref().map(|m| m.terms.terms("markets.jediswap.terms")).transpose()?,
            ekubo: self.ekubo.as_ref().map(|m| m.terms.terms("markets.ekubo.terms")).transpose()?,
        })
    }

    /// The configured pools, checked.
    pub fn pools(&self) -> anyhow::Result<(Option<JediSwapPool>, Option<EkuboPool>)> {
        let jediswap = self
            .jediswap
            .as_ref()
            .map(|m| -> anyhow::Result<_> {
                Ok(JediSwapPool { address: parse_felt("markets.jediswap.pool", &m.pool)?, quote: m.quote })
            })
            .transpose()?;
        let ekubo = self
            .ekubo
            .as_ref()
            .map(|m| -> anyhow::Result<_> {
                let key = EkuboPoolKey {
                    token0: parse_felt("markets.ekubo.token0", &m.token0)?,
                    token1: parse_felt("markets.ekubo.token1", &m.token1)?,
                    fee: starkrisk_domain::parse_u128("markets.ekubo.fee", &m.fee)?,
                    tick_spacing: m.tick_spacing.into(),
                    extension: parse_felt("markets.ekubo.extension", &m.extension)?,
                };
                Ok(EkuboPool { core: parse_felt("markets.ekubo.core", &m.core)?, key, quote: m.quote })
            })
            .transpose()?;
        Ok((jediswap, ekubo))
    }

    /// The pool reader over `rpc`, when any pool is configured.
    pub fn reader(&self, rpc: &starkrisk_starknet::RpcSettings) -> anyhow::Result<Option<Arc<dyn PoolReader>>> {
        if !self.any() {
            return Ok(None);
        }
        let (jediswap, ekubo) = self.pools()?;
        Ok(Some(Arc::new(ChainPools::over_rpc(rpc.clone(), jediswap, ekubo, self.events_per_page)?)))
    }
}

/// Samples every `every`, logging each protocol's outcome; the first round is immediate.
pub fn spawn_sampler(sampler: SampleMarkets, every: Duration) -> Periodic {
    tracing::info!(protocols = ?sampler.protocols(), "market sampler configured");
    Periodic::spawn("market sampler", every, move || {
        let sampler = sampler.clone();
        async move {
            for (protocol, outcome) in sampler.tick().await {
                match outcome {
                    SampleOutcome::Recorded(block) => tracing::info!(%protocol, block, "market sample recorded"),
                    SampleOutcome::Unchanged(block) => tracing::debug!(%protocol, block, "no new block to sample"),
                    SampleOutcome::Failed(error) => tracing::warn!(%protocol, %error, "market sample failed"),
                    SampleOutcome::LedElsewhere => tracing::debug!(%protocol, "another replica samples"),
                }
            }
        }
    })
}
