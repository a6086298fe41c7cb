//! Postgres stopped for 10 s under a running service: /ready and requests answer 503 with a clear message,
//! and the work resumes by itself when the database is back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod e2e;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::World;
use starkrisk_starknet::testing::{Devnet, free_port};

/// A Postgres cluster of this test's own (started with deploy/local/pg.sh), so stopping it hurts no one else.
struct OwnPostgres {
    dir: PathBuf,
    port: u16,
}

impl OwnPostgres {
    fn new() -> OwnPostgres {
        let dir = std::env::temp_dir().join(format!("starkrisk-outage-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        // The server may run as the postgres user, which must reach the data directory inside.
        std::process::Command::new("chmod").args(["755", dir.to_str().unwrap()]).status().unwrap();
        OwnPostgres { dir, port: free_port() }
    }

    fn pg(&self, verb: &str) -> String {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/local/pg.sh");
        let out = Command::new(script)
            .arg(verb)
            .env_remove("DATABASE_URL")
            .env("STARKRISK_PG_DATA", self.dir.join("pg"))
            .env("STARKRISK_PG_PORT", self.port.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "pg.sh {verb}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.pg("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_seconds_without_postgres_answer_503_and_the_work_resumes() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let postgres = OwnPostgres::new();
    let url = postgres.pg("start");
    let world = World::new(devnet, url).await;
    let service = world.serve().await;
    let before = service.orchestrate(1).await;
    service.all_executed(std::slice::from_ref(&before)).await;

    postgres.pg("stop");
    let stopped = Instant::now();
    let ready = format!("{}/ready", service.base);
    let mut saw_503 = false;
    while stopped.elapsed() < Duration::from_secs(8) {
        if reqwest::get(&ready).await.unwrap().status() == 503 {
            saw_503 = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saw_503, "/ready kept answering 200 without a database");
    let (status, error) = service.post("/api/v1/risk-engine/orchestrate-allocation", e2e::body(2)).await;
    assert_eq!(status, 503, "{error}");
    let message = error["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("database"), "{error}");
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(stopped.elapsed())).await;

    postgres.pg("start");
    let back = Instant::now();
    while reqwest::get(&ready).await.unwrap().status() != 200 {
        assert!(back.elapsed() < Duration::from_secs(30), "the service did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = service.orchestrate(3).await;
    let decisions = service.all_executed(&[before, after]).await;
    assert_eq!(decisions.len(), 2);
    assert_eq!(world.sent().await, 2);
}
