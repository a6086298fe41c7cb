//! `starkrisk serve` as a real process on a real Postgres and starknet-devnet, for end-to-end tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use starknet::core::types::{BlockId, BlockTag, Felt};
use starknet::providers::jsonrpc::HttpTransport;
use starknet::providers::{JsonRpcClient, Provider};
use starkrisk_starknet::testing::{Devnet, DevnetAccount, free_port};

mod receipts_withheld;
pub mod rpc_proxy;
pub use receipts_withheld::receipts_withheld;

pub const PASSWORD: &str = "e2e keystore password";
pub const SECRET: &str = "0123456789abcdef0123456789abcdef-e2e";
const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/config");

/// What every service process of one test shares: the database, the chain, the account and contract.
pub struct World {
    pub db_url: String,
    pub devnet_url: String,
    pub account: DevnetAccount,
    pub counter: Felt,
    pub keystore: PathBuf,
    /// The settings `chain deploy` printed, when the allocation contract is the vault instead of the counter.
    vault: Vec<(String, String)>,
    /// The configuration profile every command of this world runs under, if any.
    profile: Option<&'static str>,
    _dir: tempfile::TempDir,
}

/// Which FactRegistry a world's vault reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    /// Integrity's own FactRegistry and verifier, deployed by `chain deploy` under the `devnet` profile as
    /// `just run` does: decisions are proven by Stone and their proofs verified on chain by Integrity.
    Integrity,
    /// starkrisk's stand-in (`chain deploy --local-registry`): S-two decisions, whose facts the operator
    /// attests; for what does not depend on who verified the proof.
    StandIn,
}

impl World {
    /// A keystore for devnet's first account and the counter contract as the allocation contract.
    pub async fn new(devnet: &Devnet, db_url: String) -> World {
        let accounts = devnet.accounts().await;
        let counter = starkrisk_starknet::testing::deploy_counter(&devnet.url, accounts[1], 0).await;
        World::keyed(devnet, db_url, counter).await
    }

