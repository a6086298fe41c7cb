//! Shared pieces of the chain tests: operators on devnet accounts and the counter contract.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use starknet::core::chain_id::SEPOLIA;
use starknet::providers::JsonRpcClient;
use starknet::signers::{LocalWallet, SigningKey};
pub use starkrisk_starknet::testing::{DevnetAccount, counter_value, deploy_counter, increase};

pub mod integrity;
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
    Operator::new(pool, wallet, account.address, SEPOLIA, fees, ReceiptSettings { timeout_ms: 10_000, poll_ms: 50 })
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

/// Fees estimated by the node with 50 % margins, as the shipped profiles set them.
pub fn estimated_fees() -> FeeSettings {
    FeeSettings { estimate: true, gas_margin_pct: 50, price_margin_pct: 50, fallback: None }
}
