//! Idempotency keys: a replayed request gets the first response, and two racing requests with one key
//! never both run.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use starkrisk_domain::ports::StoreError;

use crate::PgStore;
use crate::error::from_diesel;
use crate::schema::idempotency_keys::dsl as ik;

/// Status code stored while the first request with a key is still running.
const IN_PROGRESS: i16 = 0;

/// What a key already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// The key is new and now belongs to this request; call `complete` or `forget` when done.
    Claimed,
    /// Another request with this key is still running.
    InProgress,
    /// The key was used with another request body.
    Mismatch,
    /// The key was used with this body: replay this response.
    Completed {
        /// HTTP status of the first response.
        status: u16,
        /// Its JSON body.
        body: serde_json::Value,
    },
}

impl PgStore {
    /// Claims `key` for a request whose body hashes to `request_hash`, or says what the key already holds.
    pub async fn claim_idempotency_key(&self, key: &str, request_hash: &str) -> Result<KeyState, StoreError> {
        let mut conn = self.db.conn().await?;
        let inserted = diesel::insert_into(ik::idempotency_keys)
            .values((
                ik::key.eq(key),
                ik::request_hash.eq(request_hash),
                ik::status_code.eq(IN_PROGRESS),
                ik::response.eq(serde_json::Value::Null),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        if inserted == 1 {
            return Ok(KeyState::Claimed);
        }
        let (stored_hash, status, body): (String, i16, serde_json::Value) = ik::idempotency_keys
            .find(key)
            .select((ik::request_hash, ik::status_code, ik::response))
            .first(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(if stored_hash != request_hash {
            KeyState::Mismatch
        } else if status == IN_PROGRESS {
            KeyState::InProgress
        } else {
            KeyState::Completed { status: status.unsigned_abs(), body }
        })
    }

    /// Stores the response of the request that claimed `key`.
    pub async fn complete_idempotency_key(
        &self,
        key: &str,
        status: u16,
        body: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::update(ik::idempotency_keys.find(key))
            .set((ik::status_code.eq(i16::try_from(status).unwrap_or(i16::MAX)), ik::response.eq(body)))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }

    /// Releases a claimed key whose request failed, so the client may retry with it.
    pub async fn forget_idempotency_key(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::delete(ik::idempotency_keys.filter(ik::key.eq(key)).filter(ik::status_code.eq(IN_PROGRESS)))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }
}
