//! The `[atlantic]` section: Herodotus' Atlantic as the remote Stone prover.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use starkrisk_integrity::AtlanticProver;
use starkrisk_integrity::atlantic::{AtlanticClient, AtlanticJob, AtlanticSettings as ClientSettings};

use crate::secret::Secret;

/// Where Atlantic is and what to ask of it; off while `base_url` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtlanticSettings {
    /// The API's base URL; empty means Atlantic is not used.
    pub base_url: String,
    /// The API key, from `STARKRISK__ATLANTIC__API_KEY` only.
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
    /// Longest wait for one proof, seconds.
    pub timeout_secs: u64,
}

impl AtlanticSettings {
    /// The prover, when configured.
    pub fn prover(&self) -> anyhow::Result<Option<AtlanticProver>> {
        if self.base_url.is_empty() {
            return Ok(None);
        }
        let api_key = self
            .api_key
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("atlantic.base_url is set but STARKRISK__ATLANTIC__API_KEY is not"))?;
        let client = AtlanticClient::new(ClientSettings {
            base_url: self.base_url.clone(),
            api_key: api_key.expose().to_string(),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            poll_initial: Duration::from_millis(self.poll_initial_ms),
            poll_max: Duration::from_millis(self.poll_max_ms),
            overall_timeout: Duration::from_secs(self.timeout_secs),
        })?;
        let job = AtlanticJob {
            layout: "recursive".into(),
            result: self.result.clone(),
            sharp_prover: "stone".into(),
            declared_job_size: self.declared_job_size.clone(),
        };
        Ok(Some(AtlanticProver::new(client, job)))
    }
}
