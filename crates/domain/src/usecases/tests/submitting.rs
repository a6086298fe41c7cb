//! Orchestration with idempotency keys, bounded waits on a manual clock, and executing on request.

use std::sync::Arc;
use std::time::Duration;

use super::support::*;
use crate::decision::DecisionStatus;
use crate::felt::{Felt, TxHash};
use crate::ports::*;
use crate::proof::ProverKind;
use crate::proof_job::ProofJobStatus;
use crate::usecases::*;

const WAIT: Duration = Duration::from_secs(30);

fn queries(rig: &Rig) -> DecisionQueries {
    DecisionQueries::new(rig.store.clone(), rig.store.clone(), rig.clock.clone(), WAIT)
}

fn orchestrate(rig: &Rig) -> OrchestrateAllocation {
    orchestrate_waking(rig, std::sync::Arc::new(crate::ports::PollOnly))
}

fn orchestrate_waking(rig: &Rig, due: std::sync::Arc<dyn crate::ports::JobsDue>) -> OrchestrateAllocation {
    orchestrate_with(rig, due, queries(rig))
}

fn orchestrate_with(rig: &Rig, due: Arc<dyn crate::ports::JobsDue>, queries: DecisionQueries) -> OrchestrateAllocation {
    let apys = DefaultApys { jediswap: crate::Apy::new(850).unwrap(), ekubo: crate::Apy::new(1210).unwrap() };
    let ports = OrchestratePorts {
        planner: StatementPlanner::new(rig.store.clone(), None, apys),
        decisions: rig.store.clone(),
        keys: rig.store.clone(),
        queries,
        clock: rig.clock.clone(),
        due,
    };
    OrchestrateAllocation::new(
        ports,
        rig.policy.clone(),
        ApprovalRules { approvers: Vec::new(), max_age_secs: 300, domain: domain() },
        LIFETIMES,
    )
}

const LIFETIMES: KeyLifetimes =
    KeyLifetimes { in_flight: Duration::from_secs(120), retained: Duration::from_secs(24 * 3600) };

fn request() -> AllocationRequest {
    AllocationRequest {
        jediswap: Some(metrics(6500, 3500, 1, 98, 800)),
        ekubo: Some(metrics(8200, 6100, 2, 72, 120)),
        ..AllocationRequest::default()
    }
}

fn keyed(key: &str, body: &[u8], wait: bool) -> Submission {
    let key = IdempotencyKey::parse(key).unwrap();
    Submission { request: request(), idempotency: Some((key, RequestFingerprint::of(body))), wait }
}

#[tokio::test]
async fn a_submission_not_waiting_is_answered_with_the_rows_as_stored_without_reading_them_back() {
    let rig = Rig::new();
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    // Stores with no expectations: any read through the queries fails the test.
    let unread = DecisionQueries::new(
        Arc::new(MockDecisionStore::new()),
        Arc::new(MockProofJobStore::new()),
        rig.clock.clone(),
        WAIT,
    );
    let orchestrate = orchestrate_with(&rig, Arc::new(PollOnly), unread);
    let submitted =
        orchestrate.submit(Submission { request: request(), idempotency: None, wait: false }).await.unwrap();
    let (stored, stored_job) = rig.stored(&submitted.current.decision).await;
    assert_eq!(submitted.current.decision, stored);
    assert_eq!(submitted.current.job, Some(stored_job));
    assert!(!submitted.settled && !submitted.replayed);
}

#[tokio::test]
async fn a_key_makes_one_decision_and_refuses_another_request() {
    let rig = Rig::new();
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    let orchestrate = orchestrate(&rig);
    let first = orchestrate.submit(keyed("order-1", b"body", false)).await.unwrap();
    let again = orchestrate.submit(keyed("order-1", b"body", false)).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(again.current.decision.id(), first.current.decision.id());
    assert_eq!(rig.store.jobs().len(), 1, "one decision, one job");
    let reused = orchestrate.submit(keyed("order-1", b"other body", false)).await.unwrap_err();
    assert!(matches!(reused, OrchestrateError::KeyReused), "{reused}");
}

#[tokio::test]
async fn a_key_whose_request_failed_is_free_for_the_retry() {
    let rig = Rig::new();
    let orchestrate = orchestrate(&rig);
    let error = orchestrate.submit(keyed("order-2", b"body", false)).await.unwrap_err();
    assert!(matches!(error, OrchestrateError::NoActiveModel), "{error}");
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    let retried = orchestrate.submit(keyed("order-2", b"body", false)).await.unwrap();
    assert!(!retried.replayed, "the retry plans, it does not replay a failure");
}

