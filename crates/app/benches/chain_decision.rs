//! A decision on the local chain as `just run` makes one: starknet-devnet, Integrity's FactRegistry and
//! verifier and the vault deployed by `starkrisk chain deploy`, then a release `serve` proving with Stone,
//! registering the proof through Integrity's verifier and executing it through the vault. Prints the wall
//! time from `orchestrate-allocation` to `executed`, p50 and p99 over 20 sequential decisions, and for one
//! decision each registration transaction's gas and fee and the execution's. Needs the devnet and Stone
//! that `just test` installs; measured only under `cargo bench` (it takes minutes).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a panic aborts the benchmark run

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::{Devnet, free_port};

const PASSWORD: &str = "bench-keystore-password";
const DECISIONS: u64 = 20;

fn starkrisk(env: &[(String, String)], args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    command.args(args).env_remove("STARKRISK_PROFILE");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
        command.env_remove(key);
    }
    let mut child = command
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "starkrisk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The service's environment on `devnet` with the operator key of its first account: deployed, then served.
async fn deploy(devnet: &Devnet, db: &TestDatabase, dir: &std::path::Path) -> Vec<(String, String)> {
    let keystore = dir.join("operator.json");
    let account = devnet.accounts().await[0];
    let password = ("STARKRISK_KEYSTORE_PASSWORD".to_string(), PASSWORD.to_string());
    let secret = format!("{:#x}", account.private_key);
    starkrisk(std::slice::from_ref(&password), &["keystore", "import", keystore.to_str().unwrap()], &secret);
    let mut env: Vec<(String, String)> = [
        ("STARKRISK_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/config").to_string()),
        ("STARKRISK__AUTH__HS256_SECRET", "0123456789abcdef0123456789abcdef-bench".into()),
        ("STARKRISK__STARKNET__ENABLED", "true".into()),
        ("STARKRISK__STARKNET__RPC__RPC_URLS", devnet.url.clone()),
        ("STARKRISK__STARKNET__KEYSTORE__PATH", keystore.to_str().unwrap().to_string()),
        ("STARKRISK__STARKNET__ACCOUNT_ADDRESS", format!("{:#x}", account.address)),
        ("STARKRISK__DATABASE__URL", db.url.clone()),
        ("STARKRISK__LOG__LEVEL", "warn".into()),
        ("STARKRISK__SERVER__RATE_LIMIT_PER_MINUTE", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .chain([password])
    .collect();
    let deployed = starkrisk(&env, &["--profile", "devnet", "chain", "deploy", "--format", "env"], "");
    let printed = String::from_utf8(deployed.stdout).unwrap();
    env.extend(
        printed
            .lines()
            .filter_map(|l| l.split_once('=').filter(|(k, _)| k.starts_with("STARKRISK__")))
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    env
}

async fn serve(env: &mut Vec<(String, String)>) -> (Served, String, String) {
    let port = free_port().to_string();
    env.push(("STARKRISK__SERVER__PORT".into(), port.clone()));
    env.push(("STARKRISK__PIPELINE__PROVERS".into(), "stone".into()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
        command.env_remove(key);
    }
    let envs = env.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let child = command.args(["--profile", "devnet", "serve"]).envs(envs).stdout(Stdio::null()).spawn().unwrap();
    let served = Served(child);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if reqwest::get(format!("{base}/ready")).await.is_ok_and(|r| r.status().is_success()) {
            let token = starkrisk(env, &["--profile", "devnet", "token", "--role", "operator"], "");
            return (served, base, String::from_utf8(token.stdout).unwrap().trim().to_string());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("serve never became ready");
}

/// Posts decision `n` (its Ekubo age varied, so each proof states other numbers) and waits for it to rest;
/// the decision and the wall time.
async fn decide(http: &reqwest::Client, base: &str, token: &str, n: u64) -> (Value, Duration) {
    let body = json!({
        "jediswap_metrics": {"utilization": 6500, "volatility": 3500, "liquidity": 1, "audit_score": 98, "age_days": 800},
        "ekubo_metrics": {"utilization": 8200, "volatility": 6100, "liquidity": 2, "audit_score": 72, "age_days": 100 + n},
        "jediswap_apy": 850, "ekubo_apy": 1210
    });
    let started = Instant::now();
    let url = format!("{base}/api/v1/risk-engine/orchestrate-allocation");
    let posted: Value = http.post(url).bearer_auth(token).json(&body).send().await.unwrap().json().await.unwrap();
    let id = posted["decision_id"].as_str().unwrap_or_else(|| panic!("not planned: {posted}")).to_string();
    loop {
        let url = format!("{base}/api/v1/risk-engine/decision/{id}");
        let decision: Value = http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        match decision["status"].as_str() {
            Some("executed") => return (decision, started.elapsed()),
            Some("refused" | "failed") => panic!("decision {id} did not execute: {decision}"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// (L2 gas, fee in fri) of transaction `hash`, from devnet's receipt.
async fn spent(http: &reqwest::Client, devnet: &str, hash: &str) -> (u64, u128) {
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "starknet_getTransactionReceipt",
        "params": {"transaction_hash": hash}});
    let receipt: Value = http.post(devnet).json(&request).send().await.unwrap().json().await.unwrap();
    let receipt = &receipt["result"];
    // Fees are 0x-hex strings; devnet writes resource amounts as plain numbers.
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_u64().map_or(0, u128::from),
        Value::String(t) => u128::from_str_radix(t.trim_start_matches("0x"), 16).unwrap(),
        _ => 0,
    };
    let gas = u64::try_from(number(&receipt["execution_resources"]["l2_gas"])).unwrap_or(u64::MAX);
    (gas, number(&receipt["actual_fee"]["amount"]))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Ranks of 20 samples: the float round trip is exact.
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn chain_decisions(_: &mut Criterion) {
    if !std::env::args().any(|a| a == "--bench") {
        println!("chain_decision: measured only under `cargo bench` (20 Stone decisions on devnet take minutes)");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let (devnet, _turn) = Devnet::exclusive().await;
        let db = TestDatabase::empty().await;
        let dir = tempfile::tempdir().unwrap();
        let mut env = deploy(devnet, &db, dir.path()).await;
        let (_served, base, token) = serve(&mut env).await;
        let http = reqwest::Client::new();
        let mut times = Vec::new();
        let mut first = None;
        for n in 0..DECISIONS {
            let (decision, took) = decide(&http, &base, &token, n).await;
            times.push(took);
            first.get_or_insert(decision);
        }
        times.sort();
        println!(
            "chain_decision: orchestrate to executed p50 {:?}, p99 {:?} over {} Stone decisions (min {:?}, max {:?})",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.len(),
            times[0],
            times[times.len() - 1],
        );
        let decision = first.unwrap();
        let registration = decision["registration"]["transactions"].as_array().unwrap();
        println!("chain_decision: registration in {} transactions", registration.len());
        for (i, tx) in registration.iter().enumerate() {
            let (gas, fee) = spent(&http, &devnet.url, tx.as_str().unwrap()).await;
            println!("  registration tx {}: {gas} L2 gas, fee {fee} fri", i + 1);
        }
        let (gas, fee) = spent(&http, &devnet.url, decision["tx_hash"].as_str().unwrap()).await;
        println!("  execution: {gas} L2 gas, fee {fee} fri");
    });
}

criterion_group!(benches, chain_decisions);
criterion_main!(benches);
