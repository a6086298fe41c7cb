//! An allocation decision: the numbers, the proof that covers them, and what happened on chain.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::felt::{FactHash, TxHash};
use crate::params::ModelVersion;
use crate::proof_job::ProofJobId;
use crate::statement::DecisionStatement;

/// A decision's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecisionId(pub Uuid);

impl DecisionId {
    /// A fresh random id.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl std::fmt::Display for DecisionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Computed; its proof is being made and checked.
    Pending,
    /// Its proof verified (and, when policy demands, its fact is on chain): ready to execute.
    Verified,
    /// The execution transaction was sent; its hash is recorded and only its receipt is awaited.
    Submitted,
    /// Executed on chain.
    Executed,
    /// Refused by a check (proof differs, policy unmet, transaction reverted); see the message.
    Refused,
    /// Its proof job failed for good; see the message.
    Failed,
}

impl DecisionStatus {
    /// Every status.
    pub const ALL: [DecisionStatus; 6] = [
        DecisionStatus::Pending,
        DecisionStatus::Verified,
        DecisionStatus::Submitted,
        DecisionStatus::Executed,
        DecisionStatus::Refused,
        DecisionStatus::Failed,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Pending => "pending",
            DecisionStatus::Verified => "verified",
            DecisionStatus::Submitted => "submitted",
            DecisionStatus::Executed => "executed",
            DecisionStatus::Refused => "refused",
            DecisionStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
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
        )
    }
}

impl std::fmt::Display for DecisionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

/// One allocation decision and its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationDecision {
    /// Its id.
    pub id: DecisionId,
    /// Position in the ledger, assigned by storage.
    pub sequence: Option<i64>,
    /// Model, metrics, APYs, risks and shares: exactly what the proof must state.
    pub statement: DecisionStatement,
    /// The model version it was computed under.
    pub model_version: ModelVersion,
    /// The job proving it.
    pub proof_job_id: ProofJobId,
    /// Integrity's fact hash, once known.
    pub fact_hash: Option<FactHash>,
    /// The execution transaction, once sent.
    pub tx_hash: Option<TxHash>,
    /// The signed execution transaction, kept so a restart re-sends the same one instead of signing anew.
    pub signed_tx: Option<Vec<u8>>,
    /// The block that included it.
    pub block_number: Option<u64>,
    /// Where it stands.
    pub status: DecisionStatus,
    /// Why it was refused or failed, or a note for operators.
    pub message: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl AllocationDecision {
    /// A pending decision for `statement`, proven by `proof_job_id`.
    pub fn new(statement: DecisionStatement, model_version: ModelVersion, proof_job_id: ProofJobId) -> Self {
        let now = Utc::now();
        Self {
            id: DecisionId::random(),
            sequence: None,
            statement,
            model_version,
            proof_job_id,
            fact_hash: None,
            tx_hash: None,
            signed_tx: None,
            block_number: None,
            status: DecisionStatus::Pending,
            message: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn move_to(&mut self, to: DecisionStatus) -> Result<(), IllegalDecisionTransition> {
        if !self.status.can_become(to) {
            return Err(IllegalDecisionTransition { decision: self.id, from: self.status, to });
        }
        self.status = to;
        self.updated_at = Utc::now();
        Ok(())
    }

    /// Its proof checked out.
    pub fn verified(&mut self, fact_hash: Option<FactHash>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Verified)?;
        self.fact_hash = fact_hash;
        Ok(())
    }

    /// The execution transaction was signed and is about to be sent; recorded before it leaves the process.
    pub fn submitted(&mut self, tx_hash: TxHash, signed_tx: Vec<u8>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Submitted)?;
        self.tx_hash = Some(tx_hash);
        self.signed_tx = Some(signed_tx);
        Ok(())
    }

    /// The submitted transaction can never be included (its nonce was used by another): forget it so a new
    /// one is signed. Only for a transaction the chain proves dead, never for one merely pending.
    pub fn superseded(&mut self) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Verified)?;
        self.tx_hash = None;
        self.signed_tx = None;
        Ok(())
    }

    /// The transaction landed in `block_number`.
    pub fn executed(&mut self, block_number: u64) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Executed)?;
        self.block_number = Some(block_number);
        Ok(())
    }

    /// A check refused it.
    pub fn refuse(&mut self, reason: impl Into<String>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Refused)?;
        self.message = Some(reason.into());
        Ok(())
    }

    /// Its proof job failed for good.
    pub fn fail(&mut self, reason: impl Into<String>) -> Result<(), IllegalDecisionTransition> {
        self.move_to(DecisionStatus::Failed)?;
        self.message = Some(reason.into());
        Ok(())
    }
}
