//! Per-caller rate limits on mutating requests, and CORS: off unless origins are configured.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use starkrisk_app::Role;

const OPS: &str = "https://ops.example.com";

async fn score_as(app: &TestApp, sub: &str) -> reqwest::Response {
    let token = app.auth.mint(sub, Role::Operator, Duration::from_secs(600)).unwrap();
    let metrics = json!({"utilization": 6500, "volatility": 3500, "liquidity": 1, "audit_score": 98, "age_days": 800});
    let url = format!("{}/api/v1/risk-engine/score", app.base);
    app.client.post(url).bearer_auth(token).json(&metrics).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_over_its_limit_gets_429_with_retry_after_and_others_and_reads_go_on() {
    let app = TestApp::start_with(full_adapters(), |s| {
        s.server.rate_limit_per_minute = 6;
        s.server.rate_limit_burst = 2;
    })
    .await;
    for _ in 0..2 {
        assert_ne!(score_as(&app, "alice").await.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let limited = score_as(&app, "alice").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "one request every 10 s: retry within that, not {wait}");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_ne!(score_as(&app, "bob").await.status(), StatusCode::TOO_MANY_REQUESTS, "limits are per caller");
    let (status, _) = app.get("/api/v1/risk-engine/decisions", Role::Viewer).await;
    assert_eq!(status, StatusCode::OK, "reads are not limited");
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, format!("{}/api/v1/risk-engine/orchestrate-allocation", app.base))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_by_default() {
    let app = TestApp::start(full_adapters()).await;
    let answer = preflight(&app, OPS).await;
    assert!(answer.headers().get("access-control-allow-origin").is_none(), "{:?}", answer.headers());
    let health = app.client.get(format!("{}/health", app.base)).header("origin", OPS).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "a request with an Origin is served as any other");
    assert!(health.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_admits_the_configured_origins_only() {
    let app = TestApp::start_with(full_adapters(), |s| s.server.cors_allowed_origins = vec![OPS.into()]).await;
    let admitted = preflight(&app, OPS).await;
    assert_eq!(admitted.status(), StatusCode::OK);
    assert_eq!(admitted.headers()["access-control-allow-origin"], OPS);
    let methods = admitted.headers()["access-control-allow-methods"].to_str().unwrap().to_string();
    assert!(methods.contains("POST"), "{methods}");
    let other = preflight(&app, "https://evil.example.net").await;
    assert!(other.headers().get("access-control-allow-origin").is_none(), "{:?}", other.headers());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_spec_documents_the_limits_on_every_protected_endpoint() {
    let app = TestApp::start(full_adapters()).await;
    let spec: serde_json::Value =
        app.client.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation.get("security").is_none() {
                continue;
            }
            let responses = operation["responses"].as_object().unwrap();
            let expected: &[&str] =
                if method == "post" { &["401", "403", "413", "429", "503"] } else { &["401", "403", "503"] };
            for status in expected {
                assert!(responses.contains_key(*status), "{method} {path} does not document {status}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 16, "only {checked} protected operations found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_declares_the_bounds_the_domain_enforces_and_the_server_keeps_to_them() {
    use starkrisk_domain::{Apy, Bps, LiquidityTier, ProtocolMetrics};
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let spec: serde_json::Value =
        app.client.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    let schemas = &spec["components"]["schemas"];
    let metric = |field: &str| schemas["RiskMetrics"]["properties"][field]["maximum"].as_u64().unwrap();
    let bounds = [
        ("utilization", u64::from(Bps::FULL.get())),
        ("volatility", u64::from(Bps::FULL.get())),
        ("liquidity", u64::from(LiquidityTier::MAX)),
        ("audit_score", u64::from(ProtocolMetrics::MAX_AUDIT_SCORE)),
        ("age_days", u64::from(ProtocolMetrics::MAX_AGE_DAYS)),
    ];
    for (field, max) in bounds {
        assert_eq!(metric(field), max, "RiskMetrics.{field}");
        let mut body = orchestrate_body();
        body["jediswap_metrics"][field] = json!(max);
        let (status, answer) =
            app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, body.clone()).await;
        assert_ne!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field} = {max} is declared valid: {answer}");
        body["jediswap_metrics"][field] = json!(max + 1);
        let (status, answer) = app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field} = {} is declared invalid", max + 1);
        assert_eq!(answer["error"]["field"], format!("jediswap_metrics.{field}"));
    }
    let apy = &schemas["OrchestrateRequest"]["properties"]["jediswap_apy"];
    assert_eq!(apy["maximum"].as_u64(), Some(u64::from(Apy::MAX)), "{apy}");

    use starkrisk_domain::{GovernancePolicy, ModelParams, ModelVersion, ProverKind};
    let bound = |schema: &str, field: &str, which: &str| schemas[schema]["properties"][field][which].as_u64();
    for field in ["w_utilization", "w_volatility", "w_audit", "w_age"] {
        assert_eq!(bound("ParamsBody", field, "maximum"), Some(u64::from(ModelParams::MAX_WEIGHT)), "{field}");
    }
    assert_eq!(schemas["ParamsBody"]["properties"]["w_liquidity"]["items"]["maximum"], ModelParams::MAX_WEIGHT);
    assert_eq!(bound("ParamsBody", "age_cap_days", "maximum"), Some(u64::from(ModelParams::MAX_AGE_CAP_DAYS)));
    assert_eq!(bound("ParamsBody", "clamp_max", "maximum"), Some(u64::from(ModelParams::MAX_RISK)));
    assert_eq!(bound("RegisterRequest", "version", "maximum"), Some(u64::from(ModelVersion::MAX)));
    let signature = "ConstraintSignature";
    assert_eq!(bound(signature, "max_single", "minimum"), Some(u64::from(GovernancePolicy::MIN_SINGLE_CAP_BPS)));
    assert_eq!(bound(signature, "max_single", "maximum"), Some(u64::from(Bps::FULL.get())));
    assert_eq!(
        bound(signature, "min_diversification", "maximum"),
        Some(u64::from(GovernancePolicy::MAX_DIVERSIFICATION))
    );
    assert_eq!(bound(signature, "min_liquidity", "maximum"), Some(u64::from(LiquidityTier::MAX)));
    for field in ["signer", "signature_r", "signature_s", "nonce"] {
        assert_eq!(schemas[signature]["properties"][field]["pattern"], starkrisk_domain::FELT_HEX_PATTERN, "{field}");
    }
    let provers: Vec<serde_json::Value> =
        ProverKind::ALL.iter().map(|p| json!(p.as_str())).chain([json!(null)]).collect();
    assert_eq!(schemas["OrchestrateRequest"]["properties"]["preferred_prover"]["enum"], json!(provers));
    let fact = &spec["paths"]["/api/v1/verification/verify-fact-hash/{fact_hash}"]["get"]["parameters"][0];
    assert_eq!(fact["schema"]["pattern"], starkrisk_domain::FELT_HEX_PATTERN, "{fact}");
    // Query parameters are declared in the query, optional: a generated client must not put them in the path.
    for parameter in spec["paths"]["/api/v1/proofs"]["get"]["parameters"].as_array().unwrap() {
        assert_eq!(
            (parameter["in"].as_str(), parameter["required"].as_bool()),
            (Some("query"), Some(false)),
            "{parameter}"
        );
    }
    // The boundary values the spec declares are the server's.
    let mut register = register_body();
    register["params"]["w_utilization"] = json!(ModelParams::MAX_WEIGHT + 1);
    let (status, answer) = app.post("/api/v1/model-registry/register", Role::Admin, register).await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("params.w_utilization")),
        "{answer}"
    );
    let mut register = register_body();
    register["params"]["w_utilization"] = json!(ModelParams::MAX_WEIGHT);
    let (status, answer) = app.post("/api/v1/model-registry/register", Role::Admin, register).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_asked_with_a_method_it_does_not_answer_is_405_with_allow_and_an_unknown_path_404() {
    let app = TestApp::start(full_adapters()).await;
    for (method, path, allow) in [
        (Method::GET, "/api/v1/risk-engine/orchestrate-allocation", "POST"),
        (Method::DELETE, "/api/v1/risk-engine/decisions", "GET"),
        (Method::PUT, "/api/v1/proofs/0b5e1d2c-0000-4000-8000-000000000000/retry", "POST"),
        (Method::TRACE, "/health", "GET"),
        // Not routed to GET /proofs/{proof_job_id} as a malformed id: the literal path is meant.
        (Method::GET, "/api/v1/proofs/generate", "POST"),
    ] {
        let response = app.client.request(method.clone(), format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    }
    let response = app.client.get(format!("{}/api/v1/nowhere", app.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
