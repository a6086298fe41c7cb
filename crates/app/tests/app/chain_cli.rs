//! The operator key and the chain at the `starkrisk` binary's edge: keystore subcommands, the chain-id guard
//! at startup, and a full run whose output never contains the key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::e2e::rpc_proxy;
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::{Devnet, free_port};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

pub(crate) fn starkrisk(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    command.args(args).env_remove("STARKRISK_PROFILE").env_remove("STARKRISK_KEYSTORE_PASSWORD");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK__")) {
        command.env_remove(key);
    }
    let mut child = command
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub(crate) fn import(path: &Path, secret: &str) -> Output {
    starkrisk(&[("STARKRISK_KEYSTORE_PASSWORD", PASSWORD)], &["keystore", "import", path.to_str().unwrap()], secret)
}

#[test]
fn keystores_are_created_imported_and_inspected_without_showing_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.json");
    let out =
        starkrisk(&[("STARKRISK_KEYSTORE_PASSWORD", PASSWORD)], &["keystore", "new", fresh.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out));
    let created = text(&out);
    let inspected =
        starkrisk(&[("STARKRISK_KEYSTORE_PASSWORD", PASSWORD)], &["keystore", "inspect", fresh.to_str().unwrap()], "");
    let public = |s: &str| s.lines().find(|l| l.starts_with("public key:")).unwrap().to_string();
    assert_eq!(public(&created), public(&text(&inspected)));

    let wrong =
        starkrisk(&[("STARKRISK_KEYSTORE_PASSWORD", "nope")], &["keystore", "inspect", fresh.to_str().unwrap()], "");
    assert!(!wrong.status.success() && text(&wrong).contains("wrong password"), "{}", text(&wrong));
    let none = starkrisk(&[], &["keystore", "inspect", fresh.to_str().unwrap()], "");
    assert!(text(&none).contains("STARKRISK_KEYSTORE_PASSWORD"), "{}", text(&none));

    let secret = "0x3f1d2c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
    let imported = dir.path().join("imported.json");
    let out = import(&imported, secret);
    assert!(out.status.success(), "{}", text(&out));
    let expected = starknet_crypto::get_public_key(&starknet_crypto::Felt::from_hex(secret).unwrap());
    assert!(text(&out).contains(&format!("{expected:#x}")), "{}", text(&out));
    let on_disk = std::fs::read_to_string(&imported).unwrap();
    for shown in [text(&out), on_disk] {
        assert!(!shown.contains(&secret[2..]), "the key appeared in plain text");
    }
    let again = import(&imported, secret);
    assert!(!again.status.success() && text(&again).contains("never overwritten"), "{}", text(&again));
}

const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/config");

