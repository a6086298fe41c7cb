//! `DecisionStore`: decisions, created and saved together with their proof jobs when they change together.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use starkrisk_domain::ports::{DecisionFilter, DecisionStore, Loaded, MAX_PAGE, Page, PageRequest, StoreError};
use starkrisk_domain::{AllocationDecision, DecisionId, DecisionStatus, ProofJob, ProofJobId};

use crate::PgStore;
use crate::decision_row::{DecisionChanges, DecisionRow, NewDecision};
use crate::error::from_diesel;
use crate::job_row::{JobRow, NewJob};
use crate::jobs::save_job;
use crate::schema::allocation_decisions::dsl as ad;
use crate::schema::proof_jobs::dsl as pj;

#[async_trait]
impl DecisionStore for PgStore {
    async fn create(
        &self,
        decision: &AllocationDecision,
        job: &ProofJob,
    ) -> Result<(AllocationDecision, ProofJob), StoreError> {
        let new_job = NewJob::from_job(job)?;
        let new_decision = NewDecision::from_decision(decision)?;
        let mut conn = self.db.conn().await?;
        let (job_row, decision_row) = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                let job_row: JobRow = diesel::insert_into(pj::proof_jobs)
                    .values(&new_job)
                    .returning(JobRow::as_returning())
                    .get_result(conn)
                    .await?;
                let decision_row: DecisionRow = diesel::insert_into(ad::allocation_decisions)
                    .values(&new_decision)
                    .returning(DecisionRow::as_returning())
                    .get_result(conn)
                    .await?;
                Ok((job_row, decision_row))
            })
            .await
            .map_err(from_diesel)?;
        Ok((decision_row.into_decision()?, job_row.into_job()?))
    }

    async fn get(&self, id: DecisionId) -> Result<Option<AllocationDecision>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row = ad::allocation_decisions
            .find(id.0)
            .select(DecisionRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(DecisionRow::into_decision).transpose()
    }

    async fn by_proof_job(&self, job: ProofJobId) -> Result<Option<AllocationDecision>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row = ad::allocation_decisions
            .filter(ad::proof_job_id.eq(job.0))
            .select(DecisionRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(DecisionRow::into_decision).transpose()
    }

    async fn save(&self, decision: &AllocationDecision, expected: DecisionStatus) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        save_decision(&mut conn, decision, expected).await
    }

    async fn save_both(&self, decision: &AllocationDecision, job: &ProofJob, loaded: Loaded) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, TxError, _>(async |conn| {
            save_decision(conn, decision, loaded.decision).await?;
            save_job(conn, job, loaded.job).await?;
            Ok(())
        })
        .await
        .map_err(TxError::into_store)
    }

    async fn list_filtered(
        &self,
        filter: DecisionFilter,
        page: PageRequest,
    ) -> Result<Page<AllocationDecision>, StoreError> {
        let limit = i64::from(page.limit.clamp(1, MAX_PAGE));
        let mut conn = self.db.conn().await?;
        let mut query =
            ad::allocation_decisions.select(DecisionRow::as_select()).order(ad::sequence.desc()).into_boxed();
        if let Some(before) = page.before {
            query = query.filter(ad::sequence.lt(before));
        }
        if let Some(status) = filter.status {
            query = query.filter(ad::status.eq(status.as_str()));
        }
        if let Some(prover) = filter.prover {
            let proven_by = pj::proof_jobs.filter(pj::prover.eq(prover.as_str())).select(pj::id);
            query = query.filter(ad::proof_job_id.eq_any(proven_by));
        }
        if let Some(since) = filter.since {
            query = query.filter(ad::created_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(ad::created_at.lt(until));
        }
        // One row more than asked tells whether another page follows.
        let mut rows = query.limit(limit + 1).load(&mut conn).await.map_err(from_diesel)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let items = rows.into_iter().map(DecisionRow::into_decision).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if more { items.last().and_then(|d| d.sequence()) } else { None };
        Ok(Page { items, next_cursor })
    }

    async fn latest_executed(&self) -> Result<Option<AllocationDecision>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row: Option<DecisionRow> = ad::allocation_decisions
            .select(DecisionRow::as_select())
            .filter(ad::status.eq(DecisionStatus::Executed.as_str()))
            .order(ad::sequence.desc())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(DecisionRow::into_decision).transpose()
    }
}

/// Compare-and-set on the decision's status.
async fn save_decision(
    conn: &mut AsyncPgConnection,
    decision: &AllocationDecision,
    expected: DecisionStatus,
) -> Result<(), StoreError> {
    let changes = DecisionChanges::from_decision(decision)?;
    let changed = diesel::update(
        ad::allocation_decisions.filter(ad::id.eq(decision.id().0)).filter(ad::status.eq(expected.as_str())),
    )
    .set(changes)
    .execute(conn)
    .await
    .map_err(from_diesel)?;
    if changed == 1 {
        return Ok(());
    }
    let actual: Option<String> = ad::allocation_decisions
        .find(decision.id().0)
        .select(ad::status)
        .first(conn)
        .await
        .optional()
        .map_err(from_diesel)?;
    Err(match actual {
        None => StoreError::NotFound(format!("decision {}", decision.id())),
        Some(actual) => StoreError::Conflict(format!("decision {} is {actual}, not {expected}", decision.id())),
    })
}

/// A transaction's error: either diesel's (which rolls back) or a refused compare-and-set.
#[derive(Debug)]
enum TxError {
    Diesel(diesel::result::Error),
    Store(StoreError),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Diesel(e)
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

impl TxError {
    fn into_store(self) -> StoreError {
        match self {
            TxError::Diesel(e) => from_diesel(e),
            TxError::Store(e) => e,
        }
    }
}
