//! Valuing a pool in its quote token: the price from the pool's square root, TVL from its two balances,
//! fees from swap volume. Floor division throughout, like the rest of the model.

use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use crate::market::Amount;
use crate::market::derive::DerivationError;

/// A pool's price as both AMMs store it: √(token1 per token0) in binary fixed point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqrtPrice {
    /// The fixed-point square root (JediSwap's `sqrt_price_X96`, Ekubo's `sqrt_ratio`).
    pub sqrt: Amount,
    /// Its fractional bits: 96 for JediSwap, 128 for Ekubo.
    pub fraction_bits: u32,
}

impl SqrtPrice {
    /// JediSwap v2's Q64.96 price.
    pub fn x96(sqrt: Amount) -> Self {
        Self { sqrt, fraction_bits: 96 }
    }

    /// Ekubo's Q128.128 price.
    pub fn x128(sqrt: Amount) -> Self {
        Self { sqrt, fraction_bits: 128 }
    }
}

/// Which of a pool's two tokens every amount is valued in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteToken {
    /// The pool's `token0`.
    Token0,
    /// The pool's `token1`.
    Token1,
}

/// A swap fee as a fraction of the input: JediSwap's `fee` over 1,000,000, Ekubo's `fee` over 2^128.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRate {
    numerator: Amount,
    denominator: Amount,
}

impl FeeRate {
    /// JediSwap v2's fee in hundredths of a basis point (3000 = 0.3 %).
    pub fn hundredths_of_bip(fee: u32) -> Self {
        Self { numerator: Amount::from(u64::from(fee)), denominator: Amount::from(1_000_000u64) }
    }

    /// Ekubo's fee, a 0.128 fixed-point fraction of the input.
    pub fn x128(fee: u128) -> Self {
        Self { numerator: Amount::from(fee), denominator: Amount::from_u256(0, 1) }
    }

    /// The fee charged on `volume`: `volume * numerator / denominator`.
    pub fn fee_on(&self, volume: &Amount) -> Amount {
        // Both constructors give a positive denominator, so the division cannot be by zero.
        Amount::from_big(volume.value() * self.numerator.value() / self.denominator.value())
    }
}

/// A pool's value in its quote token at block `block`: the quote balance plus the other balance at the
/// pool price. Refused when the price is zero and the other balance would have to be divided by it.
pub fn value_in_quote(
    balance0: &Amount,
    balance1: &Amount,
    price: &SqrtPrice,
    quote: QuoteToken,
    block: u64,
) -> Result<Amount, DerivationError> {
    let squared = price.sqrt.value() * price.sqrt.value();
    let scale = BigUint::from(1u8) << (2 * price.fraction_bits);
    let value = match quote {
        // token0 at price token1/token0 = sqrt² / 2^(2·bits).
        QuoteToken::Token1 => balance1.value() + balance0.value() * &squared / &scale,
        QuoteToken::Token0 => {
            if squared == BigUint::ZERO {
                return Err(DerivationError::ZeroPrice { block });
            }
            balance0.value() + balance1.value() * &scale / &squared
        }
    };
    Ok(Amount::from_big(value))
}

/// The token amounts a pool's active liquidity stands for at its price, as if spread over the whole price
/// range: `L·2^bits / sqrt` of token0 and `L·sqrt / 2^bits` of token1. This is the per-pool TVL where a
/// pool holds no tokens of its own (Ekubo's Core holds every pool's), refused when the price is zero.
pub fn virtual_reserves(liquidity: u128, price: &SqrtPrice, block: u64) -> Result<(Amount, Amount), DerivationError> {
    if price.sqrt.is_zero() {
        return Err(DerivationError::ZeroPrice { block });
    }
    let liquidity = BigUint::from(liquidity);
    let scale = BigUint::from(1u8) << price.fraction_bits;
    let token0 = &liquidity * &scale / price.sqrt.value();
    let token1 = liquidity * price.sqrt.value() / scale;
    Ok((Amount::from_big(token0), Amount::from_big(token1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_price_adds_the_balances() {
        let one = SqrtPrice::x96(Amount::from(1u128 << 96));
        let tvl = value_in_quote(&Amount::from(7u64), &Amount::from(5u64), &one, QuoteToken::Token1, 1).unwrap();
        assert_eq!(tvl, Amount::from(12u64));
        let tvl = value_in_quote(&Amount::from(7u64), &Amount::from(5u64), &one, QuoteToken::Token0, 1).unwrap();
        assert_eq!(tvl, Amount::from(12u64));
    }

    #[test]
    fn price_four_values_token0_at_four_token1() {
        // sqrt = 2 in Q128.128, price = 4 token1 per token0.
        let four = SqrtPrice::x128(Amount::from_u256(0, 2));
        let in1 = value_in_quote(&Amount::from(10u64), &Amount::from(3u64), &four, QuoteToken::Token1, 1).unwrap();
        assert_eq!(in1, Amount::from(43u64));
        // In token0: 3 token1 are worth 0.75 token0, floored to 0.
        let in0 = value_in_quote(&Amount::from(10u64), &Amount::from(3u64), &four, QuoteToken::Token0, 1).unwrap();
        assert_eq!(in0, Amount::from(10u64));
    }

    #[test]
    fn a_zero_price_is_refused_only_where_it_divides() {
        let zero = SqrtPrice::x96(Amount::zero());
        let err = value_in_quote(&Amount::from(1u64), &Amount::from(1u64), &zero, QuoteToken::Token0, 9).unwrap_err();
        assert_eq!(err, DerivationError::ZeroPrice { block: 9 });
        assert!(value_in_quote(&Amount::from(1u64), &Amount::from(1u64), &zero, QuoteToken::Token1, 9).is_ok());
    }

    #[test]
    fn virtual_reserves_of_unit_liquidity_at_price_four() {
        // sqrt = 2: 1000 liquidity stands for 500 token0 and 2000 token1 (2000 = 500 at price 4).
        let four = SqrtPrice::x128(Amount::from_u256(0, 2));
        let (token0, token1) = virtual_reserves(1000, &four, 3).unwrap();
        assert_eq!((token0, token1), (Amount::from(500u64), Amount::from(2000u64)));
        let zero = SqrtPrice::x128(Amount::zero());
        assert_eq!(virtual_reserves(1000, &zero, 3), Err(DerivationError::ZeroPrice { block: 3 }));
    }

    #[test]
    fn fees_follow_each_protocols_unit() {
        assert_eq!(FeeRate::hundredths_of_bip(3000).fee_on(&Amount::from(1_000_000u64)), Amount::from(3000u64));
        // Ekubo 0.05 % ≈ 0.0005 · 2^128.
        let fee = (1u128 << 127) / 1000;
        assert_eq!(FeeRate::x128(fee).fee_on(&Amount::from(1_000_000u64)), Amount::from(499u64));
    }
}
