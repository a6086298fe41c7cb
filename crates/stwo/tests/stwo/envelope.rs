//! The envelope's deflated proof: smaller on the wire, the same proof once read, and no way for a forged
//! envelope to make the reader inflate without bound or accept bytes that are not a deflated proof.

use miniz_oxide::deflate::compress_to_vec_zlib;
use starkrisk_domain::examples;
use starkrisk_stwo::{
    FORMAT_VERSION, MAX_PROOF_BYTES, ProofEnvelope, STATEMENT_BYTES, SecurityParams, StwoError, StwoVerifier, prove,
};

/// Offset of the proof's length (after magic, format, system, AIR version and hash, security, statement).
const LENGTH_AT: usize = 4 + 1 + 1 + 2 + 32 + 1 + 1 + 2 + STATEMENT_BYTES;

fn envelope() -> ProofEnvelope {
    prove(&examples::statement(), SecurityParams::DEFAULT).unwrap()
}

/// `envelope`'s bytes with `format` and `stored` in place of its format byte and its stored proof.
fn with_stored_proof(envelope: &ProofEnvelope, format: u8, stored: &[u8]) -> Vec<u8> {
    let mut bytes = envelope.to_bytes()[..LENGTH_AT].to_vec();
    bytes[4] = format;
    bytes.extend((stored.len() as u32).to_be_bytes());
    bytes.extend(stored);
    bytes
}

fn malformed_reason(bytes: &[u8]) -> String {
    match StwoVerifier::new(96).verify_bytes(bytes) {
        Err(StwoError::Malformed(reason)) => reason,
        other => panic!("expected a malformed-envelope refusal, got {other:?}"),
    }
}

/// Whether `bytes` are refused as an altered proof, as stwo refuses a proof with a changed value.
fn refused_as_altered(bytes: &[u8]) -> bool {
    let refusal = StwoVerifier::new(96).verify_bytes(bytes);
    matches!(refusal, Err(StwoError::Rejected(reason)) if reason.contains("deflated bytes were altered"))
}

#[test]
fn the_proof_travels_deflated_and_reads_back_the_same() {
    let envelope = envelope();
    let bytes = envelope.to_bytes();
    assert_eq!(bytes[4], FORMAT_VERSION);
    assert!(bytes.len() * 4 < envelope.proof.len(), "{} bytes for a {}-byte proof", bytes.len(), envelope.proof.len());
    assert_eq!(ProofEnvelope::from_bytes(&bytes).unwrap(), envelope);
    assert!(StwoVerifier::new(96).verify_bytes(&bytes).is_ok());
}

#[test]
fn envelopes_stored_before_deflating_still_verify() {
    let envelope = envelope();
    let format_3 = with_stored_proof(&envelope, 3, &envelope.proof);
    assert_eq!(ProofEnvelope::from_bytes(&format_3).unwrap(), envelope);
    assert!(StwoVerifier::new(96).verify_bytes(&format_3).is_ok());
    // The same undeflated proof under the new format is not read as if it were deflated.
    let mislabelled = with_stored_proof(&envelope, FORMAT_VERSION, &envelope.proof);
    assert!(refused_as_altered(&mislabelled));
}

#[test]
fn a_proof_that_inflates_past_the_limit_is_refused_without_inflating_it_all() {
    let bomb = compress_to_vec_zlib(&vec![0u8; MAX_PROOF_BYTES + 1], 9);
    assert!(bomb.len() < 64 << 10, "a small envelope: {} bytes", bomb.len());
    let reason = malformed_reason(&with_stored_proof(&envelope(), FORMAT_VERSION, &bomb));
    assert!(reason.contains(&format!("inflates past {MAX_PROOF_BYTES} bytes")), "{reason}");
    // At the limit it inflates, and is then refused as the proof it is not.
    let at_limit = compress_to_vec_zlib(&vec![0u8; MAX_PROOF_BYTES], 9);
    match StwoVerifier::new(96).verify_bytes(&with_stored_proof(&envelope(), FORMAT_VERSION, &at_limit)) {
        Err(StwoError::Malformed(reason)) => assert!(!reason.contains("inflates past"), "{reason}"),
        Err(_) => {}
        Ok(_) => panic!("eight MiB of zeros verified as a proof"),
    }
}

#[test]
fn a_deflated_proof_cut_short_or_with_its_checksum_changed_is_refused() {
    let envelope = envelope();
    let deflated = compress_to_vec_zlib(&envelope.proof, 6);
    let cut = with_stored_proof(&envelope, FORMAT_VERSION, &deflated[..deflated.len() - 5]);
    assert!(refused_as_altered(&cut));
    let mut checksum = deflated.clone();
    *checksum.last_mut().unwrap() ^= 1;
    assert!(refused_as_altered(&with_stored_proof(&envelope, FORMAT_VERSION, &checksum)));
}
