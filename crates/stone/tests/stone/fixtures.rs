//! The shared Stone fixtures: in-process verification, Integrity's hashes, tamper refusal, and calldata
//! byte for byte against Integrity's own serializer; and the suite's proofs shared between test binaries.

use starkrisk_domain::{Felt, VerifierConfig};
use starkrisk_stone::calldata::{proof_calldata, register_calldata};
use starkrisk_stone::{StoneError, StoneProof, StoneVerifier};

fn read(name: &str) -> String {
    std::fs::read_to_string(starkrisk_stone::testing::stone(name)).unwrap()
}

use starkrisk_stone::testing::{RECURSIVE, with_annotation_changed};
const STONE5: &str = "recursive/cairo1_stone5_keccak_160_lsb_example_proof.json";
const SMALL: &str = "small/cairo0_stone6_keccak_160_lsb_example_proof.json";

fn expected() -> serde_json::Value {
    let all: serde_json::Value = serde_json::from_str(&read("expected.json")).unwrap();
    all[RECURSIVE].clone()
}

fn hex(v: &serde_json::Value) -> Felt {
    Felt::from_hex(v.as_str().unwrap()).unwrap()
}

#[test]
fn the_recursive_fixture_verifies_with_the_recorded_hashes() {
    let e = expected();
    let verified = StoneVerifier::new(50).verify_json(&read(RECURSIVE)).unwrap();
    assert_eq!(verified.program_hash.felt(), hex(&e["program_hash"]));
    let outputs: Vec<Felt> = e["outputs"].as_array().unwrap().iter().map(hex).collect();
    assert_eq!(verified.output, outputs);
    assert_eq!(verified.output_hash.felt(), hex(&e["output_hash"]));
    assert_eq!(verified.fact_hash.felt(), hex(&e["fact_hash"]));
    assert_eq!(u64::from(verified.security_bits), e["security_bits"].as_u64().unwrap());
}

#[test]
fn proofs_below_the_security_floor_are_refused() {
    let error = StoneVerifier::new(96).verify_json(&read(RECURSIVE)).unwrap_err();
    assert!(matches!(error, StoneError::InsufficientSecurity { actual: 60, required: 96 }), "{error}");
}

#[test]
fn other_layouts_and_versions_are_refused_clearly() {
    let small = StoneVerifier::new(0).verify_json(&read(SMALL)).unwrap_err();
    assert!(small.to_string().contains("layout `small`"), "{small}");
    let stone5 = StoneVerifier::new(0).verify_json(&read(STONE5)).unwrap_err();
    assert!(matches!(stone5, StoneError::Rejected(_)), "{stone5}");
    assert!(stone5.to_string().contains("recursive/keccak_160_lsb/stone6"), "{stone5}");
}

/// The fixture with the value at JSON pointer `key` changed.
fn tamper(json: &str, key: &str, change: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    change(value.pointer_mut(key).unwrap_or_else(|| panic!("no {key} in the fixture")));
    serde_json::to_string(&value).unwrap()
}

#[test]
fn a_tampered_output_or_witness_is_refused() {
    let json = read(RECURSIVE);
    let verifier = StoneVerifier::new(0);
    // The last public memory cell is the program's last output word.
    let output = tamper(&json, "/public_input/public_memory", |memory| {
        let cells = memory.as_array_mut().unwrap();
        let last = cells.last_mut().unwrap();
        last["value"] = serde_json::Value::String("0x2711".into());
    });
    assert!(matches!(verifier.verify_json(&output), Err(StoneError::Rejected(_) | StoneError::Malformed(_))));
    // The verifier reads the proof from its annotations: flip one digit of a FRI leaf value.
    let witness = with_annotation_changed(&json, &["FRI/Decommitment", "Field Element("]);
    assert!(verifier.verify_json(&witness).is_err(), "a flipped witness digit must not verify");
}

