//! Every protected endpoint answers 401 without a token and 403 below its role; an unreachable database
//! makes /ready and the API answer 503 with a clear message instead of hanging or leaking internals.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use starkrisk_app::Role;

const JOB: &str = "6d2f1c7e-0000-4000-8000-000000000000";

/// The lowest role each bearer-secured operation of the OpenAPI document allows, by method and path
/// template. The test takes its operations from the document and fails while this table and the document
/// disagree, so a new endpoint cannot go unchecked.
const ROLES: &[(&str, &str, Role)] = &[
    ("POST", "/api/v1/risk-engine/orchestrate-allocation", Role::Operator),
    ("POST", "/api/v1/risk-engine/execute-allocation", Role::Operator),
    ("GET", "/api/v1/risk-engine/decisions", Role::Viewer),
    ("GET", "/api/v1/risk-engine/decision/{decision_id}", Role::Viewer),
    ("POST", "/api/v1/risk-engine/score", Role::Viewer),
    ("GET", "/api/v1/markets/snapshots/{snapshot_hash}", Role::Viewer),
    ("POST", "/api/v1/proofs/generate", Role::Operator),
    ("GET", "/api/v1/proofs/{proof_job_id}", Role::Viewer),
    ("GET", "/api/v1/proofs", Role::Viewer),
    ("POST", "/api/v1/proofs/{proof_job_id}/retry", Role::Admin),
    ("GET", "/api/v1/webhooks/deliveries", Role::Operator),
    ("POST", "/api/v1/proofs/verify", Role::Operator),
    ("GET", "/api/v1/verification/verification-status/{proof_job_id}", Role::Viewer),
    ("GET", "/api/v1/verification/verify-fact-hash/{fact_hash}", Role::Viewer),
    ("GET", "/api/v1/model-registry/current", Role::Viewer),
    ("GET", "/api/v1/model-registry/history", Role::Viewer),
    ("GET", "/api/v1/model-registry/version/{version}", Role::Viewer),
    ("POST", "/api/v1/model-registry/register", Role::Admin),
];

/// A value for each path parameter the document names.
fn argument(name: &str) -> &'static str {
    match name {
        "decision_id" | "proof_job_id" => JOB,
        "snapshot_hash" => "0x5a95",
        "fact_hash" => "0x1",
        "version" => "1",
        other => panic!("no example value for the path parameter `{other}`: add one"),
    }
}

/// A well-formed body for the POST operations that read one.
fn body(path: &str) -> serde_json::Value {
    match path {
        "/api/v1/risk-engine/orchestrate-allocation" | "/api/v1/proofs/generate" => orchestrate_body(),
        "/api/v1/risk-engine/execute-allocation" => json!({"decision_id": JOB}),
        "/api/v1/proofs/verify" => json!({"proof_job_id": JOB}),
        "/api/v1/model-registry/register" => register_body(),
        _ => json!({}),
    }
}

/// (method, path, body, the lowest role allowed) for every operation the served OpenAPI document secures.
async fn endpoints(app: &TestApp) -> Vec<(Method, String, Option<serde_json::Value>, Role)> {
    let spec: serde_json::Value =
        app.client.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    let mut found = vec![];
    for (template, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if operation["security"].is_null() {
                continue;
            }
            let method = method.to_uppercase();
            let role = ROLES.iter().find(|(m, p, _)| *m == method && p == template).map(|(_, _, r)| *r);
            let role = role.unwrap_or_else(|| panic!("{method} {template} is secured but not in ROLES"));
            let mut path = template.clone();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let name = parameter["name"].as_str().unwrap();
                    path = path.replace(&format!("{{{name}}}"), argument(name));
                }
            }
            let body = (method == "POST").then(|| body(template));
            found.push((Method::from_bytes(method.as_bytes()).unwrap(), path, body, role));
        }
    }
    assert_eq!(found.len(), ROLES.len(), "ROLES lists operations the document does not secure");
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_protected_endpoint_needs_a_token_of_its_role() {
    let app = TestApp::start(full_adapters()).await;
    for (method, path, body, needed) in endpoints(&app).await {
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
