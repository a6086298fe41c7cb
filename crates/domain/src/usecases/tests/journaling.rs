//! A registration cut short keeps the transactions it sent: each is noted on the job before it goes, so
//! the attempt that finishes the registration lists them with its own.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::chain::{executor, verification};
use super::support::*;
use crate::felt::{Felt, TxHash, VerificationHash};
use crate::integrity::{FactVerification, VerifierConfig};
use crate::ports::*;
use crate::proof::{ProofArtifact, ProofSystem, ProverKind, VerifiedClaim};
use crate::proof_job::{FactRegistration, ProofJobStatus};

fn tx(n: u8) -> TxHash {
    TxHash::new(Felt::from(n))
}

/// A registry whose first attempt sends two transactions and times out on the second; the next sends
/// the last one and registers, listing what its journal held before with what it sent.
#[derive(Default)]
struct CutShortRegistry {
    attempts: Mutex<u8>,
    earlier_seen: Mutex<Vec<Vec<TxHash>>>,
}

#[async_trait]
impl FactRegistry for CutShortRegistry {
    fn registers(&self, system: ProofSystem) -> bool {
        system == ProofSystem::Stone
    }

    async fn register(
        &self,
        _: &ProofArtifact,
        _: &VerifiedClaim,
        journal: &(dyn RegistrationJournal + 'static),
    ) -> Result<FactRegistration, ChainError> {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            *attempts += 1;
            *attempts
        };
        let earlier = journal.earlier();
        self.earlier_seen.lock().unwrap().push(earlier.clone());
        if attempt == 1 {
            journal.note(tx(1)).await.map_err(|e| ChainError::Unavailable(e.to_string()))?;
            journal.note(tx(2)).await.map_err(|e| ChainError::Unavailable(e.to_string()))?;
            return Err(ChainError::Timeout { tx_hash: tx(2) });
        }
        journal.note(tx(3)).await.map_err(|e| ChainError::Unavailable(e.to_string()))?;
        Ok(FactRegistration {
            fact_hash: crate::FactHash::new(Felt::from(77u8)),
            verification_hash: VerificationHash::new(Felt::from(5u8)),
            security_bits: 100,
            tx_hash: Some(tx(3)),
            transactions: [earlier, vec![tx(3)]].concat(),
            attested_by_operator: false,
        })
    }

    async fn verifications(&self, _: crate::FactHash) -> Result<Vec<FactVerification>, ChainError> {
        Ok(vec![verification(VerifierConfig::starkrisk(), 100)])
    }
}

#[tokio::test]
async fn with_a_fake_registry_a_registration_cut_short_is_listed_whole_once_another_attempt_finishes_it() {
    let mut rig = Rig::new();
    rig.policy.require_onchain_fact = true;
    rig.provers = vec![prover(ProverKind::Stone, || Ok(artifact(ProverKind::Stone, ProofSystem::Stone, statement())))];
    rig.verifiers.push(verifier(ProofSystem::Stone, || Ok(verified(ProofSystem::Stone, statement(), 100))));
    let registry = Arc::new(CutShortRegistry::default());
    rig.registry = Some(registry.clone());
    rig.executor = Some(executor(vec![ExecutionOutcome::Succeeded { block_number: 9 }], Arc::default()));
    let (_, job) = rig.decision(vec![ProverKind::Stone]).await;

    let cut_short = rig.pipeline().run(job).await.unwrap();
    assert_eq!(cut_short.status(), ProofJobStatus::Verified, "a timed-out receipt is retried");
    let stored = ProofJobStore::get(rig.store.as_ref(), cut_short.id()).await.unwrap().unwrap();
    assert_eq!(stored.registration_sent(), [tx(1), tx(2)], "both were noted before the attempt failed");

    rig.clock.advance(rig.policy.backoff.max);
    let done = rig.pipeline().run(stored).await.unwrap();
    assert_eq!(done.status(), ProofJobStatus::Executed);
    assert_eq!(*registry.earlier_seen.lock().unwrap(), [vec![], vec![tx(1), tx(2)]]);
    let stored = ProofJobStore::get(rig.store.as_ref(), done.id()).await.unwrap().unwrap();
    assert_eq!(stored.registration().unwrap().transactions, [tx(1), tx(2), tx(3)]);
    assert!(stored.registration_sent().is_empty(), "the registration took them over");
}
