//! Every public input, every region of the proof, and proofs swapped between decisions: all refused.

use starkrisk_domain::*;
use starkrisk_domain::{STATEMENT_FIELDS, STATEMENT_LEN};
use starkrisk_stwo::{ProofEnvelope, STATEMENT_BYTES, SecurityParams, StwoError, StwoVerifier, prove};

/// Offset of the AIR hash in the encoding (after magic, format, system and AIR version).
const AIR_HASH_AT: usize = 8;
/// Offset of the statement (after the AIR hash, pow, blowup, queries).
const STATEMENT_AT: usize = AIR_HASH_AT + 32 + 4;
/// Offset of the snapshot block (after the model hash and the 28 numbers of 4 bytes).
const SNAPSHOT_AT: usize = STATEMENT_AT + 32 + 4 * (STATEMENT_LEN - 3);
/// Offset of the proof's bytes (after the statement and the 4-byte length).
const PROOF_AT: usize = STATEMENT_AT + STATEMENT_BYTES + 4;

fn proven(statement: &DecisionStatement) -> Vec<u8> {
    prove(statement, SecurityParams::DEFAULT).unwrap().to_bytes()
}

fn refused(bytes: &[u8]) -> bool {
    StwoVerifier::new(96).verify_bytes(bytes).is_err()
}

#[test]
fn the_untouched_proof_verifies() {
    assert!(!refused(&proven(&examples::statement())));
}

#[test]
fn a_proof_for_another_air_layout_is_refused_by_name() {
    let bytes = proven(&examples::statement());
    assert_eq!(bytes[AIR_HASH_AT..AIR_HASH_AT + 32], starkrisk_stwo::air_hash().felt().to_bytes_be());
    // Same AIR version, another layout: what a build that changed a column without bumping the version makes.
    let mut other_layout = bytes.clone();
    other_layout[AIR_HASH_AT + 31] ^= 1;
    match StwoVerifier::new(96).verify_bytes(&other_layout) {
        Err(StwoError::Malformed(reason)) => assert!(reason.contains("another layout"), "{reason}"),
        other => panic!("a proof of another AIR layout must be refused by name, not {other:?}"),
    }
    let mut older = bytes.clone();
    older[6..8].copy_from_slice(&1u16.to_be_bytes());
    match StwoVerifier::new(96).verify_bytes(&older) {
        Err(StwoError::Malformed(reason)) => assert!(reason.contains("risk AIR v1"), "{reason}"),
        other => panic!("a proof of AIR v1 must be refused, not {other:?}"),
    }
}

#[test]
fn changing_any_public_input_is_refused_by_the_proof_itself() {
    let bytes = proven(&examples::statement());
    let mut by_verification = 0;
    // The model hash: flip a bit in its lowest byte (a felt stays below the prime).
    let mut forged = bytes.clone();
    forged[STATEMENT_AT + 31] ^= 1;
    assert!(refused(&forged), "model_hash");
    for (field, name) in STATEMENT_FIELDS.iter().enumerate().take(STATEMENT_LEN - 2).skip(1) {
        let at = STATEMENT_AT + 32 + 4 * (field - 1);
        let value = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        for other in [value.wrapping_add(1), value.saturating_sub(1)].into_iter().filter(|v| *v != value) {
            let mut forged = bytes.clone();
            forged[at..at + 4].copy_from_slice(&other.to_be_bytes());
            match StwoVerifier::new(96).verify_bytes(&forged) {
                Ok(_) => panic!("{name} changed from {value} to {other} still verifies"),
                // Some changes make the statement invalid on its own (shares not summing to 100 %).
                Err(StwoError::Malformed(_)) => {}
                Err(StwoError::Rejected(_)) => by_verification += 1,
                Err(other) => panic!("unexpected refusal for {name}: {other}"),
            }
        }
    }
    // Nearly every field has a valid neighbour, which only the proof can refuse.
    assert!(by_verification >= 40, "only {by_verification} changes reached the verifier");
}

/// A statement naming a chain snapshot, as a decision made from chain metrics does.
fn from_the_chain() -> DecisionStatement {
    let hash =
        SnapshotHash::new(Felt::from_hex("0x3c8d8d4f1e1f5a2c5b7e9a0d6f4b2c1e8a9d7f6e5c4b3a291807f6e5d4c3b2a").unwrap());
    examples::statement().with_provenance(Provenance { block_number: 812_345, snapshot_hash: hash })
}

