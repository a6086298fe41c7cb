//! Liveness, readiness and metrics.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// Liveness: the process answers. Touches no dependency.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: migrations ran and Postgres answers `SELECT 1` within a second.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = crate::http::error::ErrorBody)))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    if !state.is_migrated() {
        return Err(ApiError::unavailable("database migrations have not run yet"));
    }
    state
        .readiness
        .ready(Duration::from_secs(1))
        .await
        .map_err(|e| ApiError::unavailable(format!("Postgres is not answering: {e}")))?;
    Ok(web::Json(Health { status: "ready" }))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // The queue depth is read at scrape time; a database outage leaves the last value rather than failing the scrape.
    if let Ok(depth) = state.generate.queue_depth().await {
        state.metrics.queue_depth.set(i64::try_from(depth).unwrap_or(i64::MAX));
    }
    if let Ok(Some(treasury)) = state.decisions.latest_treasury().await {
        state.metrics.set_treasury(&treasury);
    }
    let text = state.metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text))
}
