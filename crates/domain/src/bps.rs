//! Basis points: the unit of shares, utilization, volatility and APYs.

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, check_range};

/// A share or rate in basis points, 0..=10000 (10000 = 100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Bps(pub(crate) u32);

impl Bps {
    /// 100 %.
    pub const FULL: Bps = Bps(10_000);
    /// 0 %.
    pub const ZERO: Bps = Bps(0);

    /// A basis-point value, refused above 10000.
    pub fn new(value: u32) -> Result<Self, ValidationError> {
        Self::for_field("bps", value)
    }

    /// Like [`Bps::new`], naming `field` in the error.
    pub fn for_field(field: &str, value: u32) -> Result<Self, ValidationError> {
        check_range(field, value.into(), 0, 10_000)?;
        Ok(Self(value))
    }

    /// The raw number of basis points.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// 10000 minus this share.
    pub const fn complement(self) -> Bps {
        // Cannot underflow: construction keeps the value at or below 10000.
        Bps(10_000 - self.0)
    }
}

impl TryFrom<u32> for Bps {
    type Error = ValidationError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Bps> for u32 {
    fn from(value: Bps) -> Self {
        value.0
    }
}

/// An annual percentage yield in basis points. Unlike a share it may exceed 100 %, up to 1,000,000 bps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Apy(pub(crate) u32);

impl Apy {
    /// The largest APY accepted (10,000 %): beyond it the input is surely a unit mistake.
    pub const MAX: u32 = 1_000_000;

    /// An APY, refused above [`Apy::MAX`].
    pub fn new(value: u32) -> Result<Self, ValidationError> {
        Self::for_field("apy", value)
    }

    /// Like [`Apy::new`], naming `field` in the error.
    pub fn for_field(field: &str, value: u32) -> Result<Self, ValidationError> {
        check_range(field, value.into(), 0, Self::MAX.into())?;
        Ok(Self(value))
    }

    /// The raw number of basis points.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Apy {
    type Error = ValidationError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Apy> for u32 {
    fn from(value: Apy) -> Self {
        value.0
    }
}
