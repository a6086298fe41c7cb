// What the vault's gate computes without reading its own storage: the model hash it recomputes, the
// verifier configuration's hash, and the checks on Integrity's verifications and on a split.
use array::ArrayTrait;
use array::SpanTrait;
use poseidon::poseidon_hash_span;
use core::sha256::compute_sha256_byte_array;
use super::interfaces::{VerificationListElement, VerifierConfiguration};

// The model's version and its 11 parameters.
const MODEL_LEN: u32 = 12;
// All shares are out of this many basis points; a protocol counts as diversified from a tenth of it.
const TOTAL_BPS: u32 = 10000;
const DIVERSIFIED_BPS: u32 = 1000;
const PROTOCOLS: u32 = 2;
// The Stark field's prime, which the model hash's SHA-256 digest is reduced by.
const FIELD_PRIME: u256 = 0x800000000000011000000000000000000000000000000000000000000000001;

// SHA-256 over the tag, the version (4 bytes), each parameter (8 bytes) and the program hash (32 bytes),
// big-endian, reduced modulo the field prime: the service's `ModelHash::compute`, byte for byte.
fn model_hash_of(program_hash: felt252, model: Span<felt252>) -> felt252 {
    assert(model.len() == MODEL_LEN, 'model: expected 12 felts');
    let mut bytes: ByteArray = "starkrisk/model-hash/v1";
    let version: u32 = (*model.at(0)).try_into().expect('model: version not a u32');
    bytes.append_word(version.into(), 4);
    let mut at = 1;
    while at < MODEL_LEN {
        let parameter: u64 = (*model.at(at)).try_into().expect('model: parameter not a u64');
        bytes.append_word(parameter.into(), 8);
        at += 1;
    };
    let program: u256 = program_hash.into();
    bytes.append_word(program.high.into(), 16);
    bytes.append_word(program.low.into(), 16);
    let [a, b, c, d, e, f, g, h] = compute_sha256_byte_array(@bytes);
    let digest = u256 {
        high: words_u128(a, b, c, d), low: words_u128(e, f, g, h),
    };
    (digest % FIELD_PRIME).try_into().expect('reduced below the prime')
}

// Four big-endian 32-bit words as one 128-bit number.
fn words_u128(a: u32, b: u32, c: u32, d: u32) -> u128 {
    let shift: u128 = 0x100000000;
    ((a.into() * shift + b.into()) * shift + c.into()) * shift + d.into()
}

// Integrity's fact of a proof of `program_hash` with `outputs`: H(program_hash, H(outputs)).
fn fact_of(program_hash: felt252, outputs: Span<felt252>) -> felt252 {
    let mut pair = ArrayTrait::new();
    pair.append(program_hash);
    pair.append(poseidon_hash_span(outputs));
    poseidon_hash_span(pair.span())
}

// The fact of `bootloader` running `program_hash` as its one task with `outputs`, as a proof of a PIE
// (Atlantic's) registers it: the bootloader's output is the task count, the task's size with its
// two-word header, the task's program hash, then the task's output.
fn bootloaded_fact_of(bootloader: felt252, program_hash: felt252, outputs: Span<felt252>) -> felt252 {
    let mut words = ArrayTrait::new();
    words.append(1);
    words.append(outputs.len().into() + 2);
    words.append(program_hash);
    let mut rest = outputs;
    loop {
        match rest.pop_front() {
            Option::Some(word) => words.append(*word),
            Option::None => { break; },
        };
    };
    fact_of(bootloader, words.span())
}

fn config_hash(config: VerifierConfiguration) -> felt252 {
    let mut words = ArrayTrait::new();
    words.append(config.layout);
    words.append(config.hasher);
    words.append(config.stone_version);
    words.append(config.memory_verification);
    poseidon_hash_span(words.span())
}

// Reverts unless one verification has the expected configuration and enough bits, naming which failed.
fn check_verifications(mut list: Span<VerificationListElement>, expected: felt252, min_bits: u32) {
    assert(list.len() > 0, 'fact has no verification');
    let mut config_seen = false;
    let mut found = false;
    loop {
        match list.pop_front() {
            Option::Some(v) => {
                let verification = *v;
                if config_hash(verification.verifier_config) == expected {
                    config_seen = true;
                    if verification.security_bits >= min_bits {
                        found = true;
                        break;
                    }
                }
            },
            Option::None => {
                break;
            },
        };
    };
    assert(config_seen, 'verifier config mismatch');
    assert(found, 'too few security bits');
}

// Reverts unless the limits themselves make sense.
fn check_limits_range(max_single_bps: u32, min_diversification: u32) {
    assert(max_single_bps <= TOTAL_BPS, 'max_single_bps above 10000');
    assert(min_diversification <= PROTOCOLS, 'min_diversification above 2');
}

// Reverts, naming the limit, when a split breaks the governance limits; returns both shares.
fn check_split(
    jediswap_bps: felt252, ekubo_bps: felt252, max_single_bps: u32, min_diversification: u32
) -> (u32, u32) {
    let jediswap: u32 = jediswap_bps.try_into().expect('outputs: share not a u32');
    let ekubo: u32 = ekubo_bps.try_into().expect('outputs: share not a u32');
    assert(jediswap <= max_single_bps && ekubo <= max_single_bps, 'share above max_single_bps');
    let mut diversified: u32 = 0;
    if jediswap >= DIVERSIFIED_BPS {
        diversified += 1;
    }
    if ekubo >= DIVERSIFIED_BPS {
        diversified += 1;
    }
    assert(diversified >= min_diversification, 'below min_diversification');
    (jediswap, ekubo)
}
