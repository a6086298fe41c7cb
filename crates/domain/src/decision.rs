//! An allocation decision: the numbers, the proof that covers them, and what happened on chain.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::approval::ApprovalNonce;
use crate::execution::{ExecutionRecord, ExecutionRequest};
use crate::felt::{FactHash, TxHash};
use crate::market::MetricsOrigins;
use crate::params::ModelVersion;
use crate::proof::{ProofRequest, ProverKind, VerifiedClaim};
use crate::proof_job::{ProofJob, ProofJobId};
use crate::statement::DecisionStatement;

crate::names::uuid_id!(
    /// A decision's id.
    DecisionId
);

crate::names::named_enum!(
    /// Where a decision stands.
    pub enum DecisionStatus {
        /// Computed; its proof is being made and checked.
        Pending = "pending",
        /// Its proof verified (and, when policy demands, its fact is on chain): ready to execute.
        Verified = "verified",
        /// The execution transaction was sent; its hash is recorded and only its receipt is awaited.
        Submitted = "submitted",
        /// Executed on chain.
        Executed = "executed",
        /// Refused by a check (proof differs, policy unmet, transaction reverted); see the message.
        Refused = "refused",
        /// Its proof job failed for good; see the message.
        Failed = "failed",
    }
);

impl DecisionStatus {
    /// Whether the decision has come to rest: executed, refused or failed. Nothing changes it afterwards but
    /// an operator resuming a failed decision's job.
    pub const fn is_settled(self) -> bool {
        matches!(self, DecisionStatus::Executed | DecisionStatus::Refused | DecisionStatus::Failed)
    }

    /// Whether the state machine allows `self → to`.
    pub const fn can_become(self, to: DecisionStatus) -> bool {
        use DecisionStatus::*;
        matches!(
            (self, to),
            (Pending, Verified)
                | (Verified, Submitted)
                // The submitted transaction's nonce went to another, so it can never land: sign anew.
                | (Submitted, Verified)
                | (Submitted, Executed)
                | (Pending | Verified | Submitted, Refused | Failed)
                // An operator resumed its failed job: back to where the job resumes.
                | (Failed, Pending | Verified | Submitted)
        )
    }
}

/// A move the decision state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("decision {decision} cannot go from {from} to {to}")]
pub struct IllegalDecisionTransition {
    /// The decision.
    pub decision: DecisionId,
    /// Its status.
    pub from: DecisionStatus,
    /// The refused target.
    pub to: DecisionStatus,
}

/// A decision as storage holds it: every field, for rebuilding the entity with [`AllocationDecision::restore`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Its id.
    pub id: DecisionId,
    /// Position in the ledger, assigned by storage.
    pub sequence: Option<i64>,
    /// Model, metrics, APYs, risks and shares: exactly what the proof must state.
    pub statement: DecisionStatement,
    /// Where each protocol's metrics came from.
    #[serde(default)]
    pub metrics_origins: MetricsOrigins,
    /// The model version it was computed under.
    pub model_version: ModelVersion,
    /// The job proving it.
    pub proof_job_id: ProofJobId,
    /// The signed approval that set its governance limits, if one did; its nonce is spent by this decision.
    #[serde(default)]
    pub approval: Option<ApprovalNonce>,
    /// Integrity's fact hash, once known.
    pub fact_hash: Option<FactHash>,
    /// The execution transaction, once sent.
    pub tx_hash: Option<TxHash>,
    /// The signed execution transaction, kept so a restart re-sends the same one instead of signing anew.
    pub signed_tx: Option<Vec<u8>>,
    /// The block that included it.
    pub block_number: Option<u64>,
    /// The contract that executed it and the event it emitted, once known.
    #[serde(default)]
    pub execution: Option<ExecutionRecord>,
    /// The operator's request to execute it, under manual execution or when an operator hurried it.
    #[serde(default)]
    pub execution_request: Option<ExecutionRequest>,
    /// Where it stands.
    pub status: DecisionStatus,
    /// Why it was refused or failed, or a note for operators.
    pub message: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One allocation decision and its provenance; it changes only through the guarded transitions below. It
/// serialises as its record but does not deserialise: it comes back only through `restore`, which checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AllocationDecision {
    state: DecisionRecord,
}

