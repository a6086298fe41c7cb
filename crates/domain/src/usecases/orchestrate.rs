//! `orchestrate_allocation`: validate, score, allocate, check governance, and queue the proof job.

use std::sync::Arc;

use crate::allocation::{Assessment, GovernanceViolation};
use crate::approval::{ApprovalError, Approver, GovernanceApproval};
use crate::bps::Apy;
use crate::decision::AllocationDecision;
use crate::error::ValidationError;
use crate::metrics::{MarketSnapshot, Protocol, ProtocolMetrics};
use crate::model::RiskModel;
use crate::ports::{DecisionStore, MetricsError, MetricsSource, ModelStore, StoreError};
use crate::proof::{ProofRequest, ProverKind};
use crate::proof_job::ProofJob;
use crate::statement::DecisionStatement;
use crate::usecases::PipelinePolicy;

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
    #[error("no risk model is registered; register one with POST /api/v1/model-registry/register")]
    NoActiveModel,
    /// A signed approval was not accepted.
    #[error(transparent)]
    Approval(#[from] ApprovalError),
    /// Metrics were needed from the source and it failed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A decision as planned: stored as pending with its queued proof job.
#[derive(Debug, Clone)]
pub struct PlannedDecision {
    /// The stored decision.
    pub decision: AllocationDecision,
    /// Its proof job.
    pub job: ProofJob,
    /// The model's intermediate values, for previews.
    pub assessment: Assessment,
}

/// Default APYs used when neither the request nor a metrics source gives one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultApys {
    /// JediSwap's.
    pub jediswap: Apy,
    /// Ekubo's.
    pub ekubo: Apy,
}

/// Plans allocation decisions; the [`crate::usecases::DecisionPipeline`] carries them out.
pub struct OrchestrateAllocation {
    models: Arc<dyn ModelStore>,
    decisions: Arc<dyn DecisionStore>,
    metrics: Option<Arc<dyn MetricsSource>>,
    default_apys: DefaultApys,
    policy: PipelinePolicy,
    approvers: Vec<Approver>,
    approval_max_age_secs: u64,
}

impl OrchestrateAllocation {
    /// The use case over its ports.
    pub fn new(
        models: Arc<dyn ModelStore>,
        decisions: Arc<dyn DecisionStore>,
        metrics: Option<Arc<dyn MetricsSource>>,
        default_apys: DefaultApys,
        policy: PipelinePolicy,
    ) -> Self {
        Self { models, decisions, metrics, default_apys, policy, approvers: Vec::new(), approval_max_age_secs: 300 }
    }

    /// Accepts signed approvals from `approvers`, valid for `max_age_secs` after signing.
    #[must_use]
    pub fn with_approvers(mut self, approvers: Vec<Approver>, max_age_secs: u64) -> Self {
        self.approvers = approvers;
        self.approval_max_age_secs = max_age_secs;
        self
    }

    /// Computes the decision under the active model without storing anything (a preview).
    pub async fn preview(
        &self,
        request: &AllocationRequest,
    ) -> Result<(RiskModel, DecisionStatement, Assessment), OrchestrateError> {
        let model = self.models.current().await?.ok_or(OrchestrateError::NoActiveModel)?;
        let snapshot = self.snapshot(request).await?;
        let (statement, assessment) = DecisionStatement::compute(model.model_hash, model.params, snapshot);
        Ok((model, statement, assessment))
    }

    /// Validates, computes and checks governance, then stores a pending decision with its queued proof job.
    pub async fn plan(&self, request: &AllocationRequest) -> Result<PlannedDecision, OrchestrateError> {
        let (model, statement, assessment) = self.preview(request).await?;
        let governance = match &request.approval {
            Some(approval) => {
                let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
                let granted = approval.verify(&self.approvers, now, self.approval_max_age_secs)?;
                approval.check_metrics(&statement.snapshot)?;
                granted
            }
            None => self.policy.governance,
        };
        governance.check(&statement.allocation)?;
        let mut job =
            ProofJob::new(ProofRequest { statement }, self.policy.prover_order(request.preferred_prover), None);
        let decision = AllocationDecision::new(statement, model.version, job.id);
        job.decision_id = Some(decision.id);
        let decision = self.decisions.create(&decision, &job).await?;
        Ok(PlannedDecision { decision, job, assessment })
    }

    async fn snapshot(&self, request: &AllocationRequest) -> Result<MarketSnapshot, OrchestrateError> {
        let (jediswap, jediswap_apy) = self
            .resolve(Protocol::JediSwap, request.jediswap, request.jediswap_apy, self.default_apys.jediswap)
            .await?;
        let (ekubo, ekubo_apy) =
            self.resolve(Protocol::Ekubo, request.ekubo, request.ekubo_apy, self.default_apys.ekubo).await?;
        Ok(MarketSnapshot::new(jediswap, ekubo, jediswap_apy, ekubo_apy)?)
    }

    /// Metrics and APY of one protocol: from the request when given, else from the source, else defaults.
    async fn resolve(
        &self,
        protocol: Protocol,
        metrics: Option<ProtocolMetrics>,
        apy: Option<Apy>,
        default_apy: Apy,
    ) -> Result<(ProtocolMetrics, Apy), OrchestrateError> {
        match (metrics, apy) {
            (Some(m), Some(a)) => Ok((m, a)),
            (Some(m), None) => Ok((m, default_apy)),
            (None, requested_apy) => {
                let source = self.metrics.as_ref().ok_or_else(|| {
                    ValidationError::new(
                        format!("{protocol}_metrics"),
                        "is required: no metrics source is configured to read it from the chain",
                    )
                })?;
                let reading = source.reading(protocol).await?;
                Ok((reading.metrics, requested_apy.unwrap_or(reading.apy)))
            }
        }
    }
}
