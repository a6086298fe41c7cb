//! Integrity's split flow on the shared fixture: the initial call against Integrity's reference calldata,
//! each step and the final call through the verifier contract's rules (state hashes, Serde decoding,
//! FRI arithmetic, Merkle decommitments), and every way a wrong or reordered call is refused.

use starkrisk_domain::{Felt, VerifierConfig};
use starkrisk_stone::split::SplitProof;
use starkrisk_stone::split::replay::SplitJobs;
use starkrisk_stone::split::state::FriStateConstant;
use starkrisk_stone::testing::{RECURSIVE, with_annotation_changed};
use starkrisk_stone::{StoneProof, StoneVerifier};

fn read(name: &str) -> String {
    std::fs::read_to_string(starkrisk_stone::testing::stone(name)).unwrap()
}

fn split() -> SplitProof {
    SplitProof::verify(&StoneProof::parse(&read(RECURSIVE)).unwrap().parsed).unwrap()
}

fn reference_calldata() -> Vec<Felt> {
    let text = read(&RECURSIVE.replace(".json", ".calldata.txt"));
    text.split_whitespace().map(|d| Felt::from_dec_str(d).unwrap()).collect()
}

const JOB: Felt = Felt::from_hex_unchecked("0x5eed");

#[test]
fn the_initial_call_is_integritys_calldata_with_the_fri_witness_moved_to_the_steps() {
    let split = split();
    // fri_step_list [0, 4, 4, 4, 1]: four inner layers, one step each.
    assert_eq!(split.steps(), 4);
    assert_eq!(split.constant.n_layers, 4);
    assert_eq!(split.constant.step_sizes, [4u8, 4, 4, 1].map(Felt::from));
    assert_eq!(split.last_layer_coefficients.len(), 128);
    // Integrity's calldata ends with the FRI witness array; the initial call sends it empty, and the
    // steps' witnesses, laid end to end, are exactly that array's elements.
    let reference = reference_calldata();
    let prefix = split.initial.len() - 1;
    assert_eq!(split.initial[..prefix], reference[..prefix]);
    assert_eq!(split.initial[prefix], Felt::ZERO);
    let mut moved = Vec::new();
    split.witnesses.iter().for_each(|w| w.write(&mut moved));
    assert_eq!(reference[prefix], Felt::from(moved.len()));
    assert_eq!(reference[prefix + 1..], moved[..]);
}

#[test]
fn the_whole_flow_passes_the_verifier_contracts_checks() {
    let split = split();
    let config = VerifierConfig::starkrisk();
    let mut jobs = SplitJobs::default();
    let initial = split.initial_calldata(JOB, &config).unwrap();
    assert_eq!(initial[0], JOB);
    assert_eq!(initial[1..5], config.to_felts().unwrap());
    assert_eq!(jobs.initial(&initial, &split, &config).unwrap(), 4);
    for step in 0..split.steps() {
        let left = jobs.step(&split.step_calldata(JOB, step).unwrap()).unwrap();
        assert_eq!(left as usize, split.steps() - step - 1);
    }
    assert!(split.step_calldata(JOB, split.steps()).is_none());
    jobs.finalize(&split.final_calldata(JOB)).unwrap();
    // The job is gone once finalized: nothing can be replayed against it.
    let again = jobs.finalize(&split.final_calldata(JOB)).unwrap_err();
    assert!(again.to_string().contains("No state"), "{again}");
}

fn started(split: &SplitProof) -> SplitJobs {
    let mut jobs = SplitJobs::default();
    let config = VerifierConfig::starkrisk();
    jobs.initial(&split.initial_calldata(JOB, &config).unwrap(), split, &config).unwrap();
    jobs
}

fn refusal(result: Result<u32, starkrisk_stone::StoneError>) -> String {
    result.expect_err("the contract must refuse this call").to_string()
}

#[test]
fn calls_out_of_order_or_repeated_are_refused() {
    let split = split();
    let config = VerifierConfig::starkrisk();
    let mut jobs = started(&split);
    let initial = split.initial_calldata(JOB, &config).unwrap();
    assert!(refusal(jobs.initial(&initial, &split, &config)).contains("job_id already exists"));
    assert!(refusal(jobs.step(&split.step_calldata(JOB, 1).unwrap())).contains("Invalid state (variable)"));
    assert!(jobs.finalize(&split.final_calldata(JOB)).unwrap_err().to_string().contains("Invalid state (variable)"));
    jobs.step(&split.step_calldata(JOB, 0).unwrap()).unwrap();
    assert!(refusal(jobs.step(&split.step_calldata(JOB, 0).unwrap())).contains("Invalid state (variable)"));
    // A job that never started: the FactRegistry knows no configuration for it.
    assert!(refusal(jobs.step(&split.step_calldata(Felt::from(7u8), 1).unwrap())).contains("Job id not found"));
    jobs.step(&split.step_calldata(JOB, 1).unwrap()).unwrap();
}

