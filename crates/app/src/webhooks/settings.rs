//! `[[webhooks]]` and `[webhook_delivery]`: where events go, and how hard delivery tries.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use starkrisk_domain::ports::WebhookEndpoint;
use starkrisk_domain::{DecisionStatus, ProofJobStatus, Secret};

/// One endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Where events are POSTed (http or https).
    pub url: String,
    /// The environment variable holding the signing secret (at least 16 characters): secrets never come
    /// from profile files.
    pub secret_env: String,
    /// `decision.<status>`, `job.<status>`, or `*` for every event.
    pub events: Vec<String>,
}

/// How deliveries are attempted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookDeliverySettings {
    /// Sleep when nothing is due, ms.
    pub poll_ms: u64,
    /// One attempt's timeout, ms: a receiver that never answers costs this, and only its own delivery.
    pub timeout_ms: u64,
    /// Attempts before a delivery is given up (it stays listed with its last error).
    pub max_attempts: u32,
    /// First pause after a failed attempt, ms (doubling).
    pub backoff_base_ms: u64,
    /// Longest pause, ms.
    pub backoff_max_ms: u64,
}

impl WebhookDeliverySettings {
    /// The pauses between attempts.
    pub fn backoff(&self) -> starkrisk_domain::Backoff {
        starkrisk_domain::Backoff::new(
            Duration::from_millis(self.backoff_base_ms),
            Duration::from_millis(self.backoff_max_ms),
        )
    }
}

/// Every event name an endpoint may subscribe to.
fn known_events() -> Vec<String> {
    let decisions = DecisionStatus::ALL.iter().map(|s| format!("decision.{}", s.as_str()));
    let jobs = ProofJobStatus::ALL.iter().map(|s| format!("job.{}", s.as_str()));
    std::iter::once("*".to_string()).chain(decisions).chain(jobs).collect()
}

/// The endpoints with their secrets, checked: a usable URL, known events, a secret in the environment.
pub fn endpoints(webhooks: &[WebhookSettings]) -> anyhow::Result<(Vec<WebhookEndpoint>, HashMap<String, Secret>)> {
    let known = known_events();
    let mut endpoints = Vec::new();
    let mut secrets = HashMap::new();
    for (n, hook) in webhooks.iter().enumerate() {
        let url = reqwest::Url::parse(&hook.url).with_context(|| format!("webhooks[{n}].url `{}`", hook.url))?;
        if !matches!(url.scheme(), "http" | "https") {
            bail!("webhooks[{n}].url must be http or https, not {}", url.scheme());
        }
        if let Some(unknown) = hook.events.iter().find(|e| !known.contains(e)) {
            bail!("webhooks[{n}].events: `{unknown}` is not an event; use one of {}", known.join(", "));
        }
        if hook.events.is_empty() {
            bail!("webhooks[{n}].events is empty; list the events to send, or \"*\"");
        }
        let secret = std::env::var(&hook.secret_env).unwrap_or_default();
        if secret.len() < 16 {
            bail!("webhooks[{n}].secret_env: set {} to a signing secret of at least 16 characters", hook.secret_env);
        }
        if secrets.insert(hook.url.clone(), Secret::new(secret)).is_some() {
            bail!("webhooks[{n}].url `{}` is configured twice", hook.url);
        }
        endpoints.push(WebhookEndpoint { url: hook.url.clone(), events: hook.events.clone() });
    }
    Ok((endpoints, secrets))
}
