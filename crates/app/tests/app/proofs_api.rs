//! `/api/v1/proofs`, `/api/v1/verification` and `/api/v1/model-registry` over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starkrisk_app::Adapters;
use starkrisk_app::Role;

async fn wait_for_status(app: &TestApp, job: &str, status: &str) -> serde_json::Value {
    let mut body = serde_json::Value::Null;
    for _ in 0..100 {
        body = app.get(&format!("/api/v1/proofs/{job}"), Role::Viewer).await.1;
        if body["status"] == status {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job never reached {status}: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_then_read_then_verify_the_stored_proof() {
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let (status, job) = app.post("/api/v1/proofs/generate", Role::Operator, orchestrate_body()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let id = job["proof_job_id"].as_str().unwrap().to_string();
    let job = wait_for_status(&app, &id, "verified").await;
    assert_eq!(job["attempts"][0]["outcome"], "succeeded");
    assert_eq!(job["prover"], "luminair");
    assert_eq!((job["security_bits"].clone(), job["provable_security_bits"].clone()), (json!(100), json!(55)));
    let output = job["public_output"].as_array().unwrap();
    assert_eq!(output.len(), 31);
    assert_eq!(output[1], "0x1", "the model version is bound");
    assert_eq!(output[27], "0x1754", "jediswap_pct 5972 is bound");

    let (status, verified) = app.post("/api/v1/proofs/verify", Role::Operator, json!({"proof_job_id": id})).await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!((verified["valid"].clone(), verified["accepted"].clone()), (json!(true), json!(true)), "{verified}");
    assert_eq!(verified["public_output"], job["public_output"]);

    let (status, report) = app.get(&format!("/api/v1/verification/verification-status/{id}"), Role::Viewer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["verified_locally"], true);
    assert!(report["on_chain"].is_null(), "no registry is configured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_refuses_bad_proofs_with_422_and_a_reason() {
    let app = TestApp::start(full_adapters()).await;
    let (status, error) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stwo", "proof": "0xdeadbeef"})).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("proof_rejected")));
    assert!(error["error"]["message"].as_str().unwrap().contains("not a proof"), "{error}");
    let (status, error) =
        app.post("/api/v1/proofs/verify", Role::Operator, json!({"system": "stone", "proof": {}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["message"].as_str().unwrap().contains("no verifier"), "{error}");
    for (body, field) in [
        (json!({"system": "groth16", "proof": {}}), "system"),
        (json!({"system": "stwo"}), "proof"),
        (json!({"proof": {}}), "system"),
        (json!({"system": "stwo", "proof": "0xabc"}), "proof"),
        // A multi-byte character straddling a digit pair once cut a string slice mid-character.
        (json!({"system": "stwo", "proof": "0xaé1"}), "proof"),
        (json!({"system": "stwo", "proof": 5}), "proof"),
    ] {
        let (status, error) = app.post("/api/v1/proofs/verify", Role::Operator, body.clone()).await;
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body}"
        );
    }
    let (status, _) = app
        .post("/api/v1/proofs/verify", Role::Operator, json!({"proof_job_id": "6d2f1c7e-0000-4000-8000-000000000000"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post("/api/v1/proofs/verify", Role::Viewer, json!({"proof_job_id": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_prover_is_recorded_as_unavailable_and_the_job_fails_visibly() {
    let adapters = Adapters { verifiers: vec![verifier()], ..Adapters::default() };
    let app = TestApp::start(adapters).await;
    app.register_model().await;
    let (_, job) = app.post("/api/v1/proofs/generate", Role::Operator, orchestrate_body()).await;
    let id = job["proof_job_id"].as_str().unwrap().to_string();
    let job = wait_for_status(&app, &id, "failed").await;
    assert_eq!(job["failed_stage"], "proving");
    let attempts = job["attempts"].as_array().unwrap();
    assert!(attempts.iter().all(|a| a["outcome"] == "unavailable"), "{job}");
    assert!(job["error"].as_str().unwrap().contains("not configured"));
    let (status, _) = app.get("/api/v1/proofs/6d2f1c7e-0000-4000-8000-000000000000", Role::Viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = app.get("/api/v1/proofs/nope", Role::Viewer).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("proof_job_id")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fact_checks_need_a_registry_and_a_valid_hash() {
    let app = TestApp::start(full_adapters()).await;
    let (status, error) = app.get("/api/v1/verification/verify-fact-hash/0x1234", Role::Viewer).await;
    // Not 503: no retry will make a deployment without a chain read one.
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("FactRegistry"));
    let (status, error) = app.get("/api/v1/verification/verify-fact-hash/1234", Role::Viewer).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("fact_hash")));
    let (status, _) =
        app.get("/api/v1/verification/verification-status/6d2f1c7e-0000-4000-8000-000000000000", Role::Viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_registry_registers_reads_and_refuses() {
    let app = TestApp::start(full_adapters()).await;
    let (status, _) = app.get("/api/v1/model-registry/current", Role::Viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let v1 = app.register_model().await;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["registered_by"], "tester");

    let mut body = register_body();
    body["params"]["w_volatility"] = json!(60);
    let (status, v2) = app.post("/api/v1/model-registry/register", Role::Admin, body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v2["version"], 2);
    assert_ne!(v2["model_hash"], v1["model_hash"]);
    assert_eq!(app.get("/api/v1/model-registry/current", Role::Viewer).await.1["version"], 2);
    let history = app.get("/api/v1/model-registry/history", Role::Viewer).await.1;
    assert_eq!(
        history["items"].as_array().unwrap().iter().map(|m| m["status"].clone()).collect::<Vec<_>>(),
        vec!["active", "superseded"]
    );
    let newest = app.get("/api/v1/model-registry/history?limit=1", Role::Viewer).await.1;
    assert_eq!((newest["items"][0]["version"].clone(), newest["next_cursor"].clone()), (json!(2), json!("2")));
    let older = app.get("/api/v1/model-registry/history?limit=1&cursor=2", Role::Viewer).await.1;
    assert_eq!((older["items"][0]["version"].clone(), older["next_cursor"].clone()), (json!(1), Value::Null));
    let (status, error) = app.get("/api/v1/model-registry/history?cursor=v1", Role::Viewer).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("cursor")));
    let (status, v) = app.get("/api/v1/model-registry/version/1", Role::Viewer).await;
    assert_eq!((status, v["model_hash"].clone()), (StatusCode::OK, v1["model_hash"].clone()));
    assert_eq!(app.get("/api/v1/model-registry/version/9", Role::Viewer).await.0, StatusCode::NOT_FOUND);
    for bad in ["zero", "0", "2147483648", "4294967296"] {
        let (status, error) = app.get(&format!("/api/v1/model-registry/version/{bad}"), Role::Viewer).await;
        assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("version")));
    }

    let mut bad = register_body();
    bad["params"]["clamp_max"] = json!(101);
    let (status, error) = app.post("/api/v1/model-registry/register", Role::Admin, bad).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("params.clamp_max"))
    );
    let mut stale = register_body();
    stale["version"] = json!(1);
    let (status, _) = app.post("/api/v1/model-registry/register", Role::Admin, stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let risk_program = starkrisk_stone::program::program_hash().unwrap().to_string();
    assert_eq!(v2["program_hash"], risk_program, "models default to the Cairo risk program");
    // A model bound to another program could never be proven, so it is not registered.
    let mut other_program = register_body();
    other_program["program_hash"] = json!("0x2a");
    let (status, error) = app.post("/api/v1/model-registry/register", Role::Admin, other_program).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("program_hash")));
    assert!(error["error"]["message"].as_str().unwrap().contains(&risk_program), "{error}");
    let mut same_program = register_body();
    same_program["program_hash"] = json!(risk_program);
    let (status, v3) = app.post("/api/v1/model-registry/register", Role::Admin, same_program).await;
    assert_eq!((status, v3["version"].clone()), (StatusCode::CREATED, json!(3)));
    let mut bad_program = register_body();
    bad_program["program_hash"] = json!("nope");
    let (status, error) = app.post("/api/v1/model-registry/register", Role::Admin, bad_program).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("program_hash")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_listed_filtered_and_paged() {
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (status, job) = app.post("/api/v1/proofs/generate", Role::Operator, orchestrate_body()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{job}");
        ids.push(job["proof_job_id"].as_str().unwrap().to_string());
    }
    let decision = app.post("/api/v1/risk-engine/orchestrate-allocation?wait=true", Role::Operator, orchestrate_body());
    let (_, decision) = decision.await;
    let mut listed = Vec::new();
    let mut path = "/api/v1/proofs?limit=2".to_string();
    loop {
        let (status, page) = app.get(&path, Role::Viewer).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        listed
            .extend(page["items"].as_array().unwrap().iter().map(|j| j["proof_job_id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/proofs?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(listed.len(), 6, "{listed:?}");
    assert!(ids.iter().all(|id| listed.contains(id)));
    let mine = format!("/api/v1/proofs?decision_id={}", decision["decision_id"].as_str().unwrap());
    let (_, page) = app.get(&mine, Role::Viewer).await;
    assert_eq!(page["items"][0]["proof_job_id"], decision["proof_job_id"], "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    for (query, field) in
        [("status=bogus", "status"), ("prover=nope", "prover"), ("cursor=x", "cursor"), ("limit=0", "limit")]
    {
        let (status, error) = app.get(&format!("/api/v1/proofs?{query}"), Role::Viewer).await;
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{error}"
        );
    }
}
