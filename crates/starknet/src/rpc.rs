//! A JSON-RPC transport over several Starknet endpoints: per-request timeouts, failover to the next URL on
//! transport errors and 5xx, retries with jittered backoff, health tracking, and a chain-id guard that
//! keeps an endpoint of the wrong network from ever answering.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use starknet::core::types::Felt;
use starknet::core::utils::parse_cairo_short_string;
use starknet::providers::ProviderRequestData;
use starknet::providers::jsonrpc::{JsonRpcMethod, JsonRpcResponse, JsonRpcTransport};
use starkrisk_domain::ports::SystemClock;
use starkrisk_domain::{Attempt, Backoff, GaveUp, Retry, RetryLimit};

mod quorum;

/// The `[starknet]` RPC settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcSettings {
    /// Endpoints in order of preference.
    pub rpc_urls: Vec<String>,
    /// The chain every endpoint must serve, as its short string (`SN_MAIN`, `SN_SEPOLIA`).
    pub chain_id: String,
    /// Longest one HTTP request may take, in milliseconds.
    pub request_timeout_ms: u64,
    /// Rounds over all endpoints before giving up.
    pub max_attempts: u32,
    /// First backoff between rounds, in milliseconds; doubled each round, with jitter.
    pub backoff_base_ms: u64,
    /// Longest backoff, in milliseconds.
    pub backoff_max_ms: u64,
    /// How long a failed endpoint goes to the back of the line, in milliseconds.
    pub unhealthy_cooldown_ms: u64,
}

/// Why the pool gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// No endpoint answered in any round.
    #[error("no Starknet RPC endpoint answered after {attempts} rounds: {last}")]
    Unavailable {
        /// Rounds tried.
        attempts: u32,
        /// The last failure seen.
        last: String,
    },
    /// An endpoint serves another network.
    #[error("the RPC at {url} serves chain {actual}, but starknet.chain_id is {expected}: refusing to use it")]
    WrongChain {
        /// The endpoint.
        url: String,
        /// Its chain.
        actual: String,
        /// The configured chain.
        expected: String,
    },
    /// Two endpoints answered the same read differently, and no third sided with either.
    #[error(
        "the RPC endpoints {} answered the same read differently; it does not count until two agree",
        endpoints.join(", ")
    )]
    Disagreement {
        /// The endpoints that answered (without credentials).
        endpoints: Vec<String>,
    },
    /// The endpoints agree that the node refused the call.
    #[error("the node refused the call: {message}")]
    Rejected {
        /// The node's words.
        message: String,
    },
    /// The configuration cannot work.
    #[error("starknet.{field}: {reason}")]
    Config {
        /// The setting.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// What the pool knows about one endpoint.
#[derive(Debug)]
struct Endpoint {
    url: reqwest::Url,
    state: Mutex<Health>,
}

#[derive(Debug, Default, Clone)]
struct Health {
    failures: u32,
    failed_at: Option<Instant>,
    /// The chain was checked and matches.
    chain_checked: bool,
    /// The endpoint serves another chain; it is never used.
    wrong_chain: Option<String>,
}

/// A health report of one endpoint, for `/ready` and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointHealth {
    /// The endpoint (without credentials).
    pub url: String,
    /// Consecutive failures.
    pub failures: u32,
    /// Whether it is currently preferred.
    pub healthy: bool,
}

/// The transport: implement once, use as any starknet-rs provider via `JsonRpcClient::new(pool)`.
#[derive(Debug)]
pub struct RpcPool {
    endpoints: Vec<Endpoint>,
    client: reqwest::Client,
    settings: RpcSettings,
}

/// One endpoint's failure: whether another endpoint may do better.
enum Failure {
    Retry(String),
    WrongChain(RpcError),
}

impl RpcPool {
    /// A pool over the configured URLs (nothing is contacted yet).
    pub fn new(settings: RpcSettings) -> Result<Self, RpcError> {
        if settings.rpc_urls.is_empty() {
            return Err(RpcError::Config { field: "rpc_urls", reason: "list at least one RPC URL".into() });
        }
        let endpoints = settings
            .rpc_urls
            .iter()
            .map(|text| {
                reqwest::Url::parse(text)
                    .map(|url| Endpoint { url, state: Mutex::new(Health::default()) })
                    .map_err(|e| RpcError::Config { field: "rpc_urls", reason: format!("`{text}`: {e}") })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.request_timeout_ms))
            .build()
            .map_err(|e| RpcError::Config { field: "rpc_urls", reason: format!("HTTP client: {e}") })?;
        Ok(Self { endpoints, client, settings })
    }

