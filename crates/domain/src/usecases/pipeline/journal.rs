//! The registration journal of a job: each transaction is noted on the job's row before it is sent, and
//! kept in memory too, so the job the pipeline saves afterwards carries what its row already holds.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::TxHash;
use crate::ports::{ProofJobStore, RegistrationJournal, StoreError};
use crate::proof_job::{IllegalTransition, ProofJob, ProofJobId};

/// The journal of one registering job.
pub(super) struct JobJournal {
    jobs: Arc<dyn ProofJobStore>,
    job: ProofJobId,
    earlier: Vec<TxHash>,
    noted: Mutex<Vec<TxHash>>,
}

impl JobJournal {
    pub(super) fn new(jobs: Arc<dyn ProofJobStore>, job: &ProofJob) -> Self {
        // The id and the list are all it needs: the job itself carries its megabyte of proof.
        Self { jobs, job: job.id(), earlier: job.registration_sent().to_vec(), noted: Mutex::new(Vec::new()) }
    }

    /// Notes on `job` what this attempt noted on its row, whatever became of the attempt.
    pub(super) fn apply_to(&self, job: &mut ProofJob) -> Result<(), IllegalTransition> {
        for tx in self.noted.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            job.note_registration_tx(*tx)?;
        }
        Ok(())
    }
}

#[async_trait]
impl RegistrationJournal for JobJournal {
    fn earlier(&self) -> Vec<TxHash> {
        self.earlier.clone()
    }

    async fn note(&self, tx: TxHash) -> Result<(), StoreError> {
        self.jobs.note_registration_tx(self.job, tx).await?;
        self.noted.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(tx);
        Ok(())
    }
}
