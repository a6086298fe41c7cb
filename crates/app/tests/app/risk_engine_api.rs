//! `/api/v1/risk-engine` over real HTTP, on the in-memory store and (for the flows that touch every table)
//! on a real Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use starkrisk_app::{Adapters, Role};
use starkrisk_domain::Felt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orchestrate_plans_then_workers_prove_verify_and_execute() {
    plans_then_executes(TestApp::start(full_adapters()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orchestrate_plans_then_workers_prove_verify_and_execute_on_postgres() {
    plans_then_executes(TestApp::start_on_postgres(full_adapters()).await).await;
}

async fn plans_then_executes(app: TestApp) {
    app.register_model().await;
    let (status, planned) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{planned}");
    assert_eq!((planned["jediswap_pct"].as_u64(), planned["ekubo_pct"].as_u64()), (Some(5972), Some(4028)));
    assert_eq!((planned["jediswap_risk"].as_u64(), planned["ekubo_risk"].as_u64()), (Some(35), Some(75)));
    // Workers are woken as the job is queued, so the answer may already show them further along.
    let status = planned["status"].as_str().unwrap();
    assert!(["pending", "verified", "submitted", "executed"].contains(&status), "{planned}");
    let id = planned["decision_id"].as_str().unwrap().to_string();

    let decision = app.decision_when(&id, "executed").await;
    assert_eq!(decision["status"], "executed", "{decision}");
    assert_eq!(decision["block_number"], 7);
    assert_eq!(decision["metrics_source"], "supplied", "the request carried both protocols' metrics");
    assert_eq!(decision["jediswap_metrics_block"], serde_json::Value::Null);
    assert_eq!(decision["proof_status"], "executed");
    assert!(decision["tx_hash"].as_str().unwrap().starts_with("0x"));
    assert!(decision["proof_hash"].as_str().unwrap().starts_with("0x"));
    assert_eq!(decision["proof_job_id"], planned["proof_job_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_true_answers_200_with_the_settled_decision() {
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let (status, body) =
        app.post("/api/v1/risk-engine/orchestrate-allocation?wait=true", Role::Operator, orchestrate_body()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "executed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_orchestrations_name_the_field() {
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let path = "/api/v1/risk-engine/orchestrate-allocation";
    let cases = [
        ("/jediswap_metrics/utilization", json!(10001), "jediswap_metrics.utilization"),
        ("/ekubo_metrics/liquidity", json!(4), "ekubo_metrics.liquidity"),
        ("/ekubo_metrics/audit_score", json!("high"), "ekubo_metrics.audit_score"),
        ("/jediswap_apy", json!(-1), "jediswap_apy"),
        ("/jediswap_metrics/tvl", json!(1), "jediswap_metrics"),
        ("/preferred_prover", json!("sp1"), "preferred_prover"),
        ("/constraint_signature", json!({"signer": "0x1"}), "constraint_signature"),
    ];
    for (pointer, value, field) in cases {
        let mut body = orchestrate_body();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = if parent.is_empty() { &mut body } else { body.pointer_mut(parent).unwrap() };
        target[key] = value;
        let (status, error) = app.post(path, Role::Operator, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{pointer}: {error}");
        assert!(error["error"]["field"].as_str().unwrap().starts_with(field), "{pointer}: {error}");
        assert!(error["error"]["request_id"].as_str().is_some());
    }
    let mut body = orchestrate_body();
    body.as_object_mut().unwrap().remove("ekubo_metrics");
    let (status, error) = app.post(path, Role::Operator, body).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ekubo_metrics")));

    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .bearer_auth(app.token(Role::Operator))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Governance: a very safe and a very risky protocol break the 80 % cap; nothing is stored.
    let mut lopsided = orchestrate_body();
    lopsided["jediswap_metrics"] =
        json!({"utilization": 0, "volatility": 0, "liquidity": 0, "audit_score": 100, "age_days": 5000});
    lopsided["ekubo_metrics"] =
        json!({"utilization": 10000, "volatility": 10000, "liquidity": 3, "audit_score": 0, "age_days": 0});
    let (status, error) = app.post(path, Role::Operator, lopsided).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"]["code"], "governance_refused");
    assert_eq!(app.get("/api/v1/risk-engine/decisions", Role::Viewer).await.1["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_model_orchestration_is_a_conflict_with_a_hint() {
    let app = TestApp::start(full_adapters()).await;
    let (status, error) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error["error"]["message"].as_str().unwrap().contains("register"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_enforced() {
    let app = TestApp::start(full_adapters()).await;
    let path = "/api/v1/risk-engine/orchestrate-allocation";
    let (status, error) = app.call(Method::POST, path, None, Some(orchestrate_body())).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    let (status, error) = app.post(path, Role::Viewer, orchestrate_body()).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let bad = app
        .client
        .get(format!("{}/api/v1/risk-engine/decisions", app.base))
        .bearer_auth("not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let other_key = starkrisk_app::Authenticator::hs256(
        &starkrisk_domain::Secret::new("another-secret-of-enough-length-000000000000"),
        "starkrisk",
    );
    let forged = other_key.mint("mallory", Role::Admin, std::time::Duration::from_secs(60)).unwrap();
    let response =
        app.client.get(format!("{}/api/v1/risk-engine/decisions", app.base)).bearer_auth(forged).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a token signed with another key is refused");
    let (status, _) = app.post("/api/v1/model-registry/register", Role::Operator, register_body()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "operators cannot register models");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_page_and_unknown_ones_are_404() {
    let app = TestApp::start_with(full_adapters(), |s| s.workers.count = 0).await;
    app.register_model().await;
    for _ in 0..3 {
        assert_eq!(
            app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, page) = app.get("/api/v1/risk-engine/decisions?limit=2", Role::Viewer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = app.get(&format!("/api/v1/risk-engine/decisions?limit=2&cursor={cursor}"), Role::Viewer).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());

    for (query, field) in [("limit=101", "limit"), ("limit=0", "limit"), ("cursor=abc", "cursor")] {
        let (status, error) = app.get(&format!("/api/v1/risk-engine/decisions?{query}"), Role::Viewer).await;
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{query}"
        );
    }
    // Every listing reads its query the one way: a malformed one is named `query`, after the caller is known.
    for path in [
        "/api/v1/risk-engine/decisions",
        "/api/v1/proofs",
        "/api/v1/model-registry/history",
        "/api/v1/webhooks/deliveries",
    ] {
        let malformed = format!("{path}?limit=many");
        let (status, error) = app.get(&malformed, Role::Admin).await;
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("query")),
            "{path}"
        );
        assert!(error["error"]["message"].as_str().unwrap().contains("invalid digit"), "{path}: {error}");
        let (status, _) = app.call(Method::GET, &malformed, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: a stranger learns nothing about the query");
    }
    let (status, _) = app.get("/api/v1/risk-engine/decision/6d2f1c7e-0000-4000-8000-000000000000", Role::Viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) = app.get("/api/v1/risk-engine/decision/not-a-uuid", Role::Viewer).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("decision_id")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_allocation_refuses_unverified_and_repeats_nothing() {
    let app = TestApp::start_with(full_adapters(), |s| s.workers.count = 0).await;
    app.register_model().await;
    let (_, planned) = app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    let body = json!({"decision_id": planned["decision_id"]});
    let (status, error) = app.post("/api/v1/risk-engine/execute-allocation", Role::Operator, body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("not verified"));
    let (status, _) = app
        .post(
            "/api/v1/risk-engine/execute-allocation",
            Role::Operator,
            json!({"decision_id": "6d2f1c7e-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, error) =
        app.post("/api/v1/risk-engine/execute-allocation", Role::Operator, json!({"decision": 1})).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("decision")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn score_previews_one_protocol() {
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let metrics = json!({"utilization": 8200, "volatility": 6100, "liquidity": 2, "audit_score": 72, "age_days": 120});
    let (status, body) = app.post("/api/v1/risk-engine/score", Role::Viewer, metrics).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["score"].as_u64(), body["category"].as_str()), (Some(75), Some("high")));
    let bad = json!({"utilization": 1, "volatility": 1, "liquidity": 1, "audit_score": 101, "age_days": 1});
    let (status, error) = app.post("/api/v1/risk-engine/score", Role::Viewer, bad).await;
    assert_eq!((status, error["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("audit_score")));
}

/// An approver's key and how they sign, as docs/api.md tells them: the request digest from the active
/// model and the request's own numbers, then the message over the deployment's chain and identity.
struct TestApprover {
    private_key: Felt,
    signer: &'static str,
}

impl TestApprover {
    const fn new() -> Self {
        Self { private_key: Felt::from_hex_unchecked("0x5eed"), signer: "0xabc" }
    }

    fn configure(&self, settings: &mut starkrisk_app::Settings) {
        let public_key = format!("{:#x}", starknet_crypto::get_public_key(&self.private_key));
        settings.pipeline.approvers =
            vec![serde_json::from_value(json!({"address": self.signer, "public_key": public_key})).unwrap()];
    }

    /// The approval of `request` under `model` (the registry's view of the active model) with `nonce`.
    fn sign(&self, model: &Value, request: &Value, deployment: &str, timestamp: u64, nonce: u64) -> Value {
        use starkrisk_domain::*;
        let metrics = |m: &Value| {
            let n = |k: &str| m[k].as_u64().unwrap();
            ProtocolMetrics::from_parts(
                n("utilization"),
                n("volatility"),
                n("liquidity"),
                n("audit_score"),
                n("age_days"),
            )
            .unwrap()
        };
        let apy = |k: &str| Apy::new(u32::try_from(request[k].as_u64().unwrap()).unwrap()).unwrap();
        let snapshot = MarketSnapshot::new(
            metrics(&request["jediswap_metrics"]),
            metrics(&request["ekubo_metrics"]),
            apy("jediswap_apy"),
            apy("ekubo_apy"),
        )
        .unwrap();
        let params: RawModelParams = serde_json::from_value(model["params"].clone()).unwrap();
        let (statement, _) = DecisionStatement::compute(
            ModelVersion::new(u32::try_from(model["version"].as_u64().unwrap()).unwrap()).unwrap(),
            ModelHash::parse(model["model_hash"].as_str().unwrap()).unwrap(),
            ModelParams::new(params).unwrap(),
            snapshot,
        );
        let body = json!({"signer": self.signer, "max_single": 10_000, "min_diversification": 1,
            "max_volatility": 10000, "min_liquidity": 3, "signature_r": "0x0", "signature_s": "0x0",
            "timestamp": timestamp, "nonce": format!("{nonce:#x}")});
        let dto: starkrisk_app::http::dto::ConstraintSignature = serde_json::from_value(body.clone()).unwrap();
        let approval: GovernanceApproval = dto.validate().unwrap();
        let domain = ApprovalDomain {
            chain_id: short_string("chain_id", "SN_SEPOLIA").unwrap(),
            deployment: short_string("deployment", deployment).unwrap(),
        };
        let hash = approval.message_hash(&domain, statement.request_digest());
        let signature = starknet_crypto::sign(&self.private_key, &hash, &Felt::from(7u8)).unwrap();
        let mut body = body;
        body["signature_r"] = json!(format!("{:#x}", signature.r));
        body["signature_s"] = json!(format!("{:#x}", signature.s));
        body
    }
}

/// Metrics whose allocation breaks the configured 80 % cap.
fn lopsided_request() -> Value {
    let mut request = orchestrate_body();
    request["jediswap_metrics"] =
        json!({"utilization": 0, "volatility": 0, "liquidity": 0, "audit_score": 100, "age_days": 5000});
    request["ekubo_metrics"] =
        json!({"utilization": 10000, "volatility": 6000, "liquidity": 2, "audit_score": 0, "age_days": 0});
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_constraint_approval_is_verified_and_enforced() {
    let approver = TestApprover::new();
    let app = TestApp::start_with(full_adapters(), |s| approver.configure(s)).await;
    let model = app.register_model().await;
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let request = lopsided_request();
    let path = "/api/v1/risk-engine/orchestrate-allocation";
    assert_eq!(app.post(path, Role::Operator, request.clone()).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let mut approved = request.clone();
    approved["constraint_signature"] = approver.sign(&model, &request, "starkrisk-local", now, 1);
    let (status, body) = app.post(path, Role::Operator, approved.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let mut forged = approved.clone();
    forged["constraint_signature"]["max_single"] = json!(9999);
    let (status, error) = app.post(path, Role::Operator, forged).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("approval_refused")), "{error}");
    let mut stale = request.clone();
    stale["constraint_signature"] = approver.sign(&model, &request, "starkrisk-local", now - 3600, 2);
    assert_eq!(app.post(path, Role::Operator, stale).await.0, StatusCode::FORBIDDEN);
    // Signed for the same request on another deployment (or for another request here): refused.
    let mut staging = request.clone();
    staging["constraint_signature"] = approver.sign(&model, &request, "starkrisk-staging", now, 3);
    let (status, error) = app.post(path, Role::Operator, staging).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let mut other = request.clone();
    other["constraint_signature"] = approver.sign(&model, &request, "starkrisk-local", now, 4);
    other["ekubo_apy"] = json!(1300);
    assert_eq!(app.post(path, Role::Operator, other).await.0, StatusCode::FORBIDDEN);
    let mut bad = approved.clone();
    bad["constraint_signature"]["signature_r"] = json!("xyz");
    let (status, error) = app.post(path, Role::Operator, bad).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("constraint_signature.signature_r"))
    );
    let mut no_nonce = approved;
    no_nonce["constraint_signature"].as_object_mut().unwrap().remove("nonce");
    let (status, error) = app.post(path, Role::Operator, no_nonce).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("nonce"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_approval_is_refused_by_every_replica() {
    let approver = TestApprover::new();
    let first = TestApp::start_on_postgres_with(full_adapters(), |s| approver.configure(s)).await;
    let second = first.replica_with(full_adapters(), |s| approver.configure(s)).await;
    let model = first.register_model().await;
    let request = lopsided_request();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let mut approved = request.clone();
    approved["constraint_signature"] = approver.sign(&model, &request, "starkrisk-local", now, 77);
    let path = "/api/v1/risk-engine/orchestrate-allocation";
    let (status, body) = first.post(path, Role::Operator, approved.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    for replica in [&second, &first] {
        let (status, error) = replica.post(path, Role::Operator, approved.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains("already used"), "{error}");
    }
    let (_, page) = second.get("/api/v1/risk-engine/decisions", Role::Viewer).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "the replays stored nothing: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_model_version_governs_later_decisions_and_never_earlier_ones() {
    let app = TestApp::start(full_adapters()).await;
    let v1 = app.register_model().await;
    let path = "/api/v1/risk-engine/orchestrate-allocation?wait=true";
    let (_, earlier) = app.post(path, Role::Operator, orchestrate_body()).await;
    let mut body = register_body();
    body["params"]["w_utilization"] = serde_json::json!(100);
    let (status, v2) = app.post("/api/v1/model-registry/register", Role::Admin, body).await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_ne!(v1["model_hash"], v2["model_hash"]);
    let (_, later) = app.post(path, Role::Operator, orchestrate_body()).await;
    assert_eq!((later["model_version"].as_u64(), &later["model_hash"]), (Some(2), &v2["model_hash"]));
    assert!(later["jediswap_risk"].as_u64() > earlier["jediswap_risk"].as_u64(), "{later}");
    let id = earlier["decision_id"].as_str().unwrap();
    let (_, reread) = app.get(&format!("/api/v1/risk-engine/decision/{id}"), Role::Viewer).await;
    assert_eq!((reread["model_version"].as_u64(), &reread["model_hash"]), (Some(1), &v1["model_hash"]));
    assert_eq!(reread["jediswap_risk"], earlier["jediswap_risk"], "an earlier decision keeps its model");
    assert_eq!(reread["status"], "executed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_chain_the_first_decision_ends_verified_with_the_reason() {
    let adapters = Adapters { executor: None, ..full_adapters() };
    let app = TestApp::start(adapters).await;
    app.register_model().await;
    let (status, decision) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{decision}");
    let id = decision["decision_id"].as_str().unwrap().to_string();
    let decision = app.decision_when(&id, "verified").await;
    assert_eq!(decision["status"], "verified", "{decision}");
    assert!(decision["message"].as_str().unwrap().starts_with("not executed: no chain is configured"), "{decision}");
    let (status, error) =
        app.post("/api/v1/risk-engine/execute-allocation", Role::Operator, json!({"decision_id": id})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("no chain is configured"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_decision_is_started_at_once_not_at_the_workers_next_poll() {
    // Workers that poll once a minute: only the wake-up from orchestration gets the decision done in time.
    let app = TestApp::start_with(full_adapters(), |s| s.workers.poll_ms = 60_000).await;
    app.register_model().await;
    // The first poll happens at start; the decision arrives once the workers have found nothing and sleep.
    app.workers_idle(1).await;
    let (_, decision) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    let id = decision["decision_id"].as_str().unwrap();
    assert_eq!(app.decision_when(id, "executed").await["status"], "executed", "done within five seconds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_snapshots_are_read_by_a_felt_hash_a_decision_names() {
    let app = TestApp::start(full_adapters()).await;
    let (status, error) = app.get("/api/v1/markets/snapshots/0xnothex", Role::Viewer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["field"], "snapshot_hash");
    let beyond = format!("0x{}", "f".repeat(64));
    let (status, _) = app.get(&format!("/api/v1/markets/snapshots/{beyond}"), Role::Viewer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "past the field prime");
    let (status, error) = app.get("/api/v1/markets/snapshots/0x5a95", Role::Viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no decision names it: {error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("market snapshot 0x5a95"), "{error}");
    let (status, _) = app.call(Method::GET, "/api/v1/markets/snapshots/0x5a95", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A decision of supplied metrics names no snapshot, and says so.
    app.register_model().await;
    let (status, planned) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{planned}");
    assert!(planned["snapshot_hash"].is_null() && planned["snapshot_block"].is_null(), "{planned}");
    assert_eq!(planned["metrics_source"], "supplied");
}
