//! An operator resumes a failed job from the stage it failed at, with a fresh retry budget.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{IllegalTransition, ProofJob, ProofJobStatus, Stage};

/// One operator's resumption of a failed job: who, when, and the failure it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resumption {
    /// Who asked (the caller's token subject).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The stage the job had failed at.
    pub stage: Stage,
    /// Why it had failed.
    pub reason: String,
    /// The status it resumed from.
    pub resumed_from: ProofJobStatus,
}

impl ProofJob {
    /// Whether an operator may resume it: it failed, and trying again could help. The one rule `resume`
    /// enforces and the API and dashboard show.
    pub fn may_be_resumed(&self) -> bool {
        self.state.failure.as_ref().is_some_and(|f| f.retryable)
    }

    /// Resumes a failed job at `by`'s request from the status its failure recorded, due at once, with its
    /// automatic retries counted afresh. Only a failure that trying again could help is resumed: a refusal
    /// (a proof that does not verify, a statement that differs, a policy the fact does not meet) stays.
    pub fn resume(&mut self, by: impl Into<String>, now: DateTime<Utc>) -> Result<&Resumption, IllegalTransition> {
        let refused = IllegalTransition { job: self.state.id, from: self.state.status, to: ProofJobStatus::Queued };
        let Some(failure) = self.state.failure.clone().filter(|_| self.may_be_resumed()) else { return Err(refused) };
        self.move_to(failure.resume_from, now)?;
        self.state.failure = None;
        self.state.last_error = Some(failure.reason.clone());
        self.state.retries = 0;
        self.state.next_attempt_at = now;
        let resumption = Resumption {
            by: by.into(),
            at: now,
            stage: failure.stage,
            reason: failure.reason,
            resumed_from: failure.resume_from,
        };
        self.state.resumptions.push(resumption);
        // Just pushed, so the list is not empty.
        self.state.resumptions.last().ok_or(refused)
    }

    /// Every time an operator resumed it, oldest first.
    pub fn resumptions(&self) -> &[Resumption] {
        &self.state.resumptions
    }
}
