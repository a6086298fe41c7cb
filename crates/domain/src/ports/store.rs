//! Persistence: proof jobs (with the work queue), decisions and model versions.

use std::time::Duration;

use async_trait::async_trait;

use crate::decision::{AllocationDecision, DecisionId, DecisionStatus};
use crate::model::RiskModel;
use crate::params::ModelVersion;
use crate::ports::{JobPage, JobPageRequest};
use crate::proof::ProverKind;
use crate::proof_job::{ProofJob, ProofJobId, ProofJobStatus};
use chrono::{DateTime, Utc};

/// Why storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Another writer got there first (the compare-and-set saw another status), or a unique key exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A single-use value (an approval's nonce) was already spent by an earlier row.
    #[error("already used: {0}")]
    AlreadyUsed(String),
    /// The database is not reachable; try again later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The largest page any listing returns.
pub const MAX_PAGE: u32 = 100;

/// One page of a newest-first listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows to return, 1..=100.
    pub limit: u32,
    /// Return rows older than this ledger sequence (the previous page's `next_cursor`).
    pub before: Option<i64>,
}

/// Which decisions a filtered listing returns; every field left out admits all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    /// Decisions in this status.
    pub status: Option<DecisionStatus>,
    /// Decisions whose proof this prover made.
    pub prover: Option<ProverKind>,
    /// Decisions made at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Decisions made before this time.
    pub until: Option<DateTime<Utc>>,
}

impl DecisionFilter {
    /// Whether the filter admits a decision in `status`, made at `created`, proven by `prover`.
    pub fn admits(&self, status: DecisionStatus, created: DateTime<Utc>, prover: Option<ProverKind>) -> bool {
        self.status.is_none_or(|s| s == status)
            && self.prover.is_none_or(|p| prover == Some(p))
            && self.since.is_none_or(|t| created >= t)
            && self.until.is_none_or(|t| created < t)
    }
}

/// A page of rows and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows, newest first.
    pub items: Vec<T>,
    /// Pass as `before` for the next page; `None` on the last page.
    pub next_cursor: Option<i64>,
}

/// Proof jobs and the queue that hands them to workers.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait ProofJobStore: Send + Sync {
    /// Stores a new job (one without a decision, as `POST /proofs/generate` makes).
    async fn insert(&self, job: &ProofJob) -> Result<(), StoreError>;

    /// A job by id.
    async fn get(&self, id: ProofJobId) -> Result<Option<ProofJob>, StoreError>;

    /// Saves `job` only if its stored status is still `expected`; otherwise [`StoreError::Conflict`] and
    /// nothing changes. This compare-and-set is what stops two workers from moving one job twice. A job
    /// saved resting ([`ProofJob::rests`]) also loses its lease, so finishing or postponing a job needs no
    /// separate release.
    async fn save(&self, job: &ProofJob, expected: ProofJobStatus) -> Result<(), StoreError>;

    /// Adds `tx` to the transactions job `id` has sent towards its registration, as its registration notes
    /// it (see [`crate::ports::RegistrationJournal`]); noting one twice changes nothing. Only a job still
    /// registering (verified) takes it: any other is [`StoreError::Conflict`], and nothing changes.
    async fn note_registration_tx(&self, id: ProofJobId, tx: crate::TxHash) -> Result<(), StoreError>;

    /// Claims up to `limit` due, unleased (or lease-expired) jobs with work left for `worker` for `lease`,
    /// in due order, in one step: a process with several idle slots fills them with one round trip.
    async fn claim_due_batch(&self, worker: &str, lease: Duration, limit: usize) -> Result<Vec<ProofJob>, StoreError>;

    /// Claims the next due job, as [`ProofJobStore::claim_due_batch`] with a limit of one.
    async fn claim_due(&self, worker: &str, lease: Duration) -> Result<Option<ProofJob>, StoreError> {
        Ok(self.claim_due_batch(worker, lease, 1).await?.pop())
    }

    /// Extends `worker`'s lease on job `id` to `lease` from now, while a long step (an Atlantic wait) runs;
    /// false when the lease is no longer `worker`'s (it expired and another worker took the job).
    async fn renew_lease(&self, id: ProofJobId, worker: &str, lease: Duration) -> Result<bool, StoreError>;

    /// Jobs per status and the leases workers hold now.
    async fn queue_report(&self) -> Result<crate::ports::QueueReport, StoreError>;

    /// Gives a claimed job back (its lease ends now) so another worker may take it.
    async fn release(&self, id: ProofJobId, worker: &str) -> Result<(), StoreError>;

    /// Jobs waiting for or held by a worker.
    async fn queue_depth(&self) -> Result<u64, StoreError>;

    /// A page of jobs passing `request.filter`, newest first.
    async fn list(&self, request: &JobPageRequest) -> Result<JobPage, StoreError>;
}

/// The statuses a decision and its job were read with: a joint save applies only while both still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// The decision's.
    pub decision: DecisionStatus,
    /// Its job's.
    pub job: ProofJobStatus,
}

