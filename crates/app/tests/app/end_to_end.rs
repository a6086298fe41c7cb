//! One decision after another through `starkrisk serve` processes on real Postgres and starknet-devnet:
//! the happy path, kill -9 mid-flight, and two processes sharing one database. The allocation contract is
//! the AllocationVault with its treasury as `chain deploy --local-registry` sets it up (`World::on_vault`:
//! S-two proofs, their facts in the stand-in registry), so an execution that happened twice or was skipped
//! shows in the moves, each of which must start where the previous one left the funds. The manual-execution
//! test keeps a counter contract: it is about what is sent, not what the vault does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::e2e;

use std::time::Duration;

use e2e::World;
use serde_json::json;
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::Devnet;

fn distinct_txs(decisions: &[serde_json::Value]) -> usize {
    let mut txs: Vec<&str> = decisions.iter().map(|d| d["tx_hash"].as_str().unwrap()).collect();
    txs.sort();
    txs.dedup();
    txs.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_is_proven_verified_and_executed_on_chain() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone()).await;
    let (start, sent_before) = (world.treasury().await, world.sent().await);
    let service = world.serve().await;
    let id = service.orchestrate(5).await;
    let decision = service.all_executed(std::slice::from_ref(&id)).await.remove(0);
    // The decision, its job and the chain agree: the vault checked it and moved the treasury to its split.
    world.assert_moved_once(start, std::slice::from_ref(&decision)).await;
    assert_eq!(decision["chain_checks"]["by"], "vault", "{decision}");
    assert_eq!(world.sent().await - sent_before, 2, "one registration, one execution");
    let job = service.get(&format!("/api/v1/proofs/{}", decision["proof_job_id"].as_str().unwrap())).await.1;
    assert_eq!(job["status"], "executed", "{job}");
    assert_eq!(job["proof_system"], "stwo");
    assert!(decision["block_number"].as_u64().unwrap() > 0);
    let (status, verified) =
        service.post("/api/v1/proofs/verify", json!({"proof_job_id": decision["proof_job_id"]})).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["statement"]["allocation"]["jediswap"], decision["jediswap_pct"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_manual_execution_a_decision_waits_for_execute_allocation() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::new(devnet, db.url.clone()).await;
    let service = world.serve_with(&[("STARKRISK__PIPELINE__EXECUTION", "manual")]).await;
    let id = service.orchestrate(3).await;
    let mut waiting = serde_json::Value::Null;
    for _ in 0..300 {
        waiting = service.decision(&id).await;
        if waiting["message"].as_str().is_some_and(|m| m.contains("waiting for an operator")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting["status"], "verified", "{waiting}");
    // Longer than the longest backoff: the job is looked at again and still nothing is sent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(service.decision(&id).await["status"], "verified");
    assert_eq!(world.sent().await, 0, "nothing reaches the chain without the operator");

    let (status, executed) = service.post("/api/v1/risk-engine/execute-allocation", json!({"decision_id": id})).await;
    assert!(status == 200 || status == 202, "{status} {executed}");
    let decision = service.all_executed(std::slice::from_ref(&id)).await.remove(0);
    assert_eq!(decision["execution_requested_by"], "e2e");
    assert_eq!(world.counter().await, decision["jediswap_pct"].as_u64().unwrap());
    assert_eq!(world.sent().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_flight_loses_nothing_and_executes_nothing_twice() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone()).await;
    let (start, sent_before) = (world.treasury().await, world.sent().await);
    let mut ids = vec![];

    // While proving: kill right after the requests are in.
    let first = world.serve().await;
    for n in 0..4 {
        ids.push(first.orchestrate(n).await);
    }
    first.kill();

    // While executing: kill as soon as one decision has a transaction out.
    let second = world.serve().await;
    for n in 4..8 {
        ids.push(second.orchestrate(n).await);
    }
    'watch: for _ in 0..400 {
        for id in &ids {
            if second.decision(id).await["status"] == "submitted" {
                break 'watch;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    second.kill();

    let third = world.serve().await;
    let decisions = third.all_executed(&ids).await;
    assert_eq!(decisions.len(), 8, "no decision lost");
    assert_eq!(distinct_txs(&decisions), 8);
    world.assert_moved_once(start, &decisions).await;
    let sent = world.sent().await - sent_before;
    assert_eq!(sent, 16, "no transaction beyond one registration and one execution per decision reached the chain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_share_the_work_without_doing_any_twice() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone()).await;
    let (start, sent_before) = (world.treasury().await, world.sent().await);
    let (a, b) = (world.serve().await, world.serve().await);
    let mut ids = vec![];
    for n in 0..10 {
        ids.push(if n % 2 == 0 { a.orchestrate(n).await } else { b.orchestrate(n).await });
    }
    let decisions = a.all_executed(&ids).await;
    assert_eq!(distinct_txs(&decisions), 10);
    world.assert_moved_once(start, &decisions).await;
    // Nonce collisions between the processes may supersede a signed transaction, but none lands twice.
    assert_eq!(world.sent().await - sent_before, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_between_sending_an_execution_and_its_receipt_moves_the_vaults_treasury_once() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone()).await;
    let start = world.treasury().await;
    let sent_before = world.sent().await;
    let mut ids = vec![];

    // Receipts looked for only every 2 s, so a transaction is out and unread for that long: kill then.
    let first = world.serve_with(&[("STARKRISK__STARKNET__RECEIPTS__POLL_MS", "2000")]).await;
    for n in 0..3 {
        ids.push(first.orchestrate(n).await);
    }
    let mut caught = None;
    let mut seen = vec![];
    // Bounded by time, not by rounds: under coverage instrumentation three S-two decisions take far longer.
    let watching = std::time::Instant::now();
    'watch: while watching.elapsed() < Duration::from_secs(180) {
        seen.clear();
        for id in &ids {
            let d = first.decision(id).await;
            seen.push(d["status"].clone());
            if d["status"] == "submitted" {
                caught = Some(d);
                break 'watch;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    let caught = caught.unwrap_or_else(|| panic!("no decision seen sent with its receipt unread; last seen {seen:?}"));
    assert!(caught["tx_hash"].is_string() && caught["execution_treasury"].is_null(), "{caught}");

    let second = world.serve().await;
    let decisions = second.all_executed(&ids).await;
    assert_eq!(distinct_txs(&decisions), 3);
    // One registration and one execution per decision reached the chain, nothing resent.
    assert_eq!(world.sent().await - sent_before, 6);
    // Each decision is recorded once with what its execution moved, and the moves chain.
    world.assert_moved_once(start, &decisions).await;
}
