//! The two-protocol allocation rule and the governance check.

use serde::{Deserialize, Serialize};

use crate::bps::Bps;
use crate::error::ValidationError;
use crate::metrics::{MarketSnapshot, Protocol};
use crate::params::{GovernancePolicy, ModelParams};
use crate::risk::{RiskScore, RiskTerms, risk_terms};

/// How the treasury is split: two shares in bps that always sum to 10000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Shares")]
pub struct Allocation {
    jediswap: Bps,
    ekubo: Bps,
}

/// The serialized form of an allocation, checked on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shares {
    jediswap: Bps,
    ekubo: Bps,
}

impl TryFrom<Shares> for Allocation {
    type Error = ValidationError;
    fn try_from(shares: Shares) -> Result<Self, Self::Error> {
        Self::new(shares.jediswap, shares.ekubo)
    }
}

impl Allocation {
    /// The split that gives JediSwap `jediswap` and Ekubo the rest.
    pub const fn from_jediswap_share(jediswap: Bps) -> Self {
        Self { jediswap, ekubo: jediswap.complement() }
    }

    /// Two shares read back from storage or a proof; refused unless they sum to 10000.
    pub fn new(jediswap: Bps, ekubo: Bps) -> Result<Self, ValidationError> {
        if jediswap.get() + ekubo.get() != Bps::FULL.get() {
            return Err(ValidationError::new(
                "ekubo_pct",
                format!("shares {} + {} must sum to 10000 bps", jediswap.get(), ekubo.get()),
            ));
        }
        Ok(Self { jediswap, ekubo })
    }

    /// The share of `protocol`.
    pub const fn share(&self, protocol: Protocol) -> Bps {
        match protocol {
            Protocol::JediSwap => self.jediswap,
            Protocol::Ekubo => self.ekubo,
        }
    }

    /// JediSwap's share.
    pub const fn jediswap(&self) -> Bps {
        self.jediswap
    }

    /// Ekubo's share.
    pub const fn ekubo(&self) -> Bps {
        self.ekubo
    }
}

/// The intermediate values of the allocation rule, for provers that must reproduce them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationTerms {
    /// `apy_j * 10000 / (risk_j + 1)`.
    pub s_jediswap: u64,
    /// `apy_e * 10000 / (risk_e + 1)`.
    pub s_ekubo: u64,
    /// The resulting split.
    pub allocation: Allocation,
}

/// Applies the allocation rule of docs/risk-model.md to two risks and the snapshot's APYs.
pub fn allocation_terms(snapshot: &MarketSnapshot, risk_j: RiskScore, risk_e: RiskScore) -> AllocationTerms {
    let s_jediswap = u64::from(snapshot.jediswap_apy.get()) * 10_000 / (u64::from(risk_j.get()) + 1);
    let s_ekubo = u64::from(snapshot.ekubo_apy.get()) * 10_000 / (u64::from(risk_e.get()) + 1);
    // MarketSnapshot refuses two zero APYs, and a positive APY gives s >= 10000/101 > 0, so the sum is positive.
    let total = (s_jediswap + s_ekubo).max(1);
    // s_jediswap <= total, so the quotient is at most 10000 and fits a Bps.
    let jediswap = Bps((s_jediswap * 10_000 / total) as u32);
    AllocationTerms { s_jediswap, s_ekubo, allocation: Allocation::from_jediswap_share(jediswap) }
}

/// Both risk scores and the allocation they lead to: the whole output of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// JediSwap's score and its terms.
    pub jediswap: RiskTerms,
    /// Ekubo's score and its terms.
    pub ekubo: RiskTerms,
    /// The allocation and its intermediates.
    pub allocation: AllocationTerms,
}

impl Assessment {
    /// The risk of `protocol`.
    pub const fn risk(&self, protocol: Protocol) -> RiskScore {
        match protocol {
            Protocol::JediSwap => self.jediswap.risk,
            Protocol::Ekubo => self.ekubo.risk,
        }
    }

    /// The allocation.
    pub const fn allocation(&self) -> Allocation {
        self.allocation.allocation
    }
}

/// Runs the whole model: both scores, then the allocation.
pub fn assess(snapshot: &MarketSnapshot, params: &ModelParams) -> Assessment {
    let jediswap = risk_terms(&snapshot.jediswap, params);
    let ekubo = risk_terms(&snapshot.ekubo, params);
    let allocation = allocation_terms(snapshot, jediswap.risk, ekubo.risk);
    Assessment { jediswap, ekubo, allocation }
}

/// Why an allocation was refused by governance.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GovernanceViolation {
    /// One protocol would get more than the cap.
    #[error("{protocol} would receive {share} bps, above the governance cap of {max} bps")]
    ShareAboveCap {
        /// The protocol over the cap.
        protocol: Protocol,
        /// Its share.
        share: u32,
        /// The cap.
        max: u32,
    },
    /// Too few protocols receive a meaningful share.
    #[error("only {diversified} protocol(s) receive at least 1000 bps; governance requires {required}")]
    TooConcentrated {
        /// How many protocols get 1000 bps or more.
        diversified: u8,
        /// How many must.
        required: u8,
    },
}

impl GovernancePolicy {
    /// Checks an allocation against the cap and the diversification minimum.
    pub fn check(&self, allocation: &Allocation) -> Result<(), GovernanceViolation> {
        for protocol in Protocol::ALL {
            let share = allocation.share(protocol).get();
            if share > self.max_single_bps.get() {
                return Err(GovernanceViolation::ShareAboveCap { protocol, share, max: self.max_single_bps.get() });
            }
        }
        let diversified =
            Protocol::ALL.iter().filter(|p| allocation.share(**p).get() >= Self::DIVERSIFIED_SHARE_BPS).count() as u8;
        if diversified < self.min_diversification {
            return Err(GovernanceViolation::TooConcentrated { diversified, required: self.min_diversification });
        }
        Ok(())
    }
}
