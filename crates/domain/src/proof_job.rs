//! A proof job and its state machine: queued → proving → proved → verified → registered → executed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::DecisionId;
use crate::felt::{FactHash, TxHash};
use crate::proof::{ProofArtifact, ProofRequest, ProverAttempt, ProverKind, VerifiedClaim};

mod registering;
mod resume;
pub use registering::FactRegistration;
pub use resume::Resumption;

crate::names::uuid_id!(
    /// A proof job's id.
    ProofJobId
);

crate::names::named_enum!(
    /// Where a job stands.
    pub enum ProofJobStatus {
        /// Waiting for a worker.
        Queued = "queued",
        /// A prover is working on it.
        Proving = "proving",
        /// A proof exists, not yet checked.
        Proved = "proved",
        /// The proof verified locally and states the decision.
        Verified = "verified",
        /// Integrity registered the fact on Starknet and it meets the policy.
        Registered = "registered",
        /// The decision it proves was executed on chain.
        Executed = "executed",
        /// Stopped; see the job's failure.
        Failed = "failed",
    }
);

impl ProofJobStatus {
    /// Statuses with a step left for any job: proving and verifying.
    pub const WORKABLE: [ProofJobStatus; 3] = [ProofJobStatus::Queued, ProofJobStatus::Proving, ProofJobStatus::Proved];

    /// Statuses with a step left only for a job that proves a decision: registering and executing.
    pub const WORKABLE_WITH_DECISION: [ProofJobStatus; 2] = [ProofJobStatus::Verified, ProofJobStatus::Registered];

    /// Whether nothing more will happen to the job (a retryable failure can still be requeued).
    pub const fn is_terminal(self) -> bool {
        matches!(self, ProofJobStatus::Executed | ProofJobStatus::Failed)
    }

    /// Whether the state machine allows `self → to`.
    ///
    /// `Proving → Proving` is a worker resuming a job whose previous worker died mid-proof;
    /// `Verified → Executed` skips registration for proofs Integrity cannot verify (S-two) when policy allows.
    pub const fn can_become(self, to: ProofJobStatus) -> bool {
        use ProofJobStatus::*;
        matches!(
            (self, to),
            (Queued, Proving)
                | (Proving, Proving)
                | (Proving, Proved)
                | (Proved, Verified)
                | (Verified, Registered)
                | (Verified, Executed)
                | (Registered, Executed)
                | (Queued | Proving | Proved | Verified | Registered, Failed)
                | (Failed, Queued | Proved | Verified | Registered)
        )
    }
}

crate::names::named_enum!(
    /// The pipeline stage at which a job failed.
    pub enum Stage {
        /// Making the proof.
        Proving = "proving",
        /// Checking the proof locally.
        Verification = "verification",
        /// Registering the fact on Integrity, or checking it against the policy.
        Registration = "registration",
        /// Executing the allocation on chain.
        Execution = "execution",
    }
);

/// Why a job stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// Where.
    pub stage: Stage,
    /// What happened, for operators.
    pub reason: String,
    /// Whether trying again could help.
    pub retryable: bool,
    /// The status a retry resumes from, so finished stages are not repeated.
    pub resume_from: ProofJobStatus,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("proof job {job} cannot go from {from} to {to}")]
pub struct IllegalTransition {
    /// The job.
    pub job: ProofJobId,
    /// Its status.
    pub from: ProofJobStatus,
    /// The refused target.
    pub to: ProofJobStatus,
}

