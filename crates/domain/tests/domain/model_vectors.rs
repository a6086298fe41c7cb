//! The vectors and the allocation example of docs/risk-model.md, and the validation rules.

use starkrisk_domain::allocation_terms;
use starkrisk_domain::risk_terms;
use starkrisk_domain::*;

fn metrics(u: u64, v: u64, l: u64, a: u64, d: u64) -> ProtocolMetrics {
    ProtocolMetrics::from_parts(u, v, l, a, d).unwrap()
}

#[test]
fn the_four_vectors_give_their_risks() {
    let params = ModelParams::v1();
    let cases = [
        ((6500, 3500, 1, 98, 800), 35, 35),
        ((8200, 6100, 2, 72, 120), 75, 75),
        ((0, 0, 0, 100, 10000), 5, 0),
        ((10000, 10000, 3, 0, 0), 95, 135),
    ];
    for ((u, v, l, a, d), risk, raw) in cases {
        let terms = risk_terms(&metrics(u, v, l, a, d), &params);
        assert_eq!(terms.risk.get(), risk, "risk of {:?}", (u, v, l, a, d));
        assert_eq!(terms.raw_score, raw, "raw score of {:?}", (u, v, l, a, d));
    }
}

#[test]
fn the_allocation_example_comes_out_exactly() {
    let snapshot = MarketSnapshot::new(
        metrics(6500, 3500, 1, 98, 800),
        metrics(8200, 6100, 2, 72, 120),
        Apy::new(850).unwrap(),
        Apy::new(1210).unwrap(),
    )
    .unwrap();
    let terms = allocation_terms(&snapshot, RiskScore::new(35).unwrap(), RiskScore::new(75).unwrap());
    assert_eq!(terms.s_jediswap, 236_111);
    assert_eq!(terms.s_ekubo, 159_210);
    assert_eq!(terms.allocation.jediswap().get(), 5972);
    assert_eq!(terms.allocation.ekubo().get(), 4028);

    let assessment = assess(&snapshot, &ModelParams::v1());
    assert_eq!(assessment.allocation(), terms.allocation);
    assert_eq!(assessment.risk(Protocol::JediSwap).get(), 35);
    assert_eq!(assessment.risk(Protocol::Ekubo).get(), 75);
}

#[test]
fn out_of_range_metrics_are_refused_naming_the_field() {
    let cases = [
        ((10001, 0, 0, 0, 0), "utilization"),
        ((0, 10001, 0, 0, 0), "volatility"),
        ((0, 0, 4, 0, 0), "liquidity"),
        ((0, 0, 0, 101, 0), "audit_score"),
        ((0, 0, 0, 0, 1_000_001), "age_days"),
    ];
    for ((u, v, l, a, d), field) in cases {
        let error = ProtocolMetrics::from_parts(u, v, l, a, d).unwrap_err();
        assert_eq!(error.field, field);
        assert!(error.reason.contains("allowed range"), "{}", error.reason);
    }
}

#[test]
fn client_json_is_validated_with_the_field_named() {
    let ok: ProtocolMetrics =
        serde_json::from_str(r#"{"utilization":6500,"volatility":3500,"liquidity":1,"audit_score":98,"age_days":800}"#)
            .unwrap();
    assert_eq!(ok, metrics(6500, 3500, 1, 98, 800));
    let bad = serde_json::from_str::<ProtocolMetrics>(
        r#"{"utilization":6500,"volatility":3500,"liquidity":9,"audit_score":98,"age_days":800}"#,
    )
    .unwrap_err();
    assert!(bad.to_string().contains("liquidity"), "{bad}");
    let unknown = serde_json::from_str::<ProtocolMetrics>(
        r#"{"utilization":1,"volatility":1,"liquidity":1,"audit_score":1,"age_days":1,"tvl":5}"#,
    )
    .unwrap_err();
    assert!(unknown.to_string().contains("tvl"), "{unknown}");
}

#[test]
fn model_params_are_validated() {
    let mut raw = *ModelParams::v1().values();
    raw.age_cap_days = 0;
    assert_eq!(ModelParams::new(raw).unwrap_err().field, "age_cap_days");
    let mut raw = *ModelParams::v1().values();
    raw.clamp_min = 96;
    assert_eq!(ModelParams::new(raw).unwrap_err().field, "clamp_min");
    let mut raw = *ModelParams::v1().values();
    raw.w_liquidity[2] = 5000;
    assert_eq!(ModelParams::new(raw).unwrap_err().field, "w_liquidity[2]");
    let mut raw = *ModelParams::v1().values();
    raw.clamp_max = 101;
    assert_eq!(ModelParams::new(raw).unwrap_err().field, "clamp_max");
}

#[test]
fn two_zero_apys_are_refused() {
    let m = metrics(1, 1, 1, 1, 1);
    let error = MarketSnapshot::new(m, m, Apy::new(0).unwrap(), Apy::new(0).unwrap()).unwrap_err();
    assert_eq!(error.field, "jediswap_apy");
}

#[test]
fn one_zero_apy_gives_everything_to_the_other() {
    let m = metrics(5000, 5000, 1, 90, 1000);
    let snapshot = MarketSnapshot::new(m, m, Apy::new(0).unwrap(), Apy::new(900).unwrap()).unwrap();
    let allocation = assess(&snapshot, &ModelParams::v1()).allocation();
    assert_eq!((allocation.jediswap().get(), allocation.ekubo().get()), (0, 10_000));
}

#[test]
fn governance_refuses_concentration_and_caps() {
    let policy = GovernancePolicy::new(Bps::new(8000).unwrap(), 2).unwrap();
    let even = Allocation::from_jediswap_share(Bps::new(5972).unwrap());
    assert!(policy.check(&even).is_ok());
    let capped = Allocation::from_jediswap_share(Bps::new(8001).unwrap());
    assert!(matches!(
        policy.check(&capped),
        Err(GovernanceViolation::ShareAboveCap { protocol: Protocol::JediSwap, .. })
    ));
    let loose = GovernancePolicy::new(Bps::FULL, 2).unwrap();
    let lopsided = Allocation::from_jediswap_share(Bps::new(9500).unwrap());
    assert!(matches!(
        loose.check(&lopsided),
        Err(GovernanceViolation::TooConcentrated { diversified: 1, required: 2 })
    ));
    assert!(GovernancePolicy::new(Bps::new(4000).unwrap(), 1).is_err());
    assert!(GovernancePolicy::new(Bps::FULL, 3).is_err());
}

#[test]
fn risk_categories_follow_the_replaced_system() {
    let category = |r| RiskScore::new(r).unwrap().category();
    assert_eq!(category(29), RiskCategory::Low);
    assert_eq!(category(30), RiskCategory::Medium);
    assert_eq!(category(69), RiskCategory::Medium);
    assert_eq!(category(70), RiskCategory::High);
    assert!(RiskScore::new(101).is_err());
}

#[test]
fn the_ready_made_example_is_the_documented_one() {
    assert_eq!(examples::JEDISWAP, metrics(6500, 3500, 1, 98, 800));
    assert_eq!(examples::EKUBO, metrics(8200, 6100, 2, 72, 120));
    let statement = examples::statement();
    assert_eq!((statement.jediswap_risk.get(), statement.ekubo_risk.get()), (35, 75));
    assert_eq!((statement.allocation.jediswap().get(), statement.allocation.ekubo().get()), (5972, 4028));
}
