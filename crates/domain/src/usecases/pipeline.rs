//! The durable allocation pipeline: one persisted step at a time, so a crash resumes and never repeats
//! an on-chain side effect.

mod journal;
mod onchain;

use std::sync::Arc;

pub use onchain::NOT_EXECUTED_WITHOUT_CHAIN;

use crate::decision::{AllocationDecision, DecisionStatus, IllegalDecisionTransition};
use crate::ports::{
    AllocationExecutor, Clock, DecisionStore, FactRegistry, Loaded, ProofJobStore, StoreError, VerifyError,
};
use crate::proof_job::{IllegalTransition, ProofJob, ProofJobStatus, Stage};
use crate::usecases::generate_proof::{ProverSet, ProvingResult, prove_with_fallback};
use crate::usecases::{PipelinePolicy, VerifyProof};

/// Why the pipeline could not record a step (the step itself failing is recorded on the job instead).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Storage failed or another worker moved the job first.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored state does not allow the step (a bug or a concurrent writer).
    #[error(transparent)]
    Job(#[from] IllegalTransition),
    /// The stored decision does not allow the step.
    #[error(transparent)]
    Decision(#[from] IllegalDecisionTransition),
}

/// How a failed step ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Transient: retry later, with backoff, while retries remain.
    Retry,
    /// The decision is refused by a check; no retry.
    Refuse,
}

/// The adapters the pipeline drives.
pub struct PipelinePorts {
    /// Provers by kind.
    pub provers: ProverSet,
    /// Local verification.
    pub verify: VerifyProof,
    /// Integrity, when configured.
    pub registry: Option<Arc<dyn FactRegistry>>,
    /// The allocation executor, when configured.
    pub executor: Option<Arc<dyn AllocationExecutor>>,
    /// Proof jobs.
    pub jobs: Arc<dyn ProofJobStore>,
    /// Decisions.
    pub decisions: Arc<dyn DecisionStore>,
    /// The time: attempts, transitions and retry schedules are stamped with it.
    pub clock: Arc<dyn Clock>,
}

/// Carries proof jobs (and their decisions) through prove → verify → register → execute.
pub struct DecisionPipeline {
    ports: PipelinePorts,
    policy: PipelinePolicy,
}

impl DecisionPipeline {
    /// The pipeline over its ports and policy.
    pub fn new(ports: PipelinePorts, policy: PipelinePolicy) -> Self {
        Self { ports, policy }
    }

    /// Advances `job` step by step until it rests: done, failed, or waiting for a retry.
    pub async fn run(&self, mut job: ProofJob) -> Result<ProofJob, PipelineError> {
        loop {
            let before = (job.status(), job.retries());
            job = self.advance(job).await?;
            if (job.status(), job.retries()) == before || !self.is_due(&job) {
                return Ok(job);
            }
        }
    }

    /// Performs the one step `job`'s status calls for and persists its result.
    pub async fn advance(&self, job: ProofJob) -> Result<ProofJob, PipelineError> {
        if !job.has_work() {
            return Ok(job);
        }
        match job.status() {
            ProofJobStatus::Queued | ProofJobStatus::Proving => self.prove(job).await,
            ProofJobStatus::Proved => self.verify(job).await,
            ProofJobStatus::Verified => self.register_or_execute(job).await,
            ProofJobStatus::Registered => self.execute(job).await,
            ProofJobStatus::Executed | ProofJobStatus::Failed => Ok(job),
        }
    }

    async fn prove(&self, mut job: ProofJob) -> Result<ProofJob, PipelineError> {
        let loaded = job.status();
        job.start_proving(self.now())?;
        self.ports.jobs.save(&job, loaded).await?;
        match prove_with_fallback(
            &self.ports.provers,
            self.ports.clock.as_ref(),
            &mut job,
            self.policy.max_prover_timeout,
        )
        .await
        {
            ProvingResult::Proved(artifact) => {
                job.proved(*artifact, self.now())?;
                self.ports.jobs.save(&job, ProofJobStatus::Proving).await?;
                Ok(job)
            }
            ProvingResult::Exhausted { reason, retryable } => {
                let verdict = if retryable { Verdict::Retry } else { Verdict::Refuse };
                self.stop(job, Stage::Proving, reason, verdict).await
            }
            ProvingResult::Invalid(reason) => self.stop(job, Stage::Proving, reason, Verdict::Refuse).await,
        }
    }

