//! Webhooks from a real `starkrisk serve` on Postgres: a receiver that fails its first three deliveries
//! still gets every event, signed, deduplicable by id; one that never answers slows nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use starkrisk_app::{Authenticator, Role};
use starkrisk_domain::Secret;
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::free_port;

const JWT: &str = "0123456789abcdef0123456789abcdef-webhooks";
const SECRET_A: &str = "receiver-a-signing-secret";

/// What a receiver saw: each request's event id, signature header and body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A receiver that answers 500 to its first `failures` requests, then 200; or never, when `hang`.
async fn receiver(failures: usize, hang: bool) -> (String, Seen, actix_web::dev::ServerHandle) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let server = HttpServer::new(move || {
        let log = log.clone();
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let log = log.clone();
                async move {
                    if hang {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                    let header =
                        |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    let mut log = log.lock().unwrap();
                    log.push((
                        header("starkrisk-event-id"),
                        header("starkrisk-signature"),
                        String::from_utf8_lossy(&body).into(),
                    ));
                    if log.len() <= failures {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }),
        )
    })
    .workers(2)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/hook", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (url, seen, handle)
}

/// The JSON answer to `request`, sent with `token`.
async fn read(request: reqwest::RequestBuilder, token: &str) -> Value {
    request.bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_signed_despite_failures_and_a_silent_receiver_slows_nothing() {
    let (flaky, seen, flaky_handle) = receiver(3, false).await;
    let (silent, _, silent_handle) = receiver(0, true).await;
    let db = TestDatabase::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let local =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/config/local.toml")).unwrap();
    let hooks = format!(
        "\n[webhook_delivery]\npoll_ms = 50\ntimeout_ms = 1000\nmax_attempts = 12\nbackoff_base_ms = 50\nbackoff_max_ms = 200\n\
         \n[[webhooks]]\nurl = \"{flaky}\"\nsecret_env = \"TEST_HOOK_A\"\nevents = [\"*\"]\n\
         \n[[webhooks]]\nurl = \"{silent}\"\nsecret_env = \"TEST_HOOK_B\"\nevents = [\"decision.verified\"]\n"
    );
    std::fs::write(dir.path().join("local.toml"), local + &hooks).unwrap();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
        command.env_remove(key);
    }
    let mut child = command
        .arg("serve")
        .env("STARKRISK_CONFIG_DIR", dir.path())
        .env("STARKRISK__AUTH__HS256_SECRET", JWT)
        .env("STARKRISK__DATABASE__URL", &db.url)
        .env("STARKRISK__SERVER__PORT", port.to_string())
        .env("STARKRISK__LOG__LEVEL", "warn")
        .env("TEST_HOOK_A", SECRET_A)
        .env("TEST_HOOK_B", "receiver-b-signing-secret")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let auth = Authenticator::hs256(&Secret::new(JWT), "starkrisk");
    let token = auth.mint("ops", Role::Operator, Duration::from_secs(600)).unwrap();
    for _ in 0..200 {
        if http.get(format!("{base}/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = json!({
        "jediswap_metrics": {"utilization": 6500, "volatility": 3500, "liquidity": 1, "audit_score": 98, "age_days": 800},
        "ekubo_metrics": {"utilization": 8200, "volatility": 6100, "liquidity": 2, "audit_score": 72, "age_days": 120},
    });
    let planned =
        read(http.post(format!("{base}/api/v1/risk-engine/orchestrate-allocation")).json(&body), &token).await;
    let id = planned["decision_id"].as_str().unwrap().to_string();
    let mut decision = Value::Null;
    for _ in 0..100 {
        decision = read(http.get(format!("{base}/api/v1/risk-engine/decision/{id}")), &token).await;
        if decision["status"] == "verified" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(decision["status"], "verified", "the silent receiver held nothing up: {decision}");

    // Every event the flaky receiver subscribed to is delivered, once each by id, however often it was tried.
    let mut deliveries = Vec::new();
    for _ in 0..200 {
        let list = read(http.get(format!("{base}/api/v1/webhooks/deliveries?limit=100")), &token).await;
        deliveries = list["items"].as_array().unwrap().clone();
        let to_flaky: Vec<&Value> = deliveries.iter().filter(|d| d["endpoint"] == flaky.as_str()).collect();
        let verified = to_flaky.iter().filter(|d| d["event"] == "decision.verified" || d["event"] == "job.verified");
        if verified.count() == 2 && to_flaky.iter().all(|d| !d["delivered_at"].is_null()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let to_flaky: Vec<&Value> = deliveries.iter().filter(|d| d["endpoint"] == flaky.as_str()).collect();
    let events: BTreeSet<&str> = to_flaky.iter().map(|d| d["event"].as_str().unwrap()).collect();
    for expected in ["decision.pending", "decision.verified", "job.queued", "job.proving", "job.proved", "job.verified"]
    {
        assert!(events.contains(expected), "{expected} missing from {events:?}");
    }
    assert!(to_flaky.iter().all(|d| !d["delivered_at"].is_null()), "undelivered: {to_flaky:?}");
    assert!(to_flaky.iter().any(|d| d["attempts"].as_u64().unwrap() > 1), "the failures were retried");

    let received = seen.lock().unwrap().clone();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (event_id, signature, body) in &received {
        *by_id.entry(event_id.as_str()).or_default() += 1;
        let parsed: Value = serde_json::from_str(body).unwrap();
        assert_eq!(parsed["id"], event_id.as_str(), "the body carries the id the header does");
        let t: i64 = signature.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
        assert_eq!(signature, &starkrisk_app::webhooks::sign(&Secret::new(SECRET_A), t, body), "a valid signature");
    }
    let delivered: BTreeSet<String> = to_flaky.iter().map(|d| d["event_id"].as_str().unwrap().to_string()).collect();
    let arrived: BTreeSet<String> = by_id.keys().map(|k| k.to_string()).collect();
    assert_eq!(arrived, delivered, "each event arrived, deduplicated by id");
    assert!(received.len() >= delivered.len() + 3, "the three failed requests were sent again");

    // The silent receiver's delivery is listed as failing, not lost.
    let to_silent: Vec<&Value> = deliveries.iter().filter(|d| d["endpoint"] == silent.as_str()).collect();
    assert_eq!(to_silent.len(), 1, "it subscribed to decision.verified only: {to_silent:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    flaky_handle.stop(false).await;
    silent_handle.stop(false).await;
}
