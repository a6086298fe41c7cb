//! Registration on Integrity, the on-chain fact policy, and crash-safe execution.

use std::sync::{Arc, Mutex};

use super::support::*;
use crate::decision::DecisionStatus;
use crate::felt::{Felt, TxHash, VerificationHash};
use crate::integrity::{FactVerification, VerifierConfig};
use crate::ports::*;
use crate::proof::{ProofSystem, ProverKind};
use crate::proof_job::{FactRegistration, ProofJobStatus, Stage};

const TX: u8 = 0xab;

fn stone_rig(verifications: Vec<FactVerification>) -> Rig {
    let mut rig = Rig::new();
    rig.policy.require_onchain_fact = true;
    rig.provers = vec![prover(ProverKind::Stone, || Ok(artifact(ProverKind::Stone, ProofSystem::Stone, statement())))];
    rig.verifiers.push(verifier(ProofSystem::Stone, || Ok(verified(ProofSystem::Stone, statement(), 100))));
    let mut registry = MockFactRegistry::new();
    registry.expect_registers().returning(|system| system == ProofSystem::Stone);
    registry.expect_register().returning(|a, _, _| {
        assert_eq!(a.system, ProofSystem::Stone);
        Ok(FactRegistration {
            fact_hash: crate::FactHash::new(Felt::from(77u8)),
            verification_hash: VerificationHash::new(Felt::from(5u8)),
            security_bits: 100,
            tx_hash: Some(TxHash::new(Felt::from(1u8))),
            transactions: Vec::new(),
            attested_by_operator: false,
        })
    });
    registry.expect_verifications().returning(move |_| Ok(verifications.clone()));
    rig.registry = Some(Arc::new(registry));
    rig
}

/// A verification of the test proofs' fact (77), stored under the hash Integrity would give it.
pub(super) fn verification(config: VerifierConfig, bits: u32) -> FactVerification {
    let fact = crate::FactHash::new(Felt::from(77u8));
    FactVerification {
        verification_hash: VerificationHash::compute(fact, &config, bits).unwrap(),
        security_bits: bits,
        verifier_config: config,
    }
}

/// An executor whose outcomes come from `outcomes` in turn, counting prepares and broadcasts.
pub(super) fn executor(
    outcomes: Vec<ExecutionOutcome>,
    calls: Arc<Mutex<Vec<&'static str>>>,
) -> Arc<dyn AllocationExecutor> {
    let mut mock = MockAllocationExecutor::new();
    mock.expect_model_approval().returning(|_| Ok(ModelApproval::Approved));
    mock.expect_execution_record().returning(|_| {
        Ok(crate::ExecutionRecord {
            contract: crate::ContractAddress::new(Felt::from(0x7au8)),
            event: None,
            treasury: None,
        })
    });
    let log = calls.clone();
    mock.expect_prepare().returning(move |_| {
        log.lock().unwrap().push("prepare");
        Ok(PreparedExecution { tx_hash: TxHash::new(Felt::from(TX)), signed: vec![9] })
    });
    let log = calls.clone();
    mock.expect_broadcast().returning(move |p| {
        assert_eq!(p.signed, vec![9], "the stored signed transaction is re-sent as is");
        log.lock().unwrap().push("broadcast");
        Ok(())
    });
    let queue = Mutex::new(outcomes.into_iter());
    mock.expect_outcome().returning(move |_| {
        calls.lock().unwrap().push("outcome");
        Ok(queue.lock().unwrap().next().unwrap_or(ExecutionOutcome::Pending))
    });
    Arc::new(mock)
}

#[tokio::test]
async fn a_stone_proof_is_registered_checked_and_executed() {
    let mut rig = stone_rig(vec![verification(VerifierConfig::starkrisk(), 100)]);
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(
        vec![ExecutionOutcome::Unknown, ExecutionOutcome::Succeeded { block_number: 12 }],
        calls.clone(),
    ));
    let (decision, job) = rig.decision(vec![ProverKind::Stone]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Executed, "{:?}", job.failure());
    assert!(job.registration().is_some());
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Executed);
    assert_eq!(stored.tx_hash(), Some(TxHash::new(Felt::from(TX))));
    assert_eq!(stored.block_number(), Some(12));
    assert_eq!(stored.fact_hash(), Some(crate::FactHash::new(Felt::from(77u8))));
    assert_eq!(*calls.lock().unwrap(), ["prepare", "outcome", "broadcast", "outcome"]);
}

