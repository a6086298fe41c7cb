//! An operator resumes a failed job from the stage it failed at; a refusal stays final.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::chain::{executor, verification};
use super::support::*;
use crate::decision::DecisionStatus;
use crate::felt::{Felt, TxHash, VerificationHash};
use crate::integrity::VerifierConfig;
use crate::ports::*;
use crate::proof::{ProofSystem, ProverKind};
use crate::proof_job::{FactRegistration, ProofJobStatus, Stage};
use crate::usecases::{RetryError, RetryJob};

/// A registry that is unreachable until `up` is set, then registers fact 77 with a verification the
/// policy accepts.
fn flaky_registry(up: Arc<AtomicBool>) -> Arc<dyn FactRegistry> {
    let mut registry = MockFactRegistry::new();
    registry.expect_registers().returning(|system| system == ProofSystem::Stwo);
    registry.expect_register().returning(move |_, _, _| {
        if !up.load(Ordering::SeqCst) {
            return Err(ChainError::Unavailable("every RPC endpoint timed out".into()));
        }
        Ok(FactRegistration {
            fact_hash: crate::FactHash::new(Felt::from(77u8)),
            verification_hash: VerificationHash::new(Felt::from(5u8)),
            security_bits: 100,
            tx_hash: Some(TxHash::new(Felt::from(1u8))),
            transactions: Vec::new(),
            attested_by_operator: false,
        })
    });
    registry.expect_verifications().returning(|_| Ok(vec![verification(VerifierConfig::starkrisk(), 100)]));
    Arc::new(registry)
}

fn retry(rig: &Rig) -> RetryJob {
    RetryJob::new(rig.store.clone(), rig.store.clone(), rig.clock.clone())
}

#[tokio::test]
async fn a_job_failed_at_registration_resumes_there_and_completes() {
    let mut rig = Rig::with_stwo();
    let up = Arc::new(AtomicBool::new(false));
    rig.registry = Some(flaky_registry(up.clone()));
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Succeeded { block_number: 9 }], calls));
    let (decision, mut job) = rig.decision(vec![ProverKind::Luminair]).await;
    for _ in 0..=rig.policy.max_retries {
        job = rig.pipeline().run(job).await.unwrap();
        rig.clock.advance(rig.policy.backoff.max);
    }
    let (failed, _) = rig.stored(&decision).await;
    assert_eq!((job.status(), failed.status()), (ProofJobStatus::Failed, DecisionStatus::Failed));
    let failure = job.failure().unwrap();
    assert_eq!(failure.stage, Stage::Registration);
    assert!(failure.retryable, "retries ran out on a transient failure: an operator may resume it");
    assert!(job.may_be_resumed());
    let attempts = job.attempts().len();

    up.store(true, Ordering::SeqCst);
    let resumed = retry(&rig).retry(job.id(), "admin-ann").await.unwrap();
    assert_eq!((resumed.status(), resumed.retries()), (ProofJobStatus::Verified, 0), "from registration, afresh");
    assert_eq!(resumed.resumptions()[0].by, "admin-ann");
    assert_eq!(resumed.resumptions()[0].stage, Stage::Registration);
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Verified);
    assert!(rig.pipeline().is_due(&resumed));

    let done = rig.pipeline().run(resumed).await.unwrap();
    assert_eq!(done.status(), ProofJobStatus::Executed);
    assert!(!done.may_be_resumed(), "an executed job is not resumed");
    assert_eq!(done.attempts().len(), attempts, "nothing was proven again");
    let (executed, _) = rig.stored(&decision).await;
    assert_eq!((executed.status(), executed.block_number()), (DecisionStatus::Executed, Some(9)));
    let again = retry(&rig).retry(done.id(), "admin-ann").await.unwrap_err();
    assert!(matches!(again, RetryError::NotFailed { status: ProofJobStatus::Executed, .. }), "{again}");
}

#[tokio::test]
async fn a_refused_job_is_not_resumed() {
    let mut rig = Rig::with_stwo();
    rig.policy.require_onchain_fact = true; // an S-two proof cannot meet it: refused at registration
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Refused);
    assert!(!job.may_be_resumed(), "a refusal is not resumed");
    let error = retry(&rig).retry(job.id(), "admin-ann").await.unwrap_err();
    assert!(matches!(error, RetryError::Refused { .. }), "{error}");
    assert!(error.to_string().contains("Integrity cannot verify"), "the refusal's reason is given: {error}");
    let (still, stored) = rig.stored(&decision).await;
    assert_eq!((still.status(), stored.status()), (DecisionStatus::Refused, ProofJobStatus::Failed));
    let missing = retry(&rig).retry(crate::ProofJobId::random(), "admin-ann").await.unwrap_err();
    assert!(matches!(missing, RetryError::NotFound(_)));
}
