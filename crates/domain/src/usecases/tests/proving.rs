//! Prover fallback, attempts on the job, retries, and refusal of proofs of another statement.

use std::time::Duration;

use super::support::*;
use crate::decision::DecisionStatus;
use crate::ports::Clock as _;
use crate::ports::{ProverError, VerifyError};
use crate::proof::{AttemptOutcome, ProofSystem, ProverKind};
use crate::proof_job::{ProofJobStatus, Stage};
use crate::statement::DecisionStatement;

fn stone_unavailable() -> Result<crate::ProofArtifact, ProverError> {
    Err(ProverError::Unavailable("cpu_air_prover is not installed; set prover.stone.binary".into()))
}

fn stwo_ok() -> Result<crate::ProofArtifact, ProverError> {
    Ok(artifact(ProverKind::Luminair, ProofSystem::Stwo, statement()))
}

fn stwo_verifier_ok(rig: &mut Rig) {
    rig.verifiers.push(verifier(ProofSystem::Stwo, || Ok(verified(ProofSystem::Stwo, statement(), 100))));
}

#[tokio::test]
async fn an_unavailable_prover_falls_back_to_the_next_and_both_attempts_are_recorded() {
    let mut rig = Rig::new();
    rig.provers = vec![prover(ProverKind::Stone, stone_unavailable), prover(ProverKind::Luminair, stwo_ok)];
    stwo_verifier_ok(&mut rig);
    let (decision, job) = rig.decision(vec![ProverKind::Stone, ProverKind::Luminair]).await;

    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Proved);
    assert_eq!(job.attempts().len(), 2);
    assert_eq!(job.attempts()[0].prover, ProverKind::Stone);
    assert!(matches!(&job.attempts()[0].outcome, AttemptOutcome::Unavailable(m) if m.contains("cpu_air_prover")));
    assert_eq!(job.attempts()[1].outcome, AttemptOutcome::Succeeded);
    assert_eq!(job.artifact().unwrap().prover, ProverKind::Luminair);

    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Verified);
    let (stored, stored_job) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Verified);
    assert_eq!(stored_job, job, "every step is persisted");
}

#[tokio::test]
async fn an_attempt_lasts_what_the_pipelines_clock_says_it_did() {
    let mut rig = Rig::new();
    let clock = rig.clock.clone();
    rig.provers = vec![
        prover(ProverKind::Stone, move || {
            clock.advance(Duration::from_millis(1500));
            stone_unavailable()
        }),
        prover(ProverKind::Luminair, stwo_ok),
    ];
    stwo_verifier_ok(&mut rig);
    let (_, job) = rig.decision(vec![ProverKind::Stone, ProverKind::Luminair]).await;
    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.attempts()[0].duration_ms, 1500, "Stone's attempt took the clock's 1.5 s");
    assert_eq!(job.attempts()[1].duration_ms, 0, "the clock did not move during S-two's");
    assert_eq!(job.attempts()[1].started_at, job.attempts()[0].started_at + chrono::Duration::milliseconds(1500));
}

#[tokio::test]
async fn a_timeout_or_a_failure_also_falls_back() {
    for first in [(|| Err(ProverError::Timeout(Duration::from_secs(30)))) as fn() -> _, || {
        Err(ProverError::Failed("segfault".into()))
    }] {
        let mut rig = Rig::new();
        rig.provers = vec![prover(ProverKind::Stone, first), prover(ProverKind::Luminair, stwo_ok)];
        let (_, job) = rig.decision(vec![ProverKind::Stone, ProverKind::Luminair]).await;
        let job = rig.pipeline().advance(job).await.unwrap();
        assert_eq!(job.status(), ProofJobStatus::Proved);
        assert_ne!(job.attempts()[0].outcome, AttemptOutcome::Succeeded);
    }
}

#[tokio::test]
async fn a_proof_of_another_statement_is_a_failed_attempt_not_a_proof() {
    let mut rig = Rig::new();
    let mut forged = statement();
    forged.allocation = crate::Allocation::from_jediswap_share(crate::Bps::new(9000).unwrap());
    rig.provers = vec![
        prover(ProverKind::Stone, move || Ok(artifact(ProverKind::Stone, ProofSystem::Stone, forged))),
        prover(ProverKind::Luminair, stwo_ok),
    ];
    let (_, job) = rig.decision(vec![ProverKind::Stone, ProverKind::Luminair]).await;
    let job = rig.pipeline().advance(job).await.unwrap();
    assert!(
        matches!(&job.attempts()[0].outcome, AttemptOutcome::Failed(m) if m.contains("jediswap_pct")),
        "{:?}",
        job.attempts()
    );
    assert_eq!(job.artifact().unwrap().prover, ProverKind::Luminair);
}