impl AllocationDecision {
    /// A pending decision for `statement` and the queued job that proves it, each naming the other.
    pub fn plan(
        statement: DecisionStatement,
        model_version: ModelVersion,
        provers: Vec<ProverKind>,
        now: DateTime<Utc>,
    ) -> (Self, ProofJob) {
        let id = DecisionId::random();
        let job = ProofJob::new(ProofRequest { statement }, provers, Some(id), now);
        let decision = Self {
            state: DecisionRecord {
                id,
                sequence: None,
                statement,
                metrics_origins: MetricsOrigins::default(),
                model_version,
                proof_job_id: job.id(),
                approval: None,
                fact_hash: None,
                tx_hash: None,
                signed_tx: None,
                block_number: None,
                execution: None,
                execution_request: None,
                status: DecisionStatus::Pending,
                message: None,
                created_at: now,
                updated_at: now,
            },
        };
        (decision, job)
    }

    /// The same pending decision, authorised by the approval that spends `nonce`.
    pub fn approved_by(mut self, nonce: ApprovalNonce) -> Self {
        self.state.approval = Some(nonce);
        self
    }

    /// The same pending decision, its metrics taken from `origins`.
    #[must_use]
    pub fn with_metrics_origins(mut self, origins: MetricsOrigins) -> Self {
        self.state.metrics_origins = origins;
        self
    }

    /// Where each protocol's metrics came from.
    pub fn metrics_origins(&self) -> MetricsOrigins {
        self.state.metrics_origins
    }

    /// The approval that authorised it, if any.
    pub fn approval(&self) -> Option<ApprovalNonce> {
        self.state.approval
    }

    /// A decision as storage recorded it, refused when its fields are not what its status needs.
    pub fn restore(record: DecisionRecord) -> Result<Self, crate::CorruptRecord> {
        crate::restore::check_decision(&record)?;
        Ok(Self { state: record })
    }

    /// Every field at once, read-only, for storage.
    pub fn record(&self) -> &DecisionRecord {
        &self.state
    }

    /// The same decision with the ledger position storage assigned it.
    #[must_use]
    pub fn with_sequence(mut self, sequence: i64) -> Self {
        self.state.sequence = Some(sequence);
        self
    }

    /// Its id.
    pub fn id(&self) -> DecisionId {
        self.state.id
    }

    /// Position in the ledger, once stored.
    pub fn sequence(&self) -> Option<i64> {
        self.state.sequence
    }

    /// Model, metrics, APYs, risks and shares: exactly what the proof must state.
    pub fn statement(&self) -> &DecisionStatement {
        &self.state.statement
    }

    /// The model version it was computed under.
    pub fn model_version(&self) -> ModelVersion {
        self.state.model_version
    }

    /// The job proving it.
    pub fn proof_job_id(&self) -> ProofJobId {
        self.state.proof_job_id
    }

    /// Integrity's fact hash, once known.
    pub fn fact_hash(&self) -> Option<FactHash> {
        self.state.fact_hash
    }

    /// The execution transaction, once signed.
    pub fn tx_hash(&self) -> Option<TxHash> {
        self.state.tx_hash
    }

    /// The signed execution transaction, re-sent as it is after a restart.
    pub fn signed_tx(&self) -> Option<&[u8]> {
        self.state.signed_tx.as_deref()
    }

    /// The block that included the execution.
    pub fn block_number(&self) -> Option<u64> {
        self.state.block_number
    }

    /// Where it stands.
    pub fn status(&self) -> DecisionStatus {
        self.state.status
    }

    /// Why it was refused or failed, or a note for operators.
    pub fn message(&self) -> Option<&str> {
        self.state.message.as_deref()
    }

    /// When it was made.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }

    /// When it last changed.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }

    /// Whether it has come to rest (executed, refused or failed).
    pub fn is_settled(&self) -> bool {
        self.state.status.is_settled()
    }

    fn move_to(&mut self, to: DecisionStatus, now: DateTime<Utc>) -> Result<(), IllegalDecisionTransition> {
        if !self.state.status.can_become(to) {
            return Err(IllegalDecisionTransition { decision: self.state.id, from: self.state.status, to });
        }
        self.state.status = to;
        self.state.updated_at = now;
        Ok(())
    }

