//! What a protocol's configuration adds to its samples, and how much history a derivation needs.

use serde::{Deserialize, Serialize};

use crate::market::Amount;

/// The configured facts about a protocol that the chain does not state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolTerms {
    /// Audit score, 0..=100.
    pub audit_score: u8,
    /// When the protocol launched, Unix seconds.
    pub launched_at: u64,
    /// TVL thresholds in quote-token units for tiers 0, 1 and 2 (descending); below the last is tier 3.
    pub tvl_tiers: [Amount; 3],
}

/// How much sampled history a derivation reads and how fresh it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplingPolicy {
    /// Seconds of history volatility is measured over.
    pub volatility_window_secs: u64,
    /// The fewest samples inside that window (at least 2: one return).
    pub min_samples: usize,
    /// The oldest the newest sample may be when a decision is made, in seconds.
    pub max_sample_age_secs: u64,
}
