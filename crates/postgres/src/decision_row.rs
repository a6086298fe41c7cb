//! The `allocation_decisions` row and its conversions.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use starkrisk_domain::ports::StoreError;
use starkrisk_domain::*;
use uuid::Uuid;

use crate::job_row::{from_json_value, opt_from_json, opt_json, to_json};
use crate::schema::allocation_decisions;

/// One `allocation_decisions` row as read.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = allocation_decisions, check_for_backend(diesel::pg::Pg))]
pub struct DecisionRow {
    id: Uuid,
    sequence: i64,
    statement: serde_json::Value,
    model_version: i32,
    proof_job_id: Uuid,
    fact_hash: Option<String>,
    tx_hash: Option<String>,
    signed_tx: Option<Vec<u8>>,
    block_number: Option<i64>,
    status: String,
    message: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    approval_signer: Option<String>,
    approval_nonce: Option<String>,
    execution: Option<serde_json::Value>,
    execution_request: Option<serde_json::Value>,
    metrics_origins: serde_json::Value,
}

/// The columns a save may change.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = allocation_decisions, treat_none_as_null = true)]
pub struct DecisionChanges {
    fact_hash: Option<String>,
    tx_hash: Option<String>,
    signed_tx: Option<Vec<u8>>,
    block_number: Option<i64>,
    execution: Option<serde_json::Value>,
    execution_request: Option<serde_json::Value>,
    status: String,
    message: Option<String>,
    updated_at: DateTime<Utc>,
}

/// A new row. The shares, risks and APYs get columns of their own so CHECK constraints guard them.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = allocation_decisions)]
pub struct NewDecision {
    id: Uuid,
    jediswap_bps: i32,
    ekubo_bps: i32,
    jediswap_risk: i16,
    ekubo_risk: i16,
    jediswap_apy: i32,
    ekubo_apy: i32,
    statement: serde_json::Value,
    model_version: i32,
    model_hash: String,
    proof_job_id: Uuid,
    approval_signer: Option<String>,
    approval_nonce: Option<String>,
    metrics_origins: serde_json::Value,
    created_at: DateTime<Utc>,
    #[diesel(embed)]
    changes: DecisionChanges,
}

/// Every number stored here is a domain value already range-checked, so these conversions cannot overflow.
fn small(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl DecisionChanges {
    /// The mutable columns of `decision`.
    pub fn from_decision(d: &AllocationDecision) -> Result<Self, StoreError> {
        let d = d.record();
        Ok(Self {
            fact_hash: d.fact_hash.map(|f| f.to_string()),
            tx_hash: d.tx_hash.map(|t| t.to_string()),
            signed_tx: d.signed_tx.clone(),
            block_number: d.block_number.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            execution: opt_json("execution", d.execution.as_ref())?,
            execution_request: opt_json("execution_request", d.execution_request.as_ref())?,
            status: d.status.as_str().to_string(),
            message: d.message.clone(),
            updated_at: d.updated_at,
        })
    }
}

impl NewDecision {
    /// The row for a new decision.
    pub fn from_decision(decision: &AllocationDecision) -> Result<Self, StoreError> {
        let d = decision.record();
        let s = &d.statement;
        Ok(Self {
            id: d.id.0,
            jediswap_bps: small(s.allocation.jediswap().get()),
            ekubo_bps: small(s.allocation.ekubo().get()),
            jediswap_risk: i16::try_from(s.jediswap_risk.get()).unwrap_or(i16::MAX),
            ekubo_risk: i16::try_from(s.ekubo_risk.get()).unwrap_or(i16::MAX),
            jediswap_apy: small(s.snapshot.jediswap_apy.get()),
            ekubo_apy: small(s.snapshot.ekubo_apy.get()),
            statement: to_json("statement", s)?,
            model_version: small(d.model_version.get()),
            model_hash: s.model_hash.to_string(),
            proof_job_id: d.proof_job_id.0,
            approval_signer: d.approval.map(|a| a.signer.to_string()),
            approval_nonce: d.approval.map(|a| format!("{:#x}", a.nonce)),
            metrics_origins: to_json("metrics_origins", &d.metrics_origins)?,
            created_at: d.created_at,
            changes: DecisionChanges::from_decision(decision)?,
        })
    }
}

fn corrupt(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!("stored {column} is invalid: {error}"))
}

impl DecisionRow {
    /// The domain decision this row stores.
    pub fn into_decision(self) -> Result<AllocationDecision, StoreError> {
        AllocationDecision::restore(DecisionRecord {
            id: DecisionId(self.id),
            sequence: Some(self.sequence),
            statement: from_json_value("statement", self.statement)?,
            metrics_origins: from_json_value("metrics_origins", self.metrics_origins)?,
            model_version: ModelVersion::new(self.model_version.unsigned_abs())
                .map_err(|e| corrupt("model_version", e))?,
            proof_job_id: ProofJobId(self.proof_job_id),
            approval: match (self.approval_signer, self.approval_nonce) {
                (Some(signer), Some(nonce)) => Some(ApprovalNonce {
                    signer: ContractAddress::parse(&signer).map_err(|e| corrupt("approval_signer", e))?,
                    nonce: parse_felt("approval_nonce", &nonce).map_err(|e| corrupt("approval_nonce", e))?,
                }),
                _ => None,
            },
            fact_hash: self
                .fact_hash
                .as_deref()
                .map(FactHash::parse)
                .transpose()
                .map_err(|e| corrupt("fact_hash", e))?,
            tx_hash: self.tx_hash.as_deref().map(TxHash::parse).transpose().map_err(|e| corrupt("tx_hash", e))?,
            signed_tx: self.signed_tx,
            block_number: self.block_number.map(i64::unsigned_abs),
            execution: opt_from_json("execution", self.execution)?,
            execution_request: opt_from_json("execution_request", self.execution_request)?,
            status: DecisionStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            message: self.message,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
        .map_err(|e| StoreError::Unknown(e.into()))
    }
}
