//! How hard a proof is to forge: the FRI and grinding parameters, and the bits they give.

use serde::{Deserialize, Serialize};
use stwo::core::fri::FriConfig;
use stwo::core::pcs::PcsConfig;

use crate::error::StwoError;

/// Security parameters of an S-two proof, counted as `pow_bits + n_queries * log_blowup` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityParams {
    /// Proof-of-work bits ground before the queries.
    pub pow_bits: u32,
    /// Log2 of the FRI blowup factor (1..=16).
    pub log_blowup: u32,
    /// FRI queries.
    pub n_queries: u32,
}

impl SecurityParams {
    /// The default: 10 + 43 × 2 = 96 bits. Grinding stays cheap (pow 10) and queries carry the rest. A
    /// blowup of 2^2 matches the AIR's degree-4 constraints, so they are evaluated on the committed values;
    /// 2^1 makes the prover extend the trace a second time, and larger blowups slow it for a proof barely
    /// smaller (docs/proving.md has the figures).
    pub const DEFAULT: SecurityParams = SecurityParams { pow_bits: 10, log_blowup: 2, n_queries: 43 };

    /// Grinding above this takes seconds; refused as a configuration mistake.
    pub const MAX_POW_BITS: u32 = 30;

    /// Most queries accepted.
    pub const MAX_QUERIES: u32 = 512;

    /// The bits of security these parameters give (conjectured, the ethSTARK figure stwo reports).
    pub const fn bits(&self) -> u32 {
        self.level().conjectured_bits
    }

    /// The security these parameters give, under both regimes.
    pub const fn level(&self) -> starkrisk_domain::SecurityLevel {
        starkrisk_domain::SecurityLevel::of_fri(self.n_queries, self.log_blowup, self.pow_bits)
    }

    /// Checks each parameter's range, naming the first bad one.
    pub fn validate(&self) -> Result<(), StwoError> {
        let bad = |field: &'static str, reason: String| Err(StwoError::InvalidSecurity { field, reason });
        if self.pow_bits > Self::MAX_POW_BITS {
            return bad("pow_bits", format!("{} is above {}", self.pow_bits, Self::MAX_POW_BITS));
        }
        if !(1..=16).contains(&self.log_blowup) {
            return bad("log_blowup", format!("{} is outside 1..=16", self.log_blowup));
        }
        if !(1..=Self::MAX_QUERIES).contains(&self.n_queries) {
            return bad("n_queries", format!("{} is outside 1..={}", self.n_queries, Self::MAX_QUERIES));
        }
        Ok(())
    }

    /// The stwo commitment-scheme configuration (last FRI layer of degree 1, folding one step at a time).
    pub(crate) fn pcs_config(&self) -> PcsConfig {
        PcsConfig {
            pow_bits: self.pow_bits,
            // A literal rather than FriConfig::new, which panics on out-of-range values; validate() ran first.
            fri_config: FriConfig {
                log_blowup_factor: self.log_blowup,
                log_last_layer_degree_bound: 0,
                n_queries: self.n_queries as usize,
                fold_step: 1,
            },
            lifting_log_size: Some(crate::air::lifting_log_size(self.log_blowup)),
        }
    }
}
