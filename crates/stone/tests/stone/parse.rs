//! starkrisk's Stone proof parser against swiftness' own: the same proof from every fixture, and a clear
//! error instead of a wrong proof or a panic when the JSON is not what Stone writes.

use serde_json::Value;
use starkrisk_stone::testing::{RECURSIVE, stone};
use starkrisk_stone::{StoneError, StoneProof};

const FIXTURES: [&str; 3] = [
    RECURSIVE,
    "recursive/cairo1_stone5_keccak_160_lsb_example_proof.json",
    "small/cairo0_stone6_keccak_160_lsb_example_proof.json",
];

fn read(name: &str) -> String {
    std::fs::read_to_string(stone(name)).unwrap()
}

fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(&read(RECURSIVE)).unwrap();
    edit(&mut value);
    serde_json::to_string(&value).unwrap()
}

/// The recursive fixture without the annotation lines that contain `text`.
fn without_lines(text: &str) -> String {
    edited(|v| v["annotations"].as_array_mut().unwrap().retain(|l| !l.as_str().unwrap().contains(text)))
}

fn malformed(json: &str) -> String {
    match StoneProof::parse(json) {
        Err(StoneError::Malformed(message)) => message,
        Err(other) => panic!("expected a malformed-proof error, got {other:?}"),
        Ok(_) => panic!("the edited proof parsed"),
    }
}

#[test]
fn every_fixture_parses_to_the_proof_swiftness_reads() {
    for name in FIXTURES {
        let json = read(name);
        let ours = StoneProof::parse(&json).unwrap().parsed;
        let theirs = swiftness_proof_parser::parse(&json).unwrap();
        assert_eq!(ours, theirs, "{name}");
    }
}

#[test]
fn a_changed_annotation_value_changes_the_parsed_proof() {
    // Equality above could hold for a parser that ignored the annotations; this one reads them.
    let json = starkrisk_stone::testing::with_annotation_changed(&read(RECURSIVE), &["Layer 2", "For node"]);
    let ours = StoneProof::parse(&json).unwrap().parsed;
    assert_eq!(ours, swiftness_proof_parser::parse(&json).unwrap());
    assert_ne!(ours, StoneProof::parse(&read(RECURSIVE)).unwrap().parsed);
}

#[test]
fn authentication_nodes_written_as_data_come_before_those_written_as_hashes() {
    // Stone may write a trace's authentication node as `Data`; swiftness reads those first.
    let json = edited(|v| {
        let lines = v["annotations"].as_array_mut().unwrap();
        let line = lines.iter_mut().rev().find(|l| l.as_str().unwrap().contains("Trace 0: For node")).unwrap();
        *line = Value::String(line.as_str().unwrap().replace(": Hash(", ": Data("));
    });
    let ours = StoneProof::parse(&json).unwrap().parsed;
    assert_eq!(ours, swiftness_proof_parser::parse(&json).unwrap());
    let original = StoneProof::parse(&read(RECURSIVE)).unwrap().parsed;
    assert_ne!(ours.witness.traces_witness, original.witness.traces_witness);
}

#[test]
fn a_proof_without_its_commitment_names_what_is_missing() {
    let json = without_lines("Original/Commit on Trace");
    assert!(malformed(&json).contains("original trace commitment"), "{}", malformed(&json));
}

#[test]
fn a_value_that_is_not_hex_names_its_annotation() {
    let json = edited(|v| {
        let lines = v["annotations"].as_array_mut().unwrap();
        let line = lines.iter_mut().find(|l| l.as_str().unwrap().contains("Proof of Work")).unwrap();
        *line = Value::String(line.as_str().unwrap().replace("Data(0x", "Data(0xzz"));
    });
    let message = malformed(&json);
    assert!(message.contains("Proof of Work") && message.contains("not hex"), "{message}");
}

#[test]
fn missing_interaction_elements_are_refused() {
    let json = without_lines("Interaction element #1");
    assert!(malformed(&json).contains("5 interaction elements"), "{}", malformed(&json));
}

#[test]
fn a_broken_public_memory_page_is_an_error_not_a_panic() {
    // swiftness' parser asserts both and panics.
    let with_pages = |cells: Value| {
        edited(|v| {
            let memory = v["public_input"]["public_memory"].as_array_mut().unwrap();
            memory.extend(cells.as_array().unwrap().iter().cloned());
        })
    };
    let gap = with_pages(serde_json::json!([
        {"address": 60000, "page": 1, "value": "0x1"},
        {"address": 60002, "page": 1, "value": "0x2"},
    ]));
    assert!(
        malformed(&gap).contains("page 1 of the public memory skips from address 60001 to 60002"),
        "{}",
        malformed(&gap)
    );
    let unnumbered = with_pages(serde_json::json!([{"address": 60000, "page": 2, "value": "0x1"}]));
    assert!(malformed(&unnumbered).contains("not numbered 1, 2"), "{}", malformed(&unnumbered));
    let fine = with_pages(serde_json::json!([
        {"address": 60000, "page": 1, "value": "0x1"},
        {"address": 60001, "page": 1, "value": "0x2"},
    ]));
    let ours = StoneProof::parse(&fine).unwrap().parsed;
    assert_eq!(ours.public_input.n_continuous_pages, 1);
    assert_eq!(ours, swiftness_proof_parser::parse(&fine).unwrap());
}

#[test]
fn an_unknown_segment_and_a_bad_memory_value_are_named() {
    let json = edited(|v| {
        let segments = v["public_input"]["memory_segments"].as_object_mut().unwrap();
        segments.insert("sha256".into(), serde_json::json!({"begin_addr": 1, "stop_ptr": 1}));
    });
    assert!(malformed(&json).contains("unknown segment `sha256`"), "{}", malformed(&json));
    let json = edited(|v| v["public_input"]["public_memory"][0]["value"] = Value::String("12".into()));
    assert!(malformed(&json).contains("public memory at address 1"), "{}", malformed(&json));
}

#[test]
fn text_that_is_not_a_proof_is_refused() {
    assert!(malformed("{\"annotations\": []}").contains("not a Stone proof"));
    assert!(malformed("[1, 2]").contains("not a Stone proof"));
}
