//! `starkrisk worker` as an orchestrator runs it: probed on its own port while it works the queue.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::process::{Command, Stdio};
use std::time::Duration;

use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::free_port;

const SECRET: &str = "0123456789abcdef0123456789abcdef-worker";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_process_answers_health_ready_and_metrics_on_its_own_port_and_nothing_else() {
    let db = TestDatabase::empty().await;
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
        command.env_remove(key);
    }
    let mut child = command
        .arg("worker")
        .env("STARKRISK_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/config"))
        .env("STARKRISK__AUTH__HS256_SECRET", SECRET)
        .env("STARKRISK__DATABASE__URL", &db.url)
        .env("STARKRISK__WORKERS__HEALTH_PORT", port.to_string())
        .env("STARKRISK__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = None;
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/ready")).send().await
            && r.status() == 200
        {
            ready = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(ready.map(|r| r["status"].clone()), Some("ready".into()), "the worker migrated and is ready");
    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("starkrisk_proof_queue_depth 0"), "{metrics}");
    let api = http.get(format!("{base}/api/v1/risk-engine/decisions")).send().await.unwrap();
    assert_eq!(api.status(), 404, "the probe port serves no API");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A database Postgres reaches but whose schema a migration cannot be applied to (here a `proof_jobs` table
/// of someone else's making) stops `starkrisk serve` with the reason, rather than have it retry forever
/// behind a 503 `/ready`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_postgres_refuses_stops_serve_with_the_reason() {
    let db = TestDatabase::empty().await;
    db.execute("CREATE TABLE proof_jobs (id integer)").await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
        command.env_remove(key);
    }
    let out = command
        .arg("serve")
        .env("STARKRISK_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/config"))
        .env("STARKRISK__AUTH__HS256_SECRET", SECRET)
        .env("STARKRISK__DATABASE__URL", &db.url)
        .env("STARKRISK__SERVER__PORT", free_port().to_string())
        .env("STARKRISK__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "serve went on over a database it could not migrate: {stderr}");
    assert!(stderr.contains("could not be migrated") && stderr.contains("proof_jobs"), "{stderr}");
}
