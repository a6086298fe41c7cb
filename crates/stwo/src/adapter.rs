//! The `Prover` and `ProofVerifier` ports for S-two, running the CPU-bound work off the async runtime.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use starkrisk_domain::ports::{ProofVerifier, Prover, ProverError, TimeoutGrowth, VerifyError};
use starkrisk_domain::{ProofArtifact, ProofRequest, ProofSystem, ProverKind, VerifiedProof};

use crate::envelope::ProofEnvelope;
use crate::error::StwoError;
use crate::security::SecurityParams;

/// The always-available prover: the risk graph proved with S-two in this process.
#[derive(Debug, Clone)]
pub struct StwoProver {
    security: SecurityParams,
    timeout: Duration,
}

impl StwoProver {
    /// A prover making proofs with `security`, giving up after `timeout`.
    pub fn new(security: SecurityParams, timeout: Duration) -> Result<Self, StwoError> {
        security.validate()?;
        Ok(Self { security, timeout })
    }
}

#[async_trait]
impl Prover for StwoProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Luminair
    }

    async fn prove(&self, request: &ProofRequest, growth: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        let statement = request.statement;
        let timeout = growth.applied_to(self.timeout);
        let security = self.security;
        let started = Instant::now();
        // A timed-out task runs on to its end in the blocking pool (stwo cannot be interrupted); its result
        // is dropped. Proofs take milliseconds, so the timeout guards against a wedged machine, not stwo.
        let task = tokio::task::spawn_blocking(move || crate::stark::prove(&statement, security));
        let envelope = match tokio::time::timeout(timeout, task).await {
            Err(_) => return Err(ProverError::Timeout(timeout)),
            Ok(Err(join)) => return Err(ProverError::Failed(format!("the S-two proving task died: {join}"))),
            Ok(Ok(result)) => result.map_err(prover_error)?,
        };
        Ok(ProofArtifact {
            prover: ProverKind::Luminair,
            system: ProofSystem::Stwo,
            bytes: envelope.to_bytes(),
            statement,
            prove_time: started.elapsed(),
            remote_query: None,
        })
    }
}

fn prover_error(e: StwoError) -> ProverError {
    match e {
        StwoError::FalseStatement(_) => ProverError::InvalidInput { field: "statement".into(), reason: e.to_string() },
        StwoError::InvalidSecurity { field, .. } => {
            ProverError::InvalidInput { field: format!("luminair.{field}"), reason: e.to_string() }
        }
        other => ProverError::Failed(other.to_string()),
    }
}

/// Verifies S-two envelopes locally, refusing any below the configured security.
#[derive(Debug, Clone)]
pub struct StwoVerifier {
    min_security_bits: u32,
    pinned: Option<SecurityParams>,
}

impl StwoVerifier {
    /// A verifier refusing proofs below `min_security_bits`, at whatever parameters reach them.
    pub fn new(min_security_bits: u32) -> Self {
        Self { min_security_bits, pinned: None }
    }

    /// A verifier that accepts only proofs made with exactly `params`. A proof states its own parameters,
    /// and bits counted from them say nothing of a trade-off the operator did not choose (many grinding
    /// bits, few queries); where funds move, the operator's parameters are the only ones.
    pub fn pinned_to(params: SecurityParams, min_security_bits: u32) -> Self {
        Self { min_security_bits, pinned: Some(params) }
    }

    /// Verifies an encoded envelope and returns the statement it proves.
    pub fn verify_bytes(&self, bytes: &[u8]) -> Result<ProofEnvelope, StwoError> {
        let envelope = ProofEnvelope::from_bytes(bytes)?;
        if let Some(pinned) = self.pinned
            && envelope.security != pinned
        {
            return Err(StwoError::Unpinned { proof: envelope.security, pinned });
        }
        crate::stark::verify(&envelope, self.min_security_bits)?;
        Ok(envelope)
    }
}

impl From<StwoError> for VerifyError {
    fn from(e: StwoError) -> Self {
        match e {
            StwoError::InsufficientSecurity { actual, required } => {
                VerifyError::InsufficientSecurity { actual, required }
            }
            other => VerifyError::Rejected { reason: other.to_string() },
        }
    }
}

#[async_trait]
impl ProofVerifier for StwoVerifier {
    fn system(&self) -> ProofSystem {
        ProofSystem::Stwo
    }

    async fn verify(&self, proof: &[u8]) -> Result<VerifiedProof, VerifyError> {
        let bytes = proof.to_vec();
        let verifier = self.clone();
        let envelope = tokio::task::spawn_blocking(move || verifier.verify_bytes(&bytes))
            .await
            .map_err(|e| VerifyError::from_task(e.try_into_panic()))??;
        Ok(VerifiedProof {
            system: ProofSystem::Stwo,
            program_hash: envelope.air_hash,
            public_output: envelope.statement.to_felts(),
            security: envelope.security.level(),
            fact_hash: None,
        })
    }
}