#[tokio::test]
async fn transient_failures_are_retried_with_backoff_then_fail_the_decision() {
    let mut rig = Rig::new();
    rig.provers = vec![prover(ProverKind::Stone, stone_unavailable)];
    let (decision, mut job) = rig.decision(vec![ProverKind::Stone, ProverKind::Luminair]).await;
    let pipeline = rig.pipeline();
    for retry in 1..=2 {
        job = pipeline.advance(job).await.unwrap();
        assert_eq!(job.status(), ProofJobStatus::Queued, "retry {retry} is queued again");
        assert_eq!(job.retries(), retry);
        assert!(job.next_attempt_at() > rig.clock.now(), "the retry waits for its backoff");
        assert!(job.last_error().unwrap().contains("luminair: the luminair prover is not configured"));
        assert!(!job.is_due(rig.clock.now()), "nothing is due before the backoff passes");
    }
    job = pipeline.advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Failed);
    let failure = job.failure().unwrap();
    assert_eq!(failure.stage, Stage::Proving);
    assert_eq!(job.attempts().len(), 6, "two provers tried on each of three rounds");
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Failed);
    assert!(stored.message().unwrap().contains("stone"));
}

#[tokio::test]
async fn invalid_input_stops_at_once_without_trying_other_provers() {
    let mut rig = Rig::new();
    rig.provers = vec![
        prover(ProverKind::Stone, || {
            Err(ProverError::InvalidInput { field: "age_days".into(), reason: "too big".into() })
        }),
        prover(ProverKind::Luminair, stwo_ok),
    ];
    let (decision, job) = rig.decision(vec![ProverKind::Stone, ProverKind::Luminair]).await;
    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Failed);
    assert_eq!(job.attempts().len(), 1);
    assert!(!job.failure().unwrap().retryable);
    assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Refused);
}

#[tokio::test]
async fn verification_refuses_a_proof_that_states_another_decision() {
    let mut rig = Rig::new();
    rig.provers = vec![prover(ProverKind::Luminair, stwo_ok)];
    // The verifier decodes a different model hash out of the proof than the decision claims.
    let mut other: DecisionStatement = statement();
    other.model_hash = other_model_hash();
    rig.verifiers.push(verifier(ProofSystem::Stwo, move || Ok(verified(ProofSystem::Stwo, other, 100))));
    let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Failed);
    let failure = job.failure().unwrap();
    assert_eq!(failure.stage, Stage::Verification);
    assert!(failure.reason.contains("model_hash"), "{}", failure.reason);
    let (stored, _) = rig.stored(&decision).await;
    assert_eq!(stored.status(), DecisionStatus::Refused);
}

#[tokio::test]
async fn verification_refuses_weak_and_invalid_proofs() {
    let weak = || Ok(verified(ProofSystem::Stwo, statement(), 13));
    let invalid = || Err(VerifyError::Rejected { reason: "OODS mismatch".into() });
    for (result, expect) in
        [(Box::new(weak) as Box<dyn Fn() -> _ + Send + Sync>, "13 bits"), (Box::new(invalid), "OODS mismatch")]
    {
        let mut rig = Rig::new();
        rig.provers = vec![prover(ProverKind::Luminair, stwo_ok)];
        rig.verifiers.push(verifier(ProofSystem::Stwo, result));
        let (decision, job) = rig.decision(vec![ProverKind::Luminair]).await;
        let job = rig.pipeline().run(job).await.unwrap();
        assert!(job.failure().unwrap().reason.contains(expect));
        assert_eq!(rig.stored(&decision).await.0.status(), DecisionStatus::Refused);
    }
}

