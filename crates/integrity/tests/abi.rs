//! FactRegistry results shaped exactly as the contract's ABI serializes them, decoded and judged by policy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use starkrisk_domain::*;
use starkrisk_integrity::FactRegistered;
use starkrisk_integrity::{AbiError, decode_fact_registered, decode_verification, decode_verifications};

fn fact() -> FactHash {
    FactHash::parse("0x1e69a6f91b41e77c283fde3bdda3d31e624b4535e541fd122bb0408e1ab6dec").unwrap()
}

/// One VerificationListElement as felts.
fn element(config: &VerifierConfig, bits: u32) -> Vec<Felt> {
    let hash = VerificationHash::compute(fact(), config, bits).unwrap();
    let mut felts = vec![hash.felt(), Felt::from(bits)];
    felts.extend(config.to_felts().unwrap());
    felts
}

fn list(elements: &[Vec<Felt>]) -> Vec<Felt> {
    let mut felts = vec![Felt::from(elements.len())];
    elements.iter().for_each(|e| felts.extend(e));
    felts
}

fn stone5() -> VerifierConfig {
    VerifierConfig::new("recursive", "keccak_160_lsb", "stone5", "strict")
}

#[test]
fn empty_single_and_several_verifications_decode_and_are_judged() {
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    assert_eq!(decode_verifications(&[Felt::ZERO]).unwrap(), vec![]);
    assert!(policy.accepting(fact(), &[]).is_none(), "an empty list never counts (the replaced system accepted it)");

    let single = decode_verifications(&list(&[element(&VerifierConfig::starkrisk(), 100)])).unwrap();
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].verifier_config, VerifierConfig::starkrisk());
    assert_eq!(
        single[0].verification_hash,
        VerificationHash::compute(fact(), &VerifierConfig::starkrisk(), 100).unwrap()
    );
    assert!(policy.accepting(fact(), &single).is_some());

    let several = decode_verifications(&list(&[
        element(&stone5(), 120),
        element(&VerifierConfig::starkrisk(), 60),
        element(&VerifierConfig::new("small", "keccak_160_lsb", "stone6", "strict"), 128),
        element(&VerifierConfig::starkrisk(), 96),
    ]))
    .unwrap();
    assert_eq!(several.len(), 4);
    assert_eq!(
        policy.accepting(fact(), &several).unwrap().security_bits,
        96,
        "only the matching, strong-enough one counts"
    );
}

#[test]
fn wrong_configs_or_weak_verifications_never_meet_the_policy() {
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    let wrong = decode_verifications(&list(&[
        element(&stone5(), 128),
        element(&VerifierConfig::new("recursive", "keccak_160_lsb", "stone6", "relaxed"), 128),
        element(&VerifierConfig::new("recursive", "blake2s_160_lsb", "stone6", "strict"), 128),
        element(&VerifierConfig::starkrisk(), 95),
    ]))
    .unwrap();
    assert!(policy.accepting(fact(), &wrong).is_none());
}

#[test]
fn a_verification_whose_hash_does_not_recompute_is_not_believed() {
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    let honest = decode_verifications(&list(&[element(&VerifierConfig::starkrisk(), 100)])).unwrap();
    assert!(policy.accepting(fact(), &honest).is_some());
    // An RPC that claims 128 bits for the verification Integrity stored at 100: the hash gives it away.
    let mut inflated = honest.clone();
    inflated[0].security_bits = 128;
    assert!(policy.accepting(fact(), &inflated).is_none());
    // The same verification presented for another fact.
    assert!(policy.accepting(FactHash::new(Felt::from(12345u32)), &honest).is_none());
    let mut invented = honest;
    invented[0].verification_hash = VerificationHash::new(Felt::from(0xbadu16));
    assert!(!policy.accepts(fact(), &invented[0]));
}

#[test]
fn malformed_results_are_refused_with_what_is_wrong() {
    let mut truncated = list(&[element(&VerifierConfig::starkrisk(), 100)]);
    truncated.pop();
    assert!(matches!(decode_verifications(&truncated), Err(AbiError::Truncated { .. })));
    let mut trailing = list(&[element(&VerifierConfig::starkrisk(), 100)]);
    trailing.push(Felt::ONE);
    assert!(matches!(decode_verifications(&trailing), Err(AbiError::Trailing { extra: 1, .. })));
    let mut not_a_string = list(&[element(&VerifierConfig::starkrisk(), 100)]);
    not_a_string[3] = Felt::from(1u8);
    assert!(matches!(decode_verifications(&not_a_string), Err(AbiError::Invalid { .. })));
    assert!(matches!(decode_verifications(&[]), Err(AbiError::Truncated { .. })));
}

#[test]
fn get_verification_decodes_some_and_none() {
    assert_eq!(decode_verification(&[Felt::ONE]).unwrap(), None);
    let mut some = vec![Felt::ZERO, fact().felt(), Felt::from(96u8)];
    some.extend(VerifierConfig::starkrisk().to_felts().unwrap());
    assert_eq!(decode_verification(&some).unwrap(), Some((fact(), 96, VerifierConfig::starkrisk())));
    assert!(decode_verification(&[Felt::from(2u8)]).is_err());
    assert!(decode_verification(&some[..5]).is_err());
}

#[test]
fn fact_registered_events_decode_from_their_keys() {
    let selector = Felt::from(0x5e1ec7u32);
    let config = VerifierConfig::starkrisk();
    let verification = VerificationHash::compute(fact(), &config, 96).unwrap();
    let mut keys = vec![selector, fact().felt(), Felt::from(0xbeefu16), Felt::from(96u8)];
    keys.extend(config.to_felts().unwrap());
    keys.push(verification.felt());
    let event = decode_fact_registered(&keys, &[], selector).unwrap().unwrap();
    assert_eq!(
        event,
        FactRegistered {
            fact_hash: fact(),
            verifier_address: ContractAddress::new(Felt::from(0xbeefu16)),
            security_bits: 96,
            verifier_config: config,
            verification_hash: verification,
        }
    );
    assert_eq!(decode_fact_registered(&keys, &[], Felt::ONE).unwrap(), None, "another event is not ours");
    assert!(decode_fact_registered(&keys[..5], &[], selector).is_err());
}
