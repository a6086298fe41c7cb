//! Resource bounds for v3 transactions: the node's estimate with a margin, or a configured fallback.

use serde::{Deserialize, Serialize};
use starknet::core::types::FeeEstimate;
use starkrisk_domain::ports::ChainError;

/// Maximum gas amounts and prices a transaction may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceBounds {
    /// L1 gas.
    pub l1_gas: u64,
    /// L1 gas price (fri).
    pub l1_gas_price: u128,
    /// L2 gas.
    pub l2_gas: u64,
    /// L2 gas price (fri).
    pub l2_gas_price: u128,
    /// L1 data gas.
    pub l1_data_gas: u64,
    /// L1 data gas price (fri).
    pub l1_data_gas_price: u128,
}

/// The `[starknet.fees]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSettings {
    /// Ask the node for an estimate (a call that would fail is then refused before it is sent).
    pub estimate: bool,
    /// Added to estimated gas amounts, in percent.
    pub gas_margin_pct: u32,
    /// Added to estimated gas prices, in percent.
    pub price_margin_pct: u32,
    /// Bounds used when estimation is off or the node cannot estimate.
    pub fallback: Option<ResourceBounds>,
}

impl FeeSettings {
    /// The estimate raised by the margins.
    pub fn with_margin(&self, estimate: &FeeEstimate) -> ResourceBounds {
        let gas = |amount: u64| amount.saturating_add(amount.saturating_mul(self.gas_margin_pct.into()) / 100);
        let price = |amount: u128| amount.saturating_add(amount.saturating_mul(self.price_margin_pct.into()) / 100);
        ResourceBounds {
            l1_gas: gas(estimate.l1_gas_consumed),
            l1_gas_price: price(estimate.l1_gas_price),
            l2_gas: gas(estimate.l2_gas_consumed),
            l2_gas_price: price(estimate.l2_gas_price),
            l1_data_gas: gas(estimate.l1_data_gas_consumed),
            l1_data_gas_price: price(estimate.l1_data_gas_price),
        }
    }

    /// The fallback bounds, or why there are none.
    pub(crate) fn fallback_or(&self, why: &str) -> Result<ResourceBounds, ChainError> {
        self.fallback.ok_or_else(|| {
            ChainError::Unavailable(format!("no fee estimate ({why}) and no starknet.fees.fallback is configured"))
        })
    }
}
