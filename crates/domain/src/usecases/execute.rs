//! `execute-allocation`: an operator asks for a verified decision to be executed now.

use std::sync::Arc;

use crate::decision::{DecisionId, DecisionStatus};
use crate::ports::{Clock, ProofJobStore, StoreError};
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
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a verified decision's job due now and waits (bounded) for its execution.
pub struct ExecuteAllocation {
    queries: DecisionQueries,
    jobs: Arc<dyn ProofJobStore>,
    clock: Arc<dyn Clock>,
    chain_configured: bool,
}

impl ExecuteAllocation {
    /// The use case over the decision queries and the job store; without a chain it refuses at once
    /// instead of waiting for an execution that cannot happen.
    pub fn new(
        queries: DecisionQueries,
        jobs: Arc<dyn ProofJobStore>,
        clock: Arc<dyn Clock>,
        chain_configured: bool,
    ) -> Self {
        Self { queries, jobs, clock, chain_configured }
    }

    /// Executes decision `id`; an executed decision is answered as it is and nothing is sent again.
    /// Returns the decision as it is now, and whether it settled within the wait.
    pub async fn execute(&self, id: DecisionId) -> Result<(DecisionWithJob, bool), ExecuteError> {
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
            let loaded = job.status();
            if job.expedite(self.clock.now()) {
                match self.jobs.save(&job, loaded).await {
                    // A worker moved the job meanwhile: it is on it, which is what was asked.
                    Ok(()) | Err(StoreError::Conflict(_)) => {}
                    Err(other) => return Err(other.into()),
                }
            }
        }
        Ok(self.queries.await_settled(id).await?)
    }
}
