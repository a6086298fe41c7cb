//! `ProofJobStore`: proof jobs and the queue that leases them to workers.

use std::time::Duration;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Interval, Text};
use diesel_async::RunQueryDsl;
use starkrisk_domain::ports::{
    JobCursor, JobLease, JobPage, JobPageRequest, MAX_PAGE, ProofJobStore, QueueReport, StoreError,
};
use starkrisk_domain::{ProofJob, ProofJobId, ProofJobStatus, TxHash};

use crate::PgStore;
use crate::error::from_diesel;
use crate::job_row::{JobRow, JobValues, NewJob};
use crate::queue_statements::{ClaimDue, QUEUE_DEPTH, SaveJob};
use crate::schema::proof_jobs::dsl as pj;

/// Converts a lease (or any lifetime) into the interval Postgres adds to now(), in whole microseconds;
/// durations past i64 microseconds saturate.
pub(crate) fn interval(lease: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(i64::try_from(lease.as_micros()).unwrap_or(i64::MAX))
}

#[async_trait]
impl ProofJobStore for PgStore {
    async fn insert(&self, job: &ProofJob) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::insert_into(pj::proof_jobs)
            .values(NewJob::from_job(job)?)
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }

    async fn get(&self, id: ProofJobId) -> Result<Option<ProofJob>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row = pj::proof_jobs
            .find(id.0)
            .select(JobRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(JobRow::into_job).transpose()
    }

    async fn save(&self, job: &ProofJob, expected: ProofJobStatus) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        save_job(&mut conn, job, expected).await
    }

    async fn note_registration_tx(&self, id: ProofJobId, tx: TxHash) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        // The entity's own serialisation of the hash, so a saved job and a noted one read back alike.
        let one = crate::job_row::to_json("registration_sent", &[tx])?;
        let noted = diesel::sql_query(
            "UPDATE proof_jobs SET registration_sent = CASE WHEN registration_sent @> $2 THEN registration_sent \
             ELSE registration_sent || $2 END WHERE id = $1 AND status = $3",
        )
        .bind::<diesel::sql_types::Uuid, _>(id.0)
        .bind::<diesel::sql_types::Jsonb, _>(&one)
        .bind::<Text, _>(ProofJobStatus::Verified.as_str())
        .execute(&mut conn)
        .await
        .map_err(from_diesel)?;
        if noted == 1 {
            return Ok(());
        }
        let status: Option<String> =
            pj::proof_jobs.find(id.0).select(pj::status).first(&mut conn).await.optional().map_err(from_diesel)?;
        Err(match status {
            None => StoreError::NotFound(format!("proof job {id}")),
            Some(status) => StoreError::Conflict(format!(
                "proof job {id} is {status}, not registering: transaction {tx} was not noted"
            )),
        })
    }

    async fn claim_due_batch(&self, worker: &str, lease: Duration, limit: usize) -> Result<Vec<ProofJob>, StoreError> {
        let mut conn = self.db.conn().await?;
        let claim = ClaimDue { worker, lease: interval(lease), limit: i64::try_from(limit).unwrap_or(i64::MAX) };
        let rows = claim.load::<JobRow>(&mut conn).await.map_err(from_diesel)?;
        let mut jobs = rows.into_iter().map(JobRow::into_job).collect::<Result<Vec<_>, _>>()?;
        // RETURNING follows no order; workers take the earliest due first.
        jobs.sort_by_key(|job| (job.next_attempt_at(), job.created_at()));
        Ok(jobs)
    }

    async fn renew_lease(&self, id: ProofJobId, worker: &str, lease: Duration) -> Result<bool, StoreError> {
        let mut conn = self.db.conn().await?;
        // Only a lease still held is renewed: once it expired, another worker may have claimed the job.
        let renewed = diesel::sql_query(
            "UPDATE proof_jobs SET lease_expires_at = now() + $3 \
             WHERE id = $1 AND lease_owner = $2 AND lease_expires_at >= now()",
        )
        .bind::<diesel::sql_types::Uuid, _>(id.0)
        .bind::<Text, _>(worker)
        .bind::<Interval, _>(interval(lease))
        .execute(&mut conn)
        .await
        .map_err(from_diesel)?;
        Ok(renewed == 1)
    }

    async fn release(&self, id: ProofJobId, worker: &str) -> Result<(), StoreError> {
        let mut conn = self.db.conn().await?;
        diesel::update(pj::proof_jobs.filter(pj::id.eq(id.0)).filter(pj::lease_owner.eq(worker)))
            .set((pj::lease_owner.eq(None::<String>), pj::lease_expires_at.eq(None::<chrono::DateTime<chrono::Utc>>)))
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }

    async fn queue_report(&self) -> Result<QueueReport, StoreError> {
        let mut conn = self.db.conn().await?;
        let counts: Vec<(String, i64)> = pj::proof_jobs
            .group_by(pj::status)
            .select((pj::status, diesel::dsl::count_star()))
            .load(&mut conn)
            .await
            .map_err(from_diesel)?;
        let held: Vec<(uuid::Uuid, Option<String>, Option<chrono::DateTime<chrono::Utc>>)> = pj::proof_jobs
            .filter(pj::lease_owner.is_not_null())
            .filter(pj::lease_expires_at.gt(diesel::dsl::now))
            .select((pj::id, pj::lease_owner, pj::lease_expires_at))
            .load(&mut conn)
            .await
            .map_err(from_diesel)?;
        let counts = counts
            .into_iter()
            .filter_map(|(status, n)| ProofJobStatus::parse(&status).map(|s| (s, n.unsigned_abs())))
            .collect::<Vec<_>>();
        let leases = held
            .into_iter()
            .filter_map(|(id, owner, expires)| {
                Some(JobLease { job: ProofJobId(id), owner: owner?, expires_at: expires? })
            })
            .collect();
        Ok(QueueReport::new(counts, leases))
    }

    async fn queue_depth(&self) -> Result<u64, StoreError> {
        let mut conn = self.db.conn().await?;
        let n = diesel::sql_query(QUEUE_DEPTH.as_str()).get_result::<Count>(&mut conn).await.map_err(from_diesel)?.n;
        Ok(n.unsigned_abs())
    }

    async fn list(&self, request: &JobPageRequest) -> Result<JobPage, StoreError> {
        let limit = i64::from(request.limit.clamp(1, MAX_PAGE));
        let filter = &request.filter;
        let mut query =
            pj::proof_jobs.select(JobRow::as_select()).order((pj::created_at.desc(), pj::id.desc())).into_boxed();
        if let Some(status) = filter.status {
            query = query.filter(pj::status.eq(status.as_str()));
        }
        if let Some(prover) = filter.prover {
            query = query.filter(pj::prover.eq(prover.as_str()));
        }
        if let Some(decision) = filter.decision {
            query = query.filter(pj::decision_id.eq(decision.0));
        }
        if let Some(since) = filter.since {
            query = query.filter(pj::created_at.ge(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(pj::created_at.lt(until));
        }
        if let Some(after) = request.after {
            let (at, id) = (after.created_at, after.id.0);
            query = query.filter(pj::created_at.lt(at).or(pj::created_at.eq(at).and(pj::id.lt(id))));
        }
        let mut conn = self.db.conn().await?;
        // One row more than asked tells whether another page follows.
        let mut rows = query.limit(limit + 1).load(&mut conn).await.map_err(from_diesel)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let items = rows.into_iter().map(JobRow::into_job).collect::<Result<Vec<_>, _>>()?;
        let next = if more { items.last().map(JobCursor::after) } else { None };
        Ok(JobPage { items, next })
    }
}

/// Compare-and-set: writes `job` only where the stored status is still `expected`.
pub(crate) async fn save_job(
    conn: &mut diesel_async::AsyncPgConnection,
    job: &ProofJob,
    expected: ProofJobStatus,
) -> Result<(), StoreError> {
    let values = JobValues::from_job(job)?;
    let save = SaveJob::new(&values, job.id().0, expected.as_str(), job.rests());
    let changed = save.execute(conn).await.map_err(from_diesel)?;
    if changed == 1 {
        return Ok(());
    }
    let actual: Option<String> =
        pj::proof_jobs.find(job.id().0).select(pj::status).first(conn).await.optional().map_err(from_diesel)?;
    Err(match actual {
        None => StoreError::NotFound(format!("proof job {}", job.id())),
        Some(actual) => {
            StoreError::Conflict(format!("proof job {} is {actual}, not {expected}; another worker moved it", job.id()))
        }
    })
}

/// A `count(*) AS n` row.
#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}