#[tokio::test]
async fn a_key_whose_request_died_in_flight_is_taken_over_after_the_timeout() {
    let rig = Rig::new();
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    let key = IdempotencyKey::parse("order-4").unwrap();
    // The claim a crashed request leaves: claimed, never completed nor released.
    rig.store.claim_key(&key, RequestFingerprint::of(b"body"), LIFETIMES).await.unwrap();
    let orchestrate = orchestrate(&rig);
    let waiting = orchestrate.submit(keyed("order-4", b"body", false)).await.unwrap_err();
    assert!(matches!(waiting, OrchestrateError::KeyInProgress), "{waiting}");
    rig.clock.advance(LIFETIMES.in_flight + Duration::from_secs(1));
    let retried = orchestrate.submit(keyed("order-4", b"body", false)).await.unwrap();
    assert!(!retried.replayed);
    assert_eq!(rig.store.jobs().len(), 1);
}

#[tokio::test]
async fn an_expired_key_plans_again() {
    let rig = Rig::new();
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    let orchestrate = orchestrate(&rig);
    let first = orchestrate.submit(keyed("order-5", b"body", false)).await.unwrap();
    rig.clock.advance(LIFETIMES.retained - Duration::from_secs(1));
    assert!(orchestrate.submit(keyed("order-5", b"body", false)).await.unwrap().replayed, "still within a day");
    rig.clock.advance(Duration::from_secs(2));
    let later = orchestrate.submit(keyed("order-5", b"body", false)).await.unwrap();
    assert!(!later.replayed);
    assert_ne!(later.current.decision.id(), first.current.decision.id());
}

#[tokio::test]
async fn a_wait_gives_up_at_its_limit_by_the_clock_not_by_sleeping() {
    let rig = Rig::new();
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    let started = rig.clock.now();
    let submitted = orchestrate(&rig).submit(keyed("order-3", b"body", true)).await.unwrap();
    assert!(!submitted.settled, "nothing proves it in this test");
    assert_eq!(submitted.current.decision.status(), DecisionStatus::Pending);
    let waited = (rig.clock.now() - started).to_std().unwrap();
    assert!((WAIT..WAIT + Duration::from_secs(1)).contains(&waited), "waited {waited:?} on the clock");
}

#[tokio::test]
async fn execute_refuses_an_unverified_decision_and_hurries_a_waiting_one() {
    let mut rig = Rig::with_stwo();
    let (pending, _) = rig.decision(vec![ProverKind::Luminair]).await;
    let execute =
        ExecuteAllocation::new(queries(&rig), (rig.store.clone(), rig.store.clone()), rig.clock.clone(), true);
    let refused = execute.execute(pending.id(), "operator").await.unwrap_err();
    assert!(matches!(refused, ExecuteError::NotVerified), "{refused}");

    // The chain never includes the transaction: the job waits for its backoff before looking again.
    let mut executor = MockAllocationExecutor::new();
    executor.expect_model_approval().returning(|_| Ok(ModelApproval::NotGated));
    executor.expect_execution_record().returning(|_| Err(ChainError::Unavailable("receipt gone".into())));
    executor.expect_prepare().returning(|_| Ok(PreparedExecution { tx_hash: TxHash::new(Felt::ONE), signed: vec![1] }));
    executor.expect_broadcast().returning(|_| Ok(()));
    executor.expect_outcome().returning(|_| Ok(ExecutionOutcome::Pending));
    rig.executor = Some(Arc::new(executor));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Verified);
    assert!(job.next_attempt_at() > rig.clock.now(), "waiting for its backoff");

    let (current, settled) = execute.execute(decision.id(), "operator").await.unwrap();
    assert!(!settled);
    assert_eq!(current.decision.status(), DecisionStatus::Submitted);
    let stored = ProofJobStore::get(rig.store.as_ref(), job.id()).await.unwrap().unwrap();
    assert!(stored.next_attempt_at() < rig.clock.now(), "made due at once, not after its backoff");
    assert!(stored.is_due(rig.clock.now()));
}

/// Counts the wake-ups orchestration sends.
#[derive(Default)]
struct Wakes(std::sync::atomic::AtomicUsize);

impl crate::ports::JobsDue for Wakes {
    fn job_due(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn workers_are_woken_once_per_queued_job_and_not_by_a_replay() {
    let rig = Rig::new();
    ModelStore::register(rig.store.as_ref(), &model()).await.unwrap();
    let wakes = std::sync::Arc::new(Wakes::default());
    let orchestrate = orchestrate_waking(&rig, wakes.clone());
    orchestrate.submit(keyed("order-7", b"body", false)).await.unwrap();
    orchestrate.submit(keyed("order-7", b"body", false)).await.unwrap();
    assert_eq!(wakes.0.load(std::sync::atomic::Ordering::SeqCst), 1, "the replay queued nothing");
    orchestrate.submit(keyed("order-8", b"body", false)).await.unwrap();
    assert_eq!(wakes.0.load(std::sync::atomic::Ordering::SeqCst), 2);
}
