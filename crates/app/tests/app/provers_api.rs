//! The real prover adapters behind the API: Stone proving a decision that prefers it with the
//! cpu_air_prover `just stone` built, falling back to LuminAIR on a machine without one, and in-process
//! verification of submitted Stone and S-two proofs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::path::PathBuf;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starkrisk_app::Adapters;
use starkrisk_app::Role;
use starkrisk_domain::DecisionStatement;
use starkrisk_stone::StoneSettings;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stone_preferred_without_a_binary_falls_back_and_records_why() {
    // A machine where Stone was never built: the adapters' Stone has no binary to fall back on.
    let mut adapters = Adapters::from_settings(&settings_for_adapters()).unwrap();
    adapters.provers.retain(|p| p.kind() != starkrisk_domain::ProverKind::Stone);
    adapters.provers.push(std::sync::Arc::new(starkrisk_stone::StoneProver::new(StoneSettings::default())));
    let no_stone = |s: &mut starkrisk_app::Settings| s.stone.prover_binary = None;
    let (app, decision, job) = executed_preferring_stone(adapters, no_stone).await;
    let attempts = job["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["prover"], "stone");
    assert_eq!(attempts[0]["outcome"], "unavailable");
    assert!(attempts[0]["message"].as_str().unwrap().contains("STARKRISK__STONE__PROVER_BINARY"), "{job}");
    assert_eq!(attempts[1]["prover"], "luminair");
    assert_eq!(attempts[1]["outcome"], "succeeded");
    assert_eq!(job["proof_system"], "stwo", "{job}");
    // The stored S-two proof verifies through the API, and states the decision's numbers.
    let (status, verified) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"proof_job_id": decision["proof_job_id"]})).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(verified["system"], "stwo");
    assert_eq!(verified["security_bits"], 96);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stone_preferred_is_proven_by_the_stone_just_stone_built_and_verified_in_process() {
    let adapters = Adapters::from_settings(&settings_for_adapters()).unwrap();
    let (app, decision, job) = executed_preferring_stone(adapters, |_| ()).await;
    let attempts = job["attempts"].as_array().unwrap();
    assert_eq!((attempts.len(), attempts[0]["prover"].as_str()), (1, Some("stone")), "{job}");
    assert_eq!(attempts[0]["outcome"], "succeeded", "{job}");
    assert_eq!((job["prover"].as_str(), job["proof_system"].as_str()), (Some("stone"), Some("stone")), "{job}");
    assert_eq!((job["security_bits"].as_u64(), job["provable_security_bits"].as_u64()), (Some(96), Some(58)), "{job}");
    assert!(job["proof_size"].as_u64().unwrap() > 100_000 && job["prove_time_ms"].as_u64().unwrap() > 0, "{job}");
    assert!(job["fact_hash"].as_str().is_some_and(|f| f.starts_with("0x")), "{job}");
    let fri = &job["fri"];
    assert_eq!((fri["n_queries"].as_u64(), fri["log_n_cosets"].as_u64()), (Some(38), Some(2)), "{job}");
    assert_eq!((fri["proof_of_work_bits"].as_u64(), fri["fri_step_list"].clone()), (Some(20), json!([0, 4, 4, 3])));
    assert_eq!(decision["jediswap_pct"], 5972, "{decision}");
    // The stored proof verifies again through the API as a proof of the risk program.
    let (status, verified) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"proof_job_id": decision["proof_job_id"]})).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!((verified["system"].as_str(), verified["risk_program"].as_bool()), (Some("stone"), Some(true)));
}

/// Starts the service with `adapters` (and an executor), orchestrates a decision preferring Stone and
/// waits for it to execute; returns the app, the decision and its proof job.
async fn executed_preferring_stone(
    mut adapters: Adapters,
    tweak: impl FnOnce(&mut starkrisk_app::Settings),
) -> (TestApp, serde_json::Value, serde_json::Value) {
    adapters.executor = Some(executor());
    let app = TestApp::start_with(adapters, tweak).await;
    app.register_model().await;
    let mut body = orchestrate_body();
    body["preferred_prover"] = json!("stone");
    let (status, mut decision) =
        app.post("/api/v1/risk-engine/orchestrate-allocation?wait=true", Role::Operator, body).await;
    // A Stone proof can outlast the request's wait (202): the decision is then followed until it rests.
    let path = format!("/api/v1/risk-engine/decision/{}", decision["decision_id"].as_str().unwrap());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    assert!(status == StatusCode::OK || status == StatusCode::ACCEPTED, "{decision}");
    while decision["status"] == "pending" && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        decision = app.get(&path, Role::Viewer).await.1;
    }
    assert_eq!(decision["status"], "executed", "{decision}");
    let job = app.get(&format!("/api/v1/proofs/{}", decision["proof_job_id"].as_str().unwrap()), Role::Viewer).await.1;
    (app, decision, job)
}

