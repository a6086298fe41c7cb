//! Where a decision's metrics came from: the caller, or chain state at a named block.

use serde::{Deserialize, Serialize};

use crate::felt::{Felt, ReadingsHash};
use crate::market::readings::snapshot_hash;
use crate::statement::Provenance;

/// Where one protocol's metrics came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum MetricsOrigin {
    /// The request carried them.
    #[default]
    Supplied,
    /// A configured metrics source that names no block.
    Source,
    /// Derived from chain samples whose newest is this block.
    Chain {
        /// The snapshot block.
        block_number: u64,
        /// Its hash.
        block_hash: Felt,
        /// The hash of every reading the metrics were derived from (zero in decisions recorded before
        /// readings were hashed).
        #[serde(default = "unhashed")]
        readings: ReadingsHash,
    },
}

fn unhashed() -> ReadingsHash {
    ReadingsHash::new(Felt::ZERO)
}

impl MetricsOrigin {
    /// The readings hash of a chain origin.
    pub fn readings(&self) -> Option<ReadingsHash> {
        match self {
            MetricsOrigin::Chain { readings, .. } => Some(*readings),
            _ => None,
        }
    }

    /// The snapshot block of a chain origin.
    pub fn block_number(&self) -> Option<u64> {
        match self {
            MetricsOrigin::Chain { block_number, .. } => Some(*block_number),
            _ => None,
        }
    }
}

/// Where each protocol's metrics came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MetricsOrigins {
    /// JediSwap's.
    pub jediswap: MetricsOrigin,
    /// Ekubo's.
    pub ekubo: MetricsOrigin,
}

impl MetricsOrigins {
    /// `chain` when both came from chain samples, `supplied` when the caller gave both, else `mixed`.
    pub fn summary(&self) -> &'static str {
        match (self.jediswap, self.ekubo) {
            (MetricsOrigin::Chain { .. }, MetricsOrigin::Chain { .. }) => "chain",
            (MetricsOrigin::Supplied, MetricsOrigin::Supplied) => "supplied",
            _ => "mixed",
        }
    }

    /// What a statement binds of these origins: the newest chain block and the hash over both protocols'
    /// readings, or zeros when no metrics came from the chain.
    pub fn provenance(&self) -> Provenance {
        let (jediswap, ekubo) = (self.jediswap.readings(), self.ekubo.readings());
        let block_number = [self.jediswap.block_number(), self.ekubo.block_number()].into_iter().flatten().max();
        Provenance { block_number: block_number.unwrap_or(0), snapshot_hash: snapshot_hash(jediswap, ekubo) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_chain_only_when_both_are() {
        let chain = MetricsOrigin::Chain { block_number: 7, block_hash: Felt::from(9u8), readings: unhashed() };
        let both = MetricsOrigins { jediswap: chain, ekubo: chain };
        assert_eq!(both.summary(), "chain");
        assert_eq!(MetricsOrigins::default().summary(), "supplied");
        assert_eq!(MetricsOrigins { jediswap: chain, ..MetricsOrigins::default() }.summary(), "mixed");
        assert_eq!(MetricsOrigins { ekubo: MetricsOrigin::Source, ..both }.summary(), "mixed");
        let json = serde_json::to_value(both).unwrap();
        assert_eq!(json["jediswap"]["source"], "chain");
        assert_eq!(json["jediswap"]["block_number"], 7);
        assert_eq!(serde_json::from_value::<MetricsOrigins>(json).unwrap(), both);
    }
}
