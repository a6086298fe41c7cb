//! Reading webhook deliveries: what was sent where, and what is still failing.

use std::sync::Arc;

use crate::ports::{StoreError, WebhookDelivery, WebhookOutbox};

/// The deliveries of a service; a service with no webhooks configured has none to show.
#[derive(Clone, Default)]
pub struct WebhookDeliveries {
    outbox: Option<Arc<dyn WebhookOutbox>>,
}

impl WebhookDeliveries {
    /// Deliveries read from `outbox`, or none when webhooks are not configured.
    pub fn new(outbox: Option<Arc<dyn WebhookOutbox>>) -> Self {
        Self { outbox }
    }

    /// The latest `limit` deliveries, newest first; only undelivered ones when `pending_only`.
    pub async fn recent(&self, limit: u32, pending_only: bool) -> Result<Vec<WebhookDelivery>, StoreError> {
        match &self.outbox {
            Some(outbox) => outbox.recent(limit, pending_only).await,
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    // Reading a real outbox is tested against Postgres (the app's webhooks_delivery tests).
    #[tokio::test]
    async fn a_service_without_an_outbox_has_no_deliveries_rather_than_an_error() {
        assert!(super::WebhookDeliveries::new(None).recent(10, false).await.unwrap().is_empty());
    }
}
