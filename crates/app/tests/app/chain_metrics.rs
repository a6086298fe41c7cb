//! Metrics from the chain, end to end: `starkrisk serve` configured from the environment alone with a
//! JediSwap pool and an Ekubo pool (the Cairo stand-ins on devnet), its sampler recording samples in
//! Postgres, and a decision asked for without metrics computed from them, every number as docs/metrics.md's
//! formulas give it by hand; a caller's own metrics are refused where `allow_supplied_metrics` is off. The
//! proof names the snapshot (block and readings hash), the readings come back from the API and hash to it,
//! and a restart with `[schedule]` on rebalances by itself once a second day of trading moves the split.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::e2e;

use std::time::Duration;

use e2e::World;
use serde_json::{Value, json};
use starkrisk_domain::market::{Amount, ProtocolReadings, derive, snapshot_hash};
use starkrisk_domain::ports::{MarketSamples, ProofJobStore};
use starkrisk_domain::{Felt, ProofJobId, Protocol};
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::Devnet;
use starkrisk_starknet::testing::markets::{ETH, STRK, ScriptedEkubo, ScriptedJediSwap, devnet_operator, u256};
use starkrisk_stwo::{StwoError, StwoVerifier};

const DAY: u64 = 86_400;
/// 2024-01-01T00:00:00Z, both protocols' configured launch.
const LAUNCHED: u64 = 1_704_067_200;

async fn set_time(devnet: &Devnet, time: u64) -> u64 {
    devnet.rpc("devnet_setTime", json!({"time": time, "generate_block": true})).await;
    devnet.rpc("starknet_blockNumber", json!([])).await.as_u64().unwrap()
}

