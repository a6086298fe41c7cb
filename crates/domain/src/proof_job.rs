//! A proof job and its state machine: queued → proving → proved → verified → registered → executed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::decision::DecisionId;
use crate::felt::{FactHash, TxHash, VerificationHash};
use crate::proof::{ProofArtifact, ProofRequest, ProverAttempt, ProverKind, VerifiedClaim};

/// A proof job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProofJobId(pub Uuid);

impl ProofJobId {
    /// A fresh random id.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl std::fmt::Display for ProofJobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofJobStatus {
    /// Waiting for a worker.
    Queued,
    /// A prover is working on it.
    Proving,
    /// A proof exists, not yet checked.
    Proved,
    /// The proof verified locally and states the decision.
    Verified,
    /// Integrity registered the fact on Starknet and it meets the policy.
    Registered,
    /// The decision it proves was executed on chain.
    Executed,
    /// Stopped; see the job's failure.
    Failed,
}

impl ProofJobStatus {
    /// Every status, in pipeline order.
    pub const ALL: [ProofJobStatus; 7] = [
        ProofJobStatus::Queued,
        ProofJobStatus::Proving,
        ProofJobStatus::Proved,
        ProofJobStatus::Verified,
        ProofJobStatus::Registered,
        ProofJobStatus::Executed,
        ProofJobStatus::Failed,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProofJobStatus::Queued => "queued",
            ProofJobStatus::Proving => "proving",
            ProofJobStatus::Proved => "proved",
            ProofJobStatus::Verified => "verified",
            ProofJobStatus::Registered => "registered",
            ProofJobStatus::Executed => "executed",
            ProofJobStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether nothing more will happen to the job (a retryable failure can still be requeued).
    pub const fn is_terminal(self) -> bool {
        matches!(self, ProofJobStatus::Executed | ProofJobStatus::Failed)
    }

    /// Whether the state machine allows `self → to`.
    ///
    /// `Proving → Proving` is a worker resuming a job whose previous worker died mid-proof;
    /// `Verified → Executed` skips registration for proofs Integrity cannot verify (S-two) when policy allows.
    pub const fn can_become(self, to: ProofJobStatus) -> bool {
        use ProofJobStatus::*;
        matches!(
            (self, to),
            (Queued, Proving)
                | (Proving, Proving)
                | (Proving, Proved)
                | (Proved, Verified)
                | (Verified, Registered)
                | (Verified, Executed)
                | (Registered, Executed)
                | (Queued | Proving | Proved | Verified | Registered, Failed)
                | (Failed, Queued | Proved | Verified | Registered)
        )
    }
}

impl std::fmt::Display for ProofJobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pipeline stage at which a job failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Making the proof.
    Proving,
    /// Checking the proof locally.
    Verification,
    /// Registering the fact on Integrity, or checking it against the policy.
    Registration,
    /// Executing the allocation on chain.
    Execution,
}

/// Why a job stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    /// Where.
    pub stage: Stage,
    /// What happened, for operators.
    pub reason: String,
    /// Whether trying again could help.
    pub retryable: bool,
    /// The status a retry resumes from, so finished stages are not repeated.
    pub resume_from: ProofJobStatus,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("proof job {job} cannot go from {from} to {to}")]
pub struct IllegalTransition {
    /// The job.
    pub job: ProofJobId,
    /// Its status.
    pub from: ProofJobStatus,
    /// The refused target.
    pub to: ProofJobStatus,
}

/// Integrity's registration of a Stone proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactRegistration {
    /// The registered fact.
    pub fact_hash: FactHash,
    /// The verification recorded for it.
    pub verification_hash: VerificationHash,
    /// Its security bits.
    pub security_bits: u32,
    /// The registering transaction; `None` when the fact already had such a verification on chain and
    /// nothing was sent.
    pub tx_hash: Option<TxHash>,
}

