//! Local verification: the right verifier, enough security, and the statement the decision claims.

use std::sync::Arc;

use crate::ports::{ProofVerifier, VerifyError};
use crate::proof::{ProofSystem, VerifiedClaim};
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
