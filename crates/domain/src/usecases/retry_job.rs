//! `POST /api/v1/proofs/{id}/retry`: an operator resumes a failed job from the stage it failed at.

use std::sync::Arc;

use crate::decision::{DecisionStatus, IllegalDecisionTransition};
use crate::ports::{Clock, DecisionStore, Loaded, ProofJobStore, StoreError};
use crate::proof_job::{IllegalTransition, ProofJob, ProofJobId, ProofJobStatus};

/// Why a job cannot be resumed.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// No such job.
    #[error("proof job {0} does not exist")]
    NotFound(ProofJobId),
    /// It has not failed.
    #[error("proof job {id} is {status}, not failed: only a failed job can be retried")]
    NotFailed {
        /// The job.
        id: ProofJobId,
        /// Where it stands.
        status: ProofJobStatus,
    },
    /// It failed in a way trying again cannot help.
    #[error("proof job {id} was refused ({reason}); a refusal is final, make a new decision instead")]
    Refused {
        /// The job.
        id: ProofJobId,
        /// Why it was refused.
        reason: String,
    },
    /// The job or its decision moved meanwhile.
    #[error("proof job {0} changed while it was being retried; look at it again")]
    Moved(ProofJobId),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Resumes failed jobs, and reopens the decisions they prove, in one transaction.
pub struct RetryJob {
    jobs: Arc<dyn ProofJobStore>,
    decisions: Arc<dyn DecisionStore>,
    clock: Arc<dyn Clock>,
}

impl RetryJob {
    /// The use case over the stores.
    pub fn new(jobs: Arc<dyn ProofJobStore>, decisions: Arc<dyn DecisionStore>, clock: Arc<dyn Clock>) -> Self {
        Self { jobs, decisions, clock }
    }

    /// Resumes job `id` at `by`'s request; the job as it is now, due at once.
    pub async fn retry(&self, id: ProofJobId, by: &str) -> Result<ProofJob, RetryError> {
        let mut job = self.jobs.get(id).await?.ok_or(RetryError::NotFound(id))?;
        let loaded = job.status();
        if loaded != ProofJobStatus::Failed {
            return Err(RetryError::NotFailed { id, status: loaded });
        }
        let now = self.clock.now();
        let reason = job.failure().map(|f| f.reason.clone()).unwrap_or_default();
        job.resume(by, now).map_err(|_: IllegalTransition| RetryError::Refused { id, reason })?;
        let decision = match job.decision_id() {
            Some(decision) => self.decisions.get(decision).await?,
            None => None,
        };
        let saved = match decision {
            Some(mut decision) if decision.status() == DecisionStatus::Failed => {
                decision.reopen(job.status(), now).map_err(|_: IllegalDecisionTransition| RetryError::Moved(id))?;
                let loaded = Loaded { decision: DecisionStatus::Failed, job: loaded };
                self.decisions.save_both(&decision, &job, loaded).await
            }
            // A refused decision is final even if its job failed transiently afterwards.
            Some(decision) if decision.status() == DecisionStatus::Refused => {
                let reason = decision.message().unwrap_or_default().to_string();
                return Err(RetryError::Refused { id, reason });
            }
            _ => self.jobs.save(&job, loaded).await,
        };
        match saved {
            Ok(()) => Ok(job),
            Err(StoreError::Conflict(_)) => Err(RetryError::Moved(id)),
            Err(other) => Err(other.into()),
        }
    }
}
