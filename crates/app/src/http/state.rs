//! What every handler can reach: one use case per endpoint, the readiness port, auth and metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::HttpRequest;
use starkrisk_domain::ports::Readiness;
use starkrisk_domain::usecases::{
    CheckProof, DecisionQueries, ExecuteAllocation, GenerateProof, MarketSnapshots, ModelRegistry,
    OrchestrateAllocation, RetryJob, StatementPlanner, VerificationStatus,
};

use crate::auth::{Authenticator, Claims, Role};
use crate::http::error::ApiError;
use crate::http::metrics::Metrics;
use crate::http::page_cache::PageCache;

/// Shared application state.
pub struct AppState {
    /// `orchestrate-allocation`.
    pub orchestrate: OrchestrateAllocation,
    /// `execute-allocation`.
    pub execute: ExecuteAllocation,
    /// Reading decisions.
    pub decisions: DecisionQueries,
    /// `proofs/{id}/retry`: resuming failed jobs.
    pub retry: RetryJob,
    /// `score`: a protocol's risk under the active model.
    pub planner: StatementPlanner,
    /// `proofs/generate` and reading proof jobs.
    pub generate: GenerateProof,
    /// `proofs/verify`.
    pub check: CheckProof,
    /// Verification status, locally and on chain.
    pub status: VerificationStatus,
    /// The model registry.
    pub models: ModelRegistry,
    /// The health overview the dashboard shows.
    pub overview: starkrisk_domain::usecases::OperationsOverview,
    /// Market snapshots by the hash decisions name.
    pub snapshots: MarketSnapshots,
    /// Whether storage answers, for `/ready`.
    pub readiness: Arc<dyn Readiness>,
    /// Token checks.
    pub auth: Authenticator,
    /// Metrics.
    pub metrics: Metrics,
    /// Rendered decision pages; emptied whenever a decision is created.
    pub pages: Arc<PageCache>,
    /// Webhook deliveries (none when the stores keep no outbox).
    pub webhooks: starkrisk_domain::usecases::WebhookDeliveries,
    /// Per-caller limits on mutating requests.
    pub rate_limits: crate::http::rate_limit::RateLimiter,
    /// Set once migrations ran; `/ready` stays 503 until then.
    pub migrated: AtomicBool,
}

impl AppState {
    /// Checks the request's bearer token for `role`.
    pub fn require(&self, req: &HttpRequest, role: Role) -> Result<Claims, ApiError> {
        let header = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        Ok(self.auth.authorize(header, role)?)
    }

    /// Whether migrations have run.
    pub fn is_migrated(&self) -> bool {
        self.migrated.load(Ordering::Acquire)
    }

    /// Marks migrations as done.
    pub fn mark_migrated(&self) {
        self.migrated.store(true, Ordering::Release);
    }
}
