//! starkrisk's Postgres adapter: embedded migrations applied under an advisory lock, the repositories
//! behind the domain's store ports, the proof-job queue (`FOR UPDATE SKIP LOCKED` with leases), and
//! idempotency keys.

mod database;
mod decision_row;
mod decisions;
mod due_listener;
mod error;
mod idempotency;
mod job_row;
mod jobs;
mod leases;
mod market_readings;
mod market_samples;
mod models;
mod prover_queries;
mod queue_statements;
mod webhooks;
#[rustfmt::skip]
mod schema;
#[cfg(feature = "testing")]
pub mod testing;

pub use database::{Connection, Database, MIGRATIONS, PoolSettings};
pub use due_listener::listen_for_due_jobs;

/// The Postgres implementation of `ProofJobStore`, `DecisionStore` and `ModelStore`.
#[derive(Clone)]
pub struct PgStore {
    db: Database,
}

impl PgStore {
    /// A store over `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The underlying database (for readiness probes and migrations).
    pub fn database(&self) -> &Database {
        &self.db
    }
}

#[async_trait::async_trait]
impl starkrisk_domain::ports::Readiness for PgStore {
    async fn ready(&self, timeout: std::time::Duration) -> Result<(), starkrisk_domain::ports::StoreError> {
        self.db.ready(timeout).await
    }
}
