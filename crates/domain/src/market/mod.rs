//! Protocol metrics from chain state: sampled pool readings, their valuation in a quote token, and the
//! integer derivation of the risk model's inputs from a window of samples.

mod amount;
pub(crate) mod derive;
mod origin;
pub(crate) mod readings;
mod sample;
mod terms;
#[cfg(test)]
pub(crate) mod tests;
mod valuation;

pub use amount::Amount;
pub use derive::{
    DAY_SECS, Derivation, DerivationError, YEAR_DAYS, age_days, apy, derive, liquidity_tier, price_return, utilization,
    volatility,
};
pub use origin::{MetricsOrigin, MetricsOrigins};
pub use readings::{MarketReadings, ProtocolReadings, snapshot_hash};
pub use sample::PoolSample;
pub use terms::{ProtocolTerms, SamplingPolicy};
pub use valuation::{FeeRate, QuoteToken, SqrtPrice, value_in_quote, virtual_reserves};
