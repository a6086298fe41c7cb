//! The queue's two busiest statements, the claim and the save, written so diesel keeps them prepared on
//! each connection. diesel prepares `sql_query` text and every `UPDATE` it builds afresh on each run: a
//! parse, a plan and a close around every claim and every save, a millisecond each on the local cluster.

use std::sync::LazyLock;

use diesel::AsChangeset;
use diesel::pg::Pg;
use diesel::pg::data_types::PgInterval;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bytea, Interval, Nullable, Text, Untyped};
use starkrisk_domain::ProofJobStatus;

use crate::job_row::JobValues;

/// The statement's text around its three parameters (worker, lease, limit).
///
/// A job is due when its time has come, no live lease holds it, and it has a step left (the rule
/// `ProofJob::has_work` states). The statuses are written into the text rather than bound: only then can
/// Postgres prove, for every plan it caches, that the query stays inside the partial index
/// `proof_jobs_claimable`; bound as arrays, it scanned and sorted every finished job on each claim (pgbench,
/// 8 clients claiming and completing: 37 jobs a second beside 68,000 finished ones, 2,900 with the index).
static PARTS: LazyLock<[String; 4]> = LazyLock::new(|| {
    let any = [&ProofJobStatus::WORKABLE[..], &ProofJobStatus::WORKABLE_WITH_DECISION[..]].concat();
    [
        "UPDATE proof_jobs SET lease_owner = ".to_string(),
        ", lease_expires_at = now() + ".to_string(),
        format!(
            "
WHERE id IN (
    SELECT id FROM proof_jobs
    WHERE next_attempt_at <= now()
      AND (lease_expires_at IS NULL OR lease_expires_at < now())
      AND status IN ({any})
      AND (status NOT IN ({with_decision}) OR decision_id IS NOT NULL)
    ORDER BY next_attempt_at, created_at
    LIMIT ",
            any = list(&any),
            with_decision = list(&ProofJobStatus::WORKABLE_WITH_DECISION),
        ),
        "
    FOR UPDATE SKIP LOCKED
)
RETURNING *"
            .to_string(),
    ]
});

/// Statuses as the SQL literals of an `IN` list.
fn list(statuses: &[ProofJobStatus]) -> String {
    statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// How many jobs are unfinished (`/metrics` asks on every scrape). The statuses are written in for the
/// same reason as the claim's: `status != ALL($1)` over the finished ones read every job ever made, and a
/// bound `status = ANY($1)` leaves a cached plan no statistics to choose an index by (with literals it reads `proof_jobs_claimable`).
pub(crate) static QUEUE_DEPTH: LazyLock<String> = LazyLock::new(|| {
    let unfinished: Vec<ProofJobStatus> = ProofJobStatus::ALL.into_iter().filter(|s| !s.is_terminal()).collect();
    format!("SELECT count(*) AS n FROM proof_jobs WHERE status IN ({})", list(&unfinished))
});

/// The statement as Postgres sees it, `$1`…`$3` in place of the parameters (for tests that ask for its plan).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn claim_sql() -> String {
    let [a, b, c, d] = &*PARTS;
    format!("{a}$1{b}$2{c}$3{d}")
}

/// Leases up to `limit` due jobs to `worker` for `lease`.
pub(crate) struct ClaimDue<'a> {
    pub worker: &'a str,
    pub lease: PgInterval,
    pub limit: i64,
}

/// Names the statement in diesel's per-connection cache.
pub(crate) struct ClaimDueId;

impl QueryId for ClaimDue<'_> {
    type QueryId = ClaimDueId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for ClaimDue<'_> {
    type SqlType = Untyped;
}

impl QueryFragment<Pg> for ClaimDue<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        let [a, b, c, d] = &*PARTS;
        out.push_sql(a);
        out.push_bind_param::<Text, _>(&self.worker)?;
        out.push_sql(b);
        out.push_bind_param::<Interval, _>(&self.lease)?;
        out.push_sql(c);
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(d);
        Ok(())
    }
}

/// Writes every column of a job where its status is still `expected` (the compare-and-set), and ends its
/// lease with the same write when it `rests` (finished or due again only later), sparing the worker a release.
pub(crate) struct SaveJob<'a> {
    changeset: <&'a JobValues as AsChangeset>::Changeset,
    proof_hash: Option<&'a str>,
    proof: Option<&'a [u8]>,
    id: uuid::Uuid,
    expected: &'a str,
    rests: bool,
}

// No static id: the two texts (resting or not) are told apart in diesel's cache by their SQL.
impl<'a> SaveJob<'a> {
    pub(crate) fn new(values: &'a JobValues, id: uuid::Uuid, expected: &'a str, rests: bool) -> Self {
        let (proof_hash, proof) = values.proof();
        Self { changeset: values.as_changeset(), proof_hash, proof, id, expected, rests }
    }
}

impl QueryId for SaveJob<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for SaveJob<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql("UPDATE proof_jobs SET ");
        self.changeset.walk_ast(out.reborrow())?;
        // A job keeps its proof over its last steps, and writing the same bytes again is not free: Postgres
        // compresses and stores a new copy on every save (0.6 ms against 0.03 for a 20 KB proof, measured
        // in a loop of updates). The row's stored hash (the old one: every expression here reads the row as
        // it was) says whether the bytes changed; when they did not, the stored value is kept as it is.
        out.push_sql(", proof = CASE WHEN proof_hash IS NOT DISTINCT FROM ");
        out.push_bind_param::<Nullable<Text>, _>(&self.proof_hash)?;
        out.push_sql(" THEN proof ELSE ");
        out.push_bind_param::<Nullable<Bytea>, _>(&self.proof)?;
        out.push_sql(" END");
        if self.rests {
            out.push_sql(", lease_owner = NULL, lease_expires_at = NULL");
        }
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.id)?;
        out.push_sql(" AND status = ");
        out.push_bind_param::<Text, _>(&self.expected)?;
        Ok(())
    }
}