#[tokio::test]
async fn a_fact_without_an_acceptable_verification_is_refused() {
    let cases = [
        vec![],
        vec![verification(VerifierConfig::starkrisk(), 40)],
        vec![verification(VerifierConfig::new("recursive", "keccak_160_lsb", "stone5", "strict"), 100)],
        vec![verification(VerifierConfig::new("small", "keccak_160_lsb", "stone6", "strict"), 120)],
    ];
    for verifications in cases {
        let mut rig = stone_rig(verifications.clone());
        let calls = Arc::new(Mutex::new(Vec::new()));
        rig.executor = Some(executor(vec![], calls.clone()));
        let (decision, job) = rig.decision(vec![ProverKind::Stone]).await;
        let job = rig.pipeline().run(job).await.unwrap();
        let failure = job.failure().unwrap();
        assert_eq!(failure.stage, Stage::Registration, "{verifications:?}");
        assert!(failure.reason.contains("none with verifier"), "{}", failure.reason);
        assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Refused);
        assert!(calls.lock().unwrap().is_empty(), "nothing is executed");
    }
}

#[tokio::test]
async fn an_onchain_fact_policy_refuses_stwo_proofs() {
    let mut rig = Rig::new();
    rig.policy.require_onchain_fact = true;
    rig.provers =
        vec![prover(ProverKind::Luminair, || Ok(artifact(ProverKind::Luminair, ProofSystem::Stwo, statement())))];
    rig.verifiers.push(verifier(ProofSystem::Stwo, || Ok(verified(ProofSystem::Stwo, statement(), 100))));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert!(job.failure().unwrap().reason.contains("S-two"));
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Refused);
}

#[tokio::test]
async fn a_registration_refused_by_the_chain_refuses_the_decision_and_an_outage_or_a_lost_nonce_is_retried() {
    let lost = || ChainError::Superseded { tx_hash: TxHash::new(Felt::from(0x7u8)) };
    for (error, final_status) in [
        (|| ChainError::Rejected { reason: "invalid proof".into(), tx_hash: None }) as fn() -> ChainError,
        || ChainError::Unavailable("all RPC endpoints down".into()),
        // Another process's transaction took the nonce: the registration never landed, and a new one is safe.
        lost,
    ]
    .into_iter()
    .zip([ProofJobStatus::Failed, ProofJobStatus::Verified, ProofJobStatus::Verified])
    {
        let mut rig = stone_rig(vec![]);
        let mut registry = MockFactRegistry::new();
        registry.expect_registers().returning(|system| system == ProofSystem::Stone);
        registry.expect_register().returning(move |_, _, _| Err(error()));
        rig.registry = Some(Arc::new(registry));
        let (_, job) = rig.decision(vec![ProverKind::Stone]).await;
        let job = rig.pipeline().run(job).await.unwrap();
        assert_eq!(job.status(), final_status);
        let reason = job.failure().map(|f| f.reason.as_str()).or(job.last_error()).unwrap();
        assert!(["invalid proof", "RPC", "nonce"].iter().any(|w| reason.contains(w)), "{reason}");
    }
}

#[tokio::test]
async fn a_reverted_execution_refuses_the_decision() {
    let mut rig = stone_rig(vec![verification(VerifierConfig::starkrisk(), 100)]);
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Reverted { reason: "share cap".into() }], calls));
    let (decision, job) = rig.decision(vec![ProverKind::Stone]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.failure().unwrap().stage, Stage::Execution);
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Refused);
    assert!(stored.message().unwrap().contains("share cap"));
    assert!(stored.tx_hash().is_some(), "the reverted transaction stays on record");
}

