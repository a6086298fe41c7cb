//! Every protected endpoint answers 401 without a token and 403 below its role; an unreachable database
//! makes /ready and the API answer 503 with a clear message instead of hanging or leaking internals.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use starkrisk_app::Role;

const JOB: &str = "6d2f1c7e-0000-4000-8000-000000000000";

/// (method, path, body, the lowest role allowed).
fn endpoints() -> Vec<(Method, String, Option<serde_json::Value>, Role)> {
    vec![
        (Method::POST, "/api/v1/risk-engine/orchestrate-allocation".into(), Some(orchestrate_body()), Role::Operator),
        (
            Method::POST,
            "/api/v1/risk-engine/execute-allocation".into(),
            Some(json!({"decision_id": JOB})),
            Role::Operator,
        ),
        (Method::GET, "/api/v1/risk-engine/decisions".into(), None, Role::Viewer),
        (Method::GET, format!("/api/v1/risk-engine/decision/{JOB}"), None, Role::Viewer),
        (Method::POST, "/api/v1/risk-engine/score".into(), Some(json!({})), Role::Viewer),
        (Method::POST, "/api/v1/proofs/generate".into(), Some(orchestrate_body()), Role::Operator),
        (Method::GET, format!("/api/v1/proofs/{JOB}"), None, Role::Viewer),
        (Method::GET, "/api/v1/proofs".into(), None, Role::Viewer),
        (Method::POST, format!("/api/v1/proofs/{JOB}/retry"), None, Role::Admin),
        (Method::GET, "/api/v1/webhooks/deliveries".into(), None, Role::Operator),
        (Method::POST, "/api/v1/proofs/verify".into(), Some(json!({"proof_job_id": JOB})), Role::Operator),
        (Method::GET, format!("/api/v1/verification/verification-status/{JOB}"), None, Role::Viewer),
        (Method::GET, "/api/v1/verification/verify-fact-hash/0x1".into(), None, Role::Viewer),
        (Method::GET, "/api/v1/model-registry/current".into(), None, Role::Viewer),
        (Method::GET, "/api/v1/model-registry/history".into(), None, Role::Viewer),
        (Method::GET, "/api/v1/model-registry/version/1".into(), None, Role::Viewer),
        (Method::POST, "/api/v1/model-registry/register".into(), Some(register_body()), Role::Admin),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_endpoint_needs_a_token_of_its_role() {
    let app = TestApp::start(full_adapters()).await;
    for (method, path, body, needed) in endpoints() {
        let (status, error) = app.call(method.clone(), &path, None, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a token: {error}");
        assert_eq!(error["error"]["code"], "unauthorized");
        let below = match needed {
            Role::Viewer => continue,
            Role::Operator => Role::Viewer,
            Role::Admin => Role::Operator,
        };
        let (status, error) = app.call(method.clone(), &path, Some(below), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} as {below:?}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_gives_503_not_a_hang() {
    let mut settings = base_settings();
    settings.database.url = "postgres://starkrisk@127.0.0.1:1/nowhere".into();
    settings.database.acquire_timeout_ms = 500;
    settings.database.connect_timeout_ms = 500;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let auth = starkrisk_app::Authenticator::hs256(&starkrisk_domain::Secret::new(SECRET), "starkrisk");
    let server = tokio::spawn(starkrisk_app::serve(settings, full_adapters(), listener));
    let client = reqwest::Client::new();
    let mut ready = None;
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("{base}/ready")).send().await {
            ready = Some(response);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let ready = ready.expect("the server answers even without its database");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        client.get(format!("{base}/health")).send().await.unwrap().status(),
        StatusCode::OK,
        "liveness needs no database"
    );
    let token = auth.mint("t", Role::Viewer, std::time::Duration::from_secs(60)).unwrap();
    let response = client.get(format!("{base}/api/v1/risk-engine/decisions")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("database is unavailable"), "{message}");
    assert!(!message.contains("127.0.0.1") && !message.contains("nowhere"), "no connection details leak: {message}");
    server.abort();
}
