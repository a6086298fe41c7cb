//! The `Prover` and `ProofVerifier` ports, as the service's workers call them.

use std::time::Duration;

use starkrisk_domain::ports::{ProofVerifier, Prover, ProverError, TimeoutGrowth, VerifyError};
use starkrisk_domain::*;
use starkrisk_stwo::{SecurityParams, StwoProver, StwoVerifier, air_hash};

fn prover(timeout: Duration) -> StwoProver {
    StwoProver::new(SecurityParams::DEFAULT, timeout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_from_the_port_verifies_through_the_port() {
    let request = ProofRequest { statement: examples::statement() };
    let artifact = prover(Duration::from_secs(30)).prove(&request, TimeoutGrowth::NONE).await.unwrap();
    assert_eq!((artifact.prover, artifact.system), (ProverKind::Luminair, ProofSystem::Stwo));
    assert_eq!(artifact.statement, request.statement);
    let claim = StwoVerifier::new(96).verify(&artifact.bytes).await.unwrap();
    assert_eq!(claim.public_output, request.statement.to_felts());
    assert_eq!((claim.system, claim.fact_hash), (ProofSystem::Stwo, None));
    // 43 queries at blowup 4 and 10 grinding bits: 96 conjectured, 53 provable.
    assert_eq!((claim.security.conjectured_bits, claim.security.provable_bits), (96, 53));
    assert_eq!(claim.program_hash, air_hash());
}

#[tokio::test]
async fn a_prover_that_runs_out_of_time_says_so() {
    let request = ProofRequest { statement: examples::statement() };
    match prover(Duration::from_nanos(1)).prove(&request, TimeoutGrowth::NONE).await {
        Err(ProverError::Timeout(limit)) => assert_eq!(limit, Duration::from_nanos(1)),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_false_statement_is_invalid_input_not_a_prover_failure() {
    let mut statement = examples::statement();
    statement.ekubo_risk = RiskScore::new(74).unwrap();
    match prover(Duration::from_secs(30)).prove(&ProofRequest { statement }, TimeoutGrowth::NONE).await {
        // No other prover would do better, so the fallback must not try them.
        Err(ProverError::InvalidInput { field, reason }) => {
            assert_eq!(field, "statement");
            assert!(reason.contains("Ekubo's risk is the stated one"), "{reason}");
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn the_verifier_port_reports_weak_and_foreign_proofs() {
    let weak = SecurityParams { pow_bits: 4, log_blowup: 2, n_queries: 30 };
    let artifact = StwoProver::new(weak, Duration::from_secs(30))
        .unwrap()
        .prove(&ProofRequest { statement: examples::statement() }, TimeoutGrowth::NONE)
        .await
        .unwrap();
    match StwoVerifier::new(96).verify(&artifact.bytes).await {
        Err(VerifyError::InsufficientSecurity { actual: 64, required: 96 }) => {}
        other => panic!("expected a security refusal, got {other:?}"),
    }
    match StwoVerifier::new(96).verify(b"{\"proof_parameters\": {}}").await {
        Err(VerifyError::Rejected { reason }) => assert!(reason.contains("SRKP"), "{reason}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_verifier_accepts_its_own_parameters_only_even_against_a_stronger_proof() {
    let prove = |security: SecurityParams| async move {
        StwoProver::new(security, Duration::from_secs(30))
            .unwrap()
            .prove(&ProofRequest { statement: examples::statement() }, TimeoutGrowth::NONE)
            .await
            .unwrap()
    };
    let pinned = StwoVerifier::pinned_to(SecurityParams::DEFAULT, 96);
    let own = prove(SecurityParams::DEFAULT).await;
    assert_eq!(pinned.verify(&own.bytes).await.unwrap().security.conjectured_bits, 96);
    // More grinding and more queries: more bits by the proof's own count, and still not the operator's choice.
    let other = prove(SecurityParams { pow_bits: 12, log_blowup: 2, n_queries: 50 }).await;
    StwoVerifier::new(96).verify(&other.bytes).await.unwrap();
    match pinned.verify(&other.bytes).await {
        Err(VerifyError::Rejected { reason }) => {
            assert!(
                reason.contains("pow_bits 12, log_blowup 2, n_queries 50") && reason.contains("n_queries 43"),
                "{reason}"
            )
        }
        other => panic!("expected the unpinned parameters refused, got {other:?}"),
    }
}
