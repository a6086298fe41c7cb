//! Reading decisions, and waiting (bounded) for one to settle.

use std::sync::Arc;
use std::time::Duration;

use crate::decision::{AllocationDecision, DecisionId};
use crate::ports::{Clock, DecisionStore, Page, PageRequest, ProofJobStore, StoreError};
use crate::proof_job::ProofJob;

/// How often a waiting caller looks at the decision again.
const SETTLE_POLL: Duration = Duration::from_millis(100);

/// A decision with its proof job as they are now.
#[derive(Debug, Clone)]
pub struct DecisionWithJob {
    /// The decision.
    pub decision: AllocationDecision,
    /// Its proof job (absent only if storage lost it).
    pub job: Option<ProofJob>,
}

/// Reads decisions; waits for one to settle when a caller asks to.
#[derive(Clone)]
pub struct DecisionQueries {
    decisions: Arc<dyn DecisionStore>,
    jobs: Arc<dyn ProofJobStore>,
    clock: Arc<dyn Clock>,
    wait_limit: Duration,
}

impl DecisionQueries {
    /// Queries over the stores; a wait gives up after `wait_limit`.
    pub fn new(
        decisions: Arc<dyn DecisionStore>,
        jobs: Arc<dyn ProofJobStore>,
        clock: Arc<dyn Clock>,
        wait_limit: Duration,
    ) -> Self {
        Self { decisions, jobs, clock, wait_limit }
    }

    /// A decision and its job; [`StoreError::NotFound`] when there is no such decision.
    pub async fn get(&self, id: DecisionId) -> Result<DecisionWithJob, StoreError> {
        let decision = self.decisions.get(id).await?.ok_or_else(|| StoreError::NotFound(format!("decision {id}")))?;
        let job = self.jobs.get(decision.proof_job_id()).await?;
        Ok(DecisionWithJob { decision, job })
    }

    /// A newest-first page of decisions.
    pub async fn list(&self, page: PageRequest) -> Result<Page<AllocationDecision>, StoreError> {
        self.decisions.list(page).await
    }

    /// A newest-first page of the decisions `filter` admits.
    pub async fn list_filtered(
        &self,
        filter: crate::ports::DecisionFilter,
        page: PageRequest,
    ) -> Result<Page<AllocationDecision>, StoreError> {
        self.decisions.list_filtered(filter, page).await
    }

    /// The treasury as the latest executed decision left it, by the vault's own record of that execution;
    /// `None` before any execution, or when the latest was by a contract that moves no funds.
    pub async fn latest_treasury(&self) -> Result<Option<crate::TreasuryBalances>, StoreError> {
        let latest = self.decisions.latest_executed().await?;
        Ok(latest.and_then(|d| d.execution().and_then(|e| e.treasury)).map(|moved| moved.after))
    }

    /// Looks at the decision until it settles or the wait limit passes; `true` with it when it settled.
    pub async fn await_settled(&self, id: DecisionId) -> Result<(DecisionWithJob, bool), StoreError> {
        let deadline = self.clock.now() + chrono::Duration::from_std(self.wait_limit).unwrap_or(chrono::Duration::MAX);
        loop {
            let current = self.get(id).await?;
            if current.decision.is_settled() {
                return Ok((current, true));
            }
            if self.clock.now() >= deadline {
                return Ok((current, false));
            }
            self.clock.sleep(SETTLE_POLL).await;
        }
    }
}
