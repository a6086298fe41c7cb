//! What a request's decision would be under the active model: the one computation that orchestrating,
//! proving on its own and previewing a score share.

use std::sync::Arc;

use crate::allocation::Assessment;
use crate::bps::Apy;
use crate::error::ValidationError;
use crate::market::{MetricsOrigin, MetricsOrigins};
use crate::metrics::{MarketSnapshot, Protocol, ProtocolMetrics};
use crate::model::RiskModel;
use crate::ports::{MetricsSource, ModelStore};
use crate::risk::RiskScore;
use crate::statement::DecisionStatement;
use crate::usecases::{AllocationRequest, OrchestrateError};

/// Default APYs used when neither the request nor a metrics source gives one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultApys {
    /// JediSwap's.
    pub jediswap: Apy,
    /// Ekubo's.
    pub ekubo: Apy,
}

/// A request computed under the active model, nothing stored.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The model it was computed under.
    pub model: RiskModel,
    /// What a proof of it states.
    pub statement: DecisionStatement,
    /// The model's intermediate values.
    pub assessment: Assessment,
    /// Where each protocol's metrics came from.
    pub origins: MetricsOrigins,
}

/// Computes statements from requests: the active model, the request's metrics or the source's, defaults.
#[derive(Clone)]
pub struct StatementPlanner {
    models: Arc<dyn ModelStore>,
    metrics: Option<Arc<dyn MetricsSource>>,
    default_apys: DefaultApys,
    allow_supplied: bool,
}

impl StatementPlanner {
    /// A planner over the model store and, when configured, a metrics source.
    pub fn new(
        models: Arc<dyn ModelStore>,
        metrics: Option<Arc<dyn MetricsSource>>,
        default_apys: DefaultApys,
    ) -> Self {
        Self { models, metrics, default_apys, allow_supplied: true }
    }

    /// Whether a request may carry its own metrics and APYs; where it may not, every number comes from
    /// the metrics source, and a request that supplies one is refused naming it.
    #[must_use]
    pub fn supplied_metrics(mut self, allowed: bool) -> Self {
        self.allow_supplied = allowed;
        self
    }

    /// The active model, or why there is none.
    pub async fn active_model(&self) -> Result<RiskModel, OrchestrateError> {
        self.models.current().await?.ok_or(OrchestrateError::NoActiveModel)
    }

    /// The decision `request` gives under the active model.
    pub async fn compute(&self, request: &AllocationRequest) -> Result<Computed, OrchestrateError> {
        let model = self.active_model().await?;
        let (snapshot, origins) = self.snapshot(request).await?;
        let (statement, assessment) = DecisionStatement::under(&model, snapshot);
        let statement = statement.with_provenance(origins.provenance());
        Ok(Computed { model, statement, assessment, origins })
    }

    /// One protocol's risk under the active model, with the model it was scored under.
    pub async fn score(&self, metrics: &ProtocolMetrics) -> Result<(RiskScore, RiskModel), OrchestrateError> {
        let model = self.active_model().await?;
        Ok((crate::risk::risk_score(metrics, &model.params()), model))
    }

    async fn snapshot(
        &self,
        request: &AllocationRequest,
    ) -> Result<(MarketSnapshot, MetricsOrigins), OrchestrateError> {
        let (jediswap, jediswap_apy, jediswap_origin) = self
            .resolve(Protocol::JediSwap, request.jediswap, request.jediswap_apy, self.default_apys.jediswap)
            .await?;
        let (ekubo, ekubo_apy, ekubo_origin) =
            self.resolve(Protocol::Ekubo, request.ekubo, request.ekubo_apy, self.default_apys.ekubo).await?;
        let origins = MetricsOrigins { jediswap: jediswap_origin, ekubo: ekubo_origin };
        Ok((MarketSnapshot::new(jediswap, ekubo, jediswap_apy, ekubo_apy)?, origins))
    }

    /// Metrics and APY of one protocol: from the request when given, else from the source, else defaults.
    async fn resolve(
        &self,
        protocol: Protocol,
        metrics: Option<ProtocolMetrics>,
        apy: Option<Apy>,
        default_apy: Apy,
    ) -> Result<(ProtocolMetrics, Apy, MetricsOrigin), OrchestrateError> {
        if !self.allow_supplied {
            let supplied = [(metrics.is_some(), "metrics"), (apy.is_some(), "apy")];
            if let Some((_, what)) = supplied.into_iter().find(|(given, _)| *given) {
                return Err(ValidationError::new(
                    format!("{protocol}_{what}"),
                    "is not accepted on this deployment (pipeline.allow_supplied_metrics is false): leave it out \
                     and the chain's is used",
                )
                .into());
            }
        }
        match (metrics, apy) {
            (Some(m), Some(a)) => Ok((m, a, MetricsOrigin::Supplied)),
            (Some(m), None) => Ok((m, default_apy, MetricsOrigin::Supplied)),
            (None, requested_apy) => {
                let source = self.metrics.as_ref().ok_or_else(|| {
                    ValidationError::new(
                        format!("{protocol}_metrics"),
                        "is required: no metrics source is configured to read it from the chain",
                    )
                })?;
                let reading = source.reading(protocol).await?;
                Ok((reading.metrics, requested_apy.unwrap_or(reading.apy), reading.origin))
            }
        }
    }
}
