//! A JSON-RPC proxy in front of devnet that never answers a receipt or status query about a transaction
//! sent to one contract: a service reading the chain through it sends that transaction and waits on its
//! receipt for as long as the proxy holds it, however fast devnet includes it.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::Value;
use starknet::core::types::Felt;

use super::rpc_proxy;

struct Proxy {
    devnet: String,
    contract: Felt,
    held: Mutex<HashSet<Felt>>,
    unanswered: AtomicUsize,
}

/// The running proxy.
pub struct ReceiptsWithheld {
    /// Its JSON-RPC URL.
    pub url: String,
    proxy: web::Data<Proxy>,
}

impl ReceiptsWithheld {
    /// How many queries about a held transaction it has left unanswered so far.
    pub fn unanswered(&self) -> usize {
        self.proxy.unanswered.load(Ordering::SeqCst)
    }
}

/// Starts the proxy for transactions to `contract`.
pub fn receipts_withheld(devnet: String, contract: Felt) -> ReceiptsWithheld {
    let proxy = web::Data::new(Proxy { devnet, contract, held: Mutex::new(HashSet::new()), unanswered: 0.into() });
    let url = rpc_proxy::serve(proxy.clone(), withhold);
    ReceiptsWithheld { url, proxy }
}

async fn withhold(body: web::Bytes, proxy: web::Data<Proxy>) -> HttpResponse {
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let method = request["method"].as_str().unwrap_or_default();
    let asks_after = matches!(method, "starknet_getTransactionReceipt" | "starknet_getTransactionStatus");
    if asks_after && felts(&request["params"]).any(|f| proxy.held.lock().unwrap().contains(&f)) {
        proxy.unanswered.fetch_add(1, Ordering::SeqCst);
        // Longer than any test waits: the asking service is killed or the test over before it ends.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let answer = rpc_proxy::forward(&proxy.devnet, &body).await;
    if method == "starknet_addInvokeTransaction" && felts(&request["params"]).any(|f| f == proxy.contract) {
        let sent: Value = serde_json::from_slice(&answer).unwrap_or_default();
        if let Some(hash) = sent["result"]["transaction_hash"].as_str() {
            proxy.held.lock().unwrap().insert(Felt::from_hex(hash).unwrap());
        }
    }
    rpc_proxy::json(answer)
}

/// Every string in `value` that reads as a felt, at any depth.
fn felts(value: &Value) -> Box<dyn Iterator<Item = Felt> + '_> {
    match value {
        Value::String(s) => Box::new(Felt::from_hex(s).ok().into_iter()),
        Value::Array(items) => Box::new(items.iter().flat_map(felts)),
        Value::Object(fields) => Box::new(fields.values().flat_map(felts)),
        _ => Box::new(std::iter::empty()),
    }
}
