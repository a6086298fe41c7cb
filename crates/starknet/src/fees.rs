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
    #[serde(deserialize_with = "price")]
    pub l1_gas_price: u128,
    /// L2 gas.
    pub l2_gas: u64,
    /// L2 gas price (fri).
    #[serde(deserialize_with = "price")]
    pub l2_gas_price: u128,
    /// L1 data gas.
    pub l1_data_gas: u64,
    /// L1 data gas price (fri).
    #[serde(deserialize_with = "price")]
    pub l1_data_gas_price: u128,
}

/// A gas price: a whole number of fri, written as a TOML integer or, past i64, as a decimal or 0x-hex
/// string (configuration files cannot hold u128 integers).
fn price<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
    struct Price;
    impl serde::de::Visitor<'_> for Price {
        type Value = u128;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a non-negative whole number of fri, or one as a decimal or 0x-hex string")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u128, E> {
            Ok(v.into())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u128, E> {
            u128::try_from(v).map_err(|_| E::custom(format!("a gas price cannot be negative ({v})")))
        }
        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<u128, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u128, E> {
            starkrisk_domain::parse_u128("gas price", v).map_err(E::custom)
        }
    }
    deserializer.deserialize_any(Price)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a panic is how a test reports failure
    use super::ResourceBounds;

    fn bounds(l2_gas_price: serde_json::Value) -> Result<ResourceBounds, serde_json::Error> {
        serde_json::from_value(serde_json::json!({"l1_gas": 0, "l1_gas_price": 1, "l2_gas": 10, "l2_gas_price":
            l2_gas_price, "l1_data_gas": 1, "l1_data_gas_price": 1}))
    }

    #[test]
    fn prices_are_integers_or_strings_past_i64() {
        assert_eq!(bounds(serde_json::json!(20_000_000_000u64)).unwrap().l2_gas_price, 20_000_000_000);
        let big = u128::from(u64::MAX) * 16;
        assert_eq!(bounds(serde_json::json!(big.to_string())).unwrap().l2_gas_price, big);
        assert_eq!(bounds(serde_json::json!(format!("{big:#x}"))).unwrap().l2_gas_price, big);
        assert!(bounds(serde_json::json!(-1)).unwrap_err().to_string().contains("negative"));
        assert!(bounds(serde_json::json!("twelve")).unwrap_err().to_string().contains("`twelve`"));
    }
}