    /// Checks every reachable endpoint's chain id; fails on any mismatch or when none answers. Run at startup.
    pub async fn check_chain(&self) -> Result<(), RpcError> {
        let mut reachable = 0;
        let mut last = String::from("no endpoint tried");
        for endpoint in &self.endpoints {
            match self.verify_chain(endpoint).await {
                Ok(()) => reachable += 1,
                Err(Failure::WrongChain(e)) => return Err(e),
                Err(Failure::Retry(why)) => {
                    tracing::warn!(url = %redacted(&endpoint.url), error = %why, "RPC endpoint unreachable at startup");
                    last = why;
                }
            }
        }
        if reachable == 0 {
            return Err(RpcError::Unavailable { attempts: 1, last });
        }
        Ok(())
    }

    /// Every endpoint's health.
    pub fn health(&self) -> Vec<EndpointHealth> {
        self.endpoints
            .iter()
            .map(|e| {
                let h = lock(&e.state);
                EndpointHealth {
                    url: redacted(&e.url),
                    failures: h.failures,
                    healthy: h.wrong_chain.is_none() && !self.cooling(&h),
                }
            })
            .collect()
    }

    fn cooling(&self, health: &Health) -> bool {
        health.failed_at.is_some_and(|t| t.elapsed() < Duration::from_millis(self.settings.unhealthy_cooldown_ms))
    }

    /// Endpoints to try, healthy ones first in configured order, cooling ones after; wrong chains never.
    fn order(&self) -> Vec<&Endpoint> {
        let (mut healthy, mut cooling) = (vec![], vec![]);
        for endpoint in &self.endpoints {
            let health = lock(&endpoint.state).clone();
            if health.wrong_chain.is_some() {
                continue;
            }
            if self.cooling(&health) { cooling.push(endpoint) } else { healthy.push(endpoint) }
        }
        healthy.append(&mut cooling);
        healthy
    }

    async fn verify_chain(&self, endpoint: &Endpoint) -> Result<(), Failure> {
        let body = request_body(&JsonRpcMethod::ChainId, [(); 0]).map_err(Failure::Retry)?;
        let answer: JsonRpcResponse<Felt> = self.post(endpoint, &body).await?;
        let chain = match answer {
            JsonRpcResponse::Success { result, .. } => result,
            JsonRpcResponse::Error { error, .. } => return Err(Failure::Retry(format!("chain id: {}", error.message))),
        };
        let actual = parse_cairo_short_string(&chain).unwrap_or_else(|_| format!("{chain:#x}"));
        let mut health = lock(&endpoint.state);
        if actual != self.settings.chain_id {
            health.wrong_chain = Some(actual.clone());
            return Err(Failure::WrongChain(RpcError::WrongChain {
                url: redacted(&endpoint.url),
                actual,
                expected: self.settings.chain_id.clone(),
            }));
        }
        health.chain_checked = true;
        Ok(())
    }

    async fn post<R: DeserializeOwned>(&self, endpoint: &Endpoint, body: &str) -> Result<R, Failure> {
        let sent = self
            .client
            .post(endpoint.url.clone())
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        let outcome = match sent {
            Err(e) => Err(format!("{}: {}", redacted(&endpoint.url), without_url(e))),
            Ok(response) if response.status().is_server_error() || response.status().as_u16() == 429 => {
                Err(format!("{}: HTTP {}", redacted(&endpoint.url), response.status()))
            }
            Ok(response) => match response.text().await {
                Err(e) => Err(format!("{}: reading the answer: {}", redacted(&endpoint.url), without_url(e))),
                Ok(text) => serde_json::from_str::<R>(&text).map_err(|e| {
                    format!(
                        "{}: not a JSON-RPC answer ({e}): {}",
                        redacted(&endpoint.url),
                        text.chars().take(200).collect::<String>()
                    )
                }),
            },
        };
        let mut health = lock(&endpoint.state);
        match outcome {
            Ok(value) => {
                health.failures = 0;
                health.failed_at = None;
                Ok(value)
            }
            Err(why) => {
                health.failures += 1;
                health.failed_at = Some(Instant::now());
                Err(Failure::Retry(why))
            }
        }
    }

