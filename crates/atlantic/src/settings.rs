//! The `[atlantic]` configuration section, read as it is and used by the client as it is.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use starkrisk_domain::{ProgramHash, Secret, ValidationError};

use crate::client::{AtlanticClient, AtlanticError, AtlanticJob};
use crate::prover::AtlanticProver;

/// Where Atlantic is, what to ask of it and how patiently to wait; off while `base_url` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtlanticSettings {
    /// The API's base URL; empty means Atlantic is not used.
    pub base_url: String,
    /// The API key, from `STARKRISK__ATLANTIC__API_KEY` only; it travels only in the `api-key` header.
    pub api_key: Option<Secret>,
    /// `PROOF_GENERATION` or `PROOF_VERIFICATION_ON_L2`.
    pub result: String,
    /// `XS`, `S`, `M` or `L`.
    pub declared_job_size: String,
    /// One HTTP request's timeout, milliseconds.
    pub request_timeout_ms: u64,
    /// First pause between polls, milliseconds (doubled up to `poll_max_ms`).
    pub poll_initial_ms: u64,
    /// Longest pause between polls, milliseconds.
    pub poll_max_ms: u64,
    /// Longest wait for one proof, seconds; the query may still finish later.
    pub timeout_secs: u64,
    /// The bootloader Atlantic proves a PIE under; empty when only direct proofs are accepted.
    #[serde(default)]
    pub bootloader_program_hash: String,
}

impl AtlanticSettings {
    /// The prover these settings describe; `None` while `base_url` is empty.
    pub fn prover(&self) -> Result<Option<AtlanticProver>, AtlanticError> {
        if self.base_url.is_empty() {
            return Ok(None);
        }
        let bootloader = self.bootloader()?.ok_or(AtlanticError::MissingBootloader)?;
        Ok(Some(AtlanticProver::new(AtlanticClient::new(self.clone())?, self.job(), bootloader)))
    }

    /// What each query asks for: a Stone proof of the risk program's PIE in the recursive layout.
    pub fn job(&self) -> AtlanticJob {
        AtlanticJob {
            layout: "recursive".into(),
            result: self.result.clone(),
            sharp_prover: "stone".into(),
            declared_job_size: self.declared_job_size.clone(),
        }
    }

    /// The bootloader's program hash, or `None` when none is configured; a malformed one names the field.
    pub fn bootloader(&self) -> Result<Option<ProgramHash>, ValidationError> {
        if self.bootloader_program_hash.is_empty() {
            return Ok(None);
        }
        ProgramHash::parse(&self.bootloader_program_hash)
            .map(Some)
            .map_err(|e| ValidationError::new("atlantic.bootloader_program_hash", e.to_string()))
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub(crate) fn polls(&self) -> starkrisk_domain::Backoff {
        starkrisk_domain::Backoff::new(
            Duration::from_millis(self.poll_initial_ms),
            Duration::from_millis(self.poll_max_ms),
        )
    }

    pub(crate) fn overall_timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}
