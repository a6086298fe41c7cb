//! Reads that must agree across endpoints: one lying, compromised or stale node must not make an
//! Integrity fact count as verified.

use starknet::core::types::{Felt, FunctionCall};
use starknet::providers::jsonrpc::{JsonRpcMethod, JsonRpcResponse};

use super::{Failure, RpcError, RpcPool, redacted, request_body};

/// One endpoint's answer: the call's result, or the error the node returned for it.
type Answer = Result<Vec<Felt>, String>;

impl RpcPool {
    /// Calls a view at the latest block on the endpoints in order until two of them give the same answer
    /// (with one endpoint configured, its answer). Two answers that differ with no third to side with one
    /// are a [`RpcError::Disagreement`]; fewer than two answers, [`RpcError::Unavailable`].
    pub async fn call_agreed(&self, call: &FunctionCall) -> Result<Vec<Felt>, RpcError> {
        let needed = self.endpoints.len().min(2);
        let params = serde_json::json!({ "request": call, "block_id": "latest" });
        let body = request_body(&JsonRpcMethod::Call, params)
            .map_err(|e| RpcError::Config { field: "rpc_urls", reason: e })?;
        let mut answers: Vec<(String, Answer)> = Vec::new();
        let mut last = String::from("no endpoint is usable");
        for endpoint in self.order() {
            if let Err(failure) = self.checked(endpoint).await {
                last = failure;
                continue;
            }
            let answer = match self.post::<JsonRpcResponse<Vec<Felt>>>(endpoint, &body).await {
                Ok(JsonRpcResponse::Success { result, .. }) => Ok(result),
                Ok(JsonRpcResponse::Error { error, .. }) => Err(error.message),
                Err(Failure::Retry(why)) => {
                    last = why;
                    continue;
                }
                Err(Failure::WrongChain(e)) => {
                    last = e.to_string();
                    continue;
                }
            };
            if needed == 1 || answers.iter().any(|(_, seen)| *seen == answer) {
                return answer.map_err(|message| RpcError::Rejected { message });
            }
            answers.push((redacted(&endpoint.url), answer));
        }
        match answers.len() {
            0 | 1 => Err(RpcError::Unavailable {
                attempts: 1,
                last: format!("{} of the {needed} agreeing answers a fact needs; last failure: {last}", answers.len()),
            }),
            _ => Err(RpcError::Disagreement { endpoints: answers.into_iter().map(|(url, _)| url).collect() }),
        }
    }
}

impl RpcPool {
    /// Whether every endpoint is a starknet-devnet: each must answer `devnet_getConfig`, a method no public
    /// node serves. A loopback URL proves nothing (a tunnel to mainnet is one), and one devnet among real
    /// nodes does not make the chain a devnet; an endpoint that does not answer counts as not one.
    pub async fn is_devnet(&self) -> bool {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"devnet_getConfig","params":{}}"#;
        for endpoint in &self.endpoints {
            match self.post::<serde_json::Value>(endpoint, body).await {
                Ok(answer) if answer.get("result").is_some_and(serde_json::Value::is_object) => {}
                _ => return false,
            }
        }
        true
    }
}
