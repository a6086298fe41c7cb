//! The webhook outbox: status changes recorded with the change itself, delivered at least once.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ports::StoreError;

/// An endpoint and the events it subscribes to (`decision.executed`, `job.failed`, … or `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Where events are POSTed.
    pub url: String,
    /// Which events, by name.
    pub events: Vec<String>,
}

/// One event on its way to one endpoint, and what became of it so far.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    /// The event's id: the same for every endpoint and every attempt, for receivers to deduplicate on.
    pub event_id: Uuid,
    /// Its name, such as `decision.executed`.
    pub event: String,
    /// What changed, as a JSON object's text.
    pub payload: String,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// The endpoint.
    pub endpoint: String,
    /// Attempts so far (counting the one a claim starts).
    pub attempts: u32,
    /// When it was delivered (a 2xx answer), if it was.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The last HTTP status the endpoint answered, if it answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
}

/// Where events wait for delivery. Status changes enter it in their own transaction (the store does that);
/// deliverers only claim, report and list.
#[async_trait]
pub trait WebhookOutbox: Send + Sync {
    /// Makes `endpoints` the subscribed set: new ones are added, changed ones updated, others removed with
    /// their pending deliveries.
    async fn sync_endpoints(&self, endpoints: &[WebhookEndpoint]) -> Result<(), StoreError>;

    /// Claims up to `limit` due deliveries with fewer than `max_attempts` attempts for `lease`, counting
    /// the attempt; two deliverers never claim one delivery at once.
    async fn claim_deliveries(
        &self,
        limit: u32,
        max_attempts: u32,
        lease: Duration,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;

    /// The endpoint answered 2xx with `status`.
    async fn delivered(&self, event_id: Uuid, endpoint: &str, status: u16) -> Result<(), StoreError>;

    /// The attempt failed (`status` when the endpoint answered); try again at `retry_at`.
    async fn failed(
        &self,
        event_id: Uuid,
        endpoint: &str,
        status: Option<u16>,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The latest deliveries, newest first; only undelivered ones when `pending_only`.
    async fn recent(&self, limit: u32, pending_only: bool) -> Result<Vec<WebhookDelivery>, StoreError>;
}
