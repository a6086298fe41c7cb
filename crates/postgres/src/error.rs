//! Translating diesel and pool errors into the domain's `StoreError`.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use starkrisk_domain::ports::StoreError;

/// Maps a query error: unique violations are conflicts, lost connections mean the database is unavailable.
pub fn from_diesel(error: DieselError) -> StoreError {
    match error {
        DieselError::NotFound => StoreError::NotFound("row".into()),
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("allocation_decisions_approval_nonce") =>
        {
            StoreError::AlreadyUsed("an approval nonce spent by an earlier decision".into())
        }
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => StoreError::Conflict(
            info.constraint_name().map_or_else(|| info.message().to_string(), |c| format!("{c} already exists")),
        ),
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) | DieselError::BrokenTransactionManager => {
            StoreError::Unavailable("the connection to Postgres was lost".into())
        }
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) if is_outage(info.message()) => {
            StoreError::Unavailable(info.message().to_string())
        }
        other => StoreError::Unknown(anyhow::Error::new(other).context("database query failed")),
    }
}

/// Maps a pool error: no connection in time is an outage, never a bug.
pub fn from_pool(error: diesel_async::pooled_connection::deadpool::PoolError) -> StoreError {
    StoreError::Unavailable(format!("no database connection available: {error}"))
}

/// Messages Postgres (or the driver) gives while the server is down or restarting.
pub(crate) fn is_outage(message: &str) -> bool {
    ["terminating connection", "shutting down", "connection closed", "Connection refused", "starting up"]
        .iter()
        .any(|m| message.contains(m))
}

/// Maps a JSON (de)serialization failure of a stored column: the row does not match this build.
pub fn from_json(column: &str, error: serde_json::Error) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!("stored {column} could not be decoded: {error}"))
}