#[test]
fn the_snapshot_a_proof_names_cannot_be_changed() {
    let statement = from_the_chain();
    let bytes = proven(&statement);
    assert!(!refused(&bytes));
    assert_eq!(ProofEnvelope::from_bytes(&bytes).unwrap().statement, statement);
    assert_eq!(bytes[SNAPSHOT_AT..SNAPSHOT_AT + 8], 812_345u64.to_be_bytes());
    // Another block (one later, one earlier, or none at all) and any bit of another hash.
    for at in [SNAPSHOT_AT + 7, SNAPSHOT_AT + 5, SNAPSHOT_AT + 8 + 31, SNAPSHOT_AT + 8 + 20, SNAPSHOT_AT + 8 + 1] {
        let mut forged = bytes.clone();
        forged[at] ^= 1;
        match StwoVerifier::new(96).verify_bytes(&forged) {
            Err(StwoError::Rejected(_)) => {}
            other => panic!("a snapshot changed at byte {at} must be refused by the proof, not {other:?}"),
        }
    }
    let mut unnamed = bytes.clone();
    unnamed[SNAPSHOT_AT..SNAPSHOT_AT + 40].fill(0);
    assert!(refused(&unnamed), "a chain decision's proof presented as one of supplied metrics");
    // The proof of the same numbers without a snapshot is another proof.
    assert_ne!(proven(&examples::statement())[PROOF_AT..], bytes[PROOF_AT..]);
}

#[test]
fn a_weight_no_protocol_uses_is_still_bound() {
    // Neither protocol is in liquidity tier 3, so no constraint reads w_liquidity[3]; the transcript does.
    let mut statement = examples::statement();
    let envelope = ProofEnvelope::from_bytes(&proven(&statement)).unwrap();
    let mut raw = *statement.params.values();
    raw.w_liquidity[3] += 1;
    statement.params = ModelParams::new(raw).unwrap();
    let forged = ProofEnvelope { statement, ..envelope };
    assert!(matches!(starkrisk_stwo::verify(&forged, 96), Err(StwoError::Rejected(_))));
}

#[test]
fn flipping_a_byte_in_any_region_of_the_proof_is_refused() {
    let bytes = proven(&examples::statement());
    let proof_len = bytes.len() - PROOF_AT;
    const REGIONS: usize = 96;
    for region in 0..REGIONS {
        let at = PROOF_AT + region * proof_len / REGIONS + proof_len / (2 * REGIONS);
        let mut forged = bytes.clone();
        forged[at] ^= 0x5a;
        assert!(refused(&forged), "flipping byte {at} (region {region} of {REGIONS}) was not noticed");
    }
    // The first and last bytes of the proof too.
    for at in [PROOF_AT, bytes.len() - 1] {
        let mut forged = bytes.clone();
        forged[at] ^= 1;
        assert!(refused(&forged), "flipping byte {at} was not noticed");
    }
}

#[test]
fn every_header_byte_matters() {
    let bytes = proven(&examples::statement());
    for at in 0..STATEMENT_AT {
        let mut forged = bytes.clone();
        forged[at] ^= 1;
        assert!(refused(&forged), "header byte {at}");
    }
    assert!(refused(&bytes[..bytes.len() - 1]), "a truncated proof");
    assert!(refused(&[bytes.as_slice(), &[0]].concat()), "a trailing byte");
}

#[test]
fn a_proof_of_another_decision_is_refused() {
    let first = ProofEnvelope::from_bytes(&proven(&examples::statement())).unwrap();
    let mut snapshot = examples::SNAPSHOT;
    snapshot.ekubo_apy = Apy::new(1300).unwrap();
    let (other, _) = DecisionStatement::compute(
        first.statement.model_version,
        first.statement.model_hash,
        first.statement.params,
        snapshot,
    );
    let second = ProofEnvelope::from_bytes(&proven(&other)).unwrap();
    for (statement, proof) in [(first.statement, &second.proof), (second.statement, &first.proof)] {
        let swapped = ProofEnvelope { statement, proof: proof.clone(), ..first.clone() };
        assert!(refused(&swapped.to_bytes()));
    }
}

#[test]
fn weak_proofs_are_refused_below_the_minimum() {
    let weak = SecurityParams { pow_bits: 0, log_blowup: 1, n_queries: 40 };
    let bytes = prove(&examples::statement(), weak).unwrap().to_bytes();
    assert!(StwoVerifier::new(40).verify_bytes(&bytes).is_ok());
    match StwoVerifier::new(96).verify_bytes(&bytes) {
        Err(StwoError::InsufficientSecurity { actual: 40, required: 96 }) => {}
        other => panic!("expected a security refusal, got {other:?}"),
    }
    // Claiming stronger parameters than the proof was made with does not help.
    let mut claimed = ProofEnvelope::from_bytes(&bytes).unwrap();
    claimed.security = SecurityParams::DEFAULT;
    assert!(matches!(StwoVerifier::new(96).verify_bytes(&claimed.to_bytes()), Err(StwoError::Rejected(_))));
}

#[test]
fn bad_security_parameters_name_the_field() {
    let bad = SecurityParams { pow_bits: 10, log_blowup: 0, n_queries: 86 };
    let err = prove(&examples::statement(), bad).unwrap_err();
    assert!(err.to_string().starts_with("luminair.log_blowup"), "{err}");
}
