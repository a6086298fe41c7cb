//! The connection pool, the readiness probe, and migrations under an advisory lock.

use std::time::Duration;

use diesel::migration::MigrationSource;
use diesel::sql_types::BigInt;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use serde::{Deserialize, Serialize};
use starkrisk_domain::Secret;
use starkrisk_domain::ports::StoreError;

use crate::error::{from_diesel, from_pool};

/// Every migration of the top-level `migrations/` folder, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Key of the advisory lock that serialises migrations across replicas ("starkrsk" in ASCII).
const MIGRATION_LOCK: i64 = 0x7374_6172_6b72_736b;

/// The `[database]` section of the configuration, read as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSettings {
    /// postgres://user@host:port/db (no password here: it goes in `password`, from the environment).
    pub url: String,
    /// A password added to the URL, from `STARKRISK__DATABASE__PASSWORD` only.
    pub password: Option<Secret>,
    /// Most connections open at once.
    pub max_connections: usize,
    /// How long a caller waits for a free connection before the request gets a 503, in ms.
    pub acquire_timeout_ms: u64,
    /// How long opening a new connection may take, in ms.
    pub connect_timeout_ms: u64,
}

impl PoolSettings {
    /// The URL the pool connects to, with the password (if any) put in: it holds the secret, so never log it.
    pub fn connection_url(&self) -> String {
        let Some(password) = &self.password else { return self.url.clone() };
        let url = &self.url;
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => format!("{}:{}{}", &url[..at], password.expose(), &url[at..]),
            (Some(scheme), _) => format!("{}://:{}@{}", &url[..scheme], password.expose(), &url[scheme + 3..]),
            _ => url.clone(),
        }
    }
}

/// A pooled connection.
pub type Connection = Object<AsyncPgConnection>;

/// The database: a deadpool of async diesel connections.
#[derive(Clone)]
pub struct Database {
    pool: Pool<AsyncPgConnection>,
}

impl Database {
    /// Builds the pool; no connection is opened until first use.
    pub fn connect(settings: &PoolSettings) -> Result<Self, StoreError> {
        // Fast recycling skips a ping per checkout; a connection that died with the server fails its next
        // query, is dropped as broken, and that caller gets a 503 rather than the pool paying a round trip always.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        let manager =
            AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(settings.connection_url(), config);
        let pool = Pool::builder(manager)
            .max_size(settings.max_connections)
            .wait_timeout(Some(Duration::from_millis(settings.acquire_timeout_ms)))
            .create_timeout(Some(Duration::from_millis(settings.connect_timeout_ms)))
            .recycle_timeout(Some(Duration::from_millis(settings.connect_timeout_ms)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unavailable(format!("cannot build the Postgres pool: {e}")))?;
        Ok(Self { pool })
    }

    /// A connection from the pool.
    pub async fn conn(&self) -> Result<Connection, StoreError> {
        self.pool.get().await.map_err(from_pool)
    }

    /// Whether Postgres answers `SELECT 1` within `timeout`.
    pub async fn ready(&self, timeout: Duration) -> Result<(), StoreError> {
        let probe = async {
            let mut conn = self.conn().await?;
            diesel::select(diesel::dsl::sql::<BigInt>("1")).execute(&mut conn).await.map_err(from_diesel)?;
            Ok(())
        };
        tokio::time::timeout(timeout, probe)
            .await
            .map_err(|_| StoreError::Unavailable(format!("Postgres did not answer within {timeout:?}")))?
    }

    /// Applies pending migrations while holding a Postgres advisory lock, so replicas starting together
    /// migrate once. Needs the multi-threaded tokio runtime (diesel's migration harness blocks in place).
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.pool.get().await.map_err(from_pool)?;
        let mut conn = Object::take(conn);
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).await.map_err(from_diesel)?;
        let mut harness = AsyncMigrationHarness::new(conn);
        let applied = harness
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|e| {
                // Postgres going away mid-run is waited out like any outage; a migration it refuses is not.
                let message = e.to_string();
                if crate::error::is_outage(&message) {
                    StoreError::Unavailable(format!("migrations were cut short: {message}"))
                } else {
                    StoreError::Unknown(anyhow::anyhow!("migrations failed: {message}"))
                }
            });
        let mut conn = harness.into_inner();
        // The lock is per session and this connection is closed right after, so unlocking is best effort.
        let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).await;
        applied
    }

    /// Reverts every applied migration (for the up → down → up test and operators' rollbacks).
    pub async fn revert_all(&self) -> Result<(), StoreError> {
        let conn = Object::take(self.pool.get().await.map_err(from_pool)?);
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .revert_all_migrations(MIGRATIONS)
            .map_err(|e| StoreError::Unknown(anyhow::anyhow!("revert failed: {e}")))?;
        Ok(())
    }

    /// How many migrations the binary carries.
    pub fn migration_count() -> usize {
        MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).map_or(0, |m| m.len())
    }

    /// Connections in use and idle, for metrics.
    pub fn pool_status(&self) -> (usize, usize) {
        let status = self.pool.status();
        (status.size - status.available, status.available)
    }
}