/// Allocation decisions.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait DecisionStore: Send + Sync {
    /// Stores a new decision and its proof job in one transaction; returns both as stored, the decision with
    /// its ledger sequence, so a caller answering with them need not read them back.
    async fn create(
        &self,
        decision: &AllocationDecision,
        job: &ProofJob,
    ) -> Result<(AllocationDecision, ProofJob), StoreError>;

    /// A decision by id.
    async fn get(&self, id: DecisionId) -> Result<Option<AllocationDecision>, StoreError>;

    /// The decision a proof job proves, if any.
    async fn by_proof_job(&self, job: ProofJobId) -> Result<Option<AllocationDecision>, StoreError>;

    /// Saves `decision` only if its stored status is still `expected` (compare-and-set).
    async fn save(&self, decision: &AllocationDecision, expected: DecisionStatus) -> Result<(), StoreError>;

    /// Saves a decision and its proof job together, each compare-and-set on the status it was loaded with,
    /// in one transaction: either both change or neither does.
    async fn save_both(&self, decision: &AllocationDecision, job: &ProofJob, loaded: Loaded) -> Result<(), StoreError>;

    /// A newest-first page of decisions.
    async fn list(&self, page: PageRequest) -> Result<Page<AllocationDecision>, StoreError> {
        self.list_filtered(DecisionFilter::default(), page).await
    }

    /// A newest-first page of the decisions `filter` admits.
    async fn list_filtered(
        &self,
        filter: DecisionFilter,
        page: PageRequest,
    ) -> Result<Page<AllocationDecision>, StoreError>;

    /// The newest decision that was executed on chain: the allocation the treasury holds now.
    async fn latest_executed(&self) -> Result<Option<AllocationDecision>, StoreError>;
}

/// Registered model versions.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait ModelStore: Send + Sync {
    /// The active model.
    async fn current(&self) -> Result<Option<RiskModel>, StoreError>;

    /// One version.
    async fn get(&self, version: ModelVersion) -> Result<Option<RiskModel>, StoreError>;

    /// Versions, newest first, a page at a time; `page.before` is a version number.
    async fn history(&self, page: PageRequest) -> Result<Page<RiskModel>, StoreError>;

    /// Stores `model` as the active version and supersedes the previous one, in one transaction;
    /// [`StoreError::Conflict`] when the version exists.
    async fn register(&self, model: &RiskModel) -> Result<(), StoreError>;
}

/// A client's name for one request, so a retry of it is answered with the first outcome (1 to 255 printable
/// ASCII characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks the key's form; the error names the `Idempotency-Key` header.
    pub fn parse(text: &str) -> Result<Self, crate::ValidationError> {
        if text.is_empty() || text.len() > 255 {
            return Err(crate::ValidationError::new("Idempotency-Key", "must be 1 to 255 characters"));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(crate::ValidationError::new("Idempotency-Key", "must be printable ASCII"));
        }
        Ok(Self(text.to_string()))
    }

    /// The key in `caller`'s own namespace: two callers who pick the same key never meet. The prefix is
    /// 16 hex digits of SHA-256 over the caller's name, so the stored key is at most 272 characters.
    pub fn scoped_to(self, caller: &str) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(caller.as_bytes());
        let prefix = hex::encode(&digest[..8]);
        Self(format!("{prefix}:{}", self.0))
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long idempotency keys hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLifetimes {
    /// A claim whose request has not completed after this long died in flight; the next request with the
    /// key takes it over instead of answering 409 forever.
    pub in_flight: Duration,
    /// A key older than this is forgotten: the next request with it is a new request.
    pub retained: Duration,
}

/// SHA-256 of a request's bytes: a key reused with another request is refused, not replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestFingerprint([u8; 32]);

impl RequestFingerprint {
    /// The fingerprint of `request`'s bytes as received.
    pub fn of(request: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(request).into())
    }
}

impl std::fmt::Display for RequestFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// What an idempotency key already holds when a request claims it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key was free and now belongs to this request: complete or release it.
    Claimed,
    /// Another request with this key is still running.
    InProgress,
    /// The key was used with a different request.
    Mismatch,
    /// The key's request already made this decision: answer with it.
    Completed(DecisionId),
}

/// Idempotency keys of `orchestrate-allocation`: two racing requests with one key never both plan.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request with `fingerprint`, or says what the key already holds.
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: RequestFingerprint,
        lifetimes: KeyLifetimes,
    ) -> Result<KeyClaim, StoreError>;

    /// Records the decision the request that claimed `key` made.
    async fn complete_key(&self, key: &IdempotencyKey, decision: DecisionId) -> Result<(), StoreError>;

    /// Frees a claimed key whose request made no decision, so the client may retry with it.
    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError>;
}

/// Whether storage answers, for the readiness probe.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait Readiness: Send + Sync {
    /// `Ok` when storage answered within `timeout`; otherwise why not.
    async fn ready(&self, timeout: Duration) -> Result<(), StoreError>;
}