/// A request to prove one decision, and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofJob {
    /// Its id.
    pub id: ProofJobId,
    /// Where it stands.
    pub status: ProofJobStatus,
    /// The decision this job proves and executes; `None` for a proof asked for on its own.
    pub decision_id: Option<DecisionId>,
    /// What to prove.
    pub request: ProofRequest,
    /// Provers in the order to try them.
    pub provers: Vec<ProverKind>,
    /// Every prover attempt so far.
    pub attempts: Vec<ProverAttempt>,
    /// The proof, once made.
    pub artifact: Option<ProofArtifact>,
    /// What local verification established.
    pub claim: Option<VerifiedClaim>,
    /// Integrity's registration, for Stone proofs.
    pub registration: Option<FactRegistration>,
    /// Why it failed, when it did.
    pub failure: Option<JobFailure>,
    /// The reason of the last retryable failure, kept after the job was requeued.
    pub last_error: Option<String>,
    /// How many times it was requeued after a retryable failure.
    pub retries: u32,
    /// When a worker may pick it up next.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ProofJob {
    /// A queued job for `request`, to be tried with `provers` in order.
    pub fn new(request: ProofRequest, provers: Vec<ProverKind>, decision_id: Option<DecisionId>) -> Self {
        let now = Utc::now();
        Self {
            id: ProofJobId::random(),
            status: ProofJobStatus::Queued,
            decision_id,
            request,
            provers,
            attempts: Vec::new(),
            artifact: None,
            claim: None,
            registration: None,
            failure: None,
            last_error: None,
            retries: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
        }
    }

    fn move_to(&mut self, to: ProofJobStatus) -> Result<(), IllegalTransition> {
        if !self.status.can_become(to) {
            return Err(IllegalTransition { job: self.id, from: self.status, to });
        }
        self.status = to;
        self.updated_at = Utc::now();
        Ok(())
    }

    /// A worker starts (or resumes) proving.
    pub fn start_proving(&mut self) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Proving)
    }

    /// Records one prover attempt.
    pub fn record_attempt(&mut self, attempt: ProverAttempt) {
        self.attempts.push(attempt);
        self.updated_at = Utc::now();
    }

    /// A proof was made.
    pub fn proved(&mut self, artifact: ProofArtifact) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Proved)?;
        self.artifact = Some(artifact);
        Ok(())
    }

    /// The proof verified locally.
    pub fn verified(&mut self, claim: VerifiedClaim) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Verified)?;
        self.claim = Some(claim);
        Ok(())
    }

    /// Integrity registered the fact.
    pub fn registered(&mut self, registration: FactRegistration) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Registered)?;
        self.registration = Some(registration);
        Ok(())
    }

    /// The decision was executed.
    pub fn executed(&mut self) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Executed)
    }

    /// The job stopped at `stage`.
    pub fn fail(&mut self, stage: Stage, reason: impl Into<String>, retryable: bool) -> Result<(), IllegalTransition> {
        let resume_from = match self.status {
            ProofJobStatus::Proving => ProofJobStatus::Queued,
            other => other,
        };
        self.move_to(ProofJobStatus::Failed)?;
        self.failure = Some(JobFailure { stage, reason: reason.into(), retryable, resume_from });
        Ok(())
    }

    /// Puts a retryable failure back in the queue, due at `at`, resuming where it stopped.
    /// A permanent failure stays failed.
    pub fn requeue(&mut self, at: DateTime<Utc>) -> Result<(), IllegalTransition> {
        let Some(failure) = self.failure.as_ref().filter(|f| f.retryable) else {
            return Err(IllegalTransition { job: self.id, from: self.status, to: ProofJobStatus::Queued });
        };
        let (resume_from, reason) = (failure.resume_from, failure.reason.clone());
        self.move_to(resume_from)?;
        self.failure = None;
        self.last_error = Some(reason);
        self.retries += 1;
        self.next_attempt_at = at;
        Ok(())
    }

    /// The fact hash of the job's proof, once known.
    pub fn fact_hash(&self) -> Option<FactHash> {
        self.registration.as_ref().map(|r| r.fact_hash).or_else(|| self.claim.as_ref().and_then(|c| c.fact_hash))
    }
}
