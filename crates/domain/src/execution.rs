//! What an executed allocation left on chain: the contract that executed it, the event it emitted and
//! the funds it moved.

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

/// The treasury in the vault's token (base units): idle in the vault and in each protocol's strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TreasuryBalances {
    /// Held by the vault itself, in no strategy.
    #[serde(with = "decimal")]
    pub idle: u128,
    /// In JediSwap's strategy.
    #[serde(with = "decimal")]
    pub jediswap: u128,
    /// In Ekubo's strategy.
    #[serde(with = "decimal")]
    pub ekubo: u128,
}

/// As operators read it: "60 idle, 30 JediSwap, 10 Ekubo" (base units).
impl std::fmt::Display for TreasuryBalances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} idle, {} JediSwap, {} Ekubo", self.idle, self.jediswap, self.ekubo)
    }
}

impl TreasuryBalances {
    /// The whole treasury; `None` past `u128`, which no token's supply reaches.
    pub fn total(&self) -> Option<u128> {
        self.idle.checked_add(self.jediswap)?.checked_add(self.ekubo)
    }
}

/// The vault's `TreasuryRebalanced` event, decoded: what one execution moved between the strategies and
/// the balances before and after, as the vault read them from the token and the strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryRebalanced {
    /// Taken out of JediSwap's strategy back to the vault.
    #[serde(with = "decimal")]
    pub jediswap_withdrawn: u128,
    /// Put into JediSwap's strategy.
    #[serde(with = "decimal")]
    pub jediswap_deposited: u128,
    /// Taken out of Ekubo's strategy back to the vault.
    #[serde(with = "decimal")]
    pub ekubo_withdrawn: u128,
    /// Put into Ekubo's strategy.
    #[serde(with = "decimal")]
    pub ekubo_deposited: u128,
    /// Before the execution.
    pub before: TreasuryBalances,
    /// After it.
    pub after: TreasuryBalances,
}

/// Where and how a decision was executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// The allocation contract the transaction called.
    pub contract: ContractAddress,
    /// Its `AllocationExecuted` event in the receipt; `None` for a contract that emits none.
    pub event: Option<AllocationExecuted>,
    /// Its `TreasuryRebalanced` event; `None` for a contract that moves no funds (and for decisions
    /// executed before the vault held a treasury).
    #[serde(default)]
    pub treasury: Option<TreasuryRebalanced>,
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

/// Token amounts as decimal strings: an 18-decimal token's amounts pass 2^64 (and 2^53, past which
/// JSON numbers lose digits in most clients).
mod decimal {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(amount: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(amount)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|_| D::Error::custom(format!("`{text}` is not a decimal token amount")))
    }
}
