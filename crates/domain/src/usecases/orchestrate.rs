//! `orchestrate_allocation`: validate, score, allocate, check governance, and queue the proof job, once
//! per idempotency key.

use std::sync::Arc;

use crate::allocation::GovernanceViolation;
use crate::approval::{ApprovalDomain, ApprovalError, Approver, GovernanceApproval};
use crate::bps::Apy;
use crate::decision::AllocationDecision;
use crate::error::ValidationError;
use crate::metrics::ProtocolMetrics;
use crate::ports::{
    Clock, DecisionStore, IdempotencyKey, IdempotencyStore, JobsDue, KeyClaim, KeyLifetimes, MetricsError,
    RequestFingerprint, StoreError,
};
use crate::proof::ProverKind;
use crate::usecases::{Computed, DecisionQueries, DecisionWithJob, PipelinePolicy, StatementPlanner};

/// What an operator asks for: metrics (or none, to read them from the source), APYs, a preferred prover.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocationRequest {
    /// JediSwap's metrics; `None` reads them from the metrics source.
    pub jediswap: Option<ProtocolMetrics>,
    /// Ekubo's metrics; `None` reads them from the metrics source.
    pub ekubo: Option<ProtocolMetrics>,
    /// JediSwap's APY; `None` uses the source's or the configured default.
    pub jediswap_apy: Option<Apy>,
    /// Ekubo's APY; `None` uses the source's or the configured default.
    pub ekubo_apy: Option<Apy>,
    /// A prover to try first.
    pub preferred_prover: Option<ProverKind>,
    /// Signed governance limits replacing the configured ones for this request.
    pub approval: Option<GovernanceApproval>,
}

