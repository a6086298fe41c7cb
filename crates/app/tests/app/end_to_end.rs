//! Decisions through `starkrisk serve` processes on real Postgres and starknet-devnet: one under manual
//! execution from proof to moved treasury (`chain_cli` shows automatic execution), kill -9 mid-flight and
//! between a transaction and its receipt, and two processes sharing one database. Each runs against the
//! AllocationVault over Integrity's own FactRegistry and verifier, deployed by `chain deploy` under the
//! `devnet` profile as `just run` does (under a salt of the test's own, on the devnet earlier tests left,
//! so Integrity's classes are declared once): every decision is proven by Stone and registered through
//! Integrity's verifier before the vault, which reads that registry, moves the treasury. An execution that
//! happened twice or was skipped shows in the moves, each of which must start where the previous one left
//! the funds; a registration sent twice, or one whose transactions are not all listed, shows in the nonce
//! (devnet serves one test at a time, so only the test's own processes use the operator's account).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::e2e;

use std::time::Duration;

use e2e::{Registry, World};
use serde_json::{Value, json};
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::Devnet;

fn distinct_txs(decisions: &[Value]) -> usize {
    let mut txs: Vec<&str> = decisions.iter().map(|d| d["tx_hash"].as_str().unwrap()).collect();
    txs.sort();
    txs.dedup();
    txs.len()
}

/// The transactions a decision's registration took (Integrity's split flow: several), after checking that
/// Integrity's verifier, not the operator, put the fact in the registry.
fn registration_txs(decision: &Value) -> u64 {
    let registration = &decision["registration"];
    assert_eq!(registration["checked_by"], "verified on chain by Integrity", "{decision}");
    assert_eq!(registration["fact_hash"], decision["fact_hash"], "{decision}");
    registration["transactions"].as_array().unwrap().len() as u64
}

/// What the operator's account sent for `decisions`: each registration's transactions and one execution.
fn sent_for(decisions: &[Value]) -> u64 {
    decisions.iter().map(|d| registration_txs(d) + 1).sum()
}