/// A proof job as storage holds it: every field, for rebuilding the entity with [`ProofJob::restore`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofJobRecord {
    /// Its id.
    pub id: ProofJobId,
    /// Where it stands.
    pub status: ProofJobStatus,
    /// The decision it proves, if any.
    pub decision_id: Option<DecisionId>,
    /// What to prove.
    pub request: ProofRequest,
    /// Provers in the order to try them.
    pub provers: Vec<ProverKind>,
    /// Every prover attempt so far.
    pub attempts: Vec<ProverAttempt>,
    /// The proof, once made.
    pub artifact: Option<ProofArtifact>,
    /// What local verification established.
    pub claim: Option<VerifiedClaim>,
    /// Integrity's registration.
    pub registration: Option<FactRegistration>,
    /// Transactions sent towards a registration that has not finished yet, oldest first, as they were
    /// noted before sending; the registration takes them over when it lands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registration_sent: Vec<TxHash>,
    /// Why it failed.
    pub failure: Option<JobFailure>,
    /// The reason of the last retryable failure.
    pub last_error: Option<String>,
    /// Requeues so far since it was created or an operator last resumed it.
    pub retries: u32,
    /// Every time an operator resumed it after it failed, oldest first.
    #[serde(default)]
    pub resumptions: Vec<Resumption>,
    /// When a worker may pick it up next.
    pub next_attempt_at: DateTime<Utc>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A request to prove one statement (usually a decision's), and everything that happened to it. Its
/// state changes only through the transitions below, which the state machine guards. It serialises as its
/// record but does not deserialise: a job comes back only through `restore`, which checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ProofJob {
    state: ProofJobRecord,
}