    /// Sends `body` to the endpoints in order, round after round with jittered backoff, until one answers.
    async fn send<R: DeserializeOwned + Send>(&self, body: &str) -> Result<R, RpcError> {
        let rounds = self.settings.max_attempts.max(1);
        let schedule = Backoff::new(
            Duration::from_millis(self.settings.backoff_base_ms),
            Duration::from_millis(self.settings.backoff_max_ms),
        );
        Retry::new("Starknet RPC request", schedule, &SystemClock, RetryLimit::Tries(rounds))
            .jittered(&full_jitter)
            .run(|_| self.round(body))
            .await
            .map_err(|gave_up| match gave_up {
                GaveUp::Stopped(last) | GaveUp::Exhausted { last, .. } => {
                    RpcError::Unavailable { attempts: rounds, last }
                }
            })
    }

    /// One round: each usable endpoint in order until one answers.
    async fn round<R: DeserializeOwned>(&self, body: &str) -> Attempt<R, String> {
        let mut last = String::from("no endpoint is usable");
        for endpoint in self.order() {
            if let Err(why) = self.checked(endpoint).await {
                last = why;
                continue;
            }
            match self.post(endpoint, body).await {
                Ok(value) => return Attempt::Done(value),
                Err(Failure::Retry(why)) => {
                    tracing::warn!(error = %why, "RPC endpoint failed; trying the next");
                    last = why;
                }
                Err(Failure::WrongChain(e)) => last = e.to_string(),
            }
        }
        Attempt::Again(last)
    }

    /// Checks `endpoint`'s chain once; the failure says why it may not be used now.
    async fn checked(&self, endpoint: &Endpoint) -> Result<(), String> {
        if lock(&endpoint.state).chain_checked {
            return Ok(());
        }
        match self.verify_chain(endpoint).await {
            Ok(()) => Ok(()),
            Err(Failure::WrongChain(e)) => {
                tracing::error!(error = %e, "RPC endpoint excluded");
                Err(e.to_string())
            }
            Err(Failure::Retry(why)) => Err(why),
        }
    }
}

/// Full jitter (a delay drawn from its upper half) keeps many workers from retrying in lockstep.
fn full_jitter(delay: Duration) -> Duration {
    let capped = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(capped / 2..=capped.max(1)))
}

fn lock(state: &Mutex<Health>) -> std::sync::MutexGuard<'_, Health> {
    // A poisoned lock only means a panic elsewhere while holding plain counters; they are still usable.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The URL without user info or query (API keys live there).
fn redacted(url: &reqwest::Url) -> String {
    format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or("?"),
        url.port().map(|p| format!(":{p}")).unwrap_or_default()
    ) + url.path()
}

fn without_url(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    format!("{kind} ({})", e.without_url())
}

#[derive(Serialize)]
struct Request<'a, P> {
    id: u64,
    jsonrpc: &'static str,
    method: &'a JsonRpcMethod,
    params: P,
}

fn request_body<P: Serialize>(method: &JsonRpcMethod, params: P) -> Result<String, String> {
    serde_json::to_string(&Request { id: 1, jsonrpc: "2.0", method, params }).map_err(|e| e.to_string())
}

#[async_trait]
impl JsonRpcTransport for RpcPool {
    type Error = RpcError;

    async fn send_request<P, R>(&self, method: JsonRpcMethod, params: P) -> Result<JsonRpcResponse<R>, RpcError>
    where
        P: Serialize + Send + Sync,
        R: DeserializeOwned + Send,
    {
        let body = request_body(&method, params).map_err(|e| RpcError::Config { field: "rpc_urls", reason: e })?;
        self.send(&body).await
    }

    async fn send_requests<R>(&self, _requests: R) -> Result<Vec<JsonRpcResponse<serde_json::Value>>, RpcError>
    where
        R: AsRef<[ProviderRequestData]> + Send + Sync,
    {
        // starkrisk never batches; a batch would also need one endpoint to answer all of it, which defeats
        // per-request failover.
        Err(RpcError::Config {
            field: "rpc_urls",
            reason: "batched JSON-RPC requests are not supported by the pool".into(),
        })
    }
}
