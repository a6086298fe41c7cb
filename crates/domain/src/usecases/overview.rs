//! What an operator checks first: the queue, the workers' leases, each prover's recent record, whether
//! Postgres and the chain answer, and the active model.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::RiskModel;
use crate::ports::{
    AllocationExecutor, JobFilter, JobPageRequest, MAX_PAGE, ModelStore, ProofJobStore, QueueReport, Readiness,
};
use crate::proof::{AttemptOutcome, ProverKind};

/// Whether the chain answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainHealth {
    /// No executor is configured: decisions are not executed on chain.
    NotConfigured,
    /// The allocation contract answered a read.
    Reachable,
    /// It did not; the reason says why.
    Unreachable(String),
}

/// Nearest-rank percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// How many durations.
    pub count: usize,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
}

impl Percentiles {
    /// The percentiles of `values`; `None` for none.
    pub fn of(mut values: Vec<u64>) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        // Nearest rank: the smallest value with at least p % of the values at or below it.
        let rank = |p: usize| values[(values.len() * p).div_ceil(100).clamp(1, values.len()) - 1];
        Some(Self { count: values.len(), p50: rank(50), p90: rank(90), p99: rank(99) })
    }
}

/// One prover's recent record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProverHealth {
    /// The prover.
    pub prover: ProverKind,
    /// Its latest attempt's outcome and when it started, among the recent jobs.
    pub last_attempt: Option<(AttemptOutcome, DateTime<Utc>)>,
    /// Durations of its successful attempts among the recent jobs.
    pub prove_ms: Option<Percentiles>,
}

/// Everything the health page shows.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Jobs per status and live leases.
    pub queue: QueueReport,
    /// `Ok` when Postgres answered within a second.
    pub database: Result<(), String>,
    /// Whether the chain answers.
    pub chain: ChainHealth,
    /// The active model.
    pub model: Option<RiskModel>,
    /// Each configured prover, in the order they are tried.
    pub provers: Vec<ProverHealth>,
    /// How many recent jobs the prover figures read.
    pub recent_jobs: usize,
}

/// Gathers the overview.
#[derive(Clone)]
pub struct OperationsOverview {
    jobs: Arc<dyn ProofJobStore>,
    models: Arc<dyn ModelStore>,
    readiness: Arc<dyn Readiness>,
    executor: Option<Arc<dyn AllocationExecutor>>,
    provers: Vec<ProverKind>,
}

impl OperationsOverview {
    /// An overview over the stores, the executor when one is configured, and the provers in policy order.
    pub fn new(
        jobs: Arc<dyn ProofJobStore>,
        models: Arc<dyn ModelStore>,
        readiness: Arc<dyn Readiness>,
        executor: Option<Arc<dyn AllocationExecutor>>,
        provers: Vec<ProverKind>,
    ) -> Self {
        Self { jobs, models, readiness, executor, provers }
    }

    /// The overview now. Only a failure to read the queue is an error; everything else is reported.
    pub async fn now(&self) -> Result<Overview, crate::ports::StoreError> {
        let queue = self.jobs.queue_report().await?;
        let database = self.readiness.ready(Duration::from_secs(1)).await.map_err(|e| e.to_string());
        let model = self.models.current().await.ok().flatten();
        let chain = match (&self.executor, &model) {
            (None, _) => ChainHealth::NotConfigured,
            (Some(_), None) => ChainHealth::Unreachable("no active model to ask the vault about".into()),
            (Some(executor), Some(model)) => match executor.model_approval(model.model_hash()).await {
                Ok(_) => ChainHealth::Reachable,
                Err(e) => ChainHealth::Unreachable(e.to_string()),
            },
        };
        let recent = JobPageRequest { limit: MAX_PAGE, after: None, filter: JobFilter::default() };
        let jobs = self.jobs.list(&recent).await?.items;
        let provers = self
            .provers
            .iter()
            .map(|&prover| {
                let attempts = jobs.iter().flat_map(|j| j.attempts()).filter(|a| a.prover == prover);
                let last_attempt =
                    attempts.clone().max_by_key(|a| a.started_at).map(|a| (a.outcome.clone(), a.started_at));
                let succeeded = attempts.filter(|a| a.outcome == AttemptOutcome::Succeeded).map(|a| a.duration_ms);
                ProverHealth { prover, last_attempt, prove_ms: Percentiles::of(succeeded.collect()) }
            })
            .collect();
        Ok(Overview { queue, database, chain, model, provers, recent_jobs: jobs.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::Percentiles;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(Percentiles::of(vec![]), None);
        let one = Percentiles::of(vec![7]).unwrap();
        assert_eq!((one.p50, one.p90, one.p99), (7, 7, 7));
        let hundred = Percentiles::of((1..=100).rev().collect()).unwrap();
        assert_eq!((hundred.count, hundred.p50, hundred.p90, hundred.p99), (100, 50, 90, 99));
        let ten = Percentiles::of(vec![10, 1, 9, 2, 8, 3, 7, 4, 6, 5]).unwrap();
        assert_eq!((ten.p50, ten.p90, ten.p99), (5, 9, 10));
    }
}