#[tokio::test]
async fn a_proof_without_a_matching_verifier_is_refused() {
    let mut rig = Rig::new();
    rig.provers = vec![prover(ProverKind::Luminair, stwo_ok)];
    let (_, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().run(job).await.unwrap();
    let failure = job.failure().unwrap();
    assert_eq!(failure.stage, Stage::Verification);
    assert!(failure.reason.contains("no verifier"), "{}", failure.reason);
}

#[tokio::test]
async fn a_concurrent_writer_makes_the_step_fail_without_overwriting() {
    let mut rig = Rig::new();
    rig.provers = vec![prover(ProverKind::Luminair, stwo_ok)];
    let (_, job) = rig.decision(vec![ProverKind::Luminair]).await;
    // Another worker moved the job on already.
    let pipeline = rig.pipeline();
    let moved = pipeline.advance(job.clone()).await.unwrap();
    assert_eq!(moved.status(), ProofJobStatus::Proved);
    let error = pipeline.advance(job).await.unwrap_err();
    assert!(matches!(error, crate::usecases::PipelineError::Store(crate::ports::StoreError::Conflict(_))), "{error}");
    let stored = crate::ports::ProofJobStore::get(rig.store.as_ref(), moved.id()).await.unwrap().unwrap();
    assert_eq!(stored.status(), ProofJobStatus::Proved);
}

#[test]
fn a_timeout_doubles_per_earlier_timeout_up_to_the_cap_and_never_shrinks() {
    use crate::ports::TimeoutGrowth;
    let base = Duration::from_secs(120);
    let cap = Duration::from_secs(600);
    let after = |doublings| TimeoutGrowth { doublings, cap }.applied_to(base);
    assert_eq!(after(0), base);
    assert_eq!(after(1), Duration::from_secs(240));
    assert_eq!(after(2), Duration::from_secs(480));
    assert_eq!(after(3), cap);
    assert_eq!(after(u32::MAX), cap, "no overflow however many timeouts");
    assert_eq!(TimeoutGrowth { doublings: 2, cap: Duration::from_secs(60) }.applied_to(base), base, "cap below base");
}

#[tokio::test]
async fn a_prover_that_timed_out_is_given_its_doubled_timeout_on_the_next_attempt() {
    use crate::ports::{MockProver, TimeoutGrowth};
    // Needs more than its 10 s: only its second attempt, given 20 s, is long enough.
    let mut mock = MockProver::new();
    mock.expect_kind().return_const(ProverKind::Luminair);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    mock.expect_prove().returning(move |_, growth: TimeoutGrowth| {
        let given = growth.applied_to(Duration::from_secs(10));
        log.lock().unwrap().push(given);
        if given < Duration::from_secs(15) { Err(ProverError::Timeout(given)) } else { stwo_ok() }
    });
    let mut rig = Rig::new();
    rig.provers = vec![std::sync::Arc::new(mock)];
    stwo_verifier_ok(&mut rig);
    let (_, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Queued, "requeued after the timeout");
    rig.clock.advance(rig.policy.backoff.max);
    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Proved);
    assert_eq!(*seen.lock().unwrap(), [Duration::from_secs(10), Duration::from_secs(20)]);
    assert!(job.attempts()[0].outcome.is_timeout() && !job.attempts()[1].outcome.is_timeout());
}

#[tokio::test]
async fn a_remote_query_is_recorded_on_the_attempt_that_waited_on_it_and_on_the_one_that_got_its_proof() {
    use crate::ports::MockProver;
    let mut mock = MockProver::new();
    mock.expect_kind().return_const(ProverKind::Luminair);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    mock.expect_prove().returning(move |_, _| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Err(ProverError::Timeout(Duration::from_secs(10)).at_query("q-42"))
        } else {
            stwo_ok().map(|a| crate::ProofArtifact { remote_query: Some("q-42".into()), ..a })
        }
    });
    let mut rig = Rig::new();
    rig.provers = vec![std::sync::Arc::new(mock)];
    stwo_verifier_ok(&mut rig);
    let (_, job) = rig.decision(vec![ProverKind::Luminair]).await;
    let job = rig.pipeline().advance(job).await.unwrap();
    let first = &job.attempts()[0];
    assert!(first.outcome.is_timeout(), "a timeout at a query is still a timeout: {:?}", first.outcome);
    assert!(matches!(&first.outcome, AttemptOutcome::Timeout(m) if m.contains("q-42")), "{:?}", first.outcome);
    assert_eq!(first.remote_query.as_deref(), Some("q-42"));
    rig.clock.advance(rig.policy.backoff.max);
    let job = rig.pipeline().advance(job).await.unwrap();
    assert_eq!(job.status(), ProofJobStatus::Proved);
    assert_eq!(job.attempts()[1].remote_query.as_deref(), Some("q-42"));
}
