//! What is measured of a protocol: the inputs of the risk model.

use serde::{Deserialize, Serialize};

use crate::bps::{Apy, Bps};
use crate::error::{ValidationError, check_range};

/// The protocols starkrisk allocates between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// JediSwap, the AMM.
    JediSwap,
    /// Ekubo, the concentrated-liquidity AMM.
    Ekubo,
}

impl Protocol {
    /// Both protocols, in the order every encoding uses (JediSwap first).
    pub const ALL: [Protocol; 2] = [Protocol::JediSwap, Protocol::Ekubo];

    /// The lower-case name clients use in field names (`jediswap`, `ekubo`).
    pub const fn name(self) -> &'static str {
        match self {
            Protocol::JediSwap => "jediswap",
            Protocol::Ekubo => "ekubo",
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Liquidity tier: 0 = high liquidity … 3 = very low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct LiquidityTier(pub(crate) u8);

impl LiquidityTier {
    /// The highest (worst) tier.
    pub const MAX: u8 = 3;

    /// A tier, refused above 3.
    pub fn new(value: u8) -> Result<Self, ValidationError> {
        check_range("liquidity", value.into(), 0, Self::MAX.into())?;
        Ok(Self(value))
    }

    /// The tier as an index into the liquidity weight table.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw tier.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for LiquidityTier {
    type Error = ValidationError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<LiquidityTier> for u8 {
    fn from(value: LiquidityTier) -> Self {
        value.0
    }
}

/// The raw, unvalidated metrics of one protocol, as clients send them (field names are a contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// Utilization in bps.
    pub utilization: u64,
    /// Volatility in bps.
    pub volatility: u64,
    /// Liquidity tier 0..=3.
    pub liquidity: u64,
    /// Audit score 0..=100.
    pub audit_score: u64,
    /// Age in days.
    pub age_days: u64,
}

/// Validated metrics of one protocol: every field is inside the range of docs/risk-model.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawMetrics", into = "RawMetrics")]
pub struct ProtocolMetrics {
    pub(crate) utilization: Bps,
    pub(crate) volatility: Bps,
    pub(crate) liquidity: LiquidityTier,
    pub(crate) audit_score: u8,
    pub(crate) age_days: u32,
}

impl ProtocolMetrics {
    /// The largest age accepted, in days.
    pub const MAX_AGE_DAYS: u32 = 1_000_000;
    /// The largest audit score.
    pub const MAX_AUDIT_SCORE: u8 = 100;

    /// Validates raw metrics; the error names the first field that is out of range. Never clamps.
    pub fn new(raw: RawMetrics) -> Result<Self, ValidationError> {
        check_range("utilization", raw.utilization, 0, 10_000)?;
        check_range("volatility", raw.volatility, 0, 10_000)?;
        check_range("liquidity", raw.liquidity, 0, LiquidityTier::MAX.into())?;
        check_range("audit_score", raw.audit_score, 0, Self::MAX_AUDIT_SCORE.into())?;
        check_range("age_days", raw.age_days, 0, Self::MAX_AGE_DAYS.into())?;
        // Every value was range-checked above, so the narrowing casts below cannot truncate.
        Ok(Self {
            utilization: Bps::for_field("utilization", raw.utilization as u32)?,
            volatility: Bps::for_field("volatility", raw.volatility as u32)?,
            liquidity: LiquidityTier::new(raw.liquidity as u8)?,
            audit_score: raw.audit_score as u8,
            age_days: raw.age_days as u32,
        })
    }

    /// Shorthand for tests and tools: metrics from the five numbers in docs/risk-model.md order.
    pub fn from_parts(
        utilization: u64,
        volatility: u64,
        liquidity: u64,
        audit_score: u64,
        age_days: u64,
    ) -> Result<Self, ValidationError> {
        Self::new(RawMetrics { utilization, volatility, liquidity, audit_score, age_days })
    }

    /// Utilization in bps.
    pub const fn utilization(&self) -> Bps {
        self.utilization
    }
    /// Volatility in bps.
    pub const fn volatility(&self) -> Bps {
        self.volatility
    }
    /// Liquidity tier.
    pub const fn liquidity(&self) -> LiquidityTier {
        self.liquidity
    }
    /// Audit score, 0..=100.
    pub const fn audit_score(&self) -> u8 {
        self.audit_score
    }
    /// Age in days.
    pub const fn age_days(&self) -> u32 {
        self.age_days
    }

    /// The five numbers in canonical order (utilization, volatility, liquidity, audit_score, age_days).
    pub fn to_array(&self) -> [u64; 5] {
        [
            self.utilization.get().into(),
            self.volatility.get().into(),
            self.liquidity.get().into(),
            self.audit_score.into(),
            self.age_days.into(),
        ]
    }
}

impl TryFrom<RawMetrics> for ProtocolMetrics {
    type Error = ValidationError;
    fn try_from(raw: RawMetrics) -> Result<Self, Self::Error> {
        Self::new(raw)
    }
}

impl From<ProtocolMetrics> for RawMetrics {
    fn from(m: ProtocolMetrics) -> Self {
        let [utilization, volatility, liquidity, audit_score, age_days] = m.to_array();
        RawMetrics { utilization, volatility, liquidity, audit_score, age_days }
    }
}

/// Everything the model reads about both protocols: metrics and APYs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MarketSnapshot {
    /// JediSwap's metrics.
    pub jediswap: ProtocolMetrics,
    /// Ekubo's metrics.
    pub ekubo: ProtocolMetrics,
    /// JediSwap's APY.
    pub jediswap_apy: Apy,
    /// Ekubo's APY.
    pub ekubo_apy: Apy,
}

impl MarketSnapshot {
    /// A snapshot; refused when both APYs are zero, since the allocation rule would divide by zero.
    pub fn new(
        jediswap: ProtocolMetrics,
        ekubo: ProtocolMetrics,
        jediswap_apy: Apy,
        ekubo_apy: Apy,
    ) -> Result<Self, ValidationError> {
        if jediswap_apy.get() == 0 && ekubo_apy.get() == 0 {
            return Err(ValidationError::new(
                "jediswap_apy",
                "both APYs are 0; at least one protocol must have a positive APY to allocate",
            ));
        }
        Ok(Self { jediswap, ekubo, jediswap_apy, ekubo_apy })
    }

    /// The metrics of `protocol`.
    pub const fn metrics(&self, protocol: Protocol) -> &ProtocolMetrics {
        match protocol {
            Protocol::JediSwap => &self.jediswap,
            Protocol::Ekubo => &self.ekubo,
        }
    }

    /// The APY of `protocol`.
    pub const fn apy(&self, protocol: Protocol) -> Apy {
        match protocol {
            Protocol::JediSwap => self.jediswap_apy,
            Protocol::Ekubo => self.ekubo_apy,
        }
    }
}
