//! Shared pieces of the chain tests: operators on devnet accounts and the counter contract.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use cairo_lang_starknet_classes::casm_contract_class::CasmContractClass;
use starknet::accounts::{Account, ExecutionEncoding, SingleOwnerAccount};
use starknet::contract::{ContractFactory, UdcSelector};
use starknet::core::chain_id::SEPOLIA;
use starknet::core::types::contract::SierraClass;
use starknet::core::types::{BlockId, BlockTag, Call, Felt, FunctionCall};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::jsonrpc::HttpTransport;
use starknet::providers::{JsonRpcClient, Provider};
use starknet::signers::{LocalWallet, SigningKey};
use starkrisk_starknet::devnet::{DevnetAccount, cairo_test_data};
use starkrisk_starknet::{FeeSettings, Operator, ReceiptSettings, RpcPool, RpcSettings};

/// Pool settings for tests: short timeouts and backoff.
pub fn rpc_settings(urls: Vec<String>) -> RpcSettings {
    RpcSettings {
        rpc_urls: urls,
        chain_id: "SN_SEPOLIA".into(),
        request_timeout_ms: 3_000,
        max_attempts: 3,
        backoff_base_ms: 20,
        backoff_max_ms: 200,
        unhealthy_cooldown_ms: 60_000,
    }
}

/// An operator over `urls` signing for `account`.
pub fn operator(urls: Vec<String>, account: DevnetAccount, fees: FeeSettings) -> Operator {
    let pool = Arc::new(RpcPool::new(rpc_settings(urls)).unwrap());
    let wallet = LocalWallet::from_signing_key(SigningKey::from_secret_scalar(account.private_key));
    Operator::new(
        JsonRpcClient::new(pool),
        wallet,
        account.address,
        SEPOLIA,
        fees,
        ReceiptSettings { timeout_ms: 10_000, poll_ms: 50 },
    )
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

/// A TCP proxy on loopback in front of `target`, to be killed mid-run.
pub struct Proxy {
    /// Its URL.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
    connections: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    /// Starts forwarding to `target` (`host:port`).
    pub async fn start(target: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let open = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                open.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Proxy { url, task, connections }
    }

    /// Stops listening and cuts every open connection, like a node going down.
    pub fn kill(&self) {
        self.task.abort();
        self.connections.lock().unwrap().iter().for_each(|c| c.abort());
    }
}
