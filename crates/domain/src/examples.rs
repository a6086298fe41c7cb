//! The worked example of docs/risk-model.md as ready-made values, for tests, docs and tools.

use crate::bps::{Apy, Bps};
use crate::felt::{Felt, ProgramHash};
use crate::metrics::{LiquidityTier, MarketSnapshot, ProtocolMetrics};
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion};
use crate::statement::DecisionStatement;

/// JediSwap's example metrics: 6500, 3500, 1, 98, 800 (risk 35 under model v1).
pub const JEDISWAP: ProtocolMetrics = ProtocolMetrics {
    utilization: Bps(6500),
    volatility: Bps(3500),
    liquidity: LiquidityTier(1),
    audit_score: 98,
    age_days: 800,
};

/// Ekubo's example metrics: 8200, 6100, 2, 72, 120 (risk 75 under model v1).
pub const EKUBO: ProtocolMetrics = ProtocolMetrics {
    utilization: Bps(8200),
    volatility: Bps(6100),
    liquidity: LiquidityTier(2),
    audit_score: 72,
    age_days: 120,
};

/// The example's metrics with APYs 850 and 1210 bps (allocation 5972 / 4028 under model v1).
pub const SNAPSHOT: MarketSnapshot =
    MarketSnapshot { jediswap: JEDISWAP, ekubo: EKUBO, jediswap_apy: Apy(850), ekubo_apy: Apy(1210) };

/// Model v1 with the default parameters, proven by `program`, registered at the Unix epoch (the time is
/// not part of its hash, so a fixed one keeps the example the same everywhere).
pub fn model(program: ProgramHash) -> RiskModel {
    RiskModel::new(ModelVersion::V1, ModelParams::v1(), program, "starkrisk", chrono::DateTime::UNIX_EPOCH)
}

/// The example statement under model v1, with a placeholder program hash of 1.
pub fn statement() -> DecisionStatement {
    let model = model(ProgramHash::new(Felt::ONE));
    DecisionStatement::under(&model, SNAPSHOT).0
}
