//! The model's parameters, its version, and the governance limits on an allocation.

use serde::{Deserialize, Serialize};

use crate::bps::Bps;
use crate::error::{ValidationError, check_range};

/// A model version number, starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct ModelVersion(u32);

impl ModelVersion {
    /// Model v1, the defaults of docs/risk-model.md.
    pub const V1: ModelVersion = ModelVersion(1);

    /// The highest version: storage keeps versions as signed 32-bit integers, and registering one version
    /// after another never comes near it.
    pub const MAX: u32 = i32::MAX as u32;

    /// A version number, 1 to [`ModelVersion::MAX`].
    pub fn new(value: u32) -> Result<Self, ValidationError> {
        check_range("version", value.into(), 1, Self::MAX.into())?;
        Ok(Self(value))
    }

    /// The raw number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for ModelVersion {
    type Error = ValidationError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<ModelVersion> for u32 {
    fn from(value: ModelVersion) -> Self {
        value.0
    }
}

impl std::fmt::Display for ModelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// The weights and bounds of the risk model (docs/risk-model.md), unvalidated as a client sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModelParams {
    /// Weight of utilization (points per 100 % utilization).
    pub w_utilization: u32,
    /// Weight of volatility (points per 100 % volatility).
    pub w_volatility: u32,
    /// Points added per liquidity tier 0..=3.
    pub w_liquidity: [u32; 4],
    /// Points per 10 missing audit points.
    pub w_audit: u32,
    /// Points for a brand-new protocol, falling linearly to 0 at `age_cap_days`.
    pub w_age: u32,
    /// Age from which a protocol carries no age risk.
    pub age_cap_days: u32,
    /// Lowest risk a protocol can get.
    pub clamp_min: u32,
    /// Highest risk a protocol can get.
    pub clamp_max: u32,
}

impl RawModelParams {
    /// Parameters from the canonical order of [`ModelParams::to_array`].
    pub const fn from_array(a: [u32; 11]) -> Self {
        Self {
            w_utilization: a[0],
            w_volatility: a[1],
            w_liquidity: [a[2], a[3], a[4], a[5]],
            w_audit: a[6],
            w_age: a[7],
            age_cap_days: a[8],
            clamp_min: a[9],
            clamp_max: a[10],
        }
    }
}

/// Validated model parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawModelParams", into = "RawModelParams")]
pub struct ModelParams(RawModelParams);

impl ModelParams {
    /// The largest weight accepted; keeps every intermediate of the model small enough for every prover.
    pub const MAX_WEIGHT: u32 = 1_000;
    /// The largest age cap, matching the largest accepted age.
    pub const MAX_AGE_CAP_DAYS: u32 = 1_000_000;
    /// Risk scores live in 0..=100.
    pub const MAX_RISK: u32 = 100;

    /// Validates parameters; the error names the field and its allowed range.
    pub fn new(raw: RawModelParams) -> Result<Self, ValidationError> {
        let w = u64::from(Self::MAX_WEIGHT);
        check_range("w_utilization", raw.w_utilization.into(), 0, w)?;
        check_range("w_volatility", raw.w_volatility.into(), 0, w)?;
        for (tier, weight) in raw.w_liquidity.iter().enumerate() {
            check_range(&format!("w_liquidity[{tier}]"), (*weight).into(), 0, w)?;
        }
        check_range("w_audit", raw.w_audit.into(), 0, w)?;
        check_range("w_age", raw.w_age.into(), 0, w)?;
        // The age term divides by the cap, so 0 is refused.
        check_range("age_cap_days", raw.age_cap_days.into(), 1, Self::MAX_AGE_CAP_DAYS.into())?;
        check_range("clamp_max", raw.clamp_max.into(), 0, Self::MAX_RISK.into())?;
        check_range("clamp_min", raw.clamp_min.into(), 0, raw.clamp_max.into())?;
        Ok(Self(raw))
    }

    /// The defaults of model v1.
    pub const fn v1() -> Self {
        Self(RawModelParams {
            w_utilization: 25,
            w_volatility: 40,
            w_liquidity: [0, 5, 15, 30],
            w_audit: 3,
            w_age: 10,
            age_cap_days: 730,
            clamp_min: 5,
            clamp_max: 95,
        })
    }

    /// The validated values.
    pub const fn values(&self) -> &RawModelParams {
        &self.0
    }

    /// Every parameter in canonical order: the order of hashes, program inputs and public inputs.
    pub fn to_array(&self) -> [u64; 11] {
        let p = &self.0;
        [
            p.w_utilization.into(),
            p.w_volatility.into(),
            p.w_liquidity[0].into(),
            p.w_liquidity[1].into(),
            p.w_liquidity[2].into(),
            p.w_liquidity[3].into(),
            p.w_audit.into(),
            p.w_age.into(),
            p.age_cap_days.into(),
            p.clamp_min.into(),
            p.clamp_max.into(),
        ]
    }
}

impl Default for ModelParams {
    fn default() -> Self {
        Self::v1()
    }
}

impl TryFrom<RawModelParams> for ModelParams {
    type Error = ValidationError;
    fn try_from(raw: RawModelParams) -> Result<Self, Self::Error> {
        Self::new(raw)
    }
}

impl From<ModelParams> for RawModelParams {
    fn from(value: ModelParams) -> Self {
        value.0
    }
}

/// Limits an allocation must respect before any proof is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernancePolicy {
    /// No protocol may receive more than this share.
    pub max_single_bps: Bps,
    /// At least this many protocols must receive 10 % (1000 bps) or more.
    pub min_diversification: u8,
}

impl GovernancePolicy {
    /// A share counts towards diversification from this size on.
    pub const DIVERSIFIED_SHARE_BPS: u32 = 1_000;
    /// The most protocols a policy can require to be diversified into: there are two.
    pub const MAX_DIVERSIFICATION: u8 = 2;
    /// The lowest cap on one protocol's share: two protocols share 10000 bps, so a lower cap can never be met.
    pub const MIN_SINGLE_CAP_BPS: u32 = 5_000;

    /// A policy; `min_diversification` above the number of protocols could never be met and is refused.
    pub fn new(max_single_bps: Bps, min_diversification: u8) -> Result<Self, ValidationError> {
        check_range("min_diversification", min_diversification.into(), 0, Self::MAX_DIVERSIFICATION.into())?;
        check_range(
            "max_single_bps",
            max_single_bps.get().into(),
            Self::MIN_SINGLE_CAP_BPS.into(),
            Bps::FULL.get().into(),
        )?;
        Ok(Self { max_single_bps, min_diversification })
    }
}
