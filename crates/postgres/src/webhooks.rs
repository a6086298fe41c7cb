//! The webhook outbox in Postgres: events and deliveries are written by triggers in the transaction of
//! each status change (migration 000010); this side syncs endpoints, claims, reports and lists.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Interval, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use starkrisk_domain::ports::{StoreError, WebhookDelivery, WebhookEndpoint, WebhookOutbox};
use uuid::Uuid;

use crate::PgStore;
use crate::error::from_diesel;
use crate::jobs::interval;

/// A delivery joined with its event, as the queries below return it.
#[derive(QueryableByName)]
struct DeliveryRow {
    #[diesel(sql_type = SqlUuid)]
    event_id: Uuid,
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = Text)]
    payload: String,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    endpoint: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    delivered_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Integer>)]
    last_status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    last_error: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    next_attempt_at: DateTime<Utc>,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(r: DeliveryRow) -> Self {
        Self {
            event_id: r.event_id,
            event: r.event,
            payload: r.payload,
            occurred_at: r.occurred_at,
            endpoint: r.endpoint,
            attempts: r.attempts.unsigned_abs(),
            delivered_at: r.delivered_at,
            last_status: r.last_status.and_then(|s| u16::try_from(s).ok()),
            last_error: r.last_error,
            next_attempt_at: r.next_attempt_at,
        }
    }
}

const COLUMNS: &str = "d.event_id, e.event, e.payload::text AS payload, e.created_at AS occurred_at, d.endpoint, \
                       d.attempts, d.delivered_at, d.last_status, d.last_error, d.next_attempt_at";

#[async_trait]
impl WebhookOutbox for PgStore {
    async fn sync_endpoints(&self, endpoints: &[WebhookEndpoint]) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        let urls: Vec<String> = endpoints.iter().map(|e| e.url.clone()).collect();
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query("DELETE FROM webhook_endpoints WHERE NOT (url = ANY ($1))")
                .bind::<Array<Text>, _>(&urls)
                .execute(conn)
                .await?;
            for endpoint in endpoints {
                diesel::sql_query(
                    "INSERT INTO webhook_endpoints (url, events) VALUES ($1, $2) \
                     ON CONFLICT (url) DO UPDATE SET events = EXCLUDED.events",
                )
                .bind::<Text, _>(&endpoint.url)
                .bind::<Array<Text>, _>(&endpoint.events)
                .execute(conn)
                .await?;
            }
            Ok(())
        })
        .await
        .map_err(from_diesel)
    }

    async fn claim_deliveries(
        &self,
        limit: u32,
        max_attempts: u32,
        lease: Duration,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let mut conn = self.db.conn().await?;
        let query = format!(
            "WITH due AS (
                SELECT event_id, endpoint FROM webhook_deliveries
                WHERE delivered_at IS NULL AND next_attempt_at <= now() AND attempts < $2
                  AND (lease_until IS NULL OR lease_until < now())
                ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED),
             claimed AS (
                UPDATE webhook_deliveries d SET attempts = d.attempts + 1, lease_until = now() + $3
                FROM due WHERE d.event_id = due.event_id AND d.endpoint = due.endpoint
                RETURNING d.*)
             SELECT {COLUMNS} FROM claimed d JOIN webhook_events e ON e.id = d.event_id ORDER BY e.created_at"
        );
        let rows: Vec<DeliveryRow> = diesel::sql_query(query)
            .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX))
            .bind::<Integer, _>(i32::try_from(max_attempts).unwrap_or(i32::MAX))
            .bind::<Interval, _>(interval(lease))
            .load(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn delivered(&self, event_id: Uuid, endpoint: &str, status: u16) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::sql_query(
            "UPDATE webhook_deliveries SET delivered_at = now(), last_status = $3, last_error = NULL, \
             lease_until = NULL WHERE event_id = $1 AND endpoint = $2",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<Text, _>(endpoint)
        .bind::<Integer, _>(i32::from(status))
        .execute(&mut conn)
        .await
        .map_err(from_diesel)?;
        Ok(())
    }

    async fn failed(
        &self,
        event_id: Uuid,
        endpoint: &str,
        status: Option<u16>,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::sql_query(
            "UPDATE webhook_deliveries SET last_status = $3, last_error = $4, next_attempt_at = $5, \
             lease_until = NULL WHERE event_id = $1 AND endpoint = $2 AND delivered_at IS NULL",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<Text, _>(endpoint)
        .bind::<Nullable<Integer>, _>(status.map(i32::from))
        .bind::<Text, _>(error)
        .bind::<Timestamptz, _>(retry_at)
        .execute(&mut conn)
        .await
        .map_err(from_diesel)?;
        Ok(())
    }

    async fn recent(&self, limit: u32, pending_only: bool) -> Result<Vec<WebhookDelivery>, StoreError> {
        let mut conn = self.db.conn().await?;
        let filter = if pending_only { "WHERE d.delivered_at IS NULL" } else { "" };
        let query = format!(
            "SELECT {COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id {filter} \
             ORDER BY d.created_at DESC, d.event_id LIMIT $1"
        );
        let rows: Vec<DeliveryRow> = diesel::sql_query(query)
            .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX))
            .load(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
