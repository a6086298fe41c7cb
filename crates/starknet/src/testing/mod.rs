//! A starknet-devnet 0.10.1 for tests: started once per test process on a free loopback port with
//! `--seed 0` (keeping every block's state, so reads pinned to a past block work), stopped when the process ends, and reset with `devnet_restart` before each test that takes it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is how a harness reports failure

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use cairo_lang_starknet_classes::casm_contract_class::CasmContractClass;
use serde_json::{Value, json};
use starknet::accounts::{Account, ExecutionEncoding, SingleOwnerAccount};
use starknet::contract::{ContractFactory, UdcSelector};
use starknet::core::chain_id::SEPOLIA;
use starknet::core::types::contract::SierraClass;
use starknet::core::types::{BlockId, BlockTag, Call, Felt, FunctionCall};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::jsonrpc::HttpTransport;
use starknet::providers::{JsonRpcClient, Provider};
use starknet::signers::{LocalWallet, SigningKey};
use tokio::sync::{Mutex, MutexGuard, OnceCell};

pub mod markets;

/// The devnet version the suite is written against.
pub const VERSION: &str = "0.10.1";

/// A running devnet.
pub struct Devnet {
    /// Its JSON-RPC URL.
    pub url: String,
    _watchdog: Child,
}

/// One of devnet's predeployed accounts.
#[derive(Debug, Clone, Copy)]
pub struct DevnetAccount {
    /// Its address.
    pub address: Felt,
    /// Its private key.
    pub private_key: Felt,
}

static SHARED: OnceCell<Devnet> = OnceCell::const_new();
static TURN: Mutex<()> = Mutex::const_new(());

/// The devnet binary: `STARKNET_DEVNET`, else cargo's bin directory, else `PATH`.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STARKNET_DEVNET") {
        return PathBuf::from(path);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    match cargo_home.map(|home| home.join("bin/starknet-devnet")) {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("starknet-devnet"),
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Devnet {
    /// The process-wide devnet, started on first use.
    pub async fn shared() -> &'static Devnet {
        SHARED.get_or_init(|| async { Devnet::start().await }).await
    }

    /// Takes the shared devnet for one test, reset to its `--seed 0` genesis.
    pub async fn exclusive() -> (&'static Devnet, MutexGuard<'static, ()>) {
        let devnet = Self::shared().await;
        let turn = TURN.lock().await;
        devnet.rpc("devnet_restart", json!({})).await;
        (devnet, turn)
    }

    /// Takes the shared devnet for one test as earlier tests left it: for tests that reuse the classes
    /// an earlier one declared (Integrity's verifier takes long to declare) and keep their state apart by
    /// deploying under salts of their own.
    pub async fn turn() -> (&'static Devnet, MutexGuard<'static, ()>) {
        let devnet = Self::shared().await;
        (devnet, TURN.lock().await)
    }

    async fn start() -> Devnet {
        let port = free_port();
        let binary = binary();
        // A shell watches this test process and stops devnet when it ends, even on a panic or kill.
        let script = format!(
            "'{}' --seed 0 --state-archive-capacity full --host 127.0.0.1 --port {port} >/dev/null 2>&1 & d=$!; \
             while kill -0 {parent} 2>/dev/null && kill -0 $d 2>/dev/null; do sleep 0.5; done; kill $d 2>/dev/null",
            binary.display(),
            parent = std::process::id()
        );
        let watchdog = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sh for starknet-devnet: {e}"));
        let devnet = Devnet { url: format!("http://127.0.0.1:{port}"), _watchdog: watchdog };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/is_alive", devnet.url)).send().await
                && r.status().is_success()
            {
                return devnet;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "starknet-devnet {VERSION} did not start from {} within 30 s: install it with \
             `cargo install starknet-devnet --locked --version {VERSION}` (just test does this) or set STARKNET_DEVNET",
            binary.display()
        );
    }

    /// Calls a devnet JSON-RPC method and returns its result.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer: Value =
            reqwest::Client::new().post(&self.url).json(&body).send().await.unwrap().json().await.unwrap();
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// The predeployed accounts (the same every run with `--seed 0`).
    pub async fn accounts(&self) -> Vec<DevnetAccount> {
        let list = self.rpc("devnet_getPredeployedAccounts", json!({})).await;
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| DevnetAccount {
                address: Felt::from_hex(a["address"].as_str().unwrap()).unwrap(),
                private_key: Felt::from_hex(a["private_key"].as_str().unwrap()).unwrap(),
            })
            .collect()
    }
}

/// A file of the `cairo-lang-starknet` 2.19.4 crate's `test_data` (compiled test contracts), read from
/// cargo's registry, where `deploy/local/devnet.sh` makes sure the crate's sources are.
pub fn cairo_test_data(file: &str) -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap();
    let registry = cargo_home.join("registry/src");
    for index in std::fs::read_dir(&registry).into_iter().flatten().flatten() {
        let path = index.path().join("cairo-lang-starknet-2.19.4/test_data").join(file);
        if path.exists() {
            return path;
        }
    }
    panic!("{file} is not in cargo's registry: run deploy/local/devnet.sh, which fetches cairo-lang-starknet 2.19.4");
}

/// Declares the counter contract of cairo-lang-starknet's test data and deploys it with `initial`, from
/// `account`; returns its address.
pub async fn deploy_counter(url: &str, account: DevnetAccount, initial: u128) -> Felt {
    let base = "new_syntax_test_contract__counter_contract";
    let sierra: SierraClass =
        serde_json::from_slice(&std::fs::read(cairo_test_data(&format!("{base}.contract_class.json"))).unwrap())
            .unwrap();
    let casm: CasmContractClass = serde_json::from_slice(
        &std::fs::read(cairo_test_data(&format!("{base}.compiled_contract_class.json"))).unwrap(),
    )
    .unwrap();
    // Devnet checks the compiled class hash in its Blake2s form, which starknet-rs does not compute.
    let compiled_class_hash = Felt::from_bytes_be(&casm.compiled_class_hash().to_bytes_be());
    let provider = JsonRpcClient::new(HttpTransport::new(reqwest::Url::parse(url).unwrap()));
    let wallet = LocalWallet::from_signing_key(SigningKey::from_secret_scalar(account.private_key));
    let deployer = SingleOwnerAccount::new(provider, wallet, account.address, SEPOLIA, ExecutionEncoding::New);
    let flat = Arc::new(sierra.flatten().unwrap());
    let class_hash = flat.class_hash();
    deployer.declare_v3(flat, compiled_class_hash).send().await.unwrap();
    let factory = ContractFactory::new_with_udc(class_hash, deployer, UdcSelector::New);
    let deployment = factory.deploy_v3(vec![Felt::from(initial), Felt::ZERO], Felt::from(7u8), false);
    let address = deployment.deployed_address();
    deployment.send().await.unwrap();
    address
}

/// `increase_counter(amount)` on `counter`.
pub fn increase(counter: Felt, amount: u128) -> Call {
    Call {
        to: counter,
        selector: get_selector_from_name("increase_counter").unwrap(),
        calldata: vec![Felt::from(amount)],
    }
}

/// The counter's value.
pub async fn counter_value(url: &str, counter: Felt) -> Felt {
    let provider = JsonRpcClient::new(HttpTransport::new(reqwest::Url::parse(url).unwrap()));
    let call = FunctionCall {
        contract_address: counter,
        entry_point_selector: get_selector_from_name("get_counter").unwrap(),
        calldata: vec![],
    };
    provider.call(call, BlockId::Tag(BlockTag::Latest)).await.unwrap()[0]
}
