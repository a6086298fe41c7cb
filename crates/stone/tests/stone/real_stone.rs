//! Stone itself on the risk program: proofs made in the suite by the cpu_air_prover `just stone` built,
//! accepted by starkrisk's verifier and by Stone's own cpu_air_verifier, with Integrity's hashes computed
//! from their public memory, and a proof of another program refused for being one.

use std::sync::Arc;

use proptest::test_runner::{Config, TestRunner};
use starkrisk_domain::usecases::VerifyProof;
use starkrisk_domain::*;
use starkrisk_stone::testing::{cpu_air_verifier, first_decision, prove, prove_impostor, risk_proof};
use starkrisk_stone::testing::{metrics, statement};
use starkrisk_stone::{StoneProof, StoneVerifier, params, program};

/// Both verifiers accept `proof` of `expected`, and what starkrisk's says is what the public memory says.
fn both_accept(proof: &str, expected: &DecisionStatement) {
    let verified = StoneVerifier::new(96).verify_json(proof).unwrap();
    assert_eq!(verified.output, expected.to_felts());
    assert_eq!(verified.program_hash, program::program_hash().unwrap());
    assert!(verified.security_bits >= 96);
    cpu_air_verifier(proof).unwrap_or_else(|e| panic!("Stone's own verifier refused our proof: {e}"));
}

#[test]
fn the_readme_vectors_and_random_statements_prove_and_both_verifiers_accept_them() {
    // The README's first decision is the proof the other tests share (one Stone run per suite serves them all).
    let first =
        statement(metrics(6500, 3500, 1, 98, 800), metrics(8200, 6100, 2, 72, 120), 850, 1210, ModelParams::v1());
    assert_eq!(first, first_decision(), "the shared proof is of the README's first decision");
    both_accept(risk_proof(), &first);
    let extreme =
        statement(metrics(0, 0, 0, 100, 10000), metrics(10000, 10000, 3, 0, 0), 0, 1_000_000, ModelParams::v1());
    both_accept(&prove(&extreme), &extreme);
    // A random statement each run, under random parameters too.
    let mut runner = TestRunner::new(Config { cases: 1, ..Config::default() });
    let any = (0u64..=10_000, 0u64..=10_000, 0u64..=3, 0u64..=100, 0u64..=1_000_000, 1u32..=1_000_000, 0u32..=1000);
    runner
        .run(&any, |(u, v, l, a, d, apy, w)| {
            let params =
                ModelParams::new(RawModelParams { w_volatility: w, ..RawModelParams::from(ModelParams::v1()) })
                    .unwrap();
            let expected = statement(metrics(u, v, l, a, d), metrics(v, u, 3 - l, 100 - a, d / 2), apy, 850, params);
            both_accept(&prove(&expected), &expected);
            Ok(())
        })
        .unwrap();
}