impl ProofJob {
    /// A queued job for `request`, to be tried with `provers` in order, due at once.
    pub fn new(
        request: ProofRequest,
        provers: Vec<ProverKind>,
        decision_id: Option<DecisionId>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            state: ProofJobRecord {
                id: ProofJobId::random(),
                status: ProofJobStatus::Queued,
                decision_id,
                request,
                provers,
                attempts: Vec::new(),
                artifact: None,
                claim: None,
                registration: None,
                registration_sent: Vec::new(),
                failure: None,
                last_error: None,
                retries: 0,
                resumptions: Vec::new(),
                next_attempt_at: now,
                created_at: now,
                updated_at: now,
            },
        }
    }

    /// A job as storage recorded it, refused when its fields are not what its status needs.
    pub fn restore(record: ProofJobRecord) -> Result<Self, crate::CorruptRecord> {
        crate::restore::check_job(&record)?;
        Ok(Self { state: record })
    }

    /// Every field at once, read-only, for storage.
    pub fn record(&self) -> &ProofJobRecord {
        &self.state
    }

    /// Its id.
    pub fn id(&self) -> ProofJobId {
        self.state.id
    }

    /// Where it stands.
    pub fn status(&self) -> ProofJobStatus {
        self.state.status
    }

    /// The decision this job proves and executes; `None` for a proof asked for on its own.
    pub fn decision_id(&self) -> Option<DecisionId> {
        self.state.decision_id
    }

    /// What to prove.
    pub fn request(&self) -> &ProofRequest {
        &self.state.request
    }

    /// Provers in the order to try them.
    pub fn provers(&self) -> &[ProverKind] {
        &self.state.provers
    }

    /// Every prover attempt so far, oldest first.
    pub fn attempts(&self) -> &[ProverAttempt] {
        &self.state.attempts
    }

    /// The proof, once made.
    pub fn artifact(&self) -> Option<&ProofArtifact> {
        self.state.artifact.as_ref()
    }

    /// What local verification established, once verified.
    pub fn claim(&self) -> Option<&VerifiedClaim> {
        self.state.claim.as_ref()
    }

    /// Integrity's registration, for Stone proofs.
    pub fn registration(&self) -> Option<&FactRegistration> {
        self.state.registration.as_ref()
    }

    /// Why it failed, while it is failed.
    pub fn failure(&self) -> Option<&JobFailure> {
        self.state.failure.as_ref()
    }

    /// The reason of the last retryable failure, kept after the job was requeued.
    pub fn last_error(&self) -> Option<&str> {
        self.state.last_error.as_deref()
    }

    /// How many times it was requeued after a retryable failure.
    pub fn retries(&self) -> u32 {
        self.state.retries
    }

    /// When a worker may pick it up next.
    pub fn next_attempt_at(&self) -> DateTime<Utc> {
        self.state.next_attempt_at
    }

    /// When it was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }

    /// Whether its status has a step left for it: proving and verifying for every job, registering and
    /// executing only for a job that proves a decision. The queue's claim query uses the same lists.
    pub fn has_work(&self) -> bool {
        ProofJobStatus::WORKABLE.contains(&self.state.status)
            || (self.state.decision_id.is_some() && ProofJobStatus::WORKABLE_WITH_DECISION.contains(&self.state.status))
    }

    /// Whether it was left with no step due when it last changed: finished, or due again only later (a
    /// retry's backoff, a postponement). Saving a resting job ends its lease; the worker holding it stops.
    pub fn rests(&self) -> bool {
        !self.has_work() || self.state.next_attempt_at > self.state.updated_at
    }

    /// Whether a worker should take its next step at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.has_work() && self.state.next_attempt_at <= now
    }

    /// Makes a job that waits to retry registration or execution due at `now`, as an operator's
    /// "execute now" asks; returns whether anything changed (a job already due, or in another stage, is left).
    pub fn expedite(&mut self, now: DateTime<Utc>) -> bool {
        let waiting =
            ProofJobStatus::WORKABLE_WITH_DECISION.contains(&self.state.status) && self.state.next_attempt_at > now;
        if waiting {
            self.state.next_attempt_at = now;
            self.state.updated_at = now;
        }
        waiting
    }

    /// Leaves the job where it is until `until`: its next step cannot be taken yet (no chain to execute
    /// on), and it is looked at again then. Never moves a due time earlier.
    pub fn postpone(&mut self, until: DateTime<Utc>, now: DateTime<Utc>) {
        self.state.next_attempt_at = self.state.next_attempt_at.max(until);
        self.state.updated_at = now;
    }

    fn move_to(&mut self, to: ProofJobStatus, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        if !self.state.status.can_become(to) {
            return Err(IllegalTransition { job: self.state.id, from: self.state.status, to });
        }
        self.state.status = to;
        self.state.updated_at = now;
        Ok(())
    }

    /// A worker starts (or resumes) proving.
    pub fn start_proving(&mut self, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Proving, now)
    }

    /// Records one prover attempt.
    pub fn record_attempt(&mut self, attempt: ProverAttempt, now: DateTime<Utc>) {
        self.state.attempts.push(attempt);
        self.state.updated_at = now;
    }

    /// A proof was made.
    pub fn proved(&mut self, artifact: ProofArtifact, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Proved, now)?;
        self.state.artifact = Some(artifact);
        Ok(())
    }

    /// The proof verified locally.
    pub fn verified(&mut self, claim: VerifiedClaim, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Verified, now)?;
        self.state.claim = Some(claim);
        Ok(())
    }

    /// The decision was executed.
    pub fn executed(&mut self, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Executed, now)
    }

    /// The job stopped at `stage`.
    pub fn fail(
        &mut self,
        stage: Stage,
        reason: impl Into<String>,
        retryable: bool,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        let resume_from = match self.state.status {
            ProofJobStatus::Proving => ProofJobStatus::Queued,
            other => other,
        };
        self.move_to(ProofJobStatus::Failed, now)?;
        self.state.failure = Some(JobFailure { stage, reason: reason.into(), retryable, resume_from });
        Ok(())
    }

    /// Puts a retryable failure back in the queue, due at `at`, resuming where it stopped.
    /// A permanent failure stays failed.
    pub fn requeue(&mut self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        let Some(failure) = self.state.failure.as_ref().filter(|f| f.retryable) else {
            return Err(IllegalTransition { job: self.state.id, from: self.state.status, to: ProofJobStatus::Queued });
        };
        let (resume_from, reason) = (failure.resume_from, failure.reason.clone());
        self.move_to(resume_from, now)?;
        self.state.failure = None;
        self.state.last_error = Some(reason);
        self.state.retries += 1;
        self.state.next_attempt_at = at;
        Ok(())
    }

    /// The fact hash of the job's proof, once known.
    pub fn fact_hash(&self) -> Option<FactHash> {
        self.state
            .registration
            .as_ref()
            .map(|r| r.fact_hash)
            .or_else(|| self.state.claim.as_ref().and_then(|c| c.fact_hash))
    }
}
