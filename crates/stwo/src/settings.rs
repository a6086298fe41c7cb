//! How the service runs LuminAIR: its security parameters and its timeout.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::adapter::StwoProver;
use crate::error::StwoError;
use crate::security::SecurityParams;

/// The `[luminair]` configuration section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StwoSettings {
    /// Proof-of-work bits.
    pub pow_bits: u32,
    /// Log2 of the FRI blowup.
    pub log_blowup: u32,
    /// FRI queries.
    pub n_queries: u32,
    /// Longest a proof may take, in seconds.
    pub timeout_secs: u64,
}

impl StwoSettings {
    /// The security parameters, checked.
    pub fn security(&self) -> Result<SecurityParams, StwoError> {
        let security =
            SecurityParams { pow_bits: self.pow_bits, log_blowup: self.log_blowup, n_queries: self.n_queries };
        security.validate()?;
        Ok(security)
    }

    /// The prover these settings describe.
    pub fn prover(&self) -> Result<StwoProver, StwoError> {
        StwoProver::new(self.security()?, Duration::from_secs(self.timeout_secs))
    }
}
