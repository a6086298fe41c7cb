//! What every handler can reach: the use cases, the stores, auth and metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::HttpRequest;
use starkrisk_domain::ports::{DecisionStore, ModelStore, ProofJobStore};
use starkrisk_domain::usecases::{
    GenerateProof, OrchestrateAllocation, RegisterModel, VerificationStatus, VerifyProof,
};
use starkrisk_postgres::PgStore;

use crate::auth::{Authenticator, Claims, Role};
use crate::http::error::ApiError;
use crate::http::metrics::Metrics;

/// Shared application state.
pub struct AppState {
    /// Postgres (idempotency keys, readiness).
    pub store: PgStore,
    /// Decisions.
    pub decisions: Arc<dyn DecisionStore>,
    /// Proof jobs.
    pub jobs: Arc<dyn ProofJobStore>,
    /// Models.
    pub models: Arc<dyn ModelStore>,
    /// Planning decisions.
    pub orchestrate: OrchestrateAllocation,
    /// Queuing standalone proofs.
    pub generate: GenerateProof,
    /// Verifying submitted proofs.
    pub verify: VerifyProof,
    /// Verification status, locally and on chain.
    pub status: VerificationStatus,
    /// Registering models.
    pub register: RegisterModel,
    /// Token checks.
    pub auth: Authenticator,
    /// Metrics.
    pub metrics: Metrics,
    /// Program hash for models registered without one: the Cairo risk program's unless configured.
    pub default_program_hash: starkrisk_domain::ProgramHash,
    /// How long `?wait=true` waits for a decision to settle.
    pub wait_limit: Duration,
    /// Rendered decision pages.
    pub pages: crate::http::page_cache::PageCache,
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
