//! Token amounts and prices as the chain reports them: unsigned integers of any size, so that sums,
//! products and valuations in the derivation can never overflow.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use num_bigint::BigUint;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ValidationError;

/// A non-negative integer amount (token units, a fixed-point price, a sum of either); decimal in JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(BigUint);

impl Amount {
    /// Zero.
    pub fn zero() -> Self {
        Self(BigUint::ZERO)
    }

    /// A Cairo `u256`, from its two 128-bit halves as its ABI lays them out (low first).
    pub fn from_u256(low: u128, high: u128) -> Self {
        Self((BigUint::from(high) << 128u32) | BigUint::from(low))
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == BigUint::ZERO
    }

    /// Parses a decimal or `0x`-hex amount of any size, naming `field` when `text` is neither.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let Some((digits, radix)) = crate::whole_number::digits(text) else {
            return Err(ValidationError::new(
                field,
                format!("`{text}` is not a non-negative decimal or 0x-hex integer"),
            ));
        };
        BigUint::parse_bytes(digits.as_bytes(), radix)
            .map(Self)
            .ok_or_else(|| ValidationError::new(field, format!("`{text}` is not an integer")))
    }

    /// The value, for the derivation's arithmetic.
    pub(crate) fn value(&self) -> &BigUint {
        &self.0
    }

    pub(crate) fn from_big(value: BigUint) -> Self {
        Self(value)
    }

    /// Big-endian bytes without leading zeros (empty for zero), the encoding snapshot hashes read.
    pub fn to_bytes_be(&self) -> Vec<u8> {
        if self.is_zero() { Vec::new() } else { self.0.to_bytes_be() }
    }
}

impl From<u128> for Amount {
    fn from(value: u128) -> Self {
        Self(BigUint::from(value))
    }
}

impl From<u64> for Amount {
    fn from(value: u64) -> Self {
        Self(BigUint::from(value))
    }
}

impl Add for Amount {
    type Output = Amount;
    fn add(self, other: Amount) -> Amount {
        Amount(self.0 + other.0)
    }
}

impl<'a> Sum<&'a Amount> for Amount {
    fn sum<I: Iterator<Item = &'a Amount>>(iter: I) -> Amount {
        Amount(iter.map(|a| &a.0).sum())
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A string, since JSON numbers lose precision past 2^53 in most clients.
        serializer.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Amount::parse("amount", &text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u256_halves_compose_low_first() {
        assert_eq!(Amount::from_u256(5, 0), Amount::from(5u64));
        assert_eq!(Amount::from_u256(0, 1).to_string(), "340282366920938463463374607431768211456");
        let max = Amount::from_u256(u128::MAX, u128::MAX);
        assert_eq!(max.to_bytes_be(), vec![0xff; 32]);
    }

    #[test]
    fn parse_reads_decimal_or_hex_and_names_the_field_otherwise() {
        assert_eq!(Amount::parse("tvl", "0012").unwrap(), Amount::from(12u64));
        assert_eq!(Amount::parse("tvl", "0x10").unwrap(), Amount::from(16u64));
        for bad in ["", "-1", "+1", "1.5", "0x", "0xg", "1e30", " 1"] {
            assert_eq!(Amount::parse("tvl", bad).unwrap_err().field, "tvl", "{bad:?}");
        }
    }

    #[test]
    fn json_is_a_decimal_string() {
        let json = serde_json::to_string(&Amount::from_u256(1, 1)).unwrap();
        assert_eq!(json, "\"340282366920938463463374607431768211457\"");
        assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), Amount::from_u256(1, 1));
        assert!(serde_json::from_str::<Amount>("\"-3\"").is_err());
    }
}
