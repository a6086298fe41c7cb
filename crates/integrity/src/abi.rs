//! The FactRegistry's ABI as felts (Cairo Serde):
//! - `get_all_verifications_for_fact_hash(fact) -> Array<VerificationListElement>`:
//!   `[n, (verification_hash, security_bits, layout, hasher, stone_version, memory_verification) × n]`
//! - `get_verification(verification_hash) -> Option<Verification>`: `[0, fact_hash, security_bits,
//!   layout, hasher, stone_version, memory_verification]` for Some, `[1]` for None
//! - event `FactRegistered`, every field a key: `[selector, fact_hash, verifier_address, security_bits,
//!   layout, hasher, stone_version, memory_verification, verification_hash]`

use starkrisk_domain::felt_to_u32;
use starkrisk_domain::{ContractAddress, FactHash, FactVerification, Felt, VerificationHash, VerifierConfig};

/// Felts that do not have the ABI's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbiError {
    /// Fewer felts than the shape needs.
    #[error("{what}: expected at least {needed} felts, got {got}")]
    Truncated {
        /// What was being decoded.
        what: &'static str,
        /// Felts needed.
        needed: usize,
        /// Felts present.
        got: usize,
    },
    /// Felts left over after the shape ended.
    #[error("{what}: {extra} felts left over after decoding")]
    Trailing {
        /// What was being decoded.
        what: &'static str,
        /// How many.
        extra: usize,
    },
    /// A field holds a value its type cannot.
    #[error("{what}: {reason}")]
    Invalid {
        /// What was being decoded.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

/// Felts of one VerifierConfiguration.
const CONFIG_LEN: usize = 4;
/// Felts of one VerificationListElement.
const ELEMENT_LEN: usize = 2 + CONFIG_LEN;

fn take<'a>(felts: &'a [Felt], n: usize, what: &'static str) -> Result<(&'a [Felt], &'a [Felt]), AbiError> {
    if felts.len() < n {
        return Err(AbiError::Truncated { what, needed: n, got: felts.len() });
    }
    Ok(felts.split_at(n))
}

fn small(felt: &Felt, what: &'static str) -> Result<u32, AbiError> {
    felt_to_u32(felt).ok_or_else(|| AbiError::Invalid { what, reason: format!("{felt:#x} is not a u32") })
}

fn config(felts: &[Felt], what: &'static str) -> Result<VerifierConfig, AbiError> {
    let array: [Felt; CONFIG_LEN] =
        felts.try_into().map_err(|_| AbiError::Truncated { what, needed: CONFIG_LEN, got: felts.len() })?;
    VerifierConfig::from_felts(&array).ok_or_else(|| AbiError::Invalid {
        what,
        reason: "a verifier configuration field is not a short string".into(),
    })
}

fn finished(rest: &[Felt], what: &'static str) -> Result<(), AbiError> {
    if rest.is_empty() { Ok(()) } else { Err(AbiError::Trailing { what, extra: rest.len() }) }
}

/// Decodes `get_all_verifications_for_fact_hash`'s result.
pub fn decode_verifications(felts: &[Felt]) -> Result<Vec<FactVerification>, AbiError> {
    const WHAT: &str = "get_all_verifications_for_fact_hash";
    let (len, mut rest) = take(felts, 1, WHAT)?;
    let n = small(&len[0], WHAT)? as usize;
    let mut out = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let (element, next) = take(rest, ELEMENT_LEN, WHAT)?;
        out.push(FactVerification {
            verification_hash: VerificationHash::new(element[0]),
            security_bits: small(&element[1], WHAT)?,
            verifier_config: config(&element[2..], WHAT)?,
        });
        rest = next;
    }
    finished(rest, WHAT)?;
    Ok(out)
}

/// Decodes `get_verification`'s result: `None` when the registry has no such verification.
pub fn decode_verification(felts: &[Felt]) -> Result<Option<(FactHash, u32, VerifierConfig)>, AbiError> {
    const WHAT: &str = "get_verification";
    let (tag, rest) = take(felts, 1, WHAT)?;
    match small(&tag[0], WHAT)? {
        1 => finished(rest, WHAT).map(|()| None),
        0 => {
            let (body, rest) = take(rest, ELEMENT_LEN, WHAT)?;
            finished(rest, WHAT)?;
            Ok(Some((FactHash::new(body[0]), small(&body[1], WHAT)?, config(&body[2..], WHAT)?)))
        }
        other => Err(AbiError::Invalid {
            what: WHAT,
            reason: format!("Option variant {other} is neither Some (0) nor None (1)"),
        }),
    }
}

/// A `FactRegistered` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRegistered {
    /// The fact.
    pub fact_hash: FactHash,
    /// The verifier contract that checked the proof.
    pub verifier_address: ContractAddress,
    /// The security it checked.
    pub security_bits: u32,
    /// The verifier configuration.
    pub verifier_config: VerifierConfig,
    /// The verification's hash.
    pub verification_hash: VerificationHash,
}

/// Decodes a `FactRegistered` event from its keys (the selector first) and data (empty: every field is a key).
pub fn decode_fact_registered(
    keys: &[Felt],
    data: &[Felt],
    selector: Felt,
) -> Result<Option<FactRegistered>, AbiError> {
    const WHAT: &str = "FactRegistered";
    if keys.first() != Some(&selector) {
        return Ok(None);
    }
    let (fields, rest) = take(&keys[1..], 4 + CONFIG_LEN, WHAT)?;
    finished(rest, WHAT)?;
    finished(data, WHAT)?;
    Ok(Some(FactRegistered {
        fact_hash: FactHash::new(fields[0]),
        verifier_address: ContractAddress::new(fields[1]),
        security_bits: small(&fields[2], WHAT)?,
        verifier_config: config(&fields[3..3 + CONFIG_LEN], WHAT)?,
        verification_hash: VerificationHash::new(fields[3 + CONFIG_LEN]),
    }))
}
