//! Proving with fallback: try each prover in order, record every attempt, keep the first proof of the
//! right statement.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ports::{Clock, ProofJobStore, Prover, ProverError, StoreError, TimeoutGrowth};
use crate::proof::{AttemptOutcome, ProofArtifact, ProofRequest, ProverAttempt, ProverKind};
use crate::proof_job::{ProofJob, ProofJobId};
use crate::statement::DecisionStatement;
use crate::usecases::{AllocationRequest, OrchestrateError, PipelinePolicy, StatementPlanner};

/// The configured provers, looked up by kind.
#[derive(Clone, Default)]
pub struct ProverSet {
    provers: Vec<Arc<dyn Prover>>,
}

impl ProverSet {
    /// A set of provers; a later prover of the same kind shadows nothing (the first wins).
    pub fn new(provers: Vec<Arc<dyn Prover>>) -> Self {
        Self { provers }
    }

    /// The prover of `kind`, when configured.
    pub fn get(&self, kind: ProverKind) -> Option<&Arc<dyn Prover>> {
        self.provers.iter().find(|p| p.kind() == kind)
    }
}

/// How proving one job ended.
#[derive(Debug)]
pub enum ProvingResult {
    /// A prover returned a proof of the requested statement (boxed: the statement makes it far larger
    /// than the other outcomes).
    Proved(Box<ProofArtifact>),
    /// Every prover failed; `retryable` when at least one failure was transient.
    Exhausted {
        /// Every attempt's message, joined.
        reason: String,
        /// Whether a later retry could succeed.
        retryable: bool,
    },
    /// The request cannot be proven by anyone.
    Invalid(String),
}

/// Tries the job's provers in order and records an attempt for each on `job`. A prover that timed out on
/// this job before is given its timeout doubled once per such attempt, up to `max_timeout`.
pub async fn prove_with_fallback(
    provers: &ProverSet,
    clock: &dyn Clock,
    job: &mut ProofJob,
    max_timeout: Duration,
) -> ProvingResult {
    let mut reasons = Vec::new();
    let mut retryable = false;
    for kind in job.provers().to_vec() {
        let started_at = clock.now();
        let timed_out = job.attempts().iter().filter(|a| a.prover == kind && a.outcome.is_timeout()).count();
        let growth = TimeoutGrowth { doublings: u32::try_from(timed_out).unwrap_or(u32::MAX), cap: max_timeout };
        let (outcome, artifact, query) = match provers.get(kind) {
            None => (
                AttemptOutcome::Unavailable(format!("the {kind} prover is not configured in this deployment")),
                None,
                None,
            ),
            Some(prover) => match prover.prove(job.request(), growth).await {
                Ok(artifact) => {
                    let query = artifact.remote_query.clone();
                    match check_statement(&job.request().statement, &artifact) {
                        Ok(()) => (AttemptOutcome::Succeeded, Some(artifact), query),
                        Err(reason) => (AttemptOutcome::Failed(reason), None, query),
                    }
                }
                Err(error) => {
                    let query = error.remote_query().map(str::to_string);
                    if let ProverError::InvalidInput { field, reason } = error.cause() {
                        let message = format!("{field}: {reason}");
                        let failed = AttemptOutcome::Failed(message.clone());
                        job.record_attempt(attempt(kind, started_at, clock.now(), failed, query), clock.now());
                        return ProvingResult::Invalid(message);
                    }
                    (error.outcome(), None, query)
                }
            },
        };
        retryable |= outcome.is_transient();
        if let AttemptOutcome::Unavailable(m) | AttemptOutcome::Timeout(m) | AttemptOutcome::Failed(m) = &outcome {
            reasons.push(format!("{kind}: {m}"));
        }
        job.record_attempt(attempt(kind, started_at, clock.now(), outcome, query), clock.now());
        if let Some(artifact) = artifact {
            return ProvingResult::Proved(Box::new(artifact));
        }
    }
    if reasons.is_empty() {
        reasons.push("no prover is configured for this job".into());
    }
    ProvingResult::Exhausted { reason: reasons.join("; "), retryable }
}

fn attempt(
    prover: ProverKind,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    outcome: AttemptOutcome,
    remote_query: Option<String>,
) -> ProverAttempt {
    // A clock that went back mid-attempt reads as an instant attempt.
    let duration_ms = u64::try_from((ended_at - started_at).num_milliseconds()).unwrap_or(0);
    ProverAttempt { prover, started_at, duration_ms, outcome, remote_query }
}

/// A proof of another statement is a failed attempt, never a proof of this decision.
fn check_statement(expected: &DecisionStatement, artifact: &ProofArtifact) -> Result<(), String> {
    match expected.first_difference(&artifact.statement) {
        None => Ok(()),
        Some(field) => Err(format!("the {} proof states a different {field} than requested", artifact.prover)),
    }
}

/// Proofs asked for on their own, without a decision, and what became of them.
pub struct GenerateProof {
    planner: StatementPlanner,
    jobs: Arc<dyn ProofJobStore>,
    clock: Arc<dyn Clock>,
    policy: PipelinePolicy,
}

impl GenerateProof {
    /// The use case over the planner, the job store, the clock and the policy (for the prover order).
    pub fn new(
        planner: StatementPlanner,
        jobs: Arc<dyn ProofJobStore>,
        clock: Arc<dyn Clock>,
        policy: PipelinePolicy,
    ) -> Self {
        Self { planner, jobs, clock, policy }
    }

    /// Queues a proof of the statement the active model gives for `request`; workers do the proving.
    pub async fn submit(&self, request: &AllocationRequest) -> Result<ProofJob, OrchestrateError> {
        let statement = self.planner.compute(request).await?.statement;
        let provers = self.policy.prover_order(request.preferred_prover);
        let job = ProofJob::new(ProofRequest { statement }, provers, None, self.clock.now());
        self.jobs.insert(&job).await?;
        Ok(job)
    }

    /// A job by id; [`StoreError::NotFound`] when there is none.
    pub async fn job(&self, id: ProofJobId) -> Result<ProofJob, StoreError> {
        self.jobs.get(id).await?.ok_or_else(|| StoreError::NotFound(format!("proof job {id}")))
    }

    /// A page of jobs, newest first, as `request` filters them.
    pub async fn list(&self, request: &crate::ports::JobPageRequest) -> Result<crate::ports::JobPage, StoreError> {
        self.jobs.list(request).await
    }

    /// Jobs waiting for or held by a worker.
    pub async fn queue_depth(&self) -> Result<u64, StoreError> {
        self.jobs.queue_depth().await
    }
}