/// Where each part of a step's calldata starts: job id, constant state, variable state, witness.
fn step_parts(split: &SplitProof, step: usize) -> (usize, usize) {
    let mut constant = Vec::new();
    split.constant.write(&mut constant);
    let mut variable = Vec::new();
    split.states[step].write(&mut variable);
    (1 + constant.len(), 1 + constant.len() + variable.len())
}

#[test]
fn any_changed_felt_of_a_step_is_refused() {
    let split = split();
    let calldata = split.step_calldata(JOB, 0).unwrap();
    let (variable_at, witness_at) = step_parts(&split, 0);
    // Every felt of the constant and variable state (bound by the stored hashes) and a spread of the
    // witness (bound by the layer's Merkle root) — each changed alone.
    let witness_positions = (witness_at..calldata.len()).step_by(7);
    for at in (1..witness_at).chain(witness_positions) {
        let mut tampered = calldata.clone();
        tampered[at] += Felt::ONE;
        let reason = refusal(started(&split).step(&tampered));
        let expected = match at {
            _ if at < variable_at => ["Invalid state (constant)", "calldata", "items", "not a u32"],
            _ if at < witness_at => ["Invalid state (variable)", "calldata", "items", "not a u32"],
            _ => ["FRI layer 0", "calldata", "left over", "not a u32"],
        };
        assert!(expected.iter().any(|e| reason.contains(e)), "felt {at}: {reason}");
    }
}

#[test]
fn a_wrong_last_layer_or_trailing_felts_are_refused() {
    let split = split();
    let mut jobs = started(&split);
    for step in 0..split.steps() {
        jobs.step(&split.step_calldata(JOB, step).unwrap()).unwrap();
    }
    // One step too many: the state after the last layer with an empty witness.
    let mut extra = vec![JOB];
    split.constant.write(&mut extra);
    split.states[split.steps()].write(&mut extra);
    extra.extend([Felt::ZERO, Felt::ZERO]);
    assert!(refusal(jobs.step(&extra)).contains("only 4 inner layers"));
    let good = split.final_calldata(JOB);
    let mut wrong_coefficient = good.clone();
    *wrong_coefficient.last_mut().unwrap() += Felt::ONE;
    let reason = jobs.finalize(&wrong_coefficient).unwrap_err().to_string();
    assert!(reason.contains("last layer coefficients"), "{reason}");
    let mut trailing = good.clone();
    trailing.push(Felt::ONE);
    assert!(jobs.finalize(&trailing).unwrap_err().to_string().contains("left over"));
    jobs.finalize(&good).unwrap();
}

#[test]
fn a_constant_state_reads_back_as_written() {
    let split = split();
    let mut felts = Vec::new();
    split.constant.write(&mut felts);
    let mut reader = starkrisk_stone::split::state::FeltReader::new(&felts);
    assert_eq!(FriStateConstant::read(&mut reader).unwrap(), split.constant);
    reader.finish("the constant state").unwrap();
    let mut short = starkrisk_stone::split::state::FeltReader::new(&felts[..felts.len() - 1]);
    assert!(FriStateConstant::read(&mut short).unwrap_err().to_string().contains("last_layer_coefficients_hash"));
}

#[test]
fn an_altered_fri_layer_merkle_path_is_refused() {
    let json = with_annotation_changed(&read(RECURSIVE), &["FRI/Decommitment/Layer 2", "Hash("]);
    let parsed = StoneProof::parse(&json).unwrap().parsed;
    let reason = SplitProof::verify(&parsed).unwrap_err().to_string();
    assert!(reason.contains("FRI layer 1") && reason.contains("Merkle"), "{reason}");
    // The in-process verifier checks the same: Integrity would refuse this proof.
    let reason = StoneVerifier::new(0).verify_json(&json).unwrap_err().to_string();
    assert!(reason.contains("Merkle"), "{reason}");
}
