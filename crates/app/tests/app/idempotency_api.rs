//! `Idempotency-Key` over real HTTP: one decision per key, keys in the caller's own namespace, and a key
//! whose request died in flight freed after its timeout.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starkrisk_app::Role;
use starkrisk_domain::ports::{IdempotencyKey, IdempotencyStore, KeyClaim, KeyLifetimes, RequestFingerprint};
use starkrisk_postgres::PgStore;

const PATH: &str = "/api/v1/risk-engine/orchestrate-allocation";

/// Sends `body` with Idempotency-Key `key` as operator `sub`.
async fn send(app: &TestApp, sub: &str, key: &str, body: &Value) -> reqwest::Response {
    let token = app.auth.mint(sub, Role::Operator, Duration::from_secs(600)).unwrap();
    app.client
        .post(format!("{}{PATH}", app.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_replay_returns_the_same_decision() {
    idempotent_replay(TestApp::start(full_adapters()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_replay_returns_the_same_decision_on_postgres() {
    idempotent_replay(TestApp::start_on_postgres(full_adapters()).await).await;
}

async fn idempotent_replay(app: TestApp) {
    app.register_model().await;
    let first = send(&app, "tester", "order-42", &orchestrate_body()).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first: serde_json::Value = first.json().await.unwrap();
    let second = send(&app, "tester", "order-42", &orchestrate_body()).await;
    assert_eq!(second.status(), StatusCode::ACCEPTED);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(second["decision_id"], first["decision_id"]);
    let page = app.get("/api/v1/risk-engine/decisions", Role::Viewer).await.1;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "one decision, not two");

    let mut other = orchestrate_body();
    other["jediswap_apy"] = json!(900);
    let reused = send(&app, "tester", "order-42", &other).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = reused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "Idempotency-Key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_callers_with_one_key_get_two_decisions() {
    let app = TestApp::start_on_postgres(full_adapters()).await;
    app.register_model().await;
    let mine: Value = send(&app, "alice", "order-7", &orchestrate_body()).await.json().await.unwrap();
    let theirs = send(&app, "bob", "order-7", &orchestrate_body()).await;
    assert_eq!(theirs.status(), StatusCode::ACCEPTED);
    assert!(theirs.headers().get("idempotent-replayed").is_none(), "bob's key is not alice's");
    let theirs: Value = theirs.json().await.unwrap();
    assert_ne!(theirs["decision_id"], mine["decision_id"]);
    let again: Value = send(&app, "alice", "order-7", &orchestrate_body()).await.json().await.unwrap();
    assert_eq!(again["decision_id"], mine["decision_id"], "alice's own retry still replays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_left_claimed_by_a_dead_request_is_free_after_the_timeout() {
    let app = TestApp::start_on_postgres_with(full_adapters(), |s| s.server.idempotency_in_flight_secs = 1).await;
    app.register_model().await;
    let body = orchestrate_body();
    // What a replica killed between claiming the key and completing it leaves behind: the claim alone.
    let store = PgStore::new(app.db.as_ref().unwrap().db.clone());
    let key = IdempotencyKey::parse("order-9").unwrap().scoped_to("tester");
    let fingerprint = RequestFingerprint::of(&serde_json::to_vec(&body).unwrap());
    let lifetimes = KeyLifetimes { in_flight: Duration::from_secs(1), retained: Duration::from_secs(3600) };
    assert_eq!(store.claim_key(&key, fingerprint, lifetimes).await.unwrap(), KeyClaim::Claimed);

    let during = send(&app, "tester", "order-9", &body).await;
    assert_eq!(during.status(), StatusCode::CONFLICT, "the claim is still within its timeout");
    // The timeout is Postgres' own `now()` against the row's; age the row rather than wait.
    app.db
        .as_ref()
        .unwrap()
        .execute("UPDATE idempotency_keys SET created_at = created_at - interval '1100 milliseconds'")
        .await;
    let after = send(&app, "tester", "order-9", &body).await;
    assert_eq!(after.status(), StatusCode::ACCEPTED);
    let decision: Value = after.json().await.unwrap();
    let again: Value = send(&app, "tester", "order-9", &body).await.json().await.unwrap();
    assert_eq!(again["decision_id"], decision["decision_id"], "the retry that took the key over owns it now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_key_is_a_new_request() {
    let app = TestApp::start_on_postgres(full_adapters()).await;
    app.register_model().await;
    let first: Value = send(&app, "tester", "order-11", &orchestrate_body()).await.json().await.unwrap();
    let db = app.db.as_ref().unwrap();
    // A day and a minute later, by the row's own clock.
    db.execute("UPDATE idempotency_keys SET created_at = now() - interval '1441 minutes'").await;
    let later = send(&app, "tester", "order-11", &json!(orchestrate_body())).await;
    assert_eq!(later.status(), StatusCode::ACCEPTED);
    assert!(later.headers().get("idempotent-replayed").is_none());
    let later: Value = later.json().await.unwrap();
    assert_ne!(later["decision_id"], first["decision_id"]);
}