pub(crate) fn chain_env<'a>(devnet_url: &'a str, chain: &'a str, keystore: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("STARKRISK_CONFIG_DIR", CONFIG_DIR),
        ("STARKRISK__AUTH__HS256_SECRET", "0123456789abcdef0123456789abcdef-chain"),
        ("STARKRISK__STARKNET__ENABLED", "true"),
        ("STARKRISK__STARKNET__RPC__RPC_URLS", devnet_url),
        ("STARKRISK__STARKNET__RPC__CHAIN_ID", chain),
        ("STARKRISK__STARKNET__KEYSTORE__PATH", keystore),
        ("STARKRISK_KEYSTORE_PASSWORD", PASSWORD),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_chain_id_stops_startup_with_a_clear_error() {
    // Only the node's chain id is read: no turn of the shared devnet, and no restart of it, is needed.
    let devnet = Devnet::shared().await;
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("operator.json");
    let account = devnet.accounts().await[0];
    assert!(import(&keystore, &format!("{:#x}", account.private_key)).status.success());
    let mut env = chain_env(&devnet.url, "SN_MAIN", keystore.to_str().unwrap());
    let port = free_port().to_string();
    let address = format!("{:#x}", account.address);
    env.extend([
        ("STARKRISK__SERVER__PORT", port.as_str()),
        ("STARKRISK__STARKNET__ACCOUNT_ADDRESS", address.as_str()),
        // What SN_MAIN demands of the settings, so that the chain itself is what is refused.
        ("STARKRISK__PIPELINE__MIN_PROVABLE_SECURITY_BITS", "80"),
        ("STARKRISK__LUMINAIR__N_QUERIES", "70"),
    ]);
    let out = starkrisk(&env, &["serve"], "");
    assert!(!out.status.success());
    assert!(text(&out).contains("serves chain SN_SEPOLIA, but starknet.chain_id is SN_MAIN"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_never_writes_the_operator_key_to_its_logs() {
    // The service starts, unlocks the key and is stopped before it sends anything: the devnet is only read.
    let devnet = Devnet::shared().await;
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("operator.json");
    let account = devnet.accounts().await[0];
    let secret = format!("{:#x}", account.private_key);
    assert!(import(&keystore, &secret).status.success());
    let port = free_port().to_string();
    let address = format!("{:#x}", account.address);
    let mut env = chain_env(&devnet.url, "SN_SEPOLIA", keystore.to_str().unwrap());
    env.extend([
        ("STARKRISK__SERVER__PORT", port.as_str()),
        ("STARKRISK__STARKNET__ACCOUNT_ADDRESS", address.as_str()),
        ("STARKRISK__DATABASE__URL", db.url.as_str()),
        ("STARKRISK__LOG__LEVEL", "debug"),
        ("RUST_LOG", "debug"),
    ]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK__")) {
        command.env_remove(key);
    }
    let child = command.arg("serve").envs(env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}/ready");
    let mut ready = false;
    for _ in 0..200 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let logs = text(&out);
    assert!(ready, "the service did not become ready: {logs}");
    assert!(logs.contains("operator key unlocked"), "the run never reached the key: {logs}");
    let bare = secret.trim_start_matches("0x");
    assert!(!logs.contains(bare), "the operator key appeared in the logs");
    assert!(!logs.contains(PASSWORD), "the keystore password appeared in the logs");
}

/// The `STARKRISK__…=…` lines `chain deploy --format env` printed.
pub(crate) fn printed_settings(out: &Output) -> Vec<(String, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('=').filter(|(k, _)| k.starts_with("STARKRISK__")))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A loopback JSON-RPC endpoint in front of `devnet` that answers every Starknet method through it but
/// none of devnet's own (`devnet_*`): a node on this machine that is not a devnet, as a tunnel to a
/// public network would be.
pub(crate) fn not_a_devnet(devnet: String) -> String {
    use actix_web::{HttpResponse, web};
    async fn answer(body: web::Bytes, devnet: web::Data<String>) -> HttpResponse {
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if request["method"].as_str().unwrap_or_default().starts_with("devnet_") {
            let refusal = serde_json::json!({"jsonrpc": "2.0", "id": request["id"],
                "error": {"code": -32601, "message": "Method not found"}});
            return HttpResponse::Ok().json(refusal);
        }
        rpc_proxy::json(rpc_proxy::forward(&devnet, &body).await)
    }
    rpc_proxy::serve(web::Data::new(devnet), answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stand_in_is_deployed_on_a_devnet_only_and_a_public_chain_needs_an_owner_apart_from_the_operator() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("operator.json");
    let account = devnet.accounts().await[0];
    assert!(import(&keystore, &format!("{:#x}", account.private_key)).status.success());
    let address = format!("{:#x}", account.address);
    let deploy = ["--profile", "devnet", "chain", "deploy", "--local-registry", "--format", "env"];

    // A node on this machine that answers as Sepolia but is not a devnet: refused, before anything is sent.
    let elsewhere = not_a_devnet(devnet.url.clone());
    let mut env = chain_env(&elsewhere, "SN_SEPOLIA", keystore.to_str().unwrap());
    env.extend([("STARKRISK__STARKNET__ACCOUNT_ADDRESS", address.as_str()), ("STARKRISK__DATABASE__URL", &db.url)]);
    let refused = starkrisk(&env, &deploy, "");
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("--local-registry is for a starknet-devnet only"), "{}", text(&refused));
    // Nor will the service read a stand-in there.
    let serve_env: Vec<_> =
        env.iter().copied().chain([("STARKRISK__STARKNET__INTEGRITY__LOCAL_STAND_IN", "true")]).collect();
    let refused = starkrisk(&serve_env, &["--profile", "devnet", "serve"], "");
    assert!(text(&refused).contains("local_stand_in is for a starknet-devnet only"), "{}", text(&refused));
    // On a public chain id the vault's owner may not be the operator, by default or by name.
    let vault = ["--profile", "devnet", "chain", "deploy", "--format", "env"];
    for args in [&vault[..], &[&vault[..], &["--owner", address.as_str()]].concat()] {
        let refused = starkrisk(&env, args, "");
        assert!(!refused.status.success(), "{}", text(&refused));
        assert!(text(&refused).contains("the vault's owner must not be the operator"), "{}", text(&refused));
    }
    // Another owner passes that check (and the deployment goes on to need Integrity's published registry).
    let other_owner = format!("{:#x}", devnet.accounts().await[1].address);
    let next = starkrisk(&env, &[&vault[..], &["--owner", other_owner.as_str()]].concat(), "");
    assert!(!text(&next).contains("must not be the operator"), "{}", text(&next));
    assert!(text(&next).contains("starknet.integrity.fact_registry"), "{}", text(&next));

    // On the devnet itself it is deployed, and the service is told to prove with S-two for it.
    let mut env = chain_env(&devnet.url, "SN_SEPOLIA", keystore.to_str().unwrap());
    env.extend([("STARKRISK__STARKNET__ACCOUNT_ADDRESS", address.as_str()), ("STARKRISK__DATABASE__URL", &db.url)]);
    let deployed = starkrisk(&env, &deploy, "");
    assert!(deployed.status.success(), "{}", text(&deployed));
    let settings = printed_settings(&deployed);
    for expected in [
        ("STARKRISK__STARKNET__INTEGRITY__LOCAL_STAND_IN", "true"),
        ("STARKRISK__PIPELINE__PROVERS", "luminair"),
        ("STARKRISK__PIPELINE__FACT_VERIFIER__STONE_VERSION", "stwo"),
    ] {
        assert!(settings.contains(&(expected.0.into(), expected.1.into())), "{expected:?} in {settings:?}");
    }
    // A decision there is proven by S-two, its fact recorded by the operator, and it says so.
    let port = free_port().to_string();
    env.extend(settings.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    env.extend([("STARKRISK__SERVER__PORT", port.as_str()), ("STARKRISK__WORKERS__POLL_MS", "50")]);
    let mut server = background(&env, &["--profile", "devnet", "serve"], &port).await;
    let token = String::from_utf8(starkrisk(&env, &["--profile", "devnet", "token", "--role", "admin"], "").stdout)
        .unwrap()
        .trim()
        .to_string();
    let decision = decide(&reqwest::Client::new(), &format!("http://127.0.0.1:{port}/api/v1"), &token).await;
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(decision["status"], "executed", "{decision}");
    assert_eq!(decision["registration"]["checked_by"], "attested by the operator, not verified on chain", "{decision}");
    let fact = decision["chain_checks"]["checks"][0]["outcome"].as_str().unwrap_or_default();
    assert!(fact.contains("attested, not verified on chain"), "{decision}");
}

/// Asks for the README's first decision and waits until it is executed, refused or failed.
pub(crate) async fn decide(client: &reqwest::Client, base: &str, token: &str) -> serde_json::Value {
    let id = orchestrate(client, base, token).await;
    decision_until(client, base, token, &id, finished).await
}

/// Whether a decision read from the API reached a status it does not leave.
pub(crate) fn finished(decision: &serde_json::Value) -> bool {
    ["executed", "refused", "failed"].contains(&decision["status"].as_str().unwrap_or_default())
}

/// Asks for the README's first decision and returns its id.
pub(crate) async fn orchestrate(client: &reqwest::Client, base: &str, token: &str) -> String {
    let body = serde_json::json!({
        "jediswap_metrics": {"utilization": 6500, "volatility": 3500, "liquidity": 1, "audit_score": 98, "age_days": 800},
        "ekubo_metrics": {"utilization": 8200, "volatility": 6100, "liquidity": 2, "audit_score": 72, "age_days": 120},
        "jediswap_apy": 850, "ekubo_apy": 1210});
    let answer = client.post(format!("{base}/risk-engine/orchestrate-allocation")).bearer_auth(token).json(&body);
    let decision: serde_json::Value = answer.send().await.unwrap().json().await.unwrap();
    decision["decision_id"].as_str().unwrap_or_else(|| panic!("{decision}")).to_string()
}

/// Reads decision `id` until `done` holds of it, for at most five minutes (Stone proves in about 12 s,
/// Integrity's verifier checks the proof on devnet, then the vault executes), and returns what it read last.
pub(crate) async fn decision_until(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut decision = serde_json::Value::Null;
    for _ in 0..3000 {
        let read = client.get(format!("{base}/risk-engine/decision/{id}")).bearer_auth(token).send().await.unwrap();
        decision = read.json().await.unwrap();
        if done(&decision) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    decision
}

/// Runs the binary in the background with `env` and `args`, and waits until `/ready` answers on `port`.
pub(crate) async fn background(env: &[(&str, &str)], args: &[&str], port: &str) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    command.env_remove("STARKRISK_PROFILE");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK__")) {
        command.env_remove(key);
    }
    let child = command.args(args).envs(env.iter().copied()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let mut child = child.unwrap();
    let url = format!("http://127.0.0.1:{port}/ready");
    for _ in 0..300 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("starkrisk {args:?} did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_deploy_then_serve_executes_a_decision_through_the_vault() {
    use starknet::core::types::{BlockId, BlockTag, Felt, FunctionCall};
    use starknet::providers::{JsonRpcClient, Provider, jsonrpc::HttpTransport};
    let (devnet, _turn) = Devnet::exclusive().await;
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("operator.json");
    let account = devnet.accounts().await[0];
    assert!(import(&keystore, &format!("{:#x}", account.private_key)).status.success());
    let address = format!("{:#x}", account.address);
    let mut env = chain_env(&devnet.url, "SN_SEPOLIA", keystore.to_str().unwrap());
    env.extend([("STARKRISK__STARKNET__ACCOUNT_ADDRESS", address.as_str()), ("STARKRISK__DATABASE__URL", &db.url)]);

    let deploy = ["--profile", "devnet", "chain", "deploy", "--format", "env"];
    let first = starkrisk(&env, &deploy, "");
    assert!(first.status.success(), "{}", text(&first));
    let settings = printed_settings(&first);
    assert_eq!(settings.len(), 3, "{}", text(&first));
    assert!(settings.contains(&("STARKRISK__STARKNET__INTEGRITY__LOCAL_STAND_IN".into(), "false".into())));
    // On a devnet, Integrity's own FactRegistry and verifier were deployed and the vault reads that registry.
    assert!(text(&first).contains("Integrity 4ce9504 FactRegistry"), "{}", text(&first));
    assert!(text(&first).contains("approved in"), "{}", text(&first));
    // The operator owns this devnet vault, so it funded the treasury with 100 STRK.
    let hundred = "100000000000000000000";
    assert!(text(&first).contains(&format!("treasury: {hundred} deposited in")), "{}", text(&first));
    // Deploying again reuses the classes, the contracts, the approval and the treasury (no second deposit).
    let again = starkrisk(&env, &deploy, "");
    assert!(again.status.success() && text(&again).contains("already approved"), "{}", text(&again));
    let held = format!("treasury: {hundred} ({hundred} idle, 0 JediSwap, 0 Ekubo)");
    assert!(text(&again).contains(&held), "{}", text(&again));
    assert!(settings.iter().all(|(k, v)| text(&again).contains(&format!("{k}={v}"))), "{}", text(&again));

    let port = free_port().to_string();
    env.extend(settings.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    env.extend([("STARKRISK__SERVER__PORT", port.as_str()), ("STARKRISK__WORKERS__POLL_MS", "50")]);
    let mut server = background(&env, &["--profile", "devnet", "serve"], &port).await;
    let token = String::from_utf8(starkrisk(&env, &["--profile", "devnet", "token", "--role", "admin"], "").stdout)
        .unwrap()
        .trim()
        .to_string();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    // A new model registered through the API is approved on the vault (the operator owns it here).
    let v2 = serde_json::json!({"params": {"w_utilization": 25, "w_volatility": 45, "w_liquidity": [0, 5, 15, 30],
        "w_audit": 3, "w_age": 10, "age_cap_days": 730, "clamp_min": 5, "clamp_max": 95}});
    let registered = client.post(format!("{base}/model-registry/register")).bearer_auth(&token).json(&v2);
    let registered: serde_json::Value = registered.send().await.unwrap().json().await.unwrap();
    assert_eq!(registered["on_chain"], "approved on the allocation contract", "{registered}");
    let decision = decide(&client, &base, &token).await;
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(decision["status"], "executed", "{decision}");
    assert!(decision["tx_hash"].is_string() && decision["block_number"].is_u64(), "{decision}");
    assert_eq!(decision["model_version"], 2, "{decision}");
    // Proven by Stone and registered through Integrity's verifier, each transaction listed.
    let registration = &decision["registration"];
    assert_eq!(registration["checked_by"], "verified on chain by Integrity", "{decision}");
    assert_eq!(registration["fact_hash"], decision["fact_hash"], "{decision}");
    assert!(registration["security_bits"].as_u64().unwrap() >= 96, "{decision}");
    assert!(!registration["transactions"].as_array().unwrap().is_empty(), "{decision}");
    // The chain checked every rule of the vault's gate, and says what it found.
    let checks = &decision["chain_checks"];
    assert_eq!(checks["by"], "vault", "{decision}");
    let rules: Vec<&str> = checks["checks"].as_array().unwrap().iter().map(|c| c["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["fact", "model", "limits", "snapshot", "once", "operator"], "{decision}");
    assert!(
        checks["checks"][0]["outcome"].as_str().unwrap().contains("verified by Integrity's verifier"),
        "{decision}"
    );
    // The treasury moved to the proven split, as the vault's event recorded it.
    let moved = &decision["execution_treasury"];
    assert_eq!(moved["before"], serde_json::json!({"idle": hundred, "jediswap": "0", "ekubo": "0"}), "{decision}");
    let share = |bps: &serde_json::Value| 100_000_000_000_000_000_000u128 * u128::from(bps.as_u64().unwrap()) / 10_000;
    assert_eq!(moved["after"]["jediswap"], share(&decision["jediswap_pct"]).to_string(), "{decision}");
    assert_eq!(moved["after"]["ekubo"], share(&decision["ekubo_pct"]).to_string(), "{decision}");

    // The vault holds what the proof states, felt for felt.
    let vault = settings.iter().find(|(k, _)| k.ends_with("CONTRACT_ADDRESS")).unwrap().1.clone();
    let provider = JsonRpcClient::new(HttpTransport::new(reqwest::Url::parse(&devnet.url).unwrap()));
    let view = FunctionCall {
        contract_address: Felt::from_hex(&vault).unwrap(),
        entry_point_selector: starknet::core::utils::get_selector_from_name("current_allocation").unwrap(),
        calldata: vec![],
    };
    let current = provider.call(view, BlockId::Tag(BlockTag::Latest)).await.unwrap();
    let felt = |v: &serde_json::Value| Felt::from(v.as_u64().unwrap());
    let model_hash = Felt::from_hex(decision["model_hash"].as_str().unwrap()).unwrap();
    assert_eq!(current[1], model_hash, "{current:?}");
    assert_eq!(
        &current[2..6],
        &[
            felt(&decision["jediswap_risk"]),
            felt(&decision["ekubo_risk"]),
            felt(&decision["jediswap_pct"]),
            felt(&decision["ekubo_pct"])
        ]
    );
    assert_eq!(current[6], Felt::from_hex(decision["fact_hash"].as_str().unwrap()).unwrap(), "{decision}");
    // The decision records the vault and the event its transaction emitted.
    assert_eq!(Felt::from_hex(decision["executed_by"].as_str().unwrap()).unwrap(), Felt::from_hex(&vault).unwrap());
    let event = &decision["execution_event"];
    assert_eq!((&event["jediswap_bps"], &event["ekubo_bps"]), (&decision["jediswap_pct"], &decision["ekubo_pct"]));
    assert_eq!((&event["model_hash"], &event["fact_hash"]), (&decision["model_hash"], &decision["fact_hash"]));
}
