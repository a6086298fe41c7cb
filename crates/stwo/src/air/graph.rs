//! The risk graph of docs/risk-model.md as AIR: both protocols' scores and the allocation, every operation
//! constrained. The statement's numbers are the constants of the constraints, so a proof made for one
//! statement fails against any other.

use starkrisk_domain::{DecisionStatement, ModelParams, Protocol, ProtocolMetrics};

use super::builder::{
    Air, big_constant, big_unsigned, big_value, bits_for, flag, floor_div, limbs_vanish, range_check,
};

/// Limbs of the allocation's big numbers: `s < 10^10 < 2^36` and `10000 * s < 2^48`, checked limb by limb.
const BIG_LIMBS: usize = 3;
/// Basis points in 100 %.
const BPS: u64 = 10_000;
/// Bits of a weighted term `x * w / 10000` with `x <= 10000` and `w <= 1000`: at most 1000.
const WEIGHTED_TERM_BITS: u32 = 10;
/// Bits of the audit term `(100 - audit) * w / 10 <= 10000`.
const AUDIT_TERM_BITS: u32 = 14;
/// Bits of an age or an age cap (at most 1,000,000 days).
const AGE_BITS: u32 = 20;
/// Bits of a distance between a raw score (at most 14,000) and a clamp bound.
const SCORE_BITS: u32 = 14;

/// Writes the whole decision into `air`.
pub(crate) fn decision<A: Air>(air: &mut A, statement: &DecisionStatement) {
    let params = &statement.params;
    let jediswap_risk = risk(air, statement.snapshot.metrics(Protocol::JediSwap), params);
    air.assert_zero(
        "JediSwap's risk is the stated one",
        air.sub(&jediswap_risk, &air.constant(statement.jediswap_risk.get().into())),
    );
    let ekubo_risk = risk(air, statement.snapshot.metrics(Protocol::Ekubo), params);
    air.assert_zero(
        "Ekubo's risk is the stated one",
        air.sub(&ekubo_risk, &air.constant(statement.ekubo_risk.get().into())),
    );
    allocation(air, statement);
}

/// One protocol's clamped score.
fn risk<A: Air>(air: &mut A, metrics: &ProtocolMetrics, params: &ModelParams) -> A::Expr {
    let p = params.values();
    // utilization * w <= 10^7 and 2^10 * 10^4 are far below the prime.
    let weighted = |air: &mut A, x: u32, w: u32, what| {
        let product = air.constant(u64::from(x) * u64::from(w));
        floor_div(air, what, &product, BPS, WEIGHTED_TERM_BITS)
    };
    let utilization = weighted(air, metrics.utilization().get(), p.w_utilization, "utilization term");
    let volatility = weighted(air, metrics.volatility().get(), p.w_volatility, "volatility term");
    let liquidity = liquidity_weight(air, metrics.liquidity().index(), &p.w_liquidity);
    let audit_points = air.constant(u64::from(100 - metrics.audit_score()) * u64::from(p.w_audit));
    let audit = floor_div(air, "audit term", &audit_points, 10, AUDIT_TERM_BITS);
    let age = age_term(air, metrics.age_days(), p.age_cap_days, p.w_age);
    let raw = [volatility, liquidity, audit, age].iter().fold(utilization, |sum, term| air.add(&sum, term));
    clamp(air, &raw, p.clamp_min.into(), p.clamp_max.into())
}

/// `w_liquidity[tier]`, looked up with one-hot selectors.
fn liquidity_weight<A: Air>(air: &mut A, tier: usize, weights: &[u32; 4]) -> A::Expr {
    let selectors: Vec<A::Expr> = (0..weights.len()).map(|i| flag(air, |_| i == tier)).collect();
    let ones = selectors.iter().fold(air.constant(0), |sum, s| air.add(&sum, s));
    air.assert_zero("exactly one liquidity tier is selected", air.sub(&ones, &air.constant(1)));
    let index =
        selectors.iter().enumerate().fold(air.constant(0), |sum, (i, s)| air.add(&sum, &air.scale(s, i as u64)));
    air.assert_zero("the selected tier is the stated one", air.sub(&index, &air.constant(tier as u64)));
    selectors.iter().zip(weights).fold(air.constant(0), |sum, (s, w)| air.add(&sum, &air.scale(s, (*w).into())))
}

/// `(cap - age) * w / cap` while younger than the cap, else 0; the branch is a proven comparison.
fn age_term<A: Air>(air: &mut A, age: u32, cap: u32, w_age: u32) -> A::Expr {
    let (age_c, cap_c) = (air.constant(age.into()), air.constant(cap.into()));
    let young = flag(air, |_| age < cap);
    let old = air.sub(&air.constant(1), &young);
    // young: cap - 1 - age >= 0; old: age - cap >= 0.
    let before_cap = air.sub(&air.sub(&cap_c, &air.constant(1)), &age_c);
    let past_cap = air.sub(&age_c, &cap_c);
    let distance = air.add(&air.mul(&young, &before_cap), &air.mul(&old, &past_cap));
    range_check(air, "the age branch matches age versus cap", &distance, AGE_BITS);
    let numerator = i128::from(cap.saturating_sub(age)) * i128::from(w_age);
    let divisor = i128::from(cap.max(1));
    // (cap - age) * w <= 10^9 and 2^10 * cap + cap stay below the prime.
    let term = super::builder::unsigned(air, WEIGHTED_TERM_BITS, |_| numerator / divisor);
    let remainder = super::builder::unsigned(air, AGE_BITS, |_| numerator % divisor);
    let slack = air.sub(&air.constant(u64::from(cap.saturating_sub(1))), &remainder);
    range_check(air, "the age remainder is below the cap", &slack, AGE_BITS);
    let years_left = air.scale(&air.sub(&cap_c, &age_c), w_age.into());
    let rebuilt = air.add(&air.scale(&term, cap.into()), &remainder);
    air.assert_zero("age term while younger than the cap", air.mul(&young, &air.sub(&years_left, &rebuilt)));
    air.assert_zero("no age term past the cap", air.mul(&old, &term));
    term
}