#[tokio::test]
async fn a_pending_transaction_is_checked_again_never_resent() {
    let mut rig = stone_rig(vec![verification(VerifierConfig::starkrisk(), 100)]);
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Pending], calls.clone()));
    let (decision, job) = rig.decision(vec![ProverKind::Stone]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Registered, "waits to check the receipt again");
    assert!(job.last_error().unwrap().contains("never resent"));
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Submitted);

    // The "restart": a new pipeline (new executor) resumes the submitted decision.
    let calls_after = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Succeeded { block_number: 3 }], calls_after.clone()));
    rig.clock.advance(std::time::Duration::from_secs(3600));
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Executed);
    assert_eq!(*calls_after.lock().unwrap(), ["outcome"], "no second prepare or broadcast");
    assert_eq!(*calls.lock().unwrap(), ["prepare", "outcome"]);
}

#[tokio::test]
async fn stwo_proofs_execute_without_registration_when_policy_allows() {
    let mut rig = Rig::with_stwo();
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Succeeded { block_number: 1 }], calls));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Executed);
    assert!(job.registration().is_none());
    assert_eq!(rig.stored(&decision).await.0.block_number(), Some(1));
}

#[tokio::test]
async fn a_transaction_that_lost_its_nonce_is_signed_anew_exactly_once() {
    let mut rig = Rig::with_stwo();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut mock = MockAllocationExecutor::new();
    mock.expect_model_approval().returning(|_| Ok(ModelApproval::NotGated));
    mock.expect_execution_record().returning(|_| {
        Ok(crate::ExecutionRecord {
            contract: crate::ContractAddress::new(Felt::from(0x7au8)),
            event: None,
            treasury: None,
        })
    });
    let (log, prepared) = (calls.clone(), Arc::new(Mutex::new(0u64)));
    mock.expect_prepare().returning(move |_| {
        log.lock().unwrap().push("prepare");
        let mut n = prepared.lock().unwrap();
        *n += 1;
        Ok(PreparedExecution { tx_hash: TxHash::new(Felt::from(*n)), signed: vec![*n as u8] })
    });
    let log = calls.clone();
    mock.expect_broadcast().returning(move |p| {
        log.lock().unwrap().push("broadcast");
        // The first transaction's nonce was taken by another; the second lands.
        if p.signed == [1] { Err(ChainError::Superseded { tx_hash: p.tx_hash }) } else { Ok(()) }
    });
    let log = calls.clone();
    let sent = Arc::new(Mutex::new(false));
    mock.expect_outcome().returning(move |hash| {
        log.lock().unwrap().push("outcome");
        let mut seen = sent.lock().unwrap();
        let known = hash == TxHash::new(Felt::from(2u64)) && *seen;
        *seen |= hash == TxHash::new(Felt::from(2u64));
        Ok(if known { ExecutionOutcome::Succeeded { block_number: 8 } } else { ExecutionOutcome::Unknown })
    });
    rig.executor = Some(Arc::new(mock));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert!(job.last_error().unwrap().contains("lost its nonce"), "{:?}", job.last_error());
    let stored = rig.stored(&decision).await.0;
    assert_eq!(
        (stored.status(), stored.tx_hash()),
        (DecisionStatus::Verified, None),
        "the dead transaction is forgotten"
    );
    rig.clock.advance(std::time::Duration::from_secs(3600));
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Executed);
    let stored = rig.stored(&decision).await.0;
    assert_eq!((stored.tx_hash(), stored.block_number()), (Some(TxHash::new(Felt::from(2u64))), Some(8)));
    assert_eq!(
        *calls.lock().unwrap(),
        ["prepare", "outcome", "broadcast", "prepare", "outcome", "broadcast", "outcome"]
    );
}