/// Why no decision was made.
#[derive(Debug, thiserror::Error)]
pub enum OrchestrateError {
    /// The input is invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The allocation breaks governance limits; nothing was proven or stored.
    #[error("governance refused the allocation: {0}")]
    Governance(#[from] GovernanceViolation),
    /// No model is registered yet.
    #[error("no risk model is registered; an admin must register one first")]
    NoActiveModel,
    /// A signed approval was not accepted.
    #[error(transparent)]
    Approval(#[from] ApprovalError),
    /// Metrics were needed from the source and it failed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// Another request with the same idempotency key is still running.
    #[error("a request with this idempotency key is still running; retry when it has finished")]
    KeyInProgress,
    /// The idempotency key was used with a different request.
    #[error("the idempotency key was already used with a different request")]
    KeyReused,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One orchestration as asked: the request, its idempotency key if any, and whether to wait for the outcome.
#[derive(Debug, Clone)]
pub struct Submission {
    /// What to decide.
    pub request: AllocationRequest,
    /// The client's key and the fingerprint of its request, for replays.
    pub idempotency: Option<(IdempotencyKey, RequestFingerprint)>,
    /// Wait (bounded) until the decision settles.
    pub wait: bool,
}

/// How an orchestration ended.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The decision and its job as they are now.
    pub current: DecisionWithJob,
    /// Whether it has settled (only ever true when the submission waited).
    pub settled: bool,
    /// Whether this answers an earlier request with the same idempotency key.
    pub replayed: bool,
}

/// Plans allocation decisions; the [`crate::usecases::DecisionPipeline`] carries them out.
#[derive(Clone)]
pub struct OrchestrateAllocation {
    planner: StatementPlanner,
    decisions: Arc<dyn DecisionStore>,
    keys: Arc<dyn IdempotencyStore>,
    queries: DecisionQueries,
    clock: Arc<dyn Clock>,
    due: Arc<dyn JobsDue>,
    policy: PipelinePolicy,
    approvals: ApprovalRules,
    key_lifetimes: KeyLifetimes,
}

/// Which signed approvals are accepted: whose, how old, and for which chain and deployment.
#[derive(Debug, Clone)]
pub struct ApprovalRules {
    /// Accounts whose approvals are accepted.
    pub approvers: Vec<Approver>,
    /// How long after signing an approval is accepted, seconds.
    pub max_age_secs: u64,
    /// The chain and deployment approvals must name.
    pub domain: ApprovalDomain,
}

/// The ports and settings orchestration works with.
pub struct OrchestratePorts {
    /// Computes statements.
    pub planner: StatementPlanner,
    /// Where decisions are stored.
    pub decisions: Arc<dyn DecisionStore>,
    /// Idempotency keys.
    pub keys: Arc<dyn IdempotencyStore>,
    /// For waiting on outcomes.
    pub queries: DecisionQueries,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Told of each decision's queued job, so a worker starts on it at once.
    pub due: Arc<dyn JobsDue>,
}

impl OrchestrateAllocation {
    /// The use case over its ports, accepting signed approvals by `approvals` and holding idempotency keys
    /// for `key_lifetimes`.
    pub fn new(
        ports: OrchestratePorts,
        policy: PipelinePolicy,
        approvals: ApprovalRules,
        key_lifetimes: KeyLifetimes,
    ) -> Self {
        let OrchestratePorts { planner, decisions, keys, queries, clock, due } = ports;
        Self { planner, decisions, keys, queries, clock, due, policy, approvals, key_lifetimes }
    }

    /// Plans the decision once per idempotency key, and waits for its outcome when asked to.
    pub async fn submit(&self, submission: Submission) -> Result<Submitted, OrchestrateError> {
        if let Some((key, fingerprint)) = &submission.idempotency {
            match self.keys.claim_key(key, *fingerprint, self.key_lifetimes).await? {
                KeyClaim::Claimed => {}
                KeyClaim::InProgress => return Err(OrchestrateError::KeyInProgress),
                KeyClaim::Mismatch => return Err(OrchestrateError::KeyReused),
                KeyClaim::Completed(id) => return self.answer(id, submission.wait, true).await,
            }
        }
        let created = match (self.plan_stored(&submission.request).await, &submission.idempotency) {
            (Ok(created), Some((key, _))) => {
                self.keys.complete_key(key, created.decision.id()).await?;
                created
            }
            (Ok(created), None) => created,
            (Err(error), Some((key, _))) => {
                // Free the key so the client can retry with it once it fixed the cause; if freeing fails
                // too, the planning error is still the one the client needs to see.
                if let Err(release) = self.keys.release_key(key).await {
                    tracing::warn!(error = %release, "an idempotency key stays claimed after a failed request");
                }
                return Err(error);
            }
            (Err(error), None) => return Err(error),
        };
        if submission.wait {
            return self.answer(created.decision.id(), true, false).await;
        }
        // Answered as stored: reading both rows back would only repeat what the insert returned.
        Ok(Submitted { current: created, settled: false, replayed: false })
    }

    async fn answer(&self, id: crate::DecisionId, wait: bool, replayed: bool) -> Result<Submitted, OrchestrateError> {
        let (current, settled) =
            if wait { self.queries.await_settled(id).await? } else { (self.queries.get(id).await?, false) };
        Ok(Submitted { current, settled, replayed })
    }

    /// Validates, computes and checks governance, then stores a pending decision with its queued proof job.
    pub async fn plan(&self, request: &AllocationRequest) -> Result<AllocationDecision, OrchestrateError> {
        Ok(self.plan_stored(request).await?.decision)
    }

    /// [`OrchestrateAllocation::plan`], returning the decision and its job as stored.
    async fn plan_stored(&self, request: &AllocationRequest) -> Result<DecisionWithJob, OrchestrateError> {
        let computed = self.planner.compute(request).await?;
        self.store_plan(request, computed).await
    }

    /// What a request's decision would be under the active model, nothing stored (the planner's answer).
    pub async fn compute(&self, request: &AllocationRequest) -> Result<Computed, OrchestrateError> {
        self.planner.compute(request).await
    }

    /// [`OrchestrateAllocation::plan`] for a request already computed, so a caller that looked at the
    /// numbers first stores exactly those.
    pub async fn plan_computed(
        &self,
        request: &AllocationRequest,
        computed: Computed,
    ) -> Result<AllocationDecision, OrchestrateError> {
        Ok(self.store_plan(request, computed).await?.decision)
    }

    /// Checks governance on `computed` and stores the pending decision with its queued proof job, returning
    /// both as stored.
    async fn store_plan(
        &self,
        request: &AllocationRequest,
        computed: Computed,
    ) -> Result<DecisionWithJob, OrchestrateError> {
        let statement = computed.statement;
        let governance = match &request.approval {
            Some(approval) => {
                let granted = approval.verify(
                    &self.approvals.approvers,
                    self.clock.unix_seconds(),
                    self.approvals.max_age_secs,
                    &self.approvals.domain,
                    statement.request_digest(),
                )?;
                approval.check_metrics(&statement.snapshot)?;
                granted
            }
            None => self.policy.governance,
        };
        governance.check(&statement.allocation)?;
        let (decision, job) = AllocationDecision::plan(
            statement,
            computed.model.version(),
            self.policy.prover_order(request.preferred_prover),
            self.clock.now(),
        );
        let decision = decision.with_metrics_origins(computed.origins);
        let decision = match &request.approval {
            Some(approval) => decision.approved_by(approval.spends()),
            None => decision,
        };
        match self.decisions.create(&decision, &job).await {
            Ok((decision, job)) => {
                self.due.job_due();
                Ok(DecisionWithJob { decision, job: Some(job) })
            }
            // The nonce is spent in the same transaction that stores the decision, so two replicas racing
            // with one approval leave exactly one decision.
            Err(StoreError::AlreadyUsed(what)) => match decision.approval() {
                Some(spent) => Err(ApprovalError::Replayed(spent).into()),
                None => Err(StoreError::AlreadyUsed(what).into()),
            },
            Err(other) => Err(other.into()),
        }
    }
}
