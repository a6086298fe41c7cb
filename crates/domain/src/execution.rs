//! What an executed allocation left on chain: the contract that executed it and the event it emitted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::felt::{ContractAddress, FactHash, Felt, ModelHash};

/// The AllocationVault's `AllocationExecuted` event, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationExecuted {
    /// The decision id as the vault recorded it (the UUID as a 128-bit number).
    #[serde(serialize_with = "crate::felt::serialize_hex", deserialize_with = "crate::felt::deserialize_hex")]
    pub decision_id: Felt,
    /// The proven model.
    pub model_hash: ModelHash,
    /// The fact the vault found verified.
    pub fact_hash: FactHash,
    /// JediSwap's risk.
    pub jediswap_risk: u32,
    /// Ekubo's risk.
    pub ekubo_risk: u32,
    /// JediSwap's share, bps.
    pub jediswap_bps: u32,
    /// Ekubo's share, bps.
    pub ekubo_bps: u32,
}

/// Where and how a decision was executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// The allocation contract the transaction called.
    pub contract: ContractAddress,
    /// Its `AllocationExecuted` event in the receipt; `None` for a contract that emits none.
    pub event: Option<AllocationExecuted>,
}

/// An operator's request to execute a verified decision: under manual execution nothing is sent without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRequest {
    /// Who asked (the caller's token subject).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

crate::names::named_enum!(
    /// Whether verified decisions execute by themselves or wait for an operator.
    pub enum ExecutionMode {
        /// Executed as soon as they are verified.
        Auto = "auto",
        /// Executed when an operator asks (`POST /api/v1/risk-engine/execute-allocation`).
        Manual = "manual",
    }
);
