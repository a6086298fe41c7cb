//! Listing proof jobs for operators: filters and a keyset cursor that neither skips nor repeats a job
//! while new ones arrive.

use chrono::{DateTime, Utc};

use crate::decision::DecisionId;
use crate::error::ValidationError;
use crate::proof::ProverKind;
use crate::proof_job::{ProofJob, ProofJobId, ProofJobStatus};

/// Which jobs a listing returns; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Jobs in this status.
    pub status: Option<ProofJobStatus>,
    /// Jobs whose proof this prover made.
    pub prover: Option<ProverKind>,
    /// The job of this decision.
    pub decision: Option<DecisionId>,
    /// Jobs created at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Jobs created before this time.
    pub until: Option<DateTime<Utc>>,
}

impl JobFilter {
    /// Whether `job` passes the filter (what a store without SQL applies).
    pub fn admits(&self, job: &ProofJob) -> bool {
        self.status.is_none_or(|s| job.status() == s)
            && self.prover.is_none_or(|p| job.artifact().is_some_and(|a| a.prover == p))
            && self.decision.is_none_or(|d| job.decision_id() == Some(d))
            && self.since.is_none_or(|t| job.created_at() >= t)
            && self.until.is_none_or(|t| job.created_at() < t)
    }
}

/// Where the next page starts: after this job, newest first by (creation time, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobCursor {
    /// The last listed job's creation time.
    pub created_at: DateTime<Utc>,
    /// The last listed job.
    pub id: ProofJobId,
}

impl JobCursor {
    /// The cursor of `job`.
    pub fn after(job: &ProofJob) -> Self {
        Self { created_at: job.created_at(), id: job.id() }
    }

    /// Whether `job` comes after this cursor in newest-first order.
    pub fn precedes(&self, job: &ProofJob) -> bool {
        (job.created_at(), job.id().0) < (self.created_at, self.id.0)
    }

    /// The opaque text clients pass back: creation time in microseconds, then the id.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at.timestamp_micros(), self.id.0)
    }

    /// Reads [`JobCursor::encode`]'s text.
    pub fn decode(text: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("cursor", "is not a cursor this API returned; pass next_cursor as is");
        let (micros, id) = text.split_once('_').ok_or_else(bad)?;
        let created_at = micros.parse().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad)?;
        let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
        Ok(Self { created_at, id: ProofJobId(id) })
    }
}

/// One page request for jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPageRequest {
    /// Jobs to return, 1..=[`crate::ports::MAX_PAGE`].
    pub limit: u32,
    /// Continue after this job.
    pub after: Option<JobCursor>,
    /// Which jobs.
    pub filter: JobFilter,
}

/// A page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPage {
    /// The jobs.
    pub items: Vec<ProofJob>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<JobCursor>,
}

/// A worker's hold on a job, as the queue records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLease {
    /// The job held.
    pub job: ProofJobId,
    /// The worker holding it.
    pub owner: String,
    /// When the hold lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// The queue at a glance: how many jobs are in each status, and which workers hold which jobs now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueReport {
    /// Jobs per status, in [`ProofJobStatus::ALL`] order, statuses without jobs included.
    pub by_status: Vec<(ProofJobStatus, u64)>,
    /// Leases that have not lapsed, oldest expiry first.
    pub leases: Vec<JobLease>,
}

impl QueueReport {
    /// A report from per-status counts in any order (missing statuses count 0) and the live leases.
    pub fn new(counts: impl IntoIterator<Item = (ProofJobStatus, u64)>, mut leases: Vec<JobLease>) -> Self {
        let counts: Vec<(ProofJobStatus, u64)> = counts.into_iter().collect();
        let by_status = ProofJobStatus::ALL
            .into_iter()
            .map(|status| (status, counts.iter().filter(|(s, _)| *s == status).map(|(_, n)| n).sum()))
            .collect();
        leases.sort_by_key(|l| l.expires_at);
        Self { by_status, leases }
    }
}