#[test]
fn every_kind_of_proof_element_altered_is_refused() {
    let json = read(RECURSIVE);
    let verifier = StoneVerifier::new(0);
    for kind in starkrisk_stone::testing::alterations(4) {
        let kind: Vec<&str> = kind.iter().map(String::as_str).collect();
        let altered = with_annotation_changed(&json, &kind);
        assert!(verifier.verify_json(&altered).is_err(), "a proof with {kind:?} altered verified");
    }
}

fn reference_calldata(name: &str) -> Vec<Felt> {
    let text = read(&name.replace(".json", ".calldata.txt"));
    text.split_whitespace().map(|d| Felt::from_dec_str(d).unwrap()).collect()
}

#[test]
fn the_serializer_reproduces_integritys_calldata_for_every_fixture() {
    for name in [RECURSIVE, STONE5, SMALL] {
        let proof = StoneProof::parse(&read(name)).unwrap();
        let ours = proof_calldata(&proof.parsed).unwrap();
        let reference = reference_calldata(name);
        assert_eq!(ours.len(), reference.len(), "{name}: length");
        if let Some(i) = ours.iter().zip(&reference).position(|(a, b)| a != b) {
            panic!("{name}: felt {i} differs: ours {:#x}, Integrity's {:#x}", ours[i], reference[i]);
        }
        let text: Vec<String> = ours.iter().map(|f| f.to_string()).collect();
        assert_eq!(text.join(" "), read(&name.replace(".json", ".calldata.txt")).trim(), "{name}: text");
    }
}

#[test]
fn the_register_calldata_starts_with_the_verifier_configuration() {
    let proof = StoneProof::parse(&read(RECURSIVE)).unwrap();
    let calldata = register_calldata(&VerifierConfig::starkrisk(), &proof.parsed).unwrap();
    assert_eq!(&calldata[..4], &VerifierConfig::starkrisk().to_felts().unwrap());
    assert_eq!(&calldata[4..], &reference_calldata(RECURSIVE)[..]);
}

#[test]
fn public_memory_pages_the_proof_does_not_cover_are_refused() {
    // swiftness drops continuous pages when it converts a proof, so a page added to the fixture's public
    // input would verify unread; Integrity's recursive layout refuses any.
    let mut value: serde_json::Value = serde_json::from_str(&read(RECURSIVE)).unwrap();
    let memory = value["public_input"]["public_memory"].as_array_mut().unwrap();
    memory.push(serde_json::json!({"address": 60000, "page": 1, "value": "0x2a"}));
    let json = serde_json::to_string(&value).unwrap();
    let error = StoneVerifier::new(50).verify_json(&json).unwrap_err();
    assert!(matches!(error, StoneError::Rejected(_)), "{error:?}");
    assert!(error.to_string().contains("1 public memory pages besides the main page"), "{error}");
}

#[test]
fn a_shared_proof_is_made_once_per_run_and_statement_and_read_back_after() {
    use starkrisk_stone::testing::shared::made_once_in;
    let run = tempfile::tempdir().unwrap();
    let made = std::cell::Cell::new(0);
    let make = |proof: &str| {
        made.set(made.get() + 1);
        proof.to_string()
    };
    let words = [Felt::ONE, Felt::TWO];
    assert_eq!(made_once_in(run.path(), "risk", &words, || make("first")), "first");
    assert_eq!(made_once_in(run.path(), "risk", &words, || make("second")), "first", "read back, not made again");
    assert_eq!(made.get(), 1);
    // Another statement or another kind of proof is another proof, and a new run starts empty.
    assert_eq!(made_once_in(run.path(), "risk", &[Felt::ONE], || make("other statement")), "other statement");
    assert_eq!(made_once_in(run.path(), "impostor", &words, || make("impostor")), "impostor");
    let next = tempfile::tempdir().unwrap();
    assert_eq!(made_once_in(next.path(), "risk", &words, || make("next run")), "next run");
    assert_eq!(made.get(), 4);
    let left: Vec<String> =
        std::fs::read_dir(run.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|name| !name.ends_with(".partial")), "{left:?}");
    assert_eq!(left.iter().filter(|name| name.ends_with(".json")).count(), 3, "{left:?}");
}
