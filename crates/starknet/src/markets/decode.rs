//! Cairo values out of felts, as the Serde layouts of u128, u256 (low, high) and the AMMs' signed
//! integers (magnitude, then a sign that is 1 for negative) put them.

use starknet::core::types::Felt;
use starkrisk_domain::market::Amount;

/// A felt as a `u128`, or `None` when it does not fit.
pub(crate) fn u128_of(felt: &Felt) -> Option<u128> {
    let bytes = felt.to_bytes_be();
    let (high, low) = bytes.split_at(16);
    if high.iter().any(|&b| b != 0) {
        return None;
    }
    let mut word = [0u8; 16];
    word.copy_from_slice(low);
    Some(u128::from_be_bytes(word))
}

/// Reads Serde-encoded values off a felt slice, front to back, naming what was being read when it ends.
pub(crate) struct Felts<'a> {
    felts: &'a [Felt],
    at: usize,
}

impl<'a> Felts<'a> {
    pub(crate) fn new(felts: &'a [Felt]) -> Self {
        Self { felts, at: 0 }
    }

    pub(crate) fn felt(&mut self, what: &str) -> Result<Felt, String> {
        let felt = self
            .felts
            .get(self.at)
            .copied()
            .ok_or_else(|| format!("{what}: the answer ends after {} felts", self.felts.len()))?;
        self.at += 1;
        Ok(felt)
    }

    pub(crate) fn skip(&mut self, count: usize, what: &str) -> Result<(), String> {
        for _ in 0..count {
            self.felt(what)?;
        }
        Ok(())
    }

    pub(crate) fn u128(&mut self, what: &str) -> Result<u128, String> {
        let felt = self.felt(what)?;
        u128_of(&felt).ok_or_else(|| format!("{what}: {felt:#x} is not a u128"))
    }

    pub(crate) fn u256(&mut self, what: &str) -> Result<Amount, String> {
        let low = self.u128(what)?;
        let high = self.u128(what)?;
        Ok(Amount::from_u256(low, high))
    }

    pub(crate) fn bool(&mut self, what: &str) -> Result<bool, String> {
        match self.felt(what)? {
            f if f == Felt::ZERO => Ok(false),
            f if f == Felt::ONE => Ok(true),
            f => Err(format!("{what}: {f:#x} is not a bool")),
        }
    }

    /// The magnitude of JediSwap's `i256` (a u256 magnitude, then the sign).
    pub(crate) fn i256_magnitude(&mut self, what: &str) -> Result<Amount, String> {
        let magnitude = self.u256(what)?;
        self.bool(what)?;
        Ok(magnitude)
    }

    /// The magnitude of Ekubo's `i129` (a u128 magnitude, then the sign).
    pub(crate) fn i129_magnitude(&mut self, what: &str) -> Result<Amount, String> {
        let magnitude = Amount::from(self.u128(what)?);
        self.bool(what)?;
        Ok(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_read_front_to_back() {
        let felts = [Felt::from(5u8), Felt::ONE, Felt::from(9u8), Felt::ONE, Felt::from(u128::MAX)];
        let mut reader = Felts::new(&felts);
        assert_eq!(reader.u256("a").unwrap(), Amount::from_u256(5, 1));
        assert_eq!(reader.i129_magnitude("b").unwrap(), Amount::from(9u64));
        assert_eq!(reader.u128("c").unwrap(), u128::MAX);
        assert!(reader.felt("d").unwrap_err().contains("ends after 5 felts"));
    }

    #[test]
    fn out_of_range_words_are_named() {
        let big = Felt::from(u128::MAX) + Felt::ONE;
        assert!(Felts::new(&[big]).u128("liquidity").unwrap_err().starts_with("liquidity:"));
        assert!(Felts::new(&[Felt::TWO]).bool("sign").unwrap_err().contains("not a bool"));
    }
}