fn settings_for_adapters() -> starkrisk_app::Settings {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config");
    starkrisk_app::Settings::load("local", &dir).unwrap()
}

fn fixture() -> serde_json::Value {
    let path = starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_stone_proofs_are_verified_in_process() {
    let mut configured = settings_for_adapters();
    configured.pipeline.min_security_bits = 50;
    let adapters = Adapters::from_settings(&configured).unwrap();
    let app = TestApp::start_with(adapters, |s| {
        s.pipeline.min_security_bits = 50;
        s.server.body_limit_bytes = 4 << 20;
    })
    .await;
    // A real Stone proof of someone else's program: it verifies, and the answer says whose program it is.
    let (status, report) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stone", "proof": fixture()})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(starkrisk_stone::testing::stone("expected.json")).unwrap())
            .unwrap();
    assert_eq!(report["program_hash"], expected[starkrisk_stone::testing::RECURSIVE]["program_hash"], "{report}");
    assert_eq!((report["valid"].clone(), report["risk_program"].clone()), (json!(true), json!(false)), "{report}");
    assert_eq!((report["accepted"].clone(), report["statement"].clone()), (json!(false), Value::Null), "{report}");
    assert!(report["refusal"].as_str().unwrap().contains("not of the Cairo risk program"), "{report}");
    let mut tampered = fixture();
    tampered["public_input"]["layout"] = json!("small");
    let (status, _) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stone", "proof": tampered})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_s_two_proofs_are_verified_and_tampering_is_refused() {
    let app = TestApp::start(Adapters::from_settings(&settings_for_adapters()).unwrap()).await;
    app.register_model().await;
    let model = starkrisk_domain::examples::model(starkrisk_stone::program::program_hash().unwrap());
    let statement = DecisionStatement::under(&model, starkrisk_domain::examples::SNAPSHOT).0;
    let bytes = starkrisk_stwo::prove(&statement, starkrisk_stwo::SecurityParams::DEFAULT).unwrap().to_bytes();
    let hex = |b: &[u8]| format!("0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    let (status, verified) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stwo", "proof": hex(&bytes)})).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(verified["statement"]["allocation"]["jediswap"], 5972, "{verified}");
    assert_eq!(verified["public_output"].as_array().unwrap().len(), 31);
    assert_eq!(verified["program_hash"], starkrisk_stwo::air_hash().to_string());
    assert_eq!(verified["risk_program"], true);
    assert_eq!((verified["model_registered"].clone(), verified["accepted"].clone()), (json!(true), json!(true)));
    // A well-made proof whose model hash labels other parameters: verifies, and is refused as a decision.
    let mislabelled = starkrisk_domain::examples::statement();
    let bytes_mislabelled =
        starkrisk_stwo::prove(&mislabelled, starkrisk_stwo::SecurityParams::DEFAULT).unwrap().to_bytes();
    let (status, report) = app
        .post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stwo", "proof": hex(&bytes_mislabelled)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["accepted"].clone(), report["model_registered"].clone()), (json!(false), json!(false)));
    assert!(report["refusal"].as_str().unwrap().starts_with("model_hash:"), "{report}");
    let mut tampered = bytes.clone();
    let last = tampered.len() - 100;
    tampered[last] ^= 0x10;
    let (status, error) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stwo", "proof": hex(&tampered)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("does not verify"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prover_that_times_out_hands_over_and_the_job_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let stuck = dir.path().join("cpu_air_prover");
    std::fs::write(&stuck, "#!/bin/sh\nsleep 30\n").unwrap();
    std::process::Command::new("chmod").args(["+x", stuck.to_str().unwrap()]).status().unwrap();
    let mut configured = settings_for_adapters();
    configured.stone.prover_binary = Some(stuck.clone());
    configured.stone.timeout_secs = 1;
    let stone = configured.stone.clone();
    let (_, _, job) =
        executed_preferring_stone(Adapters::from_settings(&configured).unwrap(), |s| s.stone = stone).await;
    let attempts = job["attempts"].as_array().unwrap();
    assert_eq!(
        (attempts[0]["prover"].as_str(), attempts[0]["outcome"].as_str()),
        (Some("stone"), Some("timeout")),
        "{job}"
    );
    assert_eq!(
        (attempts[1]["prover"].as_str(), attempts[1]["outcome"].as_str()),
        (Some("luminair"), Some("succeeded"))
    );
}