/// Checks the operator account's nonce after `decisions` were executed from `sent_before`, where some
/// registrations may have been cut short (kill -9, a receipt that timed out) and finished by a later
/// attempt. Every transaction the account sent is listed by exactly one decision, its registration's
/// (each noted on the job before it was sent) or its execution; and every registration lists as many as an
/// uninterrupted one (each proof of the program takes the same split flow): one resumed where it stopped
/// lists no more, one restarted would list its landed steps twice, one that forgot an attempt fewer.
async fn assert_resumed_not_restarted(world: &World, sent_before: u64, decisions: &[Value]) {
    let sent = world.sent().await - sent_before;
    let lengths: Vec<u64> = decisions.iter().map(registration_txs).collect();
    assert!(lengths[0] >= 2, "Integrity's split flow takes several transactions for our proofs ({lengths:?})");
    assert!(lengths.iter().all(|n| *n == lengths[0]), "registrations of unequal length: {lengths:?}");
    assert_eq!(sent, sent_for(decisions), "the account sent exactly what the decisions list");
    let mut listed: Vec<&str> = decisions
        .iter()
        .flat_map(|d| d["registration"]["transactions"].as_array().unwrap().iter().chain([&d["tx_hash"]]))
        .map(|tx| tx.as_str().unwrap())
        .collect();
    let all = listed.len();
    listed.sort_unstable();
    listed.dedup();
    assert_eq!(listed.len(), all, "a transaction is listed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_proven_by_stone_and_verified_by_integrity_waits_for_execute_allocation_then_moves_the_treasury() {
    let (devnet, _turn) = Devnet::turn().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone(), Registry::Integrity).await;
    let (start, sent_before) = (world.treasury().await, world.sent().await);
    let service = world.serve_with(&[("STARKRISK__PIPELINE__EXECUTION", "manual")]).await;
    let id = service.orchestrate(3).await;
    let mut waiting = Value::Null;
    let watching = std::time::Instant::now();
    while watching.elapsed() < Duration::from_secs(600) {
        waiting = service.decision(&id).await;
        if waiting["message"].as_str().is_some_and(|m| m.contains("waiting for an operator")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting["status"], "verified", "{waiting}");
    let registered = registration_txs(&waiting);
    // The workers look for due work twice more and find none: a verified decision under manual execution
    // rests, and nothing but its registration is sent.
    let idle = service.metric(crate::common::IDLE_ROUNDS).await;
    let rounds = || service.metric(crate::common::IDLE_ROUNDS);
    crate::common::count_reaches("the workers' empty claim rounds", idle + 2, Duration::from_secs(15), rounds).await;
    assert_eq!(service.decision(&id).await["status"], "verified");
    assert_eq!(world.sent().await - sent_before, registered, "no execution reaches the chain without the operator");
    assert_eq!(world.treasury().await, start, "the treasury has not moved");

    let (status, executed) = service.post("/api/v1/risk-engine/execute-allocation", json!({"decision_id": id})).await;
    assert!(status == 200 || status == 202, "{status} {executed}");
    let decision = service.all_executed(std::slice::from_ref(&id)).await.remove(0);
    assert_eq!(decision["execution_requested_by"], "e2e");
    // The decision, its job and the chain agree: the vault checked it and moved the treasury to its split.
    world.assert_moved_once(start, std::slice::from_ref(&decision)).await;
    assert_eq!(decision["chain_checks"]["by"], "vault", "{decision}");
    assert!(decision["registration"]["security_bits"].as_u64().unwrap() >= 96, "{decision}");
    assert_eq!(world.sent().await - sent_before, registered + 1, "the registration, then one execution");
    let job = service.get(&format!("/api/v1/proofs/{}", decision["proof_job_id"].as_str().unwrap())).await.1;
    assert_eq!(job["status"], "executed", "{job}");
    assert_eq!(job["proof_system"], "stone");
    assert!(decision["block_number"].as_u64().unwrap() > 0);
    let (status, verified) =
        service.post("/api/v1/proofs/verify", json!({"proof_job_id": decision["proof_job_id"]})).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["statement"]["allocation"]["jediswap"], decision["jediswap_pct"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_flight_loses_nothing_and_executes_nothing_twice() {
    let (devnet, _turn) = Devnet::turn().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone(), Registry::Integrity).await;
    let (start, sent_before) = (world.treasury().await, world.sent().await);

    // While proving: kill right after the request is in.
    let first = world.serve().await;
    let mut ids = vec![first.orchestrate(0).await];
    first.kill();

    // While registering: kill once two transactions are out, the middle of a split registration (Integrity
    // takes several steps for one proof), so the next process must resume it where it stopped. The second
    // process takes the first decision over and proves one of its own beside it.
    let second = world.serve().await;
    ids.push(second.orchestrate(1).await);
    let watching = std::time::Instant::now();
    while world.sent().await < sent_before + 2 && watching.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    second.kill();
    let mid = world.sent().await - sent_before;
    assert!(mid >= 2, "no registration had started");

    let third = world.serve().await;
    let decisions = third.all_executed(&ids).await;
    assert_eq!(decisions.len(), 2, "no decision lost");
    assert!(world.sent().await - sent_before > mid, "the process was killed before the work was done");
    assert_eq!(distinct_txs(&decisions), 2);
    world.assert_moved_once(start, &decisions).await;
    assert_resumed_not_restarted(&world, sent_before, &decisions).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_share_the_work_without_doing_any_twice() {
    let (devnet, _turn) = Devnet::turn().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone(), Registry::Integrity).await;
    let (start, sent_before) = (world.treasury().await, world.sent().await);
    // One decision asked of each: both are proven side by side (a Stone run of several seconds each), so the
    // two processes claim, register and execute at about the same time from one account. More decisions
    // would add Stone runs, not kinds of contention.
    let (a, b) = (world.serve().await, world.serve().await);
    let ids = vec![a.orchestrate(0).await, b.orchestrate(1).await];
    let decisions = a.all_executed(&ids).await;
    assert_eq!(distinct_txs(&decisions), 2);
    world.assert_moved_once(start, &decisions).await;
    // Nonce collisions between the processes may supersede a signed transaction or fail a registration
    // step, which is then resumed; none lands twice.
    assert_resumed_not_restarted(&world, sent_before, &decisions).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_between_sending_an_execution_and_its_receipt_moves_the_vaults_treasury_once() {
    let (devnet, _turn) = Devnet::turn().await;
    let db = TestDatabase::new().await;
    let world = World::on_vault(devnet, db.url.clone(), Registry::Integrity).await;
    let start = world.treasury().await;
    let sent_before = world.sent().await;

    // The first service reads the chain through a proxy that never answers about its execution, so the
    // transaction is out and its receipt unread until the kill, however soon devnet includes it (looking
    // for the receipt less often left a window of chance, which one run under load missed).
    let rpc = e2e::receipts_withheld(world.devnet_url.clone(), world.vault());
    let first = world.serve_with(&[("STARKRISK__STARKNET__RPC__RPC_URLS", rpc.url.as_str())]).await;
    let ids = vec![first.orchestrate(0).await];
    let mut caught = None;
    let mut seen = vec![];
    // Bounded by time, not by rounds: a Stone decision takes seconds, far longer under coverage.
    let watching = std::time::Instant::now();
    'watch: while watching.elapsed() < Duration::from_secs(600) {
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
    // Killed once it waits on the receipt, not merely between writing `submitted` and asking.
    let asking = std::time::Instant::now();
    while rpc.unanswered() == 0 && asking.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    let caught = caught.unwrap_or_else(|| panic!("no decision seen sent with its receipt unread; last seen {seen:?}"));
    assert!(rpc.unanswered() > 0, "the first service never asked about its execution's receipt");
    assert!(caught["tx_hash"].is_string() && caught["execution_treasury"].is_null(), "{caught}");

    let second = world.serve().await;
    let decisions = second.all_executed(&ids).await;
    assert_eq!(distinct_txs(&decisions), 1);
    // Each registration and one execution per decision reached the chain, nothing resent.
    assert_resumed_not_restarted(&world, sent_before, &decisions).await;
    // Each decision is recorded once with what its execution moved, and the moves chain.
    world.assert_moved_once(start, &decisions).await;
}