#[test]
fn our_proof_carries_the_parameters_integrity_hashes_and_its_facts_match_the_public_memory() {
    let proof = risk_proof();
    let json: serde_json::Value = serde_json::from_str(proof).unwrap();
    let parameters = &json["proof_parameters"];
    assert_eq!(parameters["channel_hash"], params::CHANNEL_HASH);
    assert_eq!(parameters["commitment_hash"], params::COMMITMENT_HASH);
    assert_eq!(parameters["n_verifier_friendly_commitment_layers"], params::N_VERIFIER_FRIENDLY_COMMITMENT_LAYERS);
    assert_eq!(json["public_input"]["layout"], VerifierConfig::starkrisk().layout);
    // Integrity's definition, computed here straight from the JSON: the main page's words at
    // [1, initial_fp - 2) are the program, [output.begin, output.stop) the output.
    let memory: std::collections::HashMap<u64, Felt> = json["public_input"]["public_memory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_u64().unwrap(), Felt::from_hex(c["value"].as_str().unwrap()).unwrap()))
        .collect();
    let segments = &json["public_input"]["memory_segments"];
    let initial_fp = segments["execution"]["begin_addr"].as_u64().unwrap();
    let (begin, stop) =
        (segments["output"]["begin_addr"].as_u64().unwrap(), segments["output"]["stop_ptr"].as_u64().unwrap());
    let program: Vec<Felt> = (1..initial_fp - 2).map(|a| memory[&a]).collect();
    let output: Vec<Felt> = (begin..stop).map(|a| memory[&a]).collect();
    let fact = poseidon_hash_many(&[poseidon_hash_many(&program), poseidon_hash_many(&output)]);
    let verified = StoneVerifier::new(96).verify_json(proof).unwrap();
    assert_eq!(verified.fact_hash.felt(), fact);
    assert_eq!(verified.output, output);
    assert_eq!(StoneProof::parse(proof).unwrap().fact().unwrap().2, verified.fact_hash);
}

fn poseidon_hash_many(words: &[Felt]) -> Felt {
    use starknet_types_core::hash::StarkHash;
    starknet_types_core::hash::Poseidon::hash_array(words)
}

#[test]
fn a_proof_of_another_program_stating_a_true_decision_is_refused_for_its_program() {
    let decision =
        statement(metrics(6500, 3500, 1, 98, 800), metrics(8200, 6100, 2, 72, 120), 850, 1210, ModelParams::v1());
    let proof = prove_impostor(&decision.to_felts());
    // The proof is sound and its output is a consistent decision under a correctly hashed model...
    let verified = StoneVerifier::new(96).verify_json(&proof).unwrap();
    assert_eq!(verified.output, decision.to_felts());
    assert!(DecisionStatement::from_felts(&verified.output).unwrap().is_consistent());
    cpu_air_verifier(&proof).unwrap();
    // ...and still refused, by its program hash alone.
    let programs = RiskPrograms {
        cairo: program::program_hash().unwrap(),
        stwo_air: ProgramHash::new(Felt::ONE),
        bootloader: None,
    };
    let use_case = VerifyProof::new(
        vec![Arc::new(StoneVerifier::new(96))],
        SecurityLevel { conjectured_bits: 96, provable_bits: 0 },
        programs,
    );
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let error = runtime.block_on(use_case.verify(ProofSystem::Stone, proof.as_bytes())).unwrap_err().to_string();
    assert!(error.contains("a proof of another program is refused"), "{error}");
    // The same decision proven by the risk program (the shared proof) passes the same use case.
    assert_eq!(decision, first_decision());
    let ours = risk_proof();
    assert_eq!(runtime.block_on(use_case.verify(ProofSystem::Stone, ours.as_bytes())).unwrap().statement, decision);
}

/// Every kind of element of `json` altered alone, and its last output word changed: both verifiers refuse each.
fn both_refuse_every_alteration(json: &str, last_layer: usize) {
    let verifier = StoneVerifier::new(0);
    for kind in starkrisk_stone::testing::alterations(last_layer) {
        let kind: Vec<&str> = kind.iter().map(String::as_str).collect();
        let altered = starkrisk_stone::testing::with_annotation_changed(json, &kind);
        assert!(verifier.verify_json(&altered).is_err(), "starkrisk verified a proof with {kind:?} altered");
        assert!(cpu_air_verifier(&altered).is_err(), "cpu_air_verifier accepted a proof with {kind:?} altered");
    }
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    let cells = value["public_input"]["public_memory"].as_array_mut().unwrap();
    let last = cells.iter_mut().max_by_key(|c| c["address"].as_u64().unwrap()).unwrap();
    last["value"] = serde_json::Value::String("0x2711".into());
    let output = serde_json::to_string(&value).unwrap();
    assert!(verifier.verify_json(&output).is_err(), "starkrisk verified a proof with its output changed");
    assert!(cpu_air_verifier(&output).is_err(), "cpu_air_verifier accepted a proof with its output changed");
}

#[test]
fn both_verifiers_refuse_every_altered_proof_of_ours_and_of_integritys_example() {
    // Our proof's fri_step_list is [0, 4, 4, 3]: three inner layers; the example's has four.
    both_refuse_every_alteration(risk_proof(), 3);
    let example =
        std::fs::read_to_string(starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE)).unwrap();
    cpu_air_verifier(&example).unwrap();
    both_refuse_every_alteration(&example, 4);
}

#[test]
fn our_proof_goes_through_integritys_split_flow_and_an_altered_merkle_path_is_refused() {
    use starkrisk_stone::split::SplitProof;
    use starkrisk_stone::split::replay::SplitJobs;
    let split = SplitProof::verify(&StoneProof::parse(risk_proof()).unwrap().parsed).unwrap();
    assert_eq!(split.steps(), 3, "one step per inner FRI layer");
    let (config, job) = (VerifierConfig::starkrisk(), Felt::from(7u8));
    let mut jobs = SplitJobs::default();
    assert_eq!(jobs.initial(&split.initial_calldata(job, &config).unwrap(), &split, &config).unwrap(), 3);
    for step in 0..split.steps() {
        jobs.step(&split.step_calldata(job, step).unwrap()).unwrap();
    }
    jobs.finalize(&split.final_calldata(job)).unwrap();
    let altered =
        starkrisk_stone::testing::with_annotation_changed(risk_proof(), &["FRI/Decommitment/Layer 2", "Hash("]);
    let reason = SplitProof::verify(&StoneProof::parse(&altered).unwrap().parsed).unwrap_err().to_string();
    assert!(reason.contains("Merkle"), "{reason}");
}
