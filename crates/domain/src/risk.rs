//! The risk score of one protocol: the integer model of docs/risk-model.md.

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, check_range};
use crate::metrics::ProtocolMetrics;
use crate::params::ModelParams;

/// A protocol's risk, 0 (none) ..= 100 (certain loss).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct RiskScore(u8);

impl RiskScore {
    /// A score, refused above 100.
    pub fn new(value: u32) -> Result<Self, ValidationError> {
        check_range("risk", value.into(), 0, ModelParams::MAX_RISK.into())?;
        // In range 0..=100 after the check, so the cast cannot truncate.
        Ok(Self(value as u8))
    }

    /// The raw score.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }

    /// The coarse category operators see (low below 30, medium below 70, high from 70).
    pub const fn category(self) -> RiskCategory {
        match self.0 {
            0..30 => RiskCategory::Low,
            30..70 => RiskCategory::Medium,
            _ => RiskCategory::High,
        }
    }
}

impl TryFrom<u32> for RiskScore {
    type Error = ValidationError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<RiskScore> for u32 {
    fn from(value: RiskScore) -> Self {
        value.get()
    }
}

/// Coarse risk band, as the replaced system reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskCategory {
    /// Below 30.
    Low,
    /// 30 to 69.
    Medium,
    /// 70 and above.
    High,
}

impl RiskCategory {
    /// A sentence for operators.
    pub const fn description(self) -> &'static str {
        match self {
            RiskCategory::Low => "Low risk: mature, liquid and well audited",
            RiskCategory::Medium => "Medium risk: acceptable with monitoring",
            RiskCategory::High => "High risk: limit exposure",
        }
    }
}

/// Every term of the score, in the order the model adds them: what a trace or a Cairo run must reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskTerms {
    /// `utilization * w_utilization / 10000`.
    pub utilization: u64,
    /// `volatility * w_volatility / 10000`.
    pub volatility: u64,
    /// `w_liquidity[liquidity]`.
    pub liquidity: u64,
    /// `(100 - audit_score) * w_audit / 10`.
    pub audit: u64,
    /// `(age_cap - age) * w_age / age_cap` while younger than the cap, else 0.
    pub age: u64,
    /// The sum of the terms, before clamping.
    pub raw_score: u64,
    /// The clamped score.
    pub risk: RiskScore,
}

/// Scores one protocol under `params`: floor divisions, then a clamp to [clamp_min, clamp_max].
pub fn risk_terms(metrics: &ProtocolMetrics, params: &ModelParams) -> RiskTerms {
    let p = params.values();
    let utilization = u64::from(metrics.utilization().get()) * u64::from(p.w_utilization) / 10_000;
    let volatility = u64::from(metrics.volatility().get()) * u64::from(p.w_volatility) / 10_000;
    let liquidity = u64::from(p.w_liquidity[metrics.liquidity().index()]);
    let audit = (100 - u64::from(metrics.audit_score())) * u64::from(p.w_audit) / 10;
    let age = if metrics.age_days() >= p.age_cap_days {
        0
    } else {
        u64::from(p.age_cap_days - metrics.age_days()) * u64::from(p.w_age) / u64::from(p.age_cap_days)
    };
    let raw_score = utilization + volatility + liquidity + audit + age;
    let clamped = raw_score.clamp(p.clamp_min.into(), p.clamp_max.into());
    // clamp_max <= 100 is enforced by ModelParams, so the clamped value always fits a RiskScore.
    let risk = RiskScore(clamped as u8);
    RiskTerms { utilization, volatility, liquidity, audit, age, raw_score, risk }
}

/// The clamped risk score of one protocol.
pub fn risk_score(metrics: &ProtocolMetrics, params: &ModelParams) -> RiskScore {
    risk_terms(metrics, params).risk
}