    /// A keystore for devnet's first account, executing on `counter`.
    async fn keyed(devnet: &Devnet, db_url: String, counter: Felt) -> World {
        let accounts = devnet.accounts().await;
        let dir = tempfile::tempdir().unwrap();
        let keystore = dir.path().join("operator.json");
        let out = Command::new(env!("CARGO_BIN_EXE_starkrisk"))
            .args(["keystore", "import", keystore.to_str().unwrap()])
            .env("STARKRISK_KEYSTORE_PASSWORD", PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(format!("{:#x}", accounts[0].private_key).as_bytes())?;
                child.wait()
            })
            .unwrap();
        assert!(out.success());
        World {
            db_url,
            devnet_url: devnet.url.clone(),
            account: accounts[0],
            counter,
            keystore,
            vault: vec![],
            profile: None,
            _dir: dir,
        }
    }

    /// A world whose allocation contract is the AllocationVault holding 100 STRK, deployed by `chain deploy`
    /// as a user would, over `registry`; every execution moves the treasury.
    /// Its contracts are deployed under a salt of its own, so a devnet that earlier worlds used (taken with
    /// `Devnet::turn`) gives it a registry and vault of its own while the classes, Integrity's verifier
    /// above all, are declared once.
    pub async fn on_vault(devnet: &Devnet, db_url: String, registry: Registry) -> World {
        static WORLDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut world = World::keyed(devnet, db_url, Felt::ZERO).await;
        if registry == Registry::Integrity {
            world.profile = Some("devnet");
        }
        let salt = format!("{:#x}", 0xe2e0_0000 + WORLDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let mut deploy = world.command(free_port());
        deploy.args(["chain", "deploy", "--format", "env", "--salt", &salt]);
        if registry == Registry::StandIn {
            deploy.arg("--local-registry");
        }
        let out = deploy.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        world.vault = stdout
            .lines()
            .filter_map(|l| l.split_once('=').filter(|(k, _)| k.starts_with("STARKRISK__")))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        world
    }

    /// `starkrisk` under this world's profile and environment (and no other STARKRISK setting), on `port`.
    fn command(&self, port: u16) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
            command.env_remove(key);
        }
        command.envs(self.env(port));
        if let Some(profile) = self.profile {
            command.args(["--profile", profile]);
        }
        command
    }

    /// The vault's address; panics on a counter world.
    pub fn vault(&self) -> Felt {
        let address = self.vault.iter().find(|(k, _)| k == "STARKRISK__STARKNET__EXECUTOR__CONTRACT_ADDRESS");
        Felt::from_hex(&address.expect("a world on the vault").1).unwrap()
    }

    /// The vault's treasury now, as it reports it.
    pub async fn treasury(&self) -> starkrisk_domain::TreasuryBalances {
        let reader = starkrisk_starknet::testing::markets::devnet_operator(&self.devnet_url, self.account);
        starkrisk_starknet::vault::treasury(reader.provider(), self.vault()).await.unwrap()
    }

    /// The environment of a service process on `port`.
    pub fn env(&self, port: u16) -> Vec<(String, String)> {
        [
            ("STARKRISK_CONFIG_DIR", CONFIG_DIR.to_string()),
            ("STARKRISK__AUTH__HS256_SECRET", SECRET.into()),
            ("STARKRISK__DATABASE__URL", self.db_url.clone()),
            ("STARKRISK__SERVER__PORT", port.to_string()),
            ("STARKRISK__LOG__LEVEL", "info".into()),
            ("STARKRISK__WORKERS__POLL_MS", "50".into()),
            ("STARKRISK__WORKERS__LEASE_MS", "3000".into()),
            ("STARKRISK__PIPELINE__BACKOFF_BASE_MS", "100".into()),
            ("STARKRISK__PIPELINE__BACKOFF_MAX_MS", "1000".into()),
            ("STARKRISK__PIPELINE__MAX_RETRIES", "30".into()),
            ("STARKRISK__STARKNET__ENABLED", "true".into()),
            ("STARKRISK__STARKNET__ACCOUNT_ADDRESS", format!("{:#x}", self.account.address)),
            ("STARKRISK__STARKNET__RPC__RPC_URLS", self.devnet_url.clone()),
            ("STARKRISK__STARKNET__RPC__CHAIN_ID", "SN_SEPOLIA".into()),
            ("STARKRISK__STARKNET__KEYSTORE__PATH", self.keystore.display().to_string()),
            ("STARKRISK_KEYSTORE_PASSWORD", PASSWORD.into()),
            ("STARKRISK__STARKNET__RECEIPTS__POLL_MS", "50".into()),
            // Integrity's verifier takes seconds per step on devnet, far more on a loaded machine: a receipt
            // that timed out would only have the registration resumed a backoff later (and listed whole).
            ("STARKRISK__STARKNET__RECEIPTS__TIMEOUT_MS", "120000".into()),
            ("STARKRISK__STARKNET__EXECUTOR__CONTRACT_ADDRESS", format!("{:#x}", self.counter)),
            ("STARKRISK__STARKNET__EXECUTOR__ENTRYPOINT", "increase_counter".into()),
            ("STARKRISK__STARKNET__EXECUTOR__CALLDATA", "jediswap_bps".into()),
            // A counter, not the vault: it does not gate on models.
            ("STARKRISK__STARKNET__EXECUTOR__VAULT", "false".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        // On the vault, the counter's executor gives way to the defaults' (the vault's entrypoint and
        // calldata) and to what `chain deploy` printed.
        .filter(|(k, _)| self.vault.is_empty() || !k.starts_with("STARKRISK__STARKNET__EXECUTOR__"))
        .filter(|(k, _)| !self.vault.iter().any(|(key, _)| key == k))
        .chain(self.vault.iter().cloned())
        .collect()
    }

    /// Starts a service process and waits until it is ready.
    pub async fn serve(&self) -> Service {
        self.serve_with(&[]).await
    }

    /// Starts a service process with `extra` settings on top of this world's and waits until it is ready.
    pub async fn serve_with(&self, extra: &[(&str, &str)]) -> Service {
        let port = free_port();
        let mut command = self.command(port);
        command.envs(extra.iter().copied());
        // STARKRISK_E2E_LOGS=1 shows the service's logs beside the test's output (with --nocapture).
        let logs = if std::env::var_os("STARKRISK_E2E_LOGS").is_some() { Stdio::inherit() } else { Stdio::null() };
        let child = command.arg("serve").stdout(logs).stderr(Stdio::inherit()).spawn().unwrap();
        let service = Service { child, base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() };
        for _ in 0..300 {
            if service.http.get(format!("{}/ready", service.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return service;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the service on port {port} did not become ready");
    }

    /// Checks that `decisions`, all executed by the vault, moved the treasury once each: sorted by block, each
    /// move starts where the one before left the funds (the first from `start`, all idle), gives each
    /// strategy its proven share and conserves the total, and the vault holds what the last one left.
    pub async fn assert_moved_once(&self, start: starkrisk_domain::TreasuryBalances, decisions: &[Value]) {
        let mut decisions: Vec<&Value> = decisions.iter().collect();
        decisions.sort_by_key(|d| d["block_number"].as_u64().unwrap());
        let balances = |v: &Value| -> [u128; 3] {
            ["idle", "jediswap", "ekubo"].map(|h| v[h].as_str().unwrap_or_else(|| panic!("{v}")).parse().unwrap())
        };
        let total = start.total().unwrap();
        let mut held = [start.idle, start.jediswap, start.ekubo];
        assert_eq!(held, [total, 0, 0], "chain deploy funded the treasury");
        for d in decisions {
            let moved = &d["execution_treasury"];
            assert_eq!(balances(&moved["before"]), held, "{d}");
            held = balances(&moved["after"]);
            let share = |bps: &str| total * u128::from(d[bps].as_u64().unwrap()) / 10_000;
            assert_eq!((held[1], held[2]), (share("jediswap_pct"), share("ekubo_pct")), "{d}");
            assert_eq!(held.iter().sum::<u128>(), total, "conserved: {d}");
        }
        let now = self.treasury().await;
        assert_eq!([now.idle, now.jediswap, now.ekubo], held, "the chain holds what the last execution left");
    }

    /// The counter's value: the sum of the JediSwap shares of every execution that landed.
    pub async fn counter(&self) -> u64 {
        starkrisk_starknet::testing::counter_value(&self.devnet_url, self.counter).await.try_into().unwrap()
    }

    /// Transactions the operator account has sent (its nonce).
    pub async fn sent(&self) -> u64 {
        let provider = JsonRpcClient::new(HttpTransport::new(reqwest::Url::parse(&self.devnet_url).unwrap()));
        provider.get_nonce(BlockId::Tag(BlockTag::Latest), self.account.address).await.unwrap().try_into().unwrap()
    }
}

/// A running `starkrisk serve`.
pub struct Service {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Metrics varied by `n`, so decisions differ.
pub fn body(n: u32) -> Value {
    json!({
        "jediswap_metrics": {"utilization": 6000 + 100 * n, "volatility": 3500, "liquidity": 1, "audit_score": 98, "age_days": 800},
        "ekubo_metrics": {"utilization": 8200, "volatility": 6100, "liquidity": 2, "audit_score": 72, "age_days": 120},
        "jediswap_apy": 850, "ekubo_apy": 1210
    })
}

impl Service {
    /// kill -9.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn token(&self) -> String {
        self.token_as(starkrisk_app::Role::Operator)
    }

    /// A token this service accepts, for `role`.
    #[allow(dead_code)] // each test binary compiles this module; not every one signs in as another role
    pub fn token_as(&self, role: starkrisk_app::Role) -> String {
        let settings = starkrisk_app::AuthSettings {
            hs256_secret: Some(starkrisk_domain::Secret::new(SECRET)),
            hs256_secret_file: None,
            generate_dev_secret: false,
            ..starkrisk_app::Settings::load("local", std::path::Path::new(CONFIG_DIR)).unwrap().auth
        };
        starkrisk_app::Authenticator::from_settings(&settings)
            .unwrap()
            .mint("e2e", role, Duration::from_secs(3600))
            .unwrap()
    }

    /// POST with an operator token; the status and body.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(self.token()).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// The sum of the series of this service's `/metrics` that start with `series`.
    pub async fn metric(&self, series: &str) -> u64 {
        let exposition = self.http.get(format!("{}/metrics", self.base)).send().await.unwrap().text().await.unwrap();
        crate::common::metric_sum(&exposition, series)
    }

    /// GET with an operator token.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(self.token()).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Orchestrates a decision; its id.
    pub async fn orchestrate(&self, n: u32) -> String {
        let (status, decision) = self.post("/api/v1/risk-engine/orchestrate-allocation", body(n)).await;
        assert_eq!(status, 202, "{decision}");
        decision["decision_id"].as_str().unwrap().to_string()
    }

    /// The decision `id`.
    pub async fn decision(&self, id: &str) -> Value {
        self.get(&format!("/api/v1/risk-engine/decision/{id}")).await.1
    }

    /// Waits until every decision in `ids` is executed; returns them.
    pub async fn all_executed(&self, ids: &[String]) -> Vec<Value> {
        // Bounded by time, not rounds: a Stone decision takes seconds, and far longer under coverage.
        let waiting = std::time::Instant::now();
        while waiting.elapsed() < Duration::from_secs(600) {
            let mut done = vec![];
            for id in ids {
                let d = self.decision(id).await;
                assert!(!matches!(d["status"].as_str(), Some("failed" | "refused")), "{d}");
                if d["status"] == "executed" {
                    done.push(d);
                }
            }
            if done.len() == ids.len() {
                return done;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("not every decision was executed within 10 minutes");
    }
}