#[tokio::test]
async fn a_decision_changed_after_proving_is_refused_before_anything_is_signed() {
    type Alteration = (&'static str, fn(&mut crate::DecisionRecord));
    let alterations: [Alteration; 4] = [
        // Someone raises JediSwap's APY in the stored row after the proof was checked.
        ("jediswap_apy", |r| r.statement.snapshot.jediswap_apy = crate::Apy::new(851).unwrap()),
        ("model_version", |r| r.statement.model_version = crate::ModelVersion::new(2).unwrap()),
        ("model_version", |r| r.model_version = crate::ModelVersion::new(2).unwrap()),
        ("jediswap_pct", |r| {
            let a = &r.statement.allocation;
            let (j, e) = (a.jediswap().get(), a.ekubo().get());
            r.statement.allocation =
                crate::Allocation::new(crate::Bps::new(j + 1).unwrap(), crate::Bps::new(e - 1).unwrap()).unwrap();
        }),
    ];
    for (field, alter) in alterations {
        let mut rig = Rig::with_stwo();
        let mut executor = MockAllocationExecutor::new();
        executor.expect_prepare().never();
        rig.executor = Some(Arc::new(executor));
        let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
        let pipeline = rig.pipeline();
        let job = pipeline.advance(pipeline.advance(job).await.unwrap()).await.unwrap();
        assert_eq!(job.status(), ProofJobStatus::Verified);

        let verified = rig.stored(&decision).await.0;
        let altered = crate::testing::altered_decision(&verified, alter);
        DecisionStore::save(rig.store.as_ref(), &altered, DecisionStatus::Verified).await.unwrap();

        let job = pipeline.advance(job).await.unwrap();
        assert_eq!(job.status(), ProofJobStatus::Failed, "{field}");
        let (stored, _) = rig.stored(&decision).await;
        assert_eq!(stored.status(), DecisionStatus::Refused, "{field}");
        let reason = stored.message().unwrap();
        assert!(reason.contains(&format!("decision's {field}")) && reason.contains("verified proof"), "{reason}");
        assert_eq!(stored.tx_hash(), None, "nothing was signed");
    }
}

#[tokio::test]
async fn without_a_chain_a_decision_rests_verified_with_the_reason_and_executes_once_one_is_there() {
    let mut rig = Rig::with_stwo();
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!((stored.status(), job.status()), (DecisionStatus::Verified, ProofJobStatus::Verified), "not refused");
    assert!(stored.message().unwrap().starts_with("not executed: no chain is configured"), "{:?}", stored.message());
    assert!(!job.is_due(rig.clock.now()), "a worker does not spin on it");
    assert_eq!(job.retries(), 0, "waiting for a chain is not a failure");

    // The service comes back with a chain: once the job is looked at again, it is executed.
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Succeeded { block_number: 4 }], calls));
    rig.clock.advance(rig.policy.backoff.max);
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Executed);
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!((stored.status(), stored.block_number(), stored.message()), (DecisionStatus::Executed, Some(4), None));
}

#[tokio::test]
async fn the_step_that_verifies_a_decision_with_nothing_to_do_on_chain_also_rests_it() {
    // No chain, or manual execution no operator has asked for: either way the decision only rests once
    // verified, and the step that verifies it says so in the same save instead of a second step later.
    for manual in [false, true] {
        let mut rig = Rig::with_stwo();
        if manual {
            rig.policy.execution = crate::ExecutionMode::Manual;
            rig.executor = Some(executor(vec![], Arc::new(Mutex::new(Vec::new()))));
        }
        let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
        let pipeline = rig.pipeline();
        let proved = pipeline.advance(job).await.unwrap();
        assert_eq!(proved.status(), ProofJobStatus::Proved);
        let verified = pipeline.advance(proved).await.unwrap();
        let (stored, stored_job) = rig.stored(&decision).await;
        assert_eq!((stored.status(), stored_job.status()), (DecisionStatus::Verified, ProofJobStatus::Verified));
        let expected = if manual { "waiting for an operator" } else { "no chain is configured" };
        assert!(stored.message().is_some_and(|m| m.contains(expected)), "{manual}: {:?}", stored.message());
        assert!(verified.rests() && stored_job.rests(), "{manual}: the verifying save leaves the job resting");
        assert!(!stored_job.is_due(rig.clock.now()), "{manual}: no worker takes it up again at once");
    }

    // A fact to register on chain comes next: the job stays due for it.
    let rig = stone_rig(Vec::new());
    let (_, job) = rig.decision(vec![ProverKind::Stone]).await;
    let pipeline = rig.pipeline();
    let verified = pipeline.advance(pipeline.advance(job).await.unwrap()).await.unwrap();
    assert_eq!(verified.status(), ProofJobStatus::Verified);
    assert!(!verified.rests() && verified.is_due(rig.clock.now()), "registration is the next step");
}

