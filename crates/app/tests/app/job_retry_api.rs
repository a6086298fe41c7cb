//! `POST /api/v1/proofs/{id}/retry` over real HTTP on Postgres: a job that failed at registration is resumed
//! there by an admin and completes; a refusal is not resumed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starkrisk_app::{Adapters, Role};
use starkrisk_domain::ports::*;
use starkrisk_domain::*;

/// A FactRegistry stand-in that is unreachable until `up` is set, then registers fact 0x77 with the
/// verification Integrity would record for it under the default verifier configuration.
fn flaky_registry(up: Arc<AtomicBool>) -> Arc<dyn FactRegistry> {
    let fact = FactHash::new(Felt::from(0x77u8));
    let config = VerifierConfig::starkrisk();
    let verification = FactVerification {
        verification_hash: VerificationHash::compute(fact, &config, 100).unwrap(),
        security_bits: 100,
        verifier_config: config,
    };
    let mut registry = MockFactRegistry::new();
    registry.expect_registers().returning(|system| system == ProofSystem::Stwo);
    registry.expect_register().returning(move |_, _, _| {
        if !up.load(Ordering::SeqCst) {
            return Err(ChainError::Unavailable("every RPC endpoint timed out".into()));
        }
        Ok(FactRegistration {
            fact_hash: fact,
            verification_hash: verification.verification_hash,
            security_bits: 100,
            tx_hash: Some(TxHash::new(Felt::from(1u8))),
            transactions: Vec::new(),
            attested_by_operator: false,
        })
    });
    let listed = verification.clone();
    registry.expect_verifications().returning(move |_| Ok(vec![listed.clone()]));
    Arc::new(registry)
}

async fn job_of(app: &TestApp, decision: &Value) -> Value {
    app.get(&format!("/api/v1/proofs/{}", decision["proof_job_id"].as_str().unwrap()), Role::Viewer).await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failed_at_registration_is_retried_by_an_admin_and_completes() {
    let up = Arc::new(AtomicBool::new(false));
    let adapters = Adapters { registry: Some(flaky_registry(up.clone())), ..full_adapters() };
    let app = TestApp::start_on_postgres(adapters).await;
    app.register_model().await;
    let (_, planned) = app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    let id = planned["decision_id"].as_str().unwrap();
    let failed = app.decision_when(id, "failed").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let job = job_of(&app, &failed).await;
    assert_eq!((&job["failed_stage"], &job["retryable"]), (&json!("registration"), &json!(true)), "{job}");
    let path = format!("/api/v1/proofs/{}/retry", job["proof_job_id"].as_str().unwrap());

    let (status, _) = app.post(&path, Role::Operator, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "retrying is for admins");
    up.store(true, Ordering::SeqCst);
    let (status, resumed) = app.post(&path, Role::Admin, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{resumed}");
    assert_eq!(resumed["status"], "verified", "resumed at registration, not proven again");
    assert_eq!(resumed["resumptions"][0]["by"], "tester");
    assert_eq!(resumed["resumptions"][0]["stage"], "registration");

    let executed = app.decision_when(id, "executed").await;
    assert_eq!(executed["status"], "executed", "{executed}");
    assert_eq!(executed["fact_hash"], "0x77");
    let job = job_of(&app, &executed).await;
    assert_eq!(job["attempts"].as_array().unwrap().len(), 1, "one proof, made once");
    let (status, again) = app.post(&path, Role::Admin, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, _) = app.post("/api/v1/proofs/not-a-uuid/retry", Role::Admin, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.post(&format!("/api/v1/proofs/{}/retry", uuid_zero()), Role::Admin, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn uuid_zero() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}
