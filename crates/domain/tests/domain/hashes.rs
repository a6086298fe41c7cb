//! Model hash, Integrity's Poseidon hashes (against the Stone fixtures), felts and the statement encoding.

use std::path::PathBuf;

use starkrisk_domain::*;

/// The shared fixtures: `STARKRISK_FIXTURES` or `../shared/fixtures` beside the project.
fn fixtures() -> PathBuf {
    let dir = std::env::var_os("STARKRISK_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"));
    assert!(
        dir.is_dir(),
        "Stone fixtures not found at {}; set STARKRISK_FIXTURES to the shared fixtures folder",
        dir.display()
    );
    dir
}

fn expected() -> serde_json::Value {
    let path = fixtures().join("stone/expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let all: serde_json::Value = serde_json::from_str(&text).unwrap();
    all["recursive/cairo0_stone6_keccak_160_lsb_example_proof.json"].clone()
}

fn felt(v: &serde_json::Value) -> Felt {
    Felt::from_hex(v.as_str().unwrap()).unwrap()
}

#[test]
fn integrity_hashes_match_the_fixture() {
    let e = expected();
    let program = ProgramHash::new(felt(&e["program_hash"]));
    let outputs: Vec<Felt> = e["outputs"].as_array().unwrap().iter().map(felt).collect();
    let output = OutputHash::of_output(&outputs);
    assert_eq!(output.felt(), felt(&e["output_hash"]));
    let fact = FactHash::compute(program, output);
    assert_eq!(fact.felt(), felt(&e["fact_hash"]));

    let names: Vec<&str> = e["verifier_config"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let config = VerifierConfig::new(names[0], names[1], names[2], names[3]);
    assert_eq!(config, VerifierConfig::starkrisk());
    assert_eq!(config.hash().unwrap(), felt(&e["verifier_config_hash"]));
    let bits = u32::try_from(e["security_bits"].as_u64().unwrap()).unwrap();
    let verification = VerificationHash::compute(fact, &config, bits).unwrap();
    assert_eq!(verification.felt(), felt(&e["verification_hash"]));
    // Changing any input changes the hash.
    assert_ne!(VerificationHash::compute(fact, &config, bits + 1).unwrap(), verification);
}

#[test]
fn short_strings_round_trip_and_reject_long_text() {
    let f = short_string("layout", "recursive").unwrap();
    assert_eq!(f, Felt::from_hex("0x726563757273697665").unwrap());
    assert_eq!(decode_short_string(&f).as_deref(), Some("recursive"));
    assert!(short_string("layout", &"x".repeat(32)).is_err());
    assert_eq!(decode_short_string(&Felt::from(1u8)), None);
}

#[test]
fn model_hash_is_reduced_into_the_field_and_binds_every_input() {
    // P itself reduces to zero: from_bytes_be reduces modulo the Stark prime, not 2^251.
    let p = parse_felt("p", "0x800000000000011000000000000000000000000000000000000000000000001");
    assert!(p.is_err(), "P is not a canonical felt");
    let mut bytes = [0u8; 32];
    bytes[0] = 0x08;
    bytes[7] = 0x11;
    bytes[31] = 0x01;
    assert_eq!(Felt::from_bytes_be(&bytes), Felt::ZERO);
    // (2^256 - 1) mod P, computed independently.
    let reduced = Felt::from_hex("0x7fffffffffffdf0ffffffffffffffffffffffffffffffffffffffffffffffe0").unwrap();
    assert_eq!(Felt::from_bytes_be(&[0xff; 32]), reduced);

    let program = ProgramHash::new(Felt::from(7u8));
    let base = ModelHash::compute(ModelVersion::V1, &ModelParams::v1(), program);
    assert_eq!(base, ModelHash::compute(ModelVersion::V1, &ModelParams::v1(), program));
    assert_ne!(base, ModelHash::compute(ModelVersion::new(2).unwrap(), &ModelParams::v1(), program));
    assert_ne!(base, ModelHash::compute(ModelVersion::V1, &ModelParams::v1(), ProgramHash::new(Felt::from(8u8))));
    let defaults = ModelParams::v1().to_array().map(|v| u32::try_from(v).unwrap());
    for i in 0..11 {
        let mut values = defaults;
        values[i] += 1;
        let raw = RawModelParams::from_array(values);
        let params = ModelParams::new(raw).unwrap();
        assert_ne!(base, ModelHash::compute(ModelVersion::V1, &params, program), "param {i} is not bound");
    }
}

#[test]
fn felt_ids_parse_and_print_hex() {
    let fact: FactHash = "0x1e69a6f91b41e77c283fde3bdda3d31e624b4535e541fd122bb0408e1ab6dec".parse().unwrap();
    assert_eq!(fact.to_string(), "0x1e69a6f91b41e77c283fde3bdda3d31e624b4535e541fd122bb0408e1ab6dec");
    assert_eq!(serde_json::to_string(&fact).unwrap(), format!("\"{fact}\""));
    let error = TxHash::parse("12ab").unwrap_err();
    assert_eq!(error.field, "tx_hash");
    assert_eq!(FactHash::parse("0xzz").unwrap_err().field, "fact_hash");
    assert!(FactHash::parse(&format!("0x{}", "f".repeat(64))).is_err(), "values above P are refused");
}

fn example_statement() -> DecisionStatement {
    let snapshot = MarketSnapshot::new(
        ProtocolMetrics::from_parts(6500, 3500, 1, 98, 800).unwrap(),
        ProtocolMetrics::from_parts(8200, 6100, 2, 72, 120).unwrap(),
        Apy::new(850).unwrap(),
        Apy::new(1210).unwrap(),
    )
    .unwrap();
    let hash = ModelHash::compute(ModelVersion::V1, &ModelParams::v1(), ProgramHash::new(Felt::ONE));
    DecisionStatement::compute(ModelVersion::V1, hash, ModelParams::v1(), snapshot).0
}

#[test]
fn the_statement_round_trips_through_felts() {
    let statement = example_statement();
    let felts = statement.to_felts();
    assert_eq!(felts.len(), STATEMENT_LEN);
    assert_eq!(felts[0], statement.model_hash.felt());
    assert_eq!(felts[1], Felt::ONE, "the model version follows the model hash");
    assert_eq!(&felts[25..29], &[35u64, 75, 5972, 4028].map(Felt::from));
    assert_eq!(&felts[29..], &[Felt::ZERO, Felt::ZERO], "supplied metrics name no snapshot");
    assert_eq!(DecisionStatement::from_felts(&felts).unwrap(), statement);
    assert!(statement.is_consistent());

    let hash = SnapshotHash::new(Felt::from_hex("0x7ab1e5").unwrap());
    let chained = statement.with_provenance(Provenance { block_number: u64::MAX, snapshot_hash: hash });
    let felts = chained.to_felts();
    assert_eq!(&felts[29..], &[Felt::from(u64::MAX), hash.felt()]);
    assert_eq!(DecisionStatement::from_felts(&felts).unwrap(), chained);
    assert!(chained.is_consistent());
    assert_eq!(chained.request_digest(), statement.request_digest(), "an approval signs the model's inputs");
    assert_eq!(statement.first_difference(&chained), Some("snapshot_block"));
    let mut beyond = felts.clone();
    beyond[29] = Felt::from(u64::MAX) + Felt::ONE;
    assert_eq!(DecisionStatement::from_felts(&beyond).unwrap_err().field, "snapshot_block");
}

#[test]
fn a_changed_statement_names_its_first_difference() {
    let statement = example_statement();
    for (i, name) in STATEMENT_FIELDS.iter().enumerate().skip(1) {
        let mut felts = statement.to_felts();
        felts[i] += Felt::ONE;
        match DecisionStatement::from_felts(&felts) {
            Ok(other) => assert_eq!(statement.first_difference(&other), Some(*name)),
            // The two shares are checked together, so a bumped share may be reported under either.
            Err(e) if name.ends_with("_pct") => assert!(e.field.ends_with("_pct"), "{name}: {e}"),
            Err(e) => assert!(e.field.starts_with(name.split('.').next().unwrap()), "{name}: {e}"),
        }
    }
    let mut felts = statement.to_felts();
    felts[27] = Felt::from(9000u32);
    assert_eq!(DecisionStatement::from_felts(&felts).unwrap_err().field, "ekubo_pct");
    felts[1] = Felt::ZERO;
    assert_eq!(DecisionStatement::from_felts(&felts).unwrap_err().field, "model_version");
    felts.pop();
    assert_eq!(DecisionStatement::from_felts(&felts).unwrap_err().field, "public_output");
}

#[test]
fn an_inconsistent_statement_is_detected() {
    let mut statement = example_statement();
    statement.jediswap_risk = RiskScore::new(36).unwrap();
    assert!(!statement.is_consistent());
}

#[test]
fn a_statement_recomputes_its_own_model_hash() {
    let statement = example_statement();
    assert_eq!(statement.expected_model_hash(ProgramHash::new(Felt::ONE)), statement.model_hash);
    assert_ne!(statement.expected_model_hash(ProgramHash::new(Felt::TWO)), statement.model_hash);
    let mut later = statement;
    later.model_version = ModelVersion::new(2).unwrap();
    assert_ne!(later.expected_model_hash(ProgramHash::new(Felt::ONE)), statement.model_hash);
}

#[test]
fn a_felt_is_read_in_every_shape_its_pattern_declares_and_nothing_else() {
    let pattern = starkrisk_domain::FELT_HEX_PATTERN;
    assert_eq!(pattern, "^0[xX][0-9a-fA-F]{1,64}$", "the pattern the API declares for felts");
    for (text, value) in [
        ("0x0", 0u64),
        ("0X0", 0),
        ("0Xff", 255),
        ("0x00000000000000000000000000000000000000000000000000000000000000aB", 171),
    ] {
        assert_eq!(parse_felt("f", text).unwrap(), Felt::from(value), "{text}");
    }
    for text in ["", "0x", "ff", "0xg", "0x 1", "0x1_0", &format!("0x{}", "1".repeat(65))] {
        assert!(parse_felt("f", text).is_err(), "{text:?} does not match {pattern}");
    }
}
