//! Conversions between the felt types at this crate's edges: swiftness uses starknet-types-core 0.1 and
//! the proof parser uses big integers, while the domain uses starknet-types-core 0.2. 32-byte big-endian
//! is the common ground.

use num_bigint::BigUint;
use starkrisk_domain::Felt;

/// A parsed big integer as a domain felt; `None` when it is not below the field prime.
pub fn from_biguint(value: &BigUint) -> Option<Felt> {
    let bytes = value.to_bytes_be();
    if bytes.len() > 32 {
        return None;
    }
    let felt = Felt::from_bytes_be_slice(&bytes);
    // from_bytes_be_slice reduces modulo the prime; a value that changed was not a canonical felt.
    (BigUint::from_bytes_be(&felt.to_bytes_be()) == *value).then_some(felt)
}

/// A felt of another starknet-types-core version, given as its 32 big-endian bytes.
pub fn from_be_bytes(bytes: &[u8; 32]) -> Felt {
    Felt::from_bytes_be(bytes)
}
