//! Where protocol metrics come from when a request does not carry them.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::bps::Apy;
use crate::market::{DerivationError, MetricsOrigin};
use crate::metrics::{Protocol, ProtocolMetrics};

/// A protocol's metrics and APY at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolReading {
    /// The metrics.
    pub metrics: ProtocolMetrics,
    /// The APY.
    pub apy: Apy,
    /// Where they came from (`Source` for a source that names no block).
    #[serde(default)]
    pub origin: MetricsOrigin,
}

/// Why metrics could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The source is not reachable.
    #[error("metrics source unavailable: {0}")]
    Unavailable(String),
    /// The source answered with values outside the model's ranges.
    #[error("{protocol} reported invalid metrics: {reason}")]
    Invalid {
        /// Which protocol.
        protocol: Protocol,
        /// What was wrong.
        reason: String,
    },
    /// The protocol's recorded samples do not support a decision (too few, stale, zero TVL, …).
    #[error("{protocol}: {reason}")]
    NotDerivable {
        /// Which protocol.
        protocol: Protocol,
        /// Why.
        reason: DerivationError,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Reads current metrics of a protocol.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait MetricsSource: Send + Sync {
    /// The current reading for `protocol`.
    async fn reading(&self, protocol: Protocol) -> Result<ProtocolReading, MetricsError>;
}