#[tokio::test]
async fn a_decision_under_a_model_the_contract_has_not_approved_waits_with_the_owners_call() {
    let mut rig = Rig::with_stwo();
    let approved = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut mock = MockAllocationExecutor::new();
    let flag = approved.clone();
    mock.expect_model_approval().returning(move |hash| {
        Ok(if flag.load(std::sync::atomic::Ordering::SeqCst) {
            ModelApproval::Approved
        } else {
            ModelApproval::Missing { owner_call: format!("its owner must call approve_model({hash})") }
        })
    });
    let log = calls.clone();
    mock.expect_prepare().returning(move |_| {
        log.lock().unwrap().push("prepare");
        Ok(PreparedExecution { tx_hash: TxHash::new(Felt::from(TX)), signed: vec![9] })
    });
    mock.expect_broadcast().returning(|_| Ok(()));
    mock.expect_outcome().returning(|_| Ok(ExecutionOutcome::Succeeded { block_number: 3 }));
    mock.expect_execution_record().returning(|_| {
        Ok(crate::ExecutionRecord {
            contract: crate::ContractAddress::new(Felt::from(0x7au8)),
            event: None,
            treasury: None,
        })
    });
    rig.executor = Some(Arc::new(mock));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Verified, "waiting, not refused");
    let message = stored.message().unwrap();
    assert!(message.contains("not approved") && message.contains("approve_model(0x"), "{message}");
    assert!(calls.lock().unwrap().is_empty(), "nothing was signed");
    assert_eq!(job.retries(), 0, "waiting for an approval is not a failure");

    // The owner approves; the next look executes it.
    approved.store(true, std::sync::atomic::Ordering::SeqCst);
    rig.clock.advance(rig.policy.backoff.max);
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Executed);
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Executed);
}

#[tokio::test]
async fn under_manual_execution_a_verified_decision_waits_for_an_operator() {
    let mut rig = Rig::with_stwo();
    rig.policy.execution = crate::ExecutionMode::Manual;
    let calls = Arc::new(Mutex::new(Vec::new()));
    rig.executor = Some(executor(vec![ExecutionOutcome::Succeeded { block_number: 6 }], calls.clone()));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Verified);
    assert!(stored.awaits_execution(), "verified with nothing sent: an operator's request would send it");
    assert!(stored.message().unwrap().contains("waiting for an operator"), "{:?}", stored.message());
    assert!(calls.lock().unwrap().is_empty(), "nothing is signed without the operator");
    rig.clock.advance(rig.policy.backoff.max);
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Verified, "time alone does not release it");

    let wait = std::time::Duration::ZERO;
    let queries = crate::usecases::DecisionQueries::new(rig.store.clone(), rig.store.clone(), rig.clock.clone(), wait);
    let stores = (rig.store.clone() as Arc<dyn DecisionStore>, rig.store.clone() as Arc<dyn ProofJobStore>);
    let execute = crate::usecases::ExecuteAllocation::new(queries, stores, rig.clock.clone(), true);
    let (asked, _) = execute.execute(decision.id(), "alice").await.unwrap();
    assert_eq!(asked.decision.execution_request().map(|r| r.by.as_str()), Some("alice"));
    let job = ProofJobStore::get(rig.store.as_ref(), job.id()).await.unwrap().unwrap();
    assert!(job.is_due(rig.clock.now()), "the request makes its job due now");
    rig.pipeline().run(job).await.unwrap();
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!((stored.status(), stored.block_number()), (DecisionStatus::Executed, Some(6)));
    assert!(!stored.awaits_execution(), "executed");
    assert_eq!(stored.execution_request().map(|r| r.by.as_str()), Some("alice"), "who released it is kept");
}
