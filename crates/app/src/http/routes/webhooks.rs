//! `GET /api/v1/webhooks/deliveries`: what was sent where, and what failed.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starkrisk_domain::ports::WebhookDelivery;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::caller::Operator;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;

/// Query of `GET /webhooks/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Deliveries to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Only deliveries not yet delivered (failing or waiting).
    pub pending: Option<bool>,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    /// The event id (the `id` in the body and the `starkrisk-event-id` header).
    pub event_id: Uuid,
    /// `decision.<status>` or `job.<status>`.
    pub event: String,
    /// The endpoint.
    pub endpoint: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was delivered, if it was.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The endpoint's last HTTP status, if it answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt is due (while undelivered and attempts remain).
    pub next_attempt_at: DateTime<Utc>,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(d: WebhookDelivery) -> Self {
        Self {
            event_id: d.event_id,
            event: d.event,
            endpoint: d.endpoint,
            attempts: d.attempts,
            delivered_at: d.delivered_at,
            last_status: d.last_status,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at,
            occurred_at: d.occurred_at,
        }
    }
}

/// The latest deliveries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub items: Vec<DeliveryView>,
}

/// Webhook deliveries, newest first, with their attempts and last failure (operator).
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", tag = "webhooks", params(DeliveryQuery),
    responses((status = 200, body = DeliveryList), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/deliveries")]
pub async fn deliveries(
    _caller: Operator,
    state: web::Data<AppState>,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<DeliveryList>, ApiError> {
    let query = query.into_inner();
    let limit = super::page_limit(query.limit)?;
    let items = state.webhooks.recent(limit, query.pending.unwrap_or(false)).await?;
    Ok(web::Json(DeliveryList { items: items.into_iter().map(Into::into).collect() }))
}
