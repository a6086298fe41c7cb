//! `execute-allocation`: an operator asks for a verified decision to be executed now.

use std::sync::Arc;

use crate::decision::{DecisionId, DecisionStatus, IllegalDecisionTransition};
use crate::ports::{Clock, DecisionStore, Loaded, ProofJobStore, StoreError};
use crate::usecases::{DecisionQueries, DecisionWithJob};

/// Why a decision cannot be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// There is no chain to execute on.
    #[error("not executed: no chain is configured; enable [starknet] and restart the service first")]
    NoChain,
    /// Its proof is not verified yet.
    #[error("the decision's proof is not verified yet; poll it and retry")]
    NotVerified,
    /// It was refused or failed, for the reason given.
    #[error("the decision was {status}: {reason}")]
    Settled {
        /// Refused or failed.
        status: DecisionStatus,
        /// Why.
        reason: String,
    },
    /// The decision moved on while the request was being recorded.
    #[error(transparent)]
    Moved(#[from] IllegalDecisionTransition),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a verified decision's job due now and waits (bounded) for its execution.
pub struct ExecuteAllocation {
    queries: DecisionQueries,
    decisions: Arc<dyn DecisionStore>,
    jobs: Arc<dyn ProofJobStore>,
    clock: Arc<dyn Clock>,
    chain_configured: bool,
}

impl ExecuteAllocation {
    /// The use case over the decision queries and the stores; without a chain it refuses at once instead
    /// of waiting for an execution that cannot happen.
    pub fn new(
        queries: DecisionQueries,
        stores: (Arc<dyn DecisionStore>, Arc<dyn ProofJobStore>),
        clock: Arc<dyn Clock>,
        chain_configured: bool,
    ) -> Self {
        let (decisions, jobs) = stores;
        Self { queries, decisions, jobs, clock, chain_configured }
    }

    /// Executes decision `id` at `by`'s request: the request is recorded on the decision (under manual
    /// execution it is what releases it) and its job is made due now, in one transaction. An executed
    /// decision is answered as it is and nothing is sent again. Returns the decision as it is now, and
    /// whether it settled within the wait.
    pub async fn execute(&self, id: DecisionId, by: &str) -> Result<(DecisionWithJob, bool), ExecuteError> {
        let current = self.queries.get(id).await?;
        match current.decision.status() {
            DecisionStatus::Executed => return Ok((current, true)),
            DecisionStatus::Verified if !self.chain_configured => return Err(ExecuteError::NoChain),
            DecisionStatus::Verified | DecisionStatus::Submitted => {}
            DecisionStatus::Pending => return Err(ExecuteError::NotVerified),
            status @ (DecisionStatus::Refused | DecisionStatus::Failed) => {
                let reason = current.decision.message().unwrap_or_default().to_string();
                return Err(ExecuteError::Settled { status, reason });
            }
        }
        if let Some(mut job) = current.job {
            let now = self.clock.now();
            let mut decision = current.decision;
            let loaded = Loaded { decision: decision.status(), job: job.status() };
            let requested = decision.status() == DecisionStatus::Verified && decision.request_execution(by, now)?;
            let hurried = job.expedite(now);
            let saved = match (requested, hurried) {
                (true, _) => self.decisions.save_both(&decision, &job, loaded).await,
                (false, true) => self.jobs.save(&job, loaded.job).await,
                (false, false) => Ok(()),
            };
            match saved {
                // A worker moved the decision or its job meanwhile: it is on it, which is what was asked. A
                // request under manual execution that lost this race is seen again on the next call.
                Ok(()) | Err(StoreError::Conflict(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Ok(self.queries.await_settled(id).await?)
    }
}
