//! Webhook delivery: claims due deliveries from the outbox, POSTs them signed, records every attempt.
//! Delivery runs beside the workers and never inside a decision's step, so a slow receiver slows nothing
//! but its own deliveries.

mod settings;
mod signature;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use starkrisk_domain::Secret;
use starkrisk_domain::ports::{Clock, WebhookDelivery, WebhookOutbox};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub use settings::{WebhookDeliverySettings, WebhookSettings, endpoints};
pub use signature::{SIGNATURE_HEADER, sign};

/// Deliveries claimed at once.
const BATCH: u32 = 32;

/// Delivers the outbox's events to the configured endpoints.
pub struct Deliverer {
    outbox: Arc<dyn WebhookOutbox>,
    secrets: HashMap<String, Secret>,
    http: reqwest::Client,
    settings: WebhookDeliverySettings,
    clock: Arc<dyn Clock>,
}

impl Deliverer {
    /// A deliverer signing each endpoint's deliveries with its secret, stamping and scheduling them by
    /// `clock`.
    pub fn new(
        outbox: Arc<dyn WebhookOutbox>,
        secrets: HashMap<String, Secret>,
        settings: WebhookDeliverySettings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_millis(settings.timeout_ms)).build()?;
        Ok(Self { outbox, secrets, http, settings, clock })
    }

    /// Delivers until `stopped` turns true.
    pub fn spawn(self, mut stopped: watch::Receiver<bool>) -> JoinHandle<()> {
        let this = Arc::new(self);
        tokio::spawn(async move {
            while !*stopped.borrow() {
                if this.round().await == 0 {
                    let poll = Duration::from_millis(this.settings.poll_ms);
                    let _ = tokio::time::timeout(poll, stopped.changed()).await;
                }
            }
        })
    }

    /// One round: claims due deliveries and attempts them all at once; how many were attempted.
    async fn round(self: &Arc<Self>) -> usize {
        // A claim outlives the slowest attempt, so no other deliverer takes a delivery still in flight.
        let lease = Duration::from_millis(self.settings.timeout_ms.saturating_mul(2).max(1000));
        let due = match self.outbox.claim_deliveries(BATCH, self.settings.max_attempts, lease).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "cannot claim webhook deliveries; retrying");
                return 0;
            }
        };
        let count = due.len();
        let mut attempts = JoinSet::new();
        for delivery in due {
            let this = self.clone();
            attempts.spawn(async move { this.attempt(delivery).await });
        }
        while attempts.join_next().await.is_some() {}
        count
    }

    async fn attempt(&self, delivery: WebhookDelivery) {
        let Some(secret) = self.secrets.get(&delivery.endpoint) else { return };
        let body = signature::body(&delivery);
        let timestamp = self.clock.now().timestamp();
        let request = self
            .http
            .post(&delivery.endpoint)
            .header("content-type", "application/json")
            .header("starkrisk-event-id", delivery.event_id.to_string())
            .header("starkrisk-event", &delivery.event)
            .header(SIGNATURE_HEADER, sign(secret, timestamp, &body))
            .body(body);
        let (status, error) = match request.send().await {
            Ok(answer) if answer.status().is_success() => (Some(answer.status().as_u16()), None),
            Ok(answer) => (Some(answer.status().as_u16()), Some(format!("the endpoint answered {}", answer.status()))),
            Err(e) => (None, Some(format!("{e}"))),
        };
        let recorded = match (status, error) {
            (Some(status), None) => self.outbox.delivered(delivery.event_id, &delivery.endpoint, status).await,
            (status, error) => {
                let pause = self.settings.backoff().delay(delivery.attempts.saturating_sub(1));
                let retry_at = self.clock.now() + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::MAX);
                let error = error.unwrap_or_default();
                self.outbox.failed(delivery.event_id, &delivery.endpoint, status, &error, retry_at).await
            }
        };
        if let Err(error) = recorded {
            tracing::warn!(%error, event_id = %delivery.event_id, "a webhook attempt was not recorded; it will be retried");
        }
    }
}

/// A running deliverer and the switch that stops it.
pub struct Delivering {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Delivering {
    /// Lets the attempts in hand finish and stops.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.handle.await {
            tracing::error!(%error, "the webhook deliverer panicked");
        }
    }
}

/// Makes the configured endpoints the outbox's subscribers and starts delivering to them; `None` when
/// none are configured (or the stores keep no outbox, which only Postgres does).
pub async fn start(
    outbox: Option<Arc<dyn WebhookOutbox>>,
    settings: &crate::Settings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Option<Delivering>> {
    let Some(outbox) = outbox else {
        if !settings.webhooks.is_empty() {
            tracing::warn!("webhooks are configured but these stores keep no outbox (Postgres does); none are sent");
        }
        return Ok(None);
    };
    let (endpoints, secrets) = endpoints(&settings.webhooks)?;
    outbox.sync_endpoints(&endpoints).await?;
    if endpoints.is_empty() {
        return Ok(None);
    }
    let (stop, stopped) = watch::channel(false);
    let handle = Deliverer::new(outbox, secrets, settings.webhook_delivery.clone(), clock)?.spawn(stopped);
    tracing::info!(endpoints = endpoints.len(), "delivering webhooks");
    Ok(Some(Delivering { stop, handle }))
}
