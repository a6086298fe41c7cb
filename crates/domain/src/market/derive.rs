//! The model's inputs derived from sampled chain state, in integers only (docs/metrics.md has the
//! formulas and worked examples; the tests read those examples back).

use num_bigint::BigUint;

use crate::bps::{Apy, Bps};
use crate::market::{Amount, MetricsOrigin, PoolSample, ProtocolReadings};
use crate::metrics::{LiquidityTier, ProtocolMetrics};
use crate::ports::ProtocolReading;

/// Seconds in a day: volumes and fees are rated per day, volatility is a daily figure.
pub const DAY_SECS: u64 = 86_400;
/// Days in the year APYs are annualised over.
pub const YEAR_DAYS: u64 = 365;

/// Why a protocol's samples do not yet (or no longer) support a decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerivationError {
    /// Nothing has been sampled.
    #[error("no samples recorded yet; the sampler records one every markets.sample_secs")]
    NoSamples,
    /// Too little history inside a window.
    #[error("{have} samples in the last {window_secs} s, {need} needed; wait for the sampler to record more")]
    TooFewSamples {
        /// Samples found in the window.
        have: usize,
        /// Samples required.
        need: usize,
        /// The window's length.
        window_secs: u64,
    },
    /// The samples in a window all carry one timestamp, so no rate can be taken over them.
    #[error("the samples of the last {window_secs} s span no time; wait for the sampler to record more")]
    NoElapsedTime {
        /// The window's length.
        window_secs: u64,
    },
    /// The newest sample is too old to decide on.
    #[error(
        "the newest sample (block {block}) is {age_secs} s old, more than markets.max_sample_age_secs = {max_secs}; is the sampler running?"
    )]
    Stale {
        /// Its block.
        block: u64,
        /// Its age.
        age_secs: u64,
        /// The limit.
        max_secs: u64,
    },
    /// Ratios to TVL are undefined.
    #[error("the pool holds nothing at block {block} (TVL 0), so utilization and APY are undefined")]
    ZeroTvl {
        /// The block.
        block: u64,
    },
    /// A price of zero cannot be divided by.
    #[error("the pool price is zero at block {block}")]
    ZeroPrice {
        /// The block.
        block: u64,
    },
    /// Samples must ascend by block and time.
    #[error("samples out of order: block {block} (t={timestamp}) follows block {previous} (t={previous_timestamp})")]
    Unordered {
        /// The later sample's block.
        block: u64,
        /// Its timestamp.
        timestamp: u64,
        /// The sample before it.
        previous: u64,
        /// That sample's timestamp.
        previous_timestamp: u64,
    },
    /// The configured launch date lies after the snapshot.
    #[error(
        "the configured launch time {launched_at} is after block {block}'s timestamp {timestamp}; check the protocol's launch date"
    )]
    LaunchAfterSnapshot {
        /// Configured launch, Unix seconds.
        launched_at: u64,
        /// The snapshot block.
        block: u64,
        /// Its timestamp.
        timestamp: u64,
    },
}

/// A protocol's model inputs and the sample they describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    /// Metrics and APY.
    pub reading: ProtocolReading,
    /// The newest sample: the block the decision is about.
    pub snapshot: PoolSample,
}

/// Derives a protocol's metrics from its readings (samples oldest first) at time `now` (Unix seconds); the
/// reading's origin names the snapshot block and the readings' hash.
pub fn derive(readings: &ProtocolReadings, now: u64) -> Result<Derivation, DerivationError> {
    let (samples, terms, policy) = (readings.samples.as_slice(), &readings.terms, &readings.policy);
    check_order(samples)?;
    let snapshot = samples.last().ok_or(DerivationError::NoSamples)?;
    let age_secs = now.saturating_sub(snapshot.timestamp);
    if age_secs > policy.max_sample_age_secs {
        return Err(DerivationError::Stale {
            block: snapshot.block_number,
            age_secs,
            max_secs: policy.max_sample_age_secs,
        });
    }
    if snapshot.tvl.is_zero() {
        return Err(DerivationError::ZeroTvl { block: snapshot.block_number });
    }
    let volatility_window = window(samples, policy.volatility_window_secs, policy.min_samples.max(2))?;
    let day = window(samples, DAY_SECS, 2)?;
    let volume: Amount = day.samples[1..].iter().map(|s| &s.volume).sum();
    let fees: Amount = day.samples[1..].iter().map(|s| &s.fees).sum();
    let metrics = ProtocolMetrics {
        utilization: utilization(&volume, &snapshot.tvl, day.elapsed_secs),
        volatility: volatility(volatility_window.samples)?,
        liquidity: liquidity_tier(&snapshot.tvl, &terms.tvl_tiers),
        audit_score: terms.audit_score.min(ProtocolMetrics::MAX_AUDIT_SCORE),
        age_days: age_days(terms.launched_at, snapshot)?,
    };
    let origin = MetricsOrigin::Chain {
        block_number: snapshot.block_number,
        block_hash: snapshot.block_hash,
        readings: readings.hash(),
    };
    let reading = ProtocolReading { metrics, apy: apy(&fees, &snapshot.tvl, day.elapsed_secs), origin };
    Ok(Derivation { reading, snapshot: snapshot.clone() })
}

/// The samples of the last `window_secs` before the newest, and the time they span.
struct Window<'a> {
    samples: &'a [PoolSample],
    elapsed_secs: u64,
}

