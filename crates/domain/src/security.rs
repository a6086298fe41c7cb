//! How many bits of security a STARK's FRI parameters give, under the conjecture everyone quotes and
//! under what is proven today.

use serde::{Deserialize, Serialize};

/// A proof's security in bits, under two soundness regimes.
///
/// `conjectured` is the ethSTARK formula that stwo, Stone and Integrity report: each FRI query is worth
/// log2(blowup) bits (the Reed–Solomon proximity gaps conjecture, up to capacity), plus the grinding bits.
/// `provable` counts each query at half that, as the list-decoding bound proven up to the Johnson radius
/// allows, plus the grinding bits. The extension-field terms are left out: for the fields used here (a
/// 124-bit QM31 for S-two, the 252-bit Stark field for Stone) and traces of these sizes they exceed either
/// figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityLevel {
    /// Bits under the ethSTARK conjecture: `n_queries · log_blowup + pow_bits`.
    pub conjectured_bits: u32,
    /// Bits proven today: `⌊n_queries · log_blowup / 2⌋ + pow_bits`.
    pub provable_bits: u32,
}

impl SecurityLevel {
    /// The security of FRI with `n_queries` queries over a blowup of `2^log_blowup`, after grinding
    /// `pow_bits` bits of proof of work.
    pub const fn of_fri(n_queries: u32, log_blowup: u32, pow_bits: u32) -> Self {
        let query_bits = n_queries.saturating_mul(log_blowup);
        Self {
            conjectured_bits: query_bits.saturating_add(pow_bits),
            provable_bits: (query_bits / 2).saturating_add(pow_bits),
        }
    }

    /// What is known of a proof from storage that predates the provable figure: its conjectured bits only.
    /// The provable figure is then at least the grinding-free half of it.
    pub const fn from_conjectured(conjectured_bits: u32) -> Self {
        Self { conjectured_bits, provable_bits: conjectured_bits / 2 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_regimes_follow_their_formulas() {
        // The S-two default: 86 queries at blowup 2 and 10 grinding bits.
        assert_eq!(SecurityLevel::of_fri(86, 1, 10), SecurityLevel { conjectured_bits: 96, provable_bits: 53 });
        // A Stone shape: 16 queries at blowup 2^4 (log_n_cosets 4) and 30 grinding bits.
        assert_eq!(SecurityLevel::of_fri(16, 4, 30), SecurityLevel { conjectured_bits: 94, provable_bits: 62 });
        assert_eq!(SecurityLevel::of_fri(u32::MAX, 2, 1).conjectured_bits, u32::MAX, "saturates, never wraps");
    }
}
