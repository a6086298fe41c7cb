//! The vault owner's approval off a devnet, through the binary: a new model is registered but not approved
//! by the service, its decision waits verified with the owner's call, and `chain approve-model` (signed with
//! the owner's key, or printed for a multisig) releases it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::{Devnet, free_port};

use crate::chain_cli::{
    PASSWORD, background, chain_env, decision_until, finished, import, not_a_devnet, orchestrate, printed_settings,
    starkrisk, text,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_model_awaits_its_owner_whose_approve_model_releases_the_decision_and_off_a_devnet_none_is_approved() {
    let (devnet, _turn) = Devnet::turn().await;
    let db = TestDatabase::new().await;
    let dir = tempfile::tempdir().unwrap();
    let accounts = devnet.accounts().await;
    let (operator_keystore, owner_keystore) = (dir.path().join("operator.json"), dir.path().join("owner.json"));
    assert!(import(&operator_keystore, &format!("{:#x}", accounts[0].private_key)).status.success());
    assert!(import(&owner_keystore, &format!("{:#x}", accounts[1].private_key)).status.success());
    let (operator, owner) = (format!("{:#x}", accounts[0].address), format!("{:#x}", accounts[1].address));
    let env_on = |url: &str| {
        let mut env = chain_env(url, "SN_SEPOLIA", operator_keystore.to_str().unwrap());
        env.extend([
            ("STARKRISK__STARKNET__ACCOUNT_ADDRESS", operator.as_str()),
            ("STARKRISK__DATABASE__URL", &db.url),
        ]);
        env.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()
    };

    // The operator deploys on the devnet, naming an owner of its own. The gate is the stand-in registry with
    // S-two proofs: what is tested here is who approves and funds, and Integrity's own registration of a
    // Stone proof is chain_cli's (a Stone decision would add two minutes). Salts of its own: the devnet is
    // shared as earlier tests left it.
    let deploy = ["--profile", "devnet", "chain", "deploy", "--format", "env", "--salt", "0xa1"];
    let first = [&deploy[..], &["--owner", owner.as_str(), "--local-registry"]].concat();
    let deployed = starkrisk(&borrowed(&env_on(&devnet.url)), &first, "");
    assert!(deployed.status.success(), "{}", text(&deployed));
    assert!(text(&deployed).contains(&format!("not approved: the owner {owner} must call")), "{}", text(&deployed));
    // Nor does the operator fund the owner's treasury: until the owner deposits, executions revert.
    assert!(
        text(&deployed).contains(&format!("empty: executions revert until the owner {owner}")),
        "{}",
        text(&deployed)
    );
    let port = free_port().to_string();
    let mut env = env_on(&devnet.url);
    env.extend(printed_settings(&deployed));
    env.extend([
        ("STARKRISK__SERVER__PORT".to_string(), port.clone()),
        ("STARKRISK__WORKERS__POLL_MS".to_string(), "50".to_string()),
        // A waiting decision is looked at again after the longest backoff: a second here.
        ("STARKRISK__PIPELINE__BACKOFF_MAX_MS".to_string(), "1000".to_string()),
    ]);
    let mut server = background(&borrowed(&env), &["--profile", "devnet", "serve"], &port).await;
    let token =
        String::from_utf8(starkrisk(&borrowed(&env), &["--profile", "devnet", "token", "--role", "admin"], "").stdout)
            .unwrap()
            .trim()
            .to_string();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let registered = register_model(&client, &base, &token, 45).await;
    let hash = registered["model_hash"].as_str().unwrap().to_string();
    let said = registered["on_chain"].as_str().unwrap_or_default();
    assert!(said.starts_with("registered; awaiting the owner's approval on chain"), "{registered}");
    assert!(said.contains(&format!("approve_model({hash})")) && said.contains("chain approve-model"), "{registered}");

    // Its decision is proven and registered, then waits for the owner instead of failing.
    let id = orchestrate(&client, &base, &token).await;
    let waiting = |d: &serde_json::Value| {
        finished(d) || d["message"].as_str().is_some_and(|m| m.contains("not approved on the allocation contract"))
    };
    let decision = decision_until(&client, &base, &token, &id, waiting).await;
    assert_eq!(decision["status"], "verified", "{decision}");
    assert_eq!(decision["model_version"], 2, "{decision}");

    // For a multisig owner: the call to make, and nothing sent.
    let approve = ["--profile", "devnet", "chain", "approve-model", "--version", "2"];
    let printed = starkrisk(&borrowed(&env), &[&approve[..], &["--print-call"]].concat(), "");
    assert!(printed.status.success(), "{}", text(&printed));
    let call: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(call["entrypoint"], "approve_model", "{call}");
    assert_eq!(call["calldata"], serde_json::json!([hash]), "{call}");
    // The operator's key is not the owner's: the vault refuses it.
    let with_key = |env: &[(String, String)], address: &str, keystore: &std::path::Path| {
        let args = [&approve[..], &["--owner", address, "--owner-keystore", keystore.to_str().unwrap()]].concat();
        let mut env = borrowed(env);
        env.push(("STARKRISK_OWNER_KEYSTORE_PASSWORD", PASSWORD));
        starkrisk(&env, &args, "")
    };
    let refused = with_key(&env, &operator, &operator_keystore);
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("is not the owner of the vault"), "{}", text(&refused));
    // The owner funds the treasury first (as a multisig would from the printed calls), or the decision's
    // execution would revert for want of funds; the operator's key cannot.
    let deposit = ["--profile", "devnet", "chain", "deposit", "--amount", "5000000"];
    let printed = starkrisk(&borrowed(&env), &[&deposit[..], &["--print-call"]].concat(), "");
    let calls: serde_json::Value =
        serde_json::from_slice(&printed.stdout).unwrap_or_else(|_| panic!("{}", text(&printed)));
    assert_eq!((calls[0]["entrypoint"].as_str(), calls[1]["entrypoint"].as_str()), (Some("approve"), Some("deposit")));
    assert_eq!(calls[1]["calldata"], serde_json::json!(["0x4c4b40", "0x0"]), "{calls}");
    let owner_does = |args: &[&str], address: &str, keystore: &std::path::Path| {
        let args = [args, &["--owner", address, "--owner-keystore", keystore.to_str().unwrap()]].concat();
        let mut env = borrowed(&env);
        env.push(("STARKRISK_OWNER_KEYSTORE_PASSWORD", PASSWORD));
        starkrisk(&env, &args, "")
    };
    let refused = owner_does(&deposit, &operator, &operator_keystore);
    assert!(text(&refused).contains("is not the owner of the vault"), "{}", text(&refused));
    let funded = owner_does(&deposit, &owner, &owner_keystore);
    assert!(text(&funded).contains("it holds 5000000 idle, 0 JediSwap, 0 Ekubo"), "{}", text(&funded));
    // The owner's key approves it, once; the waiting decision is executed.
    let approved = with_key(&env, &owner, &owner_keystore);
    assert!(approved.status.success() && text(&approved).contains("approved model v2"), "{}", text(&approved));
    let again = with_key(&env, &owner, &owner_keystore);
    assert!(text(&again).contains("is already approved"), "{}", text(&again));
    let decision = decision_until(&client, &base, &token, &id, finished).await;
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(decision["status"], "executed", "{decision}");
    assert_eq!(decision["chain_checks"]["by"], "vault", "{decision}");
    // ...by moving the owner's deposit to the proven split, as the vault's event says.
    let moved = &decision["execution_treasury"];
    assert_eq!(moved["before"], serde_json::json!({"idle": "5000000", "jediswap": "0", "ekubo": "0"}), "{decision}");
    let share = |bps: &serde_json::Value| (5_000_000 * bps.as_u64().unwrap() / 10_000).to_string();
    assert_eq!(moved["after"]["jediswap"], share(&decision["jediswap_pct"]), "{decision}");
    assert_eq!(moved["after"]["ekubo"], share(&decision["ekubo_pct"]), "{decision}");
    assert_eq!(moved["jediswap_deposited"], moved["after"]["jediswap"], "{decision}");

    // A vault the operator owns, reached through a node that is not a devnet (as Sepolia is): metrics a
    // caller supplies are refused at startup, and a new model is not approved by the service even though
    // its key could.
    let owned = starkrisk(&borrowed(&env_on(&devnet.url)), &[&deploy[..6], &["--salt", "0xa2"]].concat(), "");
    assert!(owned.status.success(), "{}", text(&owned));
    let elsewhere = not_a_devnet(devnet.url.clone());
    let port = free_port().to_string();
    let mut env = env_on(&elsewhere);
    env.extend(printed_settings(&owned));
    env.push(("STARKRISK__SERVER__PORT".to_string(), port.clone()));
    let refused = starkrisk(&borrowed(&env), &["--profile", "devnet", "serve"], "");
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(text(&refused).contains("allow_supplied_metrics is refused on SN_SEPOLIA"), "{}", text(&refused));
    env.push(("STARKRISK__PIPELINE__ALLOW_SUPPLIED_METRICS".to_string(), "false".to_string()));
    let mut server = background(&borrowed(&env), &["--profile", "devnet", "serve"], &port).await;
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let registered = register_model(&client, &base, &token, 50).await;
    let _ = server.kill();
    let _ = server.wait();
    let said = registered["on_chain"].as_str().unwrap_or_default();
    assert!(said.starts_with("registered; awaiting the owner's approval on chain"), "{registered}");
    // Not approved on chain: the command prints the call to make instead of "already approved".
    let approve = ["--profile", "devnet", "chain", "approve-model", "--version", "3"];
    let printed = starkrisk(&borrowed(&env), &[&approve[..], &["--print-call"]].concat(), "");
    let call: serde_json::Value =
        serde_json::from_slice(&printed.stdout).unwrap_or_else(|_| panic!("{}", text(&printed)));
    assert_eq!(call["calldata"], serde_json::json!([registered["model_hash"]]), "{call}");
    // Its owner, the operator's account here, approves it with the command like any owner.
    let args = [&approve[..], &["--owner", operator.as_str(), "--owner-keystore", operator_keystore.to_str().unwrap()]]
        .concat();
    let mut owner_env = borrowed(&env);
    owner_env.push(("STARKRISK_OWNER_KEYSTORE_PASSWORD", PASSWORD));
    let approved = starkrisk(&owner_env, &args, "");
    assert!(approved.status.success() && text(&approved).contains("approved model v3"), "{}", text(&approved));
}

/// Registers the next model through the API, with `w_volatility` set apart from the defaults.
async fn register_model(client: &reqwest::Client, base: &str, token: &str, w_volatility: u32) -> serde_json::Value {
    let params = serde_json::json!({"params": {"w_utilization": 25, "w_volatility": w_volatility,
        "w_liquidity": [0, 5, 15, 30], "w_audit": 3, "w_age": 10, "age_cap_days": 730, "clamp_min": 5,
        "clamp_max": 95}});
    let registered = client.post(format!("{base}/model-registry/register")).bearer_auth(token).json(&params);
    registered.send().await.unwrap().json().await.unwrap()
}

/// The environment as the helpers take it.
fn borrowed(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
