//! The raw chain readings a decision's metrics were derived from, and the hashes that bind them into its
//! proof: one per protocol over its samples, terms and policy, and one over both (the market snapshot).

use serde::{Deserialize, Serialize};

use crate::felt::{Felt, ReadingsHash, SnapshotHash, short_string};
use crate::integrity::poseidon_many;
use crate::market::{Amount, PoolSample, ProtocolTerms, SamplingPolicy};
use crate::metrics::Protocol;

/// Leading felt of a protocol's readings encoding, so the hash cannot be confused with another hash's.
const READINGS_TAG: &str = "starkrisk/readings/v1";
/// Leading felt of a snapshot's encoding.
const SNAPSHOT_TAG: &str = "starkrisk/snapshot/v1";

/// Everything one protocol's metrics were derived from: enough for anyone to re-derive them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolReadings {
    /// The protocol.
    pub protocol: Protocol,
    /// The configured terms the derivation used.
    pub terms: ProtocolTerms,
    /// The windows and freshness the derivation used.
    pub policy: SamplingPolicy,
    /// The samples it read, oldest first; the newest is the snapshot block.
    pub samples: Vec<PoolSample>,
}

impl ProtocolReadings {
    /// Poseidon over [`ProtocolReadings::to_felts`].
    pub fn hash(&self) -> ReadingsHash {
        ReadingsHash::new(poseidon_many(&self.to_felts()))
    }

    /// The newest sample's block, the block the metrics describe (0 for no samples, which derive nothing).
    pub fn block_number(&self) -> u64 {
        self.samples.last().map_or(0, |s| s.block_number)
    }

    /// The canonical encoding: tag, protocol, terms, policy, then every sample field in declaration order.
    /// Amounts are written as their count of 128-bit limbs and the limbs, least significant first, so
    /// amounts of any size encode without ambiguity.
    pub fn to_felts(&self) -> Vec<Felt> {
        let mut out = vec![tag(READINGS_TAG), Felt::from(self.protocol as u8)];
        out.push(Felt::from(self.terms.audit_score));
        out.push(Felt::from(self.terms.launched_at));
        for tier in &self.terms.tvl_tiers {
            push_amount(&mut out, tier);
        }
        out.push(Felt::from(self.policy.volatility_window_secs));
        out.push(Felt::from(self.policy.min_samples as u64));
        out.push(Felt::from(self.policy.max_sample_age_secs));
        out.push(Felt::from(self.samples.len() as u64));
        for sample in &self.samples {
            out.push(Felt::from(sample.block_number));
            out.push(sample.block_hash);
            out.push(Felt::from(sample.timestamp));
            out.push(Felt::from(sample.price.fraction_bits));
            push_amount(&mut out, &sample.price.sqrt);
            out.push(Felt::from(sample.liquidity));
            push_amount(&mut out, &sample.tvl);
            push_amount(&mut out, &sample.volume);
            push_amount(&mut out, &sample.fees);
        }
        out
    }
}

/// The snapshot hash of a decision whose protocols' readings hash as given (`None`: that protocol's metrics
/// did not come from the chain). Both `None` is no snapshot at all: zero.
pub fn snapshot_hash(jediswap: Option<ReadingsHash>, ekubo: Option<ReadingsHash>) -> SnapshotHash {
    if jediswap.is_none() && ekubo.is_none() {
        return SnapshotHash::new(Felt::ZERO);
    }
    let part = |hash: Option<ReadingsHash>| hash.map_or(Felt::ZERO, |h| h.felt());
    SnapshotHash::new(poseidon_many(&[tag(SNAPSHOT_TAG), part(jediswap), part(ekubo)]))
}

/// The raw readings behind a snapshot hash: what `GET /markets/snapshots/{hash}` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketReadings {
    /// JediSwap's, when its metrics came from the chain.
    pub jediswap: Option<ProtocolReadings>,
    /// Ekubo's, when its metrics came from the chain.
    pub ekubo: Option<ProtocolReadings>,
}

impl MarketReadings {
    /// The hash a statement names for these readings.
    pub fn snapshot_hash(&self) -> SnapshotHash {
        snapshot_hash(
            self.jediswap.as_ref().map(ProtocolReadings::hash),
            self.ekubo.as_ref().map(ProtocolReadings::hash),
        )
    }

    /// The newest block among both protocols' snapshots.
    pub fn block_number(&self) -> u64 {
        [&self.jediswap, &self.ekubo].into_iter().flatten().map(ProtocolReadings::block_number).max().unwrap_or(0)
    }
}

fn tag(text: &str) -> Felt {
    // Both tags are short ASCII constants, so they always encode; zero would only weaken domain separation.
    short_string("tag", text).unwrap_or(Felt::ZERO)
}

fn push_amount(out: &mut Vec<Felt>, amount: &Amount) {
    let limbs: Vec<Felt> = amount
        .value()
        .to_u64_digits()
        .chunks(2)
        .map(|pair| {
            let high = pair.get(1).copied().unwrap_or(0);
            Felt::from((u128::from(high) << 64) | u128::from(pair[0]))
        })
        .collect();
    out.push(Felt::from(limbs.len() as u64));
    out.extend(limbs);
}
