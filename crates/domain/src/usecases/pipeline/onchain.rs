//! The pipeline's steps past verification: registering the fact on chain, executing the allocation and
//! following its transaction, or resting a verified decision that cannot be executed yet.

use std::sync::Arc;

use super::journal::JobJournal;
use super::{DecisionPipeline, PipelineError, Verdict};
use crate::decision::{AllocationDecision, DecisionStatus};
use crate::execution::ExecutionMode;
use crate::ports::{AllocationExecutor, ChainError, ExecutionOutcome, FactRegistry, Loaded, ModelApproval, StoreError};
use crate::proof::ProofSystem;
use crate::proof_job::{ProofJob, ProofJobStatus, Stage};

impl DecisionPipeline {
    pub(super) async fn register_or_execute(&self, mut job: ProofJob) -> Result<ProofJob, PipelineError> {
        let is_stone = job.artifact().is_some_and(|a| a.system == ProofSystem::Stone);
        match self.registry_for(&job) {
            Some(registry) => {
                let (Some(artifact), Some(claim)) = (job.artifact().cloned(), job.claim().cloned()) else {
                    return Ok(job);
                };
                let journal = JobJournal::new(self.ports.jobs.clone(), &job);
                let result = registry.register(&artifact, &claim, &journal).await;
                journal.apply_to(&mut job)?;
                match result {
                    Ok(registration) => {
                        job.registered(registration, self.now())?;
                        self.ports.jobs.save(&job, ProofJobStatus::Verified).await?;
                        Ok(job)
                    }
                    Err(e) => self.stop(job, Stage::Registration, e.to_string(), chain_verdict(&e)).await,
                }
            }
            None if self.policy.require_onchain_fact => {
                let reason = if is_stone {
                    "policy requires an on-chain Integrity fact, but no FactRegistry is configured".to_string()
                } else {
                    "policy requires an on-chain Integrity fact, but this proof is an S-two proof, which Integrity \
                     cannot verify; put stone or atlantic first in the prover order"
                        .to_string()
                };
                self.stop(job, Stage::Registration, reason, Verdict::Refuse).await
            }
            None => self.execute(job).await,
        }
    }

    /// The registry that registers `job`'s proof, if one is configured for its proof system.
    pub(super) fn registry_for(&self, job: &ProofJob) -> Option<&Arc<dyn FactRegistry>> {
        let system = job.artifact()?.system;
        self.ports.registry.as_ref().filter(|registry| registry.registers(system))
    }

    /// Why a verified decision stays verified instead of being executed: no chain to execute on, or manual
    /// execution no operator has asked for yet.
    pub(super) fn resting_reason(&self, decision: &AllocationDecision) -> Option<&'static str> {
        if self.ports.executor.is_none() {
            Some(NOT_EXECUTED_WITHOUT_CHAIN)
        } else if self.policy.execution == ExecutionMode::Manual && decision.execution_request().is_none() {
            Some(AWAITING_OPERATOR)
        } else {
            None
        }
    }

    /// When a resting decision's job is looked at again: after the longest backoff, so a restart with a
    /// chain, or an owner's approval, gets it executed.
    pub(super) fn rest_until(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        now + chrono::Duration::from_std(self.policy.backoff.max).unwrap_or(chrono::Duration::MAX)
    }

    pub(super) async fn execute(&self, job: ProofJob) -> Result<ProofJob, PipelineError> {
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
            if let Some(reason) = self.resting_reason(&decision) {
                return self.rest_verified(job, reason.into()).await;
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
    /// is not refused: it rests at verified with `reason` until [`DecisionPipeline::rest_until`].
    async fn rest_verified(&self, mut job: ProofJob, reason: String) -> Result<ProofJob, PipelineError> {
        let now = self.now();
        let loaded = job.status();
        job.postpone(self.rest_until(now), now);
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
}

/// What a verified decision says under manual execution until an operator asks for it.
const AWAITING_OPERATOR: &str =
    "verified; waiting for an operator (manual execution): POST /api/v1/risk-engine/execute-allocation executes it";

/// What a verified decision says while no chain is configured to execute it on.
pub const NOT_EXECUTED_WITHOUT_CHAIN: &str =
    "not executed: no chain is configured; enable [starknet] and restart the service to execute it";

/// Transient chain trouble is retried; a refusal by the chain is final.
fn chain_verdict(error: &ChainError) -> Verdict {
    // A transaction whose nonce another took never lands (two processes share the operator account): sending
    // anew is safe, since registration first asks the chain what it already holds.
    if error.is_transient() || matches!(error, ChainError::Unknown(_) | ChainError::Superseded { .. }) {
        Verdict::Retry
    } else {
        Verdict::Refuse
    }
}
