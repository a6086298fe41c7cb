//! Queries submitted to remote provers, so one is polled again rather than paid for twice.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use starkrisk_domain::ports::{ProverQueries, StoreError, query_key};
use starkrisk_domain::{DecisionStatement, ProverKind};

use crate::PgStore;
use crate::error::from_diesel;
use crate::schema::prover_queries::dsl as pq;

#[async_trait]
impl ProverQueries for PgStore {
    async fn find(&self, prover: ProverKind, statement: &DecisionStatement) -> Result<Option<String>, StoreError> {
        let mut conn = self.db.conn().await?;
        pq::prover_queries
            .find((prover.as_str(), query_key(statement)))
            .select(pq::query_id)
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)
    }

    async fn record(&self, prover: ProverKind, statement: &DecisionStatement, query: &str) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::insert_into(pq::prover_queries)
            .values((
                pq::prover.eq(prover.as_str()),
                pq::statement_key.eq(query_key(statement)),
                pq::query_id.eq(query),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }

    async fn forget(&self, prover: ProverKind, statement: &DecisionStatement) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::delete(pq::prover_queries.find((prover.as_str(), query_key(statement))))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }
}