/// Waits until both protocols have a recorded sample at or after `block`.
async fn sampled_through(db: &TestDatabase, block: u64) {
    let store = db.store();
    for _ in 0..300 {
        let mut done = true;
        for protocol in Protocol::ALL {
            done &= store.latest_sample(protocol).await.unwrap().is_some_and(|s| s.block_number >= block);
        }
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the sampler did not reach block {block}");
}

fn metrics(decision: &Value, protocol: &str) -> [u64; 5] {
    let m = &decision[format!("{protocol}_metrics")];
    ["utilization", "volatility", "liquidity", "audit_score", "age_days"].map(|f| m[f].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_asked_for_from_the_chain_is_computed_from_sampled_pools() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let world = World::new(devnet, db.url.clone()).await;
    let scripter = devnet_operator(&devnet.url, devnet.accounts().await[2]);

    // JediSwap: 7e6 STRK and 5e6 ETH at root price 10·2^92 (price 100/256), fee 0.3 %.
    let jediswap = ScriptedJediSwap::deploy(&scripter, u256(10 << 92, 0), 3000, 10u128.pow(18)).await;
    let pool = format!("{:#x}", jediswap.address);
    devnet.rpc("devnet_mint", json!({"address": pool, "amount": 7_000_000, "unit": "FRI"})).await;
    devnet.rpc("devnet_mint", json!({"address": pool, "amount": 5_000_000, "unit": "WEI"})).await;
    // Ekubo: liquidity 1e10 at root price 10·2^124 (price 100/256), fee 0.05 %.
    let ekubo = ScriptedEkubo::deploy(&scripter).await;
    let key = ScriptedEkubo::key((1u128 << 127) / 1000, 100);
    ekubo.initialize(&scripter, &key, u256(10 << 124, 0), 10u128.pow(10)).await;

    // The first sample's block, a day of devnet time before the snapshot.
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 1_000;
    let first = set_time(devnet, start).await;
    let tiers = "10000000,1000000,100000";
    let env = [
        ("STARKRISK__MARKETS__SAMPLE_SECS", "1".to_string()),
        ("STARKRISK__MARKETS__MIN_SAMPLES", "2".into()),
        ("STARKRISK__MARKETS__JEDISWAP__POOL", pool.clone()),
        ("STARKRISK__MARKETS__JEDISWAP__QUOTE", "token1".into()),
        ("STARKRISK__MARKETS__JEDISWAP__TERMS__AUDIT_SCORE", "98".into()),
        ("STARKRISK__MARKETS__JEDISWAP__TERMS__LAUNCHED_AT", "2024-01-01T00:00:00Z".into()),
        ("STARKRISK__MARKETS__JEDISWAP__TERMS__TVL_TIERS", tiers.into()),
        ("STARKRISK__MARKETS__EKUBO__CORE", format!("{:#x}", ekubo.core)),
        ("STARKRISK__MARKETS__EKUBO__TOKEN0", STRK.into()),
        ("STARKRISK__MARKETS__EKUBO__TOKEN1", ETH.into()),
        ("STARKRISK__MARKETS__EKUBO__FEE", format!("{:#x}", key.fee)),
        ("STARKRISK__MARKETS__EKUBO__TICK_SPACING", "100".into()),
        ("STARKRISK__MARKETS__EKUBO__EXTENSION", "0x0".into()),
        ("STARKRISK__MARKETS__EKUBO__QUOTE", "token1".into()),
        ("STARKRISK__MARKETS__EKUBO__TERMS__AUDIT_SCORE", "72".into()),
        ("STARKRISK__MARKETS__EKUBO__TERMS__LAUNCHED_AT", "2024-01-01T00:00:00Z".into()),
        ("STARKRISK__MARKETS__EKUBO__TERMS__TVL_TIERS", tiers.into()),
        ("STARKRISK__PIPELINE__ALLOW_SUPPLIED_METRICS", "false".into()),
    ];
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let service = world.serve_with(&extra).await;
    sampled_through(&db, first).await;

    // Too little history yet: the decision is refused naming the protocol and the reason.
    let (status, refused) =
        service.post("/api/v1/risk-engine/orchestrate-allocation", json!({"source": "chain"})).await;
    assert_eq!(status, 503, "{refused}");
    assert!(refused.to_string().contains("jediswap"), "{refused}");

    // This deployment takes no metrics from callers.
    let (status, supplied) = service.post("/api/v1/risk-engine/orchestrate-allocation", e2e::body(1)).await;
    assert_eq!(status, 422, "{supplied}");
    assert_eq!(supplied["error"]["field"], "jediswap_metrics", "{supplied}");

    // A day of trading: seven JediSwap swaps of 100k..=700k ETH and four Ekubo swaps of 3e9..=12e9 token1,
    // both ending at root price 11/10 of the start (a 2100 bps move).
    for i in 1..=7u128 {
        let sqrt = if i == 7 { u256(11 << 92, 0) } else { u256(10 << 92, 0) };
        jediswap.swap(&scripter, 100_000 * i, i % 2 == 0, sqrt).await;
    }
    for i in 1..=4u128 {
        let sqrt = if i == 4 { u256(11 << 124, 0) } else { u256(10 << 124, 0) };
        ekubo.swap(&scripter, &key, 3_000_000_000 * i, sqrt, 10u128.pow(10)).await;
    }
    let snapshot = set_time(devnet, start + DAY).await;
    sampled_through(&db, snapshot).await;

    // No metrics and no source: the chain's.
    let (status, planned) = service.post("/api/v1/risk-engine/orchestrate-allocation", json!({})).await;
    assert_eq!(status, 202, "{planned}");
    let decision = service.decision(planned["decision_id"].as_str().unwrap()).await;
    assert_eq!(decision["metrics_source"], "chain", "{decision}");
    assert_eq!(decision["jediswap_metrics_block"], snapshot, "the newest sample is the snapshot block");
    assert_eq!(decision["ekubo_metrics_block"], snapshot);
    let age = (start + DAY - LAUNCHED) / DAY;
    // JediSwap at the snapshot: TVL 5e6 + 7e6·121/256 = 8,308,593 ETH; 2.8e6 traded in the day, 8,400 fees.
    assert_eq!(metrics(&decision, "jediswap"), [2_800_000 * 10_000 / 8_308_593, 2100, 1, 98, age], "{decision}");
    assert_eq!(decision["jediswap_apy"], 8_400u64 * 365 * 10_000 / 8_308_593);
    // Ekubo: virtual reserves of 1e10 at root 11·2^124: 14,545,454,545 token0 and 6,875,000,000 token1,
    // worth 13,749,999,999 token1; 3e10 traded (utilization capped at 100 %), fees 14,999,999.
    let tvl = 13_749_999_999u64;
    assert_eq!(metrics(&decision, "ekubo"), [10_000, 2100, 0, 72, age], "{decision}");
    assert_eq!(decision["ekubo_apy"], 14_999_999u64 * 365 * 10_000 / tvl);

    // The proof names the snapshot: its block and the hash of every raw reading, and the vault executed it.
    let decision = service.all_executed(&[planned["decision_id"].as_str().unwrap().to_string()]).await.remove(0);
    assert_eq!(decision["snapshot_block"], snapshot, "{decision}");
    let hash = decision["snapshot_hash"].as_str().unwrap().to_string();
    let (status, job) = service.get(&format!("/api/v1/proofs/{}", decision["proof_job_id"].as_str().unwrap())).await;
    assert_eq!(status, 200, "{job}");
    let output: Vec<Felt> =
        job["public_output"].as_array().unwrap().iter().map(|f| Felt::from_hex(f.as_str().unwrap()).unwrap()).collect();
    assert_eq!(output.len(), 31);
    assert_eq!((output[29], output[30]), (Felt::from(snapshot), Felt::from_hex(&hash).unwrap()));

    // Anyone can fetch the readings, recompute both hashes and re-derive every number.
    let (status, fetched) = service.get(&format!("/api/v1/markets/snapshots/{hash}")).await;
    assert_eq!(status, 200, "{fetched}");
    assert_eq!(fetched["block_number"], snapshot);
    let readings = |protocol: &str| -> ProtocolReadings { serde_json::from_value(fetched[protocol].clone()).unwrap() };
    let (jediswap_readings, ekubo_readings) = (readings("jediswap"), readings("ekubo"));
    assert_eq!(fetched["jediswap_readings_hash"], jediswap_readings.hash().to_string());
    assert_eq!(jediswap_readings.samples.last().unwrap().block_number, snapshot);
    let recomputed = snapshot_hash(Some(jediswap_readings.hash()), Some(ekubo_readings.hash()));
    assert_eq!(recomputed.to_string(), hash);
    let rederived = derive(&ekubo_readings, start + DAY).unwrap().reading;
    assert_eq!(rederived.metrics.to_array().map(u64::from), metrics(&decision, "ekubo"));

    // Change any raw reading and the hash moves, so the proven output, and its fact, no longer match.
    let mut altered = jediswap_readings.clone();
    let swapped = &mut altered.samples.last_mut().unwrap().volume;
    *swapped = swapped.clone() + Amount::from(1u128);
    let moved = snapshot_hash(Some(altered.hash()), Some(ekubo_readings.hash()));
    assert_ne!(moved.to_string(), hash);
    // The stored proof verifies as made, and not with the moved hash in its statement.
    let job_id = ProofJobId(job["proof_job_id"].as_str().unwrap().parse().unwrap());
    let stored = ProofJobStore::get(&db.store(), job_id).await.unwrap().unwrap();
    let proof = &stored.artifact().unwrap().bytes;
    let verifier = StwoVerifier::new(96);
    let mut envelope = verifier.verify_bytes(proof).unwrap();
    assert_eq!(envelope.statement.provenance.snapshot_hash.to_string(), hash);
    envelope.statement.provenance.snapshot_hash = moved;
    match verifier.verify_bytes(&envelope.to_bytes()) {
        Err(StwoError::Rejected(_)) => {}
        other => panic!("the proof must not verify for the altered readings: {other:?}"),
    }
    let (status, unknown) = service.get(&format!("/api/v1/markets/snapshots/{moved}")).await;
    assert_eq!(status, 404, "{unknown}");

    // A second day while no service runs: a day's volume again on both pools at unchanged prices, 5e6 on
    // JediSwap. Restarted with scheduled rebalancing, the leader samples the new block and plans from it:
    // JediSwap's utilization 6017 bps, APY 6589, risk 20; Ekubo's risk 33 at the same APY; 7282 bps to
    // JediSwap, 893 from the executed split, past the 500 bps threshold and within governance's 8000.
    service.kill();
    jediswap.swap(&scripter, 5_000_000, true, u256(11 << 92, 0)).await;
    for i in 1..=4u128 {
        ekubo.swap(&scripter, &key, 3_000_000_000 * i, u256(11 << 124, 0), 10u128.pow(10)).await;
    }
    let second_day = set_time(devnet, start + 2 * DAY).await;
    // Both pools sampled at the new block first: a round that ran between the sampler's two protocols
    // would plan from JediSwap's new sample and Ekubo's old one (a decision the service may make, but not
    // the one this test computes by hand).
    let sampling = world.serve_with(&extra).await;
    sampled_through(&db, second_day).await;
    sampling.kill();
    let mut scheduled = extra.clone();
    // Metrics cached for a second rather than a minute, so a round sees the new sample promptly.
    scheduled.extend([
        ("STARKRISK__SCHEDULE__EVERY_SECS", "1"),
        ("STARKRISK__SCHEDULE__MIN_SHIFT_BPS", "500"),
        ("STARKRISK__PIPELINE__METRICS_CACHE_SECS", "1"),
    ]);
    let service = world.serve_with(&scheduled).await;
    let mut listed = Vec::new();
    for _ in 0..300 {
        listed = decisions(&service).await;
        if listed.len() > 1 && listed[0]["status"] == "executed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed.len(), 2, "one scheduled decision: {listed:?}");
    let rebalanced = &listed[0];
    assert_eq!(rebalanced["status"], "executed", "{rebalanced}");
    assert_eq!(rebalanced["metrics_source"], "chain");
    assert_eq!(rebalanced["snapshot_block"], second_day);
    assert_eq!(metrics(rebalanced, "jediswap"), [6017, 0, 1, 98, age + 1], "{rebalanced}");
    assert_eq!((rebalanced["jediswap_risk"].clone(), rebalanced["ekubo_risk"].clone()), (json!(20), json!(33)));
    assert_eq!(rebalanced["jediswap_pct"], 7282, "{rebalanced}");
    // Nothing more is planned. (Here later rounds are refused: the vault's block, sampled a moment after
    // the snapshot, starts a day window that holds no swaps, so both APYs are 0. With samples every minute
    // a window always spans a day; the unchanged-split rounds are shown by the domain's tests.)
    let after = rebalance_rounds(&service).await;
    for _ in 0..300 {
        if rebalance_rounds(&service).await >= after + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(rebalance_rounds(&service).await >= after + 2, "two more rounds ran");
    assert_eq!(decisions(&service).await.len(), 2);
}

/// Scheduled rounds the service has run, whatever their outcome, from `/metrics`.
async fn rebalance_rounds(service: &e2e::Service) -> u64 {
    service.metric("starkrisk_rebalance_rounds_total{").await
}

/// Every decision, newest first.
async fn decisions(service: &e2e::Service) -> Vec<Value> {
    let (status, page) = service.get("/api/v1/risk-engine/decisions?limit=100").await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}
