//! Prove → verify over the model's vectors and random valid inputs: the decoded public output is what
//! the domain itself computes.

use proptest::prelude::*;
use starkrisk_domain::strategies::{any_params, any_snapshot};
use starkrisk_domain::*;
use starkrisk_stwo::{ProofEnvelope, SecurityParams, StwoError, prove, verify};

fn hash(n: u64) -> ModelHash {
    ModelHash::new(Felt::from(n))
}

/// Proves, encodes, decodes and verifies; returns the statement the proof states.
fn round_trip(statement: &DecisionStatement) -> DecisionStatement {
    let envelope = prove(statement, SecurityParams::DEFAULT).unwrap();
    let decoded = ProofEnvelope::from_bytes(&envelope.to_bytes()).unwrap();
    verify(&decoded, 96).unwrap();
    decoded.statement
}

fn metrics(m: [u64; 5]) -> ProtocolMetrics {
    ProtocolMetrics::from_parts(m[0], m[1], m[2], m[3], m[4]).unwrap()
}

#[test]
fn the_risk_vectors_prove_with_the_documented_scores() {
    let vectors = [
        ([6500, 3500, 1, 98, 800], 35),
        ([8200, 6100, 2, 72, 120], 75),
        ([0, 0, 0, 100, 10000], 5),
        ([10000, 10000, 3, 0, 0], 95),
    ];
    for (j, (jm, jr)) in vectors.iter().enumerate() {
        let (em, er) = vectors[(j + 1) % vectors.len()];
        let snapshot =
            MarketSnapshot::new(metrics(*jm), metrics(em), Apy::new(850).unwrap(), Apy::new(1210).unwrap()).unwrap();
        let (statement, _) = DecisionStatement::compute(ModelVersion::V1, hash(7), ModelParams::v1(), snapshot);
        let proven = round_trip(&statement);
        assert_eq!(proven, statement);
        assert_eq!((proven.jediswap_risk.get(), proven.ekubo_risk.get()), (*jr, er));
    }
}

#[test]
fn the_worked_example_proves_its_5972_4028_split() {
    let proven = round_trip(&examples::statement());
    assert_eq!((proven.allocation.jediswap().get(), proven.allocation.ekubo().get()), (5972, 4028));
}

#[test]
fn the_extremes_of_every_range_prove() {
    let max = ModelParams::new(RawModelParams::from_array([
        1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1_000_000, 0, 100,
    ]))
    .unwrap();
    let min = ModelParams::new(RawModelParams::from_array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])).unwrap();
    let oldest = metrics([10000, 10000, 3, 0, 1_000_000]);
    let newest = metrics([10000, 10000, 3, 0, 0]);
    let safest = metrics([0, 0, 0, 100, 0]);
    let apy = |v| Apy::new(v).unwrap();
    for params in [max, min, ModelParams::v1()] {
        for (j, e, aj, ae) in [
            (newest, safest, Apy::MAX, Apy::MAX),
            (oldest, newest, 0, 1),
            (safest, oldest, 1, 0),
            (newest, newest, Apy::MAX, 1),
        ] {
            let snapshot = MarketSnapshot::new(j, e, apy(aj), apy(ae)).unwrap();
            let (statement, _) = DecisionStatement::compute(ModelVersion::V1, hash(1), params, snapshot);
            assert_eq!(round_trip(&statement), statement);
        }
    }
}

#[test]
fn a_statement_the_model_does_not_compute_is_not_proven() {
    let mut statement = examples::statement();
    statement.allocation = Allocation::from_jediswap_share(Bps::new(5973).unwrap());
    match prove(&statement, SecurityParams::DEFAULT) {
        Err(StwoError::FalseStatement(broken)) => {
            assert!(broken.iter().any(|b| b.contains("JediSwap's share is the floor quotient")), "{broken:?}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_valid_decisions_prove_and_decode_to_the_domains_numbers(
        snapshot in any_snapshot(),
        params in any_params(),
        model in any::<u64>(),
    ) {
        let (statement, assessment) = DecisionStatement::compute(ModelVersion::V1, hash(model), params, snapshot);
        let proven = round_trip(&statement);
        prop_assert_eq!(proven, statement);
        prop_assert_eq!(proven.jediswap_risk, assessment.jediswap.risk);
        prop_assert_eq!(proven.ekubo_risk, assessment.ekubo.risk);
        prop_assert_eq!(proven.allocation, assessment.allocation());
    }
}
