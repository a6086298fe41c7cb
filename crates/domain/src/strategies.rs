//! proptest strategies over every valid input of the model, shared by the property tests of all crates.
#![allow(clippy::unwrap_used)] // each value is generated inside its valid range, so construction cannot fail

use proptest::prelude::*;

use crate::bps::Apy;
use crate::metrics::{MarketSnapshot, ProtocolMetrics};
use crate::params::{ModelParams, RawModelParams};

/// Any valid metrics of one protocol.
pub fn any_metrics() -> impl Strategy<Value = ProtocolMetrics> {
    (0u64..=10_000, 0u64..=10_000, 0u64..=3, 0u64..=100, 0u64..=1_000_000)
        .prop_map(|(u, v, l, a, d)| ProtocolMetrics::from_parts(u, v, l, a, d).unwrap())
}

/// Any valid model parameters.
pub fn any_params() -> impl Strategy<Value = ModelParams> {
    (prop::array::uniform8(0u32..=1_000), 1u32..=1_000_000, 0u32..=100, 0u32..=100).prop_map(
        |(w, age_cap_days, a, b)| {
            let (clamp_min, clamp_max) = (a.min(b), a.max(b));
            ModelParams::new(RawModelParams {
                w_utilization: w[0],
                w_volatility: w[1],
                w_liquidity: [w[2], w[3], w[4], w[5]],
                w_audit: w[6],
                w_age: w[7],
                age_cap_days,
                clamp_min,
                clamp_max,
            })
            .unwrap()
        },
    )
}

/// Any valid snapshot: both protocols' metrics and APYs, at least one APY positive.
pub fn any_snapshot() -> impl Strategy<Value = MarketSnapshot> {
    (any_metrics(), any_metrics(), 0u32..=Apy::MAX, 1u32..=Apy::MAX, any::<bool>()).prop_map(|(j, e, a, b, swap)| {
        // `swap` lets either side be the zero one.
        let (apy_j, apy_e) = if swap { (b, a) } else { (a, b) };
        MarketSnapshot::new(j, e, Apy::new(apy_j).unwrap(), Apy::new(apy_e).unwrap()).unwrap()
    })
}