    async fn verify(&self, mut job: ProofJob) -> Result<ProofJob, PipelineError> {
        let Some(artifact) = job.artifact().cloned() else {
            return self
                .stop(job, Stage::Verification, "the job is marked proved but holds no proof".into(), Verdict::Refuse)
                .await;
        };
        let verified =
            self.ports.verify.verify_statement(artifact.system, &artifact.bytes, &job.request().statement).await;
        let claim = match verified {
            Ok(claim) => claim,
            Err(VerifyError::Unknown(e)) => {
                return self.stop(job, Stage::Verification, format!("{e:#}"), Verdict::Retry).await;
            }
            Err(refusal) => return self.stop(job, Stage::Verification, refusal.to_string(), Verdict::Refuse).await,
        };
        let fact_hash = claim.fact_hash;
        let now = self.now();
        job.verified(claim, now)?;
        match self.decision_of(&job).await? {
            Some(mut decision) => {
                decision.verified(fact_hash, now)?;
                // When the decision's next step would only rest it (nothing on chain comes next), it rests
                // now, in this same save: the step after would write both rows again to say so.
                if self.registry_for(&job).is_none()
                    && !self.policy.require_onchain_fact
                    && decision.unproven_by(job.claim()).is_none()
                    && let Some(reason) = self.resting_reason(&decision)
                {
                    decision.waiting(reason, now)?;
                    job.postpone(self.rest_until(now), now);
                }
                self.ports
                    .decisions
                    .save_both(
                        &decision,
                        &job,
                        Loaded { decision: DecisionStatus::Pending, job: ProofJobStatus::Proved },
                    )
                    .await?;
            }
            None => self.ports.jobs.save(&job, ProofJobStatus::Proved).await?,
        }
        Ok(job)
    }

    async fn decision_of(&self, job: &ProofJob) -> Result<Option<AllocationDecision>, PipelineError> {
        if job.decision_id().is_none() {
            return Ok(None);
        }
        Ok(self.ports.decisions.by_proof_job(job.id()).await?)
    }

    /// Records a failed step: a retry with backoff while allowed, else a failed job and a refused or failed
    /// decision, saved together.
    async fn stop(
        &self,
        mut job: ProofJob,
        stage: Stage,
        reason: String,
        verdict: Verdict,
    ) -> Result<ProofJob, PipelineError> {
        let loaded = job.status();
        let retry = verdict == Verdict::Retry && job.retries() < self.policy.max_retries;
        let now = self.now();
        // A transient failure that used up its retries stays resumable by an operator; a refusal does not.
        job.fail(stage, reason.clone(), verdict == Verdict::Retry, now)?;
        if retry {
            let delay =
                chrono::Duration::from_std(self.policy.backoff.delay(job.retries())).unwrap_or(chrono::Duration::MAX);
            job.requeue(now + delay, now)?;
            self.ports.jobs.save(&job, loaded).await?;
            return Ok(job);
        }
        match self.decision_of(&job).await? {
            Some(mut decision) if !decision.is_settled() => {
                let expected = decision.status();
                if verdict == Verdict::Refuse {
                    decision.refuse(reason, now)?
                } else {
                    decision.fail(reason, now)?
                }
                self.ports.decisions.save_both(&decision, &job, Loaded { decision: expected, job: loaded }).await?;
            }
            _ => self.ports.jobs.save(&job, loaded).await?,
        }
        Ok(job)
    }
}

impl DecisionPipeline {
    /// Whether `job` has a step due now, by the pipeline's clock.
    pub fn is_due(&self, job: &ProofJob) -> bool {
        job.is_due(self.now())
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.ports.clock.now()
    }
}
