//! What is known about a proof's verification, locally and on chain.

use std::sync::Arc;

use serde::Serialize;

use crate::felt::FactHash;
use crate::integrity::{FactPolicy, FactVerification};
use crate::ports::{ChainError, FactRegistry, ProofJobStore, StoreError};
use crate::proof::VerifiedClaim;
use crate::proof_job::{ProofJobId, ProofJobStatus};

/// What the FactRegistry says of one fact, judged against the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactReport {
    /// The fact.
    pub fact_hash: FactHash,
    /// Every verification on chain, each judged against the policy.
    pub verifications: Vec<JudgedVerification>,
    /// The first verification that meets the policy.
    pub accepted: Option<FactVerification>,
    /// Whether any verification meets the policy.
    pub meets_policy: bool,
    /// The policy applied.
    pub policy: FactPolicy,
}

/// One verification on chain and whether it meets the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgedVerification {
    /// What the registry recorded.
    pub verification: FactVerification,
    /// Whether it alone meets the policy for the fact.
    pub meets_policy: bool,
}

/// A proof job's verification, locally and on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationReport {
    /// The job.
    pub proof_job_id: ProofJobId,
    /// Its status.
    pub status: ProofJobStatus,
    /// What local verification established, once done.
    pub local: Option<VerifiedClaim>,
    /// What the chain says, for proofs with a fact hash when a registry is configured.
    pub on_chain: Option<FactReport>,
}

/// Why a status could not be given.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The job does not exist or storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain could not be read.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// This deployment reads no chain, so it cannot say what the FactRegistry holds (retrying will not help).
    #[error("no FactRegistry is configured in this deployment; configure starknet.integrity to read facts")]
    NoRegistry,
}

/// Reads verification status.
pub struct VerificationStatus {
    jobs: Arc<dyn ProofJobStore>,
    registry: Option<Arc<dyn FactRegistry>>,
    policy: FactPolicy,
}

impl VerificationStatus {
    /// The use case over its ports.
    pub fn new(jobs: Arc<dyn ProofJobStore>, registry: Option<Arc<dyn FactRegistry>>, policy: FactPolicy) -> Self {
        Self { jobs, registry, policy }
    }

    /// The status of one job, asking the chain when its proof has a fact hash.
    pub async fn of_job(&self, id: ProofJobId) -> Result<VerificationReport, StatusError> {
        let job = self.jobs.get(id).await?.ok_or_else(|| StoreError::NotFound(format!("proof job {id}")))?;
        let on_chain = match (job.fact_hash(), &self.registry) {
            (Some(fact), Some(_)) => Some(self.of_fact(fact).await?),
            _ => None,
        };
        Ok(VerificationReport { proof_job_id: id, status: job.status(), local: job.claim().cloned(), on_chain })
    }

    /// Every on-chain verification of `fact`, judged against the policy.
    pub async fn of_fact(&self, fact: FactHash) -> Result<FactReport, StatusError> {
        let registry = self.registry.as_ref().ok_or(StatusError::NoRegistry)?;
        let verifications = registry.verifications(fact).await?;
        let accepted = self.policy.accepting(fact, &verifications).cloned();
        Ok(FactReport {
            fact_hash: fact,
            meets_policy: accepted.is_some(),
            accepted,
            verifications: verifications
                .into_iter()
                .map(|verification| JudgedVerification {
                    meets_policy: self.policy.accepts(fact, &verification),
                    verification,
                })
                .collect(),
            policy: self.policy.clone(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ports::MockFactRegistry;
    use crate::{Felt, VerificationHash, VerifierConfig};

    #[tokio::test]
    async fn each_verification_of_a_fact_is_judged_by_the_use_case_against_the_policy_with_a_mocked_registry() {
        let fact = FactHash::new(Felt::from(0xfac7u16));
        let expected = VerifierConfig::starkrisk();
        let other = VerifierConfig::new("recursive", "keccak_160_lsb", "stone5", "strict");
        let recorded = |config: &VerifierConfig, bits: u32| FactVerification {
            verification_hash: VerificationHash::compute(fact, config, bits).unwrap(),
            security_bits: bits,
            verifier_config: config.clone(),
        };
        let list = vec![recorded(&other, 128), recorded(&expected, 80), recorded(&expected, 96)];
        let mut registry = MockFactRegistry::new();
        let answer = list.clone();
        registry.expect_verifications().returning(move |_| Ok(answer.clone()));
        let policy = FactPolicy { expected_config: expected, min_security_bits: 96 };
        let store = Arc::new(crate::testing::MemoryStore::new(Arc::new(crate::testing::ManualClock::default())));
        let status = VerificationStatus::new(store, Some(Arc::new(registry)), policy);
        let report = status.of_fact(fact).await.unwrap();
        let judged: Vec<bool> = report.verifications.iter().map(|j| j.meets_policy).collect();
        assert_eq!(judged, [false, false, true], "another verifier, too few bits, the one");
        assert_eq!(report.accepted.as_ref(), Some(&list[2]));
        assert!(report.meets_policy);
    }
}
