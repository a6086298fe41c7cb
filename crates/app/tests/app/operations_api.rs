//! Health, readiness, metrics, docs, request ids and the error shape, over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use common::*;
use reqwest::StatusCode;
use starkrisk_app::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_metrics_and_docs_answer_with_mocked_provers_and_executor() {
    let app = TestApp::start(full_adapters()).await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
    assert_eq!(get("/health").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/ready").await.unwrap().status(), StatusCode::OK);
    app.register_model().await;
    app.get("/api/v1/risk-engine/decisions", Role::Viewer).await;
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(
            "starkrisk_http_requests_total{method=\"GET\",route=\"/api/v1/risk-engine/decisions\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("starkrisk_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("starkrisk_proof_queue_depth"));
    assert!(metrics.contains("starkrisk_proof_jobs_total{status=\"executed\"} 0"), "{metrics}");
    assert!(!metrics.contains("starkrisk_treasury_balance{"), "no execution, no treasury figure: {metrics}");
    // A decision carried to the end counts its job once per status reached, which the alert rules read.
    let (_, decision) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    let id = decision["decision_id"].as_str().unwrap();
    let executed = app.decision_when(id, "executed").await;
    assert_eq!(executed["status"], "executed");
    // What the executor's receipt said was moved, in the decision and in the treasury gauges.
    let moved = &executed["execution_treasury"];
    assert_eq!(moved["after"], serde_json::json!({"idle": "0", "jediswap": "6000", "ekubo": "4000"}), "{executed}");
    assert_eq!(moved["jediswap_deposited"], "6000", "{executed}");
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    for (holder, amount) in [("idle", 0), ("jediswap", 6000), ("ekubo", 4000)] {
        let line = format!("starkrisk_treasury_balance{{holder=\"{holder}\"}} {amount}\n");
        assert!(metrics.contains(&line), "{line}: {metrics}");
    }
    for status in ["proved", "verified", "executed"] {
        assert!(
            metrics.contains(&format!("starkrisk_proof_jobs_total{{status=\"{status}\"}} 1")),
            "{status}: {metrics}"
        );
    }
    let docs = get("/docs/").await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"), "the vendored Swagger UI is served");
    let spec: serde_json::Value = get("/api/v1/openapi.json").await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/api/v1/risk-engine/orchestrate-allocation"]["post"].is_object());
    let committed: serde_json::Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json"))).unwrap();
    assert_eq!(spec, committed, "docs/openapi.json is stale: run `just openapi`");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_reused_or_made_and_errors_carry_them() {
    let app = TestApp::start(full_adapters()).await;
    let response = app
        .client
        .get(format!("{}/api/v1/risk-engine/decision/nope", app.base))
        .bearer_auth(app.token(Role::Viewer))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "trace-me-123");
    let fresh = app.client.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(fresh.headers()["x-request-id"].to_str().unwrap().len(), 36, "a UUID is made when none is sent");
    let unknown = app.client.get(format!("{}/api/v2/nothing", app.base)).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused() {
    let app = TestApp::start_with(full_adapters(), |s| s.server.body_limit_bytes = 1024).await;
    let big = serde_json::json!({"jediswap_metrics": "x".repeat(4096)});
    for path in ["/api/v1/risk-engine/orchestrate-allocation", "/api/v1/proofs/generate"] {
        let (status, error) = app.post(path, Role::Operator, big.clone()).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(error["error"]["code"], "payload_too_large", "{path}");
    }
}
