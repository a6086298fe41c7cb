//! The durable allocation pipeline: one persisted step at a time, so a crash resumes and never repeats
//! an on-chain side effect.

use std::sync::Arc;

use crate::decision::{AllocationDecision, DecisionStatus, IllegalDecisionTransition};
use crate::execution::ExecutionMode;
use crate::ports::{
    AllocationExecutor, ChainError, Clock, DecisionStore, ExecutionOutcome, FactRegistry, Loaded, ModelApproval,
    ProofJobStore, StoreError, VerifyError,
};
use crate::proof::ProofSystem;
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
        job.verified(claim, self.now())?;
        match self.decision_of(&job).await? {
            Some(mut decision) => {
                decision.verified(fact_hash, self.now())?;
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

    async fn register_or_execute(&self, mut job: ProofJob) -> Result<ProofJob, PipelineError> {
        let is_stone = job.artifact().is_some_and(|a| a.system == ProofSystem::Stone);
        let registered_here =
            |registry: &Arc<dyn FactRegistry>| job.artifact().is_some_and(|a| registry.registers(a.system));
        match &self.ports.registry {
            Some(registry) if registered_here(registry) => {
                let (Some(artifact), Some(claim)) = (job.artifact().cloned(), job.claim().cloned()) else {
                    return Ok(job);
                };
                match registry.register(&artifact, &claim).await {
                    Ok(registration) => {
                        job.registered(registration, self.now())?;
                        self.ports.jobs.save(&job, ProofJobStatus::Verified).await?;
                        Ok(job)
                    }
                    Err(e) => self.stop(job, Stage::Registration, e.to_string(), chain_verdict(&e)).await,
                }
            }
            _ if self.policy.require_onchain_fact => {
                let reason = if is_stone {
                    "policy requires an on-chain Integrity fact, but no FactRegistry is configured".to_string()
                } else {
                    "policy requires an on-chain Integrity fact, but this proof is an S-two proof, which Integrity \
                     cannot verify; put stone or atlantic first in the prover order"
                        .to_string()
                };
                self.stop(job, Stage::Registration, reason, Verdict::Refuse).await
            }
            _ => self.execute(job).await,
        }
    }

    async fn execute(&self, job: ProofJob) -> Result<ProofJob, PipelineError> {
        if (job.registration().is_some() || self.policy.require_onchain_fact)
            && let Some((reason, verdict)) = self.fact_problem(&job).await
        {
            return self.stop(job, Stage::Registration, reason, verdict).await;
        }
        let Some(executor) = self.ports.executor.clone() else {
            return self.rest_verified(job, NOT_EXECUTED_WITHOUT_CHAIN.into()).await;
        };
        let Some(mut decision) = self.decision_of(&job).await? else {
            return self
                .stop(job, Stage::Execution, "the decision of this job is missing".into(), Verdict::Refuse)
                .await;
        };
        if decision.status() == DecisionStatus::Verified {
            if let Some(reason) = decision.unproven_by(job.claim()) {
                return self.stop(job, Stage::Execution, reason, Verdict::Refuse).await;
            }
            if self.policy.execution == ExecutionMode::Manual && decision.execution_request().is_none() {
                return self.rest_verified(job, AWAITING_OPERATOR.into()).await;
            }
            match executor.model_approval(decision.statement().model_hash).await {
                Ok(ModelApproval::Missing { owner_call }) => {
                    let reason = format!(
                        "not executed: model {} is not approved on the allocation contract; {owner_call}",
                        decision.model_version()
                    );
                    return self.rest_verified(job, reason).await;
                }
                Ok(ModelApproval::Approved | ModelApproval::NotGated) => {}
                Err(e) => return self.stop(job, Stage::Execution, e.to_string(), chain_verdict(&e)).await,
            }
            let prepared = match executor.prepare(&decision).await {
                Ok(prepared) => prepared,
                Err(e) => return self.stop(job, Stage::Execution, e.to_string(), chain_verdict(&e)).await,
            };
            // Recorded before broadcasting: after a crash the hash is checked, never a second transaction signed.
            let tx_hash = prepared.tx_hash;
            decision.submitted(tx_hash, prepared.signed, self.now())?;
            match self.ports.decisions.save(&decision, DecisionStatus::Verified).await {
                Ok(()) => {}
                // Another worker moved the decision, or another decision holds this very transaction (two
                // processes signed the same call with one nonce). Nothing was sent; look again later.
                Err(StoreError::Conflict(why)) => {
                    let reason = format!("transaction {tx_hash} was not recorded ({why}); nothing was sent");
                    return self.stop(job, Stage::Execution, reason, Verdict::Retry).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.confirm(executor.as_ref(), decision, job).await
    }

    /// A verified decision that cannot be executed yet (no chain, or a model the contract has not approved)
    /// is not refused: it rests at verified with `reason`, and its job is looked at again after the longest
    /// backoff, so a restart with a chain, or the owner's approval, gets it executed.
    async fn rest_verified(&self, mut job: ProofJob, reason: String) -> Result<ProofJob, PipelineError> {
        let now = self.now();
        let loaded = job.status();
        let later = chrono::Duration::from_std(self.policy.backoff.max).unwrap_or(chrono::Duration::MAX);
        job.postpone(now + later, now);
        match self.decision_of(&job).await? {
            Some(mut decision) if decision.status() == DecisionStatus::Verified => {
                decision.waiting(reason, now)?;
                let loaded = Loaded { decision: DecisionStatus::Verified, job: loaded };
                self.ports.decisions.save_both(&decision, &job, loaded).await?;
            }
            _ => self.ports.jobs.save(&job, loaded).await?,
        }
        Ok(job)
    }

    /// Follows a submitted transaction to its receipt, re-sending the same signed bytes if the network lost it.
    async fn confirm(
        &self,
        executor: &dyn AllocationExecutor,
        mut decision: AllocationDecision,
        mut job: ProofJob,
    ) -> Result<ProofJob, PipelineError> {
        let (Some(tx_hash), Some(signed)) = (decision.tx_hash(), decision.signed_tx().map(<[u8]>::to_vec)) else {
            return self
                .stop(job, Stage::Execution, "the decision is submitted but has no transaction".into(), Verdict::Refuse)
                .await;
        };
        let mut outcome = executor.outcome(tx_hash).await;
        if matches!(outcome, Ok(ExecutionOutcome::Unknown)) {
            let prepared = crate::ports::PreparedExecution { tx_hash, signed };
            match executor.broadcast(&prepared).await {
                Ok(()) => {}
                Err(ChainError::Superseded { .. }) => {
                    // The chain proves this transaction dead; the next pass signs a new one.
                    decision.superseded(self.now())?;
                    self.ports.decisions.save(&decision, DecisionStatus::Submitted).await?;
                    let reason = format!("transaction {tx_hash} lost its nonce to another; a new one will be signed");
                    return self.stop(job, Stage::Execution, reason, Verdict::Retry).await;
                }
                Err(e) => return self.stop(job, Stage::Execution, e.to_string(), chain_verdict(&e)).await,
            }
            outcome = executor.outcome(tx_hash).await;
        }
        let loaded = job.status();
        match outcome {
            Ok(ExecutionOutcome::Succeeded { block_number }) => {
                // The transaction is in; reading its event back is a record, and never undoes that.
                let record = match executor.execution_record(tx_hash).await {
                    Ok(record) => Some(record),
                    Err(error) => {
                        tracing::warn!(%tx_hash, %error, "the execution's event could not be read back");
                        None
                    }
                };
                decision.executed(block_number, record, self.now())?;
                job.executed(self.now())?;
                let loaded = Loaded { decision: DecisionStatus::Submitted, job: loaded };
                self.ports.decisions.save_both(&decision, &job, loaded).await?;
                Ok(job)
            }
            Ok(ExecutionOutcome::Reverted { reason }) => {
                self.stop(job, Stage::Execution, format!("transaction {tx_hash} reverted: {reason}"), Verdict::Refuse)
                    .await
            }
            Ok(ExecutionOutcome::Pending | ExecutionOutcome::Unknown) => {
                let reason = format!(
                    "transaction {tx_hash} is not included yet; its receipt will be checked again, never resent"
                );
                self.stop(job, Stage::Execution, reason, Verdict::Retry).await
            }
            Err(e) => self.stop(job, Stage::Execution, e.to_string(), chain_verdict(&e)).await,
        }
    }

    /// Why the job's fact does not (yet) meet the policy on chain, if it does not.
    async fn fact_problem(&self, job: &ProofJob) -> Option<(String, Verdict)> {
        let Some(registry) = &self.ports.registry else {
            return Some((
                "policy requires an on-chain fact, but no FactRegistry is configured".into(),
                Verdict::Refuse,
            ));
        };
        let Some(fact) = job.fact_hash() else {
            return Some(("the proof has no Integrity fact hash".into(), Verdict::Refuse));
        };
        match registry.verifications(fact).await {
            Ok(list) if self.policy.fact_policy.accepting(fact, &list).is_some() => None,
            Ok(list) => Some((
                format!(
                    "fact {fact} has {} verification(s) on chain, none with verifier {:?}, at least {} security bits \
                     and a verification hash that recomputes from them",
                    list.len(),
                    self.policy.fact_policy.expected_config,
                    self.policy.fact_policy.min_security_bits
                ),
                Verdict::Refuse,
            )),
            Err(e) => Some((e.to_string(), chain_verdict(&e))),
        }
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

/// What a verified decision says under manual execution until an operator asks for it.
const AWAITING_OPERATOR: &str =
    "verified; waiting for an operator (manual execution): POST /api/v1/risk-engine/execute-allocation executes it";

/// What a verified decision says while no chain is configured to execute it on.
pub const NOT_EXECUTED_WITHOUT_CHAIN: &str =
    "not executed: no chain is configured; enable [starknet] and restart the service to execute it";

/// Transient chain trouble is retried; a refusal by the chain is final.
fn chain_verdict(error: &ChainError) -> Verdict {
    if error.is_transient() || matches!(error, ChainError::Unknown(_)) { Verdict::Retry } else { Verdict::Refuse }
}
