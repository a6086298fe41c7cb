//! How starkrisk runs Stone: the one home of the prover parameters that Integrity's verifier for our
//! configuration (recursive / keccak_160_lsb / stone6) expects of a proof. The parameter file Stone reads,
//! the verifier's checks and the docs all take them from here; the verifier configuration itself (layout,
//! hasher, Stone version, memory verification) lives in `VerifierConfig::starkrisk`.

use serde_json::json;
use starkrisk_domain::FriParameters;

/// The Fiat-Shamir channel's hash: Poseidon, the transcript Integrity and swiftness replay.
pub const CHANNEL_HASH: &str = "poseidon3";
/// The Merkle hash of the layers nearest the leaves: keccak masked to its low 160 bits, Integrity's
/// `keccak_160_lsb` hasher (`VerifierConfig::starkrisk`).
pub const COMMITMENT_HASH: &str = "keccak256_masked160_lsb";
/// The hash of the Merkle layers nearest the root, cheap for a Starknet verifier.
pub const VERIFIER_FRIENDLY_COMMITMENT_HASH: &str = "poseidon3";
/// How many Merkle layers, counted from the root, use that hash; the layers below use `COMMITMENT_HASH`.
/// Measured on the risk program's 16384-step trace (2 cores): 16 layers prove in 13.5 s, 1000 (every
/// layer, leaves included, as in Integrity's examples) in 62 s, since Poseidon over the leaves dominates;
/// the 16 layers nearest the root keep most of a Merkle path cheap for the on-chain verifier. Stone v3
/// (Integrity's `stone6`, the commit in deploy/local/stone.env) hashes this number into the public input,
/// so prover and verifier must agree on it.
pub const N_VERIFIER_FRIENDLY_COMMITMENT_LAYERS: u32 = 16;
/// The proof-of-work hash.
pub const POW_HASH: &str = "keccak256";
/// Stone's parameter file (`--parameter_file`) for FRI parameters `fri`.
pub fn parameter_file(fri: &FriParameters) -> serde_json::Value {
    json!({
        "field": "PrimeField0",
        "channel_hash": CHANNEL_HASH,
        "commitment_hash": COMMITMENT_HASH,
        "n_verifier_friendly_commitment_layers": N_VERIFIER_FRIENDLY_COMMITMENT_LAYERS,
        "pow_hash": POW_HASH,
        "statement": { "page_hash": "pedersen" },
        "stark": {
            "fri": {
                "fri_step_list": fri.fri_step_list,
                "last_layer_degree_bound": fri.last_layer_degree_bound,
                "n_queries": fri.n_queries,
                "proof_of_work_bits": fri.proof_of_work_bits,
            },
            "log_n_cosets": fri.log_n_cosets,
        },
        "use_extension_field": false,
        "verifier_friendly_channel_updates": true,
        "verifier_friendly_commitment_hash": VERIFIER_FRIENDLY_COMMITMENT_HASH,
    })
}

/// The FRI parameters a Stone proof was made with, read from its `proof_parameters` (the prover's own
/// record of them), or None when `proof` is not Stone's proof JSON.
pub fn fri_of(proof: &[u8]) -> Option<FriParameters> {
    #[derive(serde::Deserialize)]
    struct Proof {
        proof_parameters: Parameters,
    }
    #[derive(serde::Deserialize)]
    struct Parameters {
        stark: Stark,
    }
    #[derive(serde::Deserialize)]
    struct Stark {
        fri: Fri,
        log_n_cosets: u32,
    }
    #[derive(serde::Deserialize)]
    struct Fri {
        fri_step_list: Vec<u32>,
        last_layer_degree_bound: u64,
        n_queries: u32,
        proof_of_work_bits: u32,
    }
    // Every other field (the annotations are most of the megabyte) is skipped unread.
    let stark = serde_json::from_slice::<Proof>(proof).ok()?.proof_parameters.stark;
    Some(FriParameters {
        fri_step_list: stark.fri.fri_step_list,
        last_layer_degree_bound: stark.fri.last_layer_degree_bound,
        n_queries: stark.fri.n_queries,
        proof_of_work_bits: stark.fri.proof_of_work_bits,
        log_n_cosets: stark.log_n_cosets,
    })
}