/// `clamp(raw, lo, hi)` with both comparisons proven.
fn clamp<A: Air>(air: &mut A, raw: &A::Expr, lo: u64, hi: u64) -> A::Expr {
    let (lo_c, hi_c, one) = (air.constant(lo), air.constant(hi), air.constant(1));
    let below = flag(air, |a| a.value(raw) < i128::from(lo));
    let above = flag(air, |a| a.value(raw) > i128::from(hi));
    let below_gap = air.sub(&air.sub(&lo_c, &one), raw);
    let at_or_above_lo = air.sub(raw, &lo_c);
    let d_lo = air.add(&air.mul(&below, &below_gap), &air.mul(&air.sub(&one, &below), &at_or_above_lo));
    range_check(air, "the low clamp matches the raw score", &d_lo, SCORE_BITS);
    let above_gap = air.sub(&air.sub(raw, &hi_c), &one);
    let at_or_below_hi = air.sub(&hi_c, raw);
    let d_hi = air.add(&air.mul(&above, &above_gap), &air.mul(&air.sub(&one, &above), &at_or_below_hi));
    range_check(air, "the high clamp matches the raw score", &d_hi, SCORE_BITS);
    let raised = air.mul(&below, &air.sub(&lo_c, raw));
    let lowered = air.mul(&above, &air.sub(&hi_c, raw));
    air.add(&air.add(raw, &raised), &lowered)
}

/// `s = apy * 10000 / (risk + 1)` for both protocols, then `jediswap = s_j * 10000 / (s_j + s_e)`.
fn allocation<A: Air>(air: &mut A, statement: &DecisionStatement) {
    let s_j = yield_per_risk(air, statement.snapshot.jediswap_apy.get(), statement.jediswap_risk.get());
    let s_e = yield_per_risk(air, statement.snapshot.ekubo_apy.get(), statement.ekubo_risk.get());
    let jediswap = u64::from(statement.allocation.jediswap().get());
    let ekubo = u64::from(statement.allocation.ekubo().get());
    air.assert_zero("the shares add up to 100 %", air.sub(&air.constant(jediswap + ekubo), &air.constant(BPS)));

    let total = |a: &A| big_value(a, &s_j) + big_value(a, &s_e);
    let remainder = big_unsigned(air, BIG_LIMBS, |a| big_value(a, &s_j) * i128::from(BPS) % total(a).max(1));
    let slack = big_unsigned(air, BIG_LIMBS, |a| total(a) - 1 - big_value(a, &remainder));
    // 10000 * s_j = jediswap * (s_j + s_e) + remainder; limbs below 2^27, carries below 2^17.
    let division: Vec<A::Expr> = (0..BIG_LIMBS)
        .map(|k| {
            let numerator = air.scale(&s_j[k], BPS);
            let share = air.scale(&air.add(&s_j[k], &s_e[k]), jediswap);
            air.sub(&air.sub(&numerator, &share), &remainder[k])
        })
        .collect();
    limbs_vanish(air, "JediSwap's share is the floor quotient", &division, 18);
    // remainder + slack + 1 = s_j + s_e, so the remainder is below the total.
    let one = big_constant(air, 1, BIG_LIMBS);
    let bound: Vec<A::Expr> = (0..BIG_LIMBS)
        .map(|k| {
            let total_k = air.add(&s_j[k], &s_e[k]);
            let used = air.add(&air.add(&remainder[k], &slack[k]), &one[k]);
            air.sub(&total_k, &used)
        })
        .collect();
    limbs_vanish(air, "the share's remainder is below the total", &bound, 4);
}

/// `apy * 10000 / (risk + 1)` as 12-bit limbs; the numerator (up to 10^10) exceeds the prime, so the
/// division identity is checked limb by limb.
fn yield_per_risk<A: Air>(air: &mut A, apy: u32, risk: u32) -> Vec<A::Expr> {
    let numerator = u64::from(apy) * BPS;
    let divisor = u64::from(risk) + 1;
    let quotient = big_unsigned(air, BIG_LIMBS, |_| i128::from(numerator / divisor));
    let r_bits = bits_for(divisor - 1);
    let remainder = super::builder::unsigned(air, r_bits, |_| i128::from(numerator % divisor));
    let slack = air.sub(&air.constant(divisor - 1), &remainder);
    range_check(air, "a yield remainder is below risk + 1", &slack, r_bits);
    let n = big_constant(air, numerator, BIG_LIMBS);
    // divisor * limb <= 101 * 4095 and the carries stay below 2^7.
    let limbs: Vec<A::Expr> = (0..BIG_LIMBS)
        .map(|k| {
            let product = air.scale(&quotient[k], divisor);
            let product = if k == 0 { air.add(&product, &remainder) } else { product };
            air.sub(&product, &n[k])
        })
        .collect();
    limbs_vanish(air, "apy * 10000 = s * (risk + 1) + r", &limbs, 9);
    quotient
}
