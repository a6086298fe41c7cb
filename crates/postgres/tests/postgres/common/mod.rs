//! Shared setup for the Postgres integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses some of these; panics fail tests

use std::time::Duration;

use starkrisk_domain::ports::{DecisionStore, ModelStore};
use starkrisk_domain::*;
use starkrisk_postgres::PgStore;
use starkrisk_postgres::testing::TestDatabase;

/// A migrated database with model v1 registered.
pub async fn store() -> (TestDatabase, PgStore) {
    let test = TestDatabase::new().await;
    let store = test.store();
    ModelStore::register(&store, &model()).await.unwrap();
    (test, store)
}

#[allow(unused_imports)] // as above: each test file uses some of these
pub use starkrisk_domain::testing::store_contract::{artifact, model, statement};

/// A queued job with no decision.
pub fn job() -> ProofJob {
    ProofJob::new(
        ProofRequest { statement: statement() },
        vec![ProverKind::Stone, ProverKind::Luminair],
        None,
        chrono::Utc::now(),
    )
}

/// A pending decision with its queued job, stored.
pub async fn decision(store: &PgStore) -> (AllocationDecision, ProofJob) {
    decision_at(store, chrono::Utc::now()).await
}

/// A decision planned at `at`, for tests about when decisions were made.
pub async fn decision_at(store: &PgStore, at: chrono::DateTime<chrono::Utc>) -> (AllocationDecision, ProofJob) {
    let (decision, job) =
        AllocationDecision::plan(statement(), ModelVersion::V1, vec![ProverKind::Stone, ProverKind::Luminair], at);
    DecisionStore::create(store, &decision, &job).await.unwrap()
}

pub const LEASE: Duration = Duration::from_secs(30);
