//! `LISTEN proof_jobs_due`: wakes this process's workers when any replica queues or releases a job, so
//! none waits for its next poll.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Object;
use futures_util::StreamExt;
use starkrisk_domain::ports::{JobsDue, StoreError};

use crate::Database;
use crate::error::from_diesel;

/// The channel the `proof_jobs_due_notify` trigger (migration 000015) notifies.
const CHANNEL: &str = "proof_jobs_due";

/// How long to wait before listening again after the connection was lost.
const RECONNECT: Duration = Duration::from_secs(1);

/// Listens until the task is dropped or aborted, calling `due` once per notification, and once each time
/// listening (re)starts, because notifications sent while no connection listened are lost and the jobs
/// behind them must still be found. A lost connection is logged and replaced after a second.
pub async fn listen_for_due_jobs(db: Database, due: Arc<dyn JobsDue>) {
    loop {
        match listen(&db, due.as_ref()).await {
            Ok(()) => tracing::warn!("the connection listening for due jobs closed; listening again"),
            Err(error) => tracing::warn!(%error, "cannot listen for due jobs; workers poll until it works again"),
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

async fn listen(db: &Database, due: &dyn JobsDue) -> Result<(), StoreError> {
    // Taken out of the pool for good: it listens for as long as the process runs, and the pool opens
    // another in its place.
    let mut conn = Object::take(db.conn().await?);
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).await.map_err(from_diesel)?;
    tracing::debug!(channel = CHANNEL, "listening for due jobs");
    due.job_due();
    let mut notifications = std::pin::pin!(conn.notifications_stream());
    while let Some(notification) = notifications.next().await {
        notification.map_err(from_diesel)?;
        due.job_due();
    }
    Ok(())
}