fn window(samples: &[PoolSample], window_secs: u64, need: usize) -> Result<Window<'_>, DerivationError> {
    let newest = samples.last().map_or(0, |s| s.timestamp);
    let from = newest.saturating_sub(window_secs);
    let start = samples.iter().position(|s| s.timestamp >= from).unwrap_or(samples.len());
    let inside = &samples[start..];
    if inside.len() < need {
        return Err(DerivationError::TooFewSamples { have: inside.len(), need, window_secs });
    }
    let elapsed_secs = newest - inside[0].timestamp;
    if elapsed_secs == 0 {
        return Err(DerivationError::NoElapsedTime { window_secs });
    }
    Ok(Window { samples: inside, elapsed_secs })
}

fn check_order(samples: &[PoolSample]) -> Result<(), DerivationError> {
    for pair in samples.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        if next.block_number <= previous.block_number || next.timestamp < previous.timestamp {
            return Err(DerivationError::Unordered {
                block: next.block_number,
                timestamp: next.timestamp,
                previous: previous.block_number,
                previous_timestamp: previous.timestamp,
            });
        }
    }
    Ok(())
}

/// `min(cap, numerator / denominator)` for a positive denominator.
fn capped_ratio(numerator: &BigUint, denominator: &BigUint, cap: u32) -> u32 {
    let quotient = numerator / denominator;
    if quotient >= BigUint::from(cap) {
        cap
    } else {
        // Below `cap`, a u32, so the quotient has at most one 32-bit digit.
        quotient.to_u32_digits().first().copied().unwrap_or(0)
    }
}

/// Volume per day over TVL in bps, capped at 100 %: `volume·86400·10000 / (elapsed·tvl)`.
pub fn utilization(volume: &Amount, tvl: &Amount, elapsed_secs: u64) -> Bps {
    if tvl.is_zero() || elapsed_secs == 0 {
        return Bps::ZERO;
    }
    let numerator = volume.value() * DAY_SECS * 10_000u32;
    Bps(capped_ratio(&numerator, &(tvl.value() * elapsed_secs), 10_000))
}

/// Fees per day over TVL, annualised, in bps (capped at [`Apy::MAX`]): `fees·86400·365·10000 / (elapsed·tvl)`.
pub fn apy(fees: &Amount, tvl: &Amount, elapsed_secs: u64) -> Apy {
    if tvl.is_zero() || elapsed_secs == 0 {
        return Apy(0);
    }
    let numerator = fees.value() * DAY_SECS * YEAR_DAYS * 10_000u32;
    Apy(capped_ratio(&numerator, &(tvl.value() * elapsed_secs), Apy::MAX))
}

/// One price return in bps, unsigned: `|p₁ − p₀|·10000 / p₀` with `p = sqrt²` (the fixed-point scale cancels).
pub fn price_return(previous: &PoolSample, next: &PoolSample) -> Result<BigUint, DerivationError> {
    let p0 = previous.price.sqrt.value() * previous.price.sqrt.value();
    let p1 = next.price.sqrt.value() * next.price.sqrt.value();
    if p0 == BigUint::ZERO {
        return Err(DerivationError::ZeroPrice { block: previous.block_number });
    }
    let moved = if p1 >= p0 { p1 - &p0 } else { p0.clone() - p1 };
    Ok(moved * 10_000u32 / p0)
}

/// Daily volatility in bps, capped at 100 %: `isqrt(Σ rᵢ² · 86400 / elapsed)` over consecutive returns,
/// the root of the variance the window accrues per day (cadence-free; zero mean assumed).
pub fn volatility(window: &[PoolSample]) -> Result<Bps, DerivationError> {
    let (Some(first), Some(last)) = (window.first(), window.last()) else { return Ok(Bps::ZERO) };
    let elapsed = last.timestamp - first.timestamp;
    if elapsed == 0 {
        return Ok(Bps::ZERO);
    }
    let mut squares = BigUint::ZERO;
    for pair in window.windows(2) {
        let r = price_return(&pair[0], &pair[1])?;
        squares += &r * &r;
    }
    let daily_variance = squares * DAY_SECS / elapsed;
    Ok(Bps(capped_ratio(&daily_variance.sqrt(), &BigUint::from(1u8), 10_000)))
}

/// The liquidity tier of `tvl`: 0 at or above the first threshold, … 3 below the last.
pub fn liquidity_tier(tvl: &Amount, thresholds: &[Amount; 3]) -> LiquidityTier {
    let tier = thresholds.iter().position(|t| tvl >= t).unwrap_or(thresholds.len());
    // `position` is at most 3 = LiquidityTier::MAX.
    LiquidityTier(tier as u8)
}

/// Whole days from launch to the snapshot block, capped at [`ProtocolMetrics::MAX_AGE_DAYS`].
pub fn age_days(launched_at: u64, snapshot: &PoolSample) -> Result<u32, DerivationError> {
    let lived = snapshot.timestamp.checked_sub(launched_at).ok_or(DerivationError::LaunchAfterSnapshot {
        launched_at,
        block: snapshot.block_number,
        timestamp: snapshot.timestamp,
    })?;
    let days = (lived / DAY_SECS).min(u64::from(ProtocolMetrics::MAX_AGE_DAYS));
    // Capped at MAX_AGE_DAYS, a u32.
    Ok(days as u32)
}
