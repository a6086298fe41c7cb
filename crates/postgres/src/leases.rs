//! Leases on singleton tasks: one statement takes a free or expired lease or renews one's own, timed by
//! the database's clock so replicas with skewed clocks agree.

use std::time::Duration;

use async_trait::async_trait;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use starkrisk_domain::ports::{Leadership, StoreError};

use crate::PgStore;
use crate::error::from_diesel;

#[async_trait]
impl Leadership for PgStore {
    async fn try_lead(&self, task: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let mut conn = self.db.conn().await?;
        let taken = diesel::sql_query(
            "INSERT INTO task_leases (task, holder, expires_at) \
             VALUES ($1, $2, now() + $3 * interval '1 millisecond') \
             ON CONFLICT (task) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at \
             WHERE task_leases.holder = EXCLUDED.holder OR task_leases.expires_at < now()",
        )
        .bind::<Text, _>(task)
        .bind::<Text, _>(holder)
        .bind::<BigInt, _>(ttl_ms)
        .execute(&mut conn)
        .await
        .map_err(from_diesel)?;
        Ok(taken == 1)
    }
}