    /// Its proof checked out.
    pub fn verified(
        &mut self,
        fact_hash: Option<FactHash>,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Verified, now)?;
        self.state.fact_hash = fact_hash;
        Ok(())
    }

    /// The execution transaction was signed and is about to be sent; recorded before it leaves the process.
    pub fn submitted(
        &mut self,
        tx_hash: TxHash,
        signed_tx: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Submitted, now)?;
        self.state.message = None;
        self.state.tx_hash = Some(tx_hash);
        self.state.signed_tx = Some(signed_tx);
        Ok(())
    }

    /// The submitted transaction can never be included (its nonce was used by another): forget it so a new
    /// one is signed. Only for a transaction the chain proves dead, never for one merely pending.
    pub fn superseded(&mut self, now: DateTime<Utc>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Verified, now)?;
        self.state.tx_hash = None;
        self.state.signed_tx = None;
        Ok(())
    }

    /// A note for operators on a verified decision that cannot go further yet (why it waits).
    pub fn waiting(&mut self, reason: impl Into<String>, now: DateTime<Utc>) -> Result<(), IllegalDecisionTransition> {
        if self.state.status != DecisionStatus::Verified {
            let from = self.state.status;
            return Err(IllegalDecisionTransition { decision: self.state.id, from, to: DecisionStatus::Verified });
        }
        self.state.message = Some(reason.into());
        self.state.updated_at = now;
        Ok(())
    }

    /// Its failed job was resumed from `job_status`: the decision goes back to the status that stage
    /// belongs to. A decision whose transaction was sent goes back to `submitted`, so its receipt is
    /// looked up and nothing is signed twice.
    pub fn reopen(
        &mut self,
        job_status: crate::ProofJobStatus,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalDecisionTransition> {
        use crate::ProofJobStatus as Job;
        let to = match job_status {
            _ if self.state.tx_hash.is_some() => DecisionStatus::Submitted,
            Job::Verified | Job::Registered => DecisionStatus::Verified,
            _ => DecisionStatus::Pending,
        };
        self.move_to(to, now)?;
        self.state.message = None;
        Ok(())
    }

    /// Whether an operator's request can send it on chain: verified and nothing sent yet (a submitted
    /// decision's transaction is out, and a request only hurries its receipt).
    pub fn awaits_execution(&self) -> bool {
        self.state.status == DecisionStatus::Verified && self.state.tx_hash.is_none()
    }

    /// An operator asks for it to be executed. Only a verified decision can be asked for, and only the first
    /// request is kept (it is the one that released it); returns whether this request was recorded.
    pub fn request_execution(
        &mut self,
        by: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<bool, IllegalDecisionTransition> {
        if self.state.status != DecisionStatus::Verified {
            let from = self.state.status;
            return Err(IllegalDecisionTransition { decision: self.state.id, from, to: DecisionStatus::Submitted });
        }
        if self.state.execution_request.is_some() {
            return Ok(false);
        }
        self.state.execution_request = Some(ExecutionRequest { by: by.into(), at: now });
        self.state.updated_at = now;
        Ok(true)
    }

    /// Who asked for it to be executed, and when.
    pub fn execution_request(&self) -> Option<&ExecutionRequest> {
        self.state.execution_request.as_ref()
    }

    /// The transaction landed in `block_number`, leaving `record` on chain when it could be read.
    pub fn executed(
        &mut self,
        block_number: u64,
        record: Option<ExecutionRecord>,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Executed, now)?;
        self.state.block_number = Some(block_number);
        self.state.execution = record;
        Ok(())
    }

    /// Why it may not be executed on the strength of `claim`, its job's verified claim: the numbers about to
    /// be signed must be, felt for felt, the ones the proof states. A row changed after proving (by hand, or
    /// by anyone with access to the database) is refused, naming the first field that differs.
    pub fn unproven_by(&self, claim: Option<&VerifiedClaim>) -> Option<String> {
        let Some(claim) = claim else {
            return Some("the decision's proof job holds no verified claim; refusing to execute it".into());
        };
        let field = self.statement().first_difference(&claim.statement).or_else(|| {
            // The version column is kept beside the statement for queries; it must say the same.
            (self.model_version() != claim.statement.model_version).then_some("model_version")
        })?;
        Some(format!("the decision's {field} differs from what its verified proof states; refusing to execute it"))
    }

    /// The contract that executed it and the event it emitted.
    pub fn execution(&self) -> Option<&ExecutionRecord> {
        self.state.execution.as_ref()
    }

    /// A check refused it.
    pub fn refuse(&mut self, reason: impl Into<String>, now: DateTime<Utc>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Refused, now)?;
        self.state.message = Some(reason.into());
        Ok(())
    }

    /// Its proof job failed for good.
    pub fn fail(&mut self, reason: impl Into<String>, now: DateTime<Utc>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Failed, now)?;
        self.state.message = Some(reason.into());
        Ok(())
    }
}
