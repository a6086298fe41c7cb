//! Test support: every test gets a database of its own, created fresh and migrated.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use rand::Rng;
use starkrisk_domain::testing::store_contract::StoreTime;

use crate::{Database, PgStore, PoolSettings};

/// Names of test databases start with this, so `just test` can drop leftovers of earlier runs.
pub const PREFIX: &str = "starkrisk_test_";

/// An isolated, migrated database on the server of `DATABASE_URL`.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    /// Its name.
    pub name: String,
    /// A pool over it.
    pub db: Database,
}

/// The server `just test` started (or the one `DATABASE_URL` names).
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the suite with `just test`, which starts a local Postgres, or set it")
    })
}

impl TestDatabase {
    /// Creates and migrates a new database.
    pub async fn new() -> Self {
        let test = Self::empty().await;
        test.db.migrate().await.unwrap_or_else(|e| panic!("migrating {}: {e}", test.name));
        test
    }

    /// Creates a new database without migrating it.
    pub async fn empty() -> Self {
        let server = server_url();
        let name = format!("{PREFIX}{:016x}", rand::rng().random::<u64>());
        let mut admin = AsyncPgConnection::establish(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot reach Postgres at DATABASE_URL: {e}"));
        admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap_or_else(|e| panic!("create {name}: {e}"));
        let url = with_database(&server, &name);
        let db = Database::connect(&pool(url.clone())).unwrap_or_else(|e| panic!("pool: {e}"));
        Self { url, name, db }
    }

    /// A store over this database.
    pub fn store(&self) -> PgStore {
        PgStore::new(self.db.clone())
    }

    /// Runs `sql` as it is: what a test needs to put rows into states the service would only reach by
    /// waiting or crashing.
    pub async fn execute(&self, sql: &str) {
        let mut conn = self.db.conn().await.unwrap_or_else(|e| panic!("connection to {}: {e}", self.name));
        conn.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Postgres compares due times, leases and key ages with its own `now()`, which a test cannot move: time
/// passes for this database by moving every such time in its rows back instead.
#[async_trait]
impl StoreTime for TestDatabase {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn pass(&self, by: Duration) {
        let back = format!("interval '{} milliseconds'", by.as_millis());
        self.execute(&format!(
            "UPDATE proof_jobs SET next_attempt_at = next_attempt_at - {back}, \
                 lease_expires_at = lease_expires_at - {back}; \
             UPDATE idempotency_keys SET created_at = created_at - {back}; \
             UPDATE task_leases SET expires_at = expires_at - {back};"
        ))
        .await;
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// A small pool over `url` for one test: a few connections, and quick timeouts so a broken server fails the
/// test instead of hanging it.
pub fn pool(url: impl Into<String>) -> PoolSettings {
    PoolSettings {
        url: url.into(),
        password: None,
        max_connections: 8,
        acquire_timeout_ms: 5000,
        connect_timeout_ms: 5000,
    }
}

/// The queue's claim statement, for tests that ask Postgres how it would run it.
pub fn claim_sql() -> String {
    crate::queue_statements::claim_sql()
}

/// The queue depth's count (it has no parameters), for the same tests.
pub fn queue_depth_sql() -> String {
    crate::queue_statements::QUEUE_DEPTH.clone()
}
