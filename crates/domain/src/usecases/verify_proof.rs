//! Local verification: the right verifier, enough security, and the statement the decision claims.

use std::sync::Arc;

use crate::ports::{ProofJobStore, ProofVerifier, StoreError, VerifyError};
use crate::proof::{ProofSystem, VerifiedClaim};
use crate::proof_job::{ProofJobId, ProofJobStatus};
use crate::statement::DecisionStatement;

/// Verifies proofs with the verifier of their system and the configured security floor.
#[derive(Clone)]
pub struct VerifyProof {
    verifiers: Vec<Arc<dyn ProofVerifier>>,
    min_security_bits: u32,
}

impl VerifyProof {
    /// The use case over the configured verifiers.
    pub fn new(verifiers: Vec<Arc<dyn ProofVerifier>>, min_security_bits: u32) -> Self {
        Self { verifiers, min_security_bits }
    }

    /// Verifies `proof` of `system`; refuses weak proofs and statements the model does not produce.
    pub async fn verify(&self, system: ProofSystem, proof: &[u8]) -> Result<VerifiedClaim, VerifyError> {
        let verifier = self.verifiers.iter().find(|v| v.system() == system).ok_or(VerifyError::Unsupported(system))?;
        let claim = verifier.verify(proof).await?;
        if claim.security_bits < self.min_security_bits {
            return Err(VerifyError::InsufficientSecurity {
                actual: claim.security_bits,
                required: self.min_security_bits,
            });
        }
        if !claim.statement.is_consistent() {
            return Err(VerifyError::Rejected {
                reason: "the proven risks or shares are not what the stated model gives for the stated metrics".into(),
            });
        }
        Ok(claim)
    }

    /// Verifies `proof` and refuses it unless it states exactly `expected`.
    pub async fn verify_statement(
        &self,
        system: ProofSystem,
        proof: &[u8],
        expected: &DecisionStatement,
    ) -> Result<VerifiedClaim, VerifyError> {
        let claim = self.verify(system, proof).await?;
        match expected.first_difference(&claim.statement) {
            None => Ok(claim),
            Some(field) => Err(VerifyError::Rejected {
                reason: format!("the proof states a different {field} than the decision; refusing it"),
            }),
        }
    }
}

/// Why a proof could not be checked on request.
#[derive(Debug, thiserror::Error)]
pub enum CheckProofError {
    /// The job has no proof yet.
    #[error("proof job {job} has no proof yet ({status}); poll it and retry")]
    NoProofYet {
        /// The job.
        job: ProofJobId,
        /// Where it stands.
        status: ProofJobStatus,
    },
    /// The proof did not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Storage failed, or there is no such job.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `POST /proofs/verify`: checks a submitted proof, or the one stored for a job, and says what it proves.
#[derive(Clone)]
pub struct CheckProof {
    verify: VerifyProof,
    jobs: Arc<dyn ProofJobStore>,
}

impl CheckProof {
    /// The use case over local verification and the job store.
    pub fn new(verify: VerifyProof, jobs: Arc<dyn ProofJobStore>) -> Self {
        Self { verify, jobs }
    }

    /// Verifies a proof someone submitted.
    pub async fn submitted(&self, system: ProofSystem, proof: &[u8]) -> Result<VerifiedClaim, CheckProofError> {
        Ok(self.verify.verify(system, proof).await?)
    }

    /// Verifies the proof stored for job `id`.
    pub async fn stored(&self, id: ProofJobId) -> Result<VerifiedClaim, CheckProofError> {
        let job = self.jobs.get(id).await?.ok_or_else(|| StoreError::NotFound(format!("proof job {id}")))?;
        let artifact = job.artifact().ok_or(CheckProofError::NoProofYet { job: id, status: job.status() })?;
        Ok(self.verify.verify(artifact.system, &artifact.bytes).await?)
    }
}
