//! Properties of the model, the allocation rule and the FRI rule over their whole input space.

use proptest::prelude::*;
use starkrisk_domain::strategies::{any_metrics, any_params, any_snapshot};
use starkrisk_domain::*;

proptest! {
    #[test]
    fn risk_stays_within_the_clamps(m in any_metrics(), params in any_params()) {
        let risk = risk_score(&m, &params).get();
        let p = params.values();
        prop_assert!(p.clamp_min <= risk && risk <= p.clamp_max, "{risk} outside [{}, {}]", p.clamp_min, p.clamp_max);
    }

    #[test]
    fn shares_always_sum_to_10000(snapshot in any_snapshot(), params in any_params()) {
        let a = assess(&snapshot, &params).allocation();
        prop_assert_eq!(a.jediswap().get() + a.ekubo().get(), 10_000);
    }

    #[test]
    fn more_utilization_never_lowers_risk(m in any_metrics(), params in any_params(), extra in 0u64..=10_000) {
        let [u, v, l, a, d] = m.to_array();
        let higher = ProtocolMetrics::from_parts((u + extra).min(10_000), v, l, a, d).unwrap();
        prop_assert!(risk_score(&higher, &params) >= risk_score(&m, &params));
    }

    #[test]
    fn more_volatility_never_lowers_risk(m in any_metrics(), params in any_params(), extra in 0u64..=10_000) {
        let [u, v, l, a, d] = m.to_array();
        let higher = ProtocolMetrics::from_parts(u, (v + extra).min(10_000), l, a, d).unwrap();
        prop_assert!(risk_score(&higher, &params) >= risk_score(&m, &params));
    }

    #[test]
    fn the_statement_round_trips(snapshot in any_snapshot(), params in any_params(), hash in any::<[u8; 32]>()) {
        let (statement, _) = DecisionStatement::compute(ModelVersion::V1, ModelHash::new(Felt::from_bytes_be(&hash)), params, snapshot);
        prop_assert!(statement.is_consistent());
        prop_assert_eq!(DecisionStatement::from_felts(&statement.to_felts()).unwrap(), statement);
    }

    #[test]
    fn the_fri_invariant_holds(
        log_steps in 9u32..=26, log_last in 0u32..=12, queries in 1u32..=64, pow in 0u32..=32, cosets in 1u32..=4,
    ) {
        let n_steps = 1u64 << log_steps;
        let last = 1u64 << log_last;
        let fri = FriParameters::for_trace(n_steps, last, queries, pow, cosets).unwrap();
        let sum: u32 = fri.fri_step_list.iter().sum();
        // The degree bound is the trace's rows (16 per step), whatever the blowup.
        prop_assert_eq!(log_last + sum, log_steps + 4);
        prop_assert_eq!(fri.fri_step_list[0], 0);
        prop_assert!(fri.fri_step_list[1..].iter().all(|s| (1..=4).contains(s)));
        prop_assert_eq!(fri.log_n_cosets, cosets);
        prop_assert_eq!(fri.security_bits(), queries * cosets + pow);
    }

    #[test]
    fn fri_refuses_bad_step_counts(n in 0u64..(1 << 27)) {
        let result = FriParameters::for_trace(n, 128, 18, 24, 4);
        prop_assert_eq!(result.is_ok(), n.is_power_of_two() && n >= 512);
    }
}

#[test]
fn fri_exhaustive_over_every_valid_trace_length() {
    for log_steps in 9..=26u32 {
        for log_last in 0..=(log_steps + 4) {
            let fri = FriParameters::for_trace(1 << log_steps, 1 << log_last, 18, 24, 4).unwrap();
            assert_eq!(log_last + fri.fri_step_list.iter().sum::<u32>(), log_steps + 4);
        }
    }
}

#[test]
fn fri_matches_the_documented_examples() {
    assert_eq!(FriParameters::for_trace(65_536, 128, 18, 24, 4).unwrap().fri_step_list, vec![0, 4, 4, 4, 1]);
    // The shared cpu_air_params.json example: 8192 steps, last layer 128, blowup 2^2: 18 × 2 + 24 = 60 bits.
    let fixture = FriParameters::for_trace(8_192, 128, 18, 24, 2).unwrap();
    assert_eq!(fixture.fri_step_list, vec![0, 4, 4, 2]);
    assert_eq!(fixture.security_bits(), 60);
    assert_eq!(FriParameters::for_trace(1000, 128, 18, 24, 4), Err(FriError::StepsNotPowerOfTwo(1000)));
    assert_eq!(FriParameters::for_trace(256, 128, 18, 24, 4), Err(FriError::TooFewSteps(256)));
    assert!(matches!(FriParameters::for_trace(512, 1 << 14, 18, 24, 4), Err(FriError::LastLayerTooLarge { .. })));
    assert_eq!(FriParameters::for_trace(512, 100, 18, 24, 4), Err(FriError::LastLayerNotPowerOfTwo(100)));
}
