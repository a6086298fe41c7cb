//! Idempotency keys: a replayed request gets the decision the first one made, and two racing requests with
//! one key never both plan.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use diesel_async::RunQueryDsl;
use starkrisk_domain::DecisionId;
use starkrisk_domain::ports::{
    IdempotencyKey, IdempotencyStore, KeyClaim, KeyLifetimes, RequestFingerprint, StoreError,
};

use crate::PgStore;
use crate::error::from_diesel;
use crate::jobs::interval;
use crate::schema::idempotency_keys::dsl as ik;

/// Status code stored while the first request with a key is still running.
const IN_PROGRESS: i16 = 0;

/// Status code stored once the key's request made its decision (kept in the column for older readers).
const COMPLETED: i16 = 202;

/// The decision a completed key holds: `{"decision_id": …}`, which rows written by earlier builds (the
/// whole decision view) carry too.
fn decision_of(response: &serde_json::Value) -> Result<DecisionId, StoreError> {
    response
        .get("decision_id")
        .and_then(serde_json::Value::as_str)
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| StoreError::Unknown(anyhow::anyhow!("a completed idempotency key holds no decision id")))
}

#[async_trait]
impl IdempotencyStore for PgStore {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: RequestFingerprint,
        lifetimes: KeyLifetimes,
    ) -> Result<KeyClaim, StoreError> {
        let mut conn = self.db.conn().await?;
        let fingerprint = fingerprint.to_string();
        let now = || diesel::dsl::now.into_sql::<Timestamptz>();
        // Keys past retention are forgotten, all of them, so the table holds one retention window; the
        // created_at index keeps this cheap when nothing has expired.
        diesel::delete(ik::idempotency_keys.filter(ik::created_at.lt(now() - interval(lifetimes.retained))))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        // A claim that died in flight is taken over in place: one statement, so of two requests racing for
        // it exactly one wins.
        let taken_over = diesel::update(ik::idempotency_keys.find(key.as_str()))
            .filter(ik::status_code.eq(IN_PROGRESS))
            .filter(ik::created_at.lt(now() - interval(lifetimes.in_flight)))
            .set((
                ik::request_hash.eq(&fingerprint),
                ik::response.eq(serde_json::Value::Null),
                ik::created_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        if taken_over == 1 {
            return Ok(KeyClaim::Claimed);
        }
        let inserted = diesel::insert_into(ik::idempotency_keys)
            .values((
                ik::key.eq(key.as_str()),
                ik::request_hash.eq(&fingerprint),
                ik::status_code.eq(IN_PROGRESS),
                ik::response.eq(serde_json::Value::Null),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        if inserted == 1 {
            return Ok(KeyClaim::Claimed);
        }
        let (stored, status, response): (String, i16, serde_json::Value) = ik::idempotency_keys
            .find(key.as_str())
            .select((ik::request_hash, ik::status_code, ik::response))
            .first(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(if stored != fingerprint {
            KeyClaim::Mismatch
        } else if status == IN_PROGRESS {
            KeyClaim::InProgress
        } else {
            KeyClaim::Completed(decision_of(&response)?)
        })
    }

    async fn complete_key(&self, key: &IdempotencyKey, decision: DecisionId) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::update(ik::idempotency_keys.find(key.as_str()))
            .set((ik::status_code.eq(COMPLETED), ik::response.eq(serde_json::json!({ "decision_id": decision }))))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::delete(ik::idempotency_keys.filter(ik::key.eq(key.as_str())).filter(ik::status_code.eq(IN_PROGRESS)))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }
}
