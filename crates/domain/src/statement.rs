//! The public statement of a decision: everything a proof binds, in one canonical felt order.

use serde::{Deserialize, Serialize};

use crate::allocation::{Allocation, Assessment, assess};
use crate::bps::{Apy, Bps};
use crate::error::ValidationError;
use crate::felt::{Felt, ModelHash, ProgramHash, SnapshotHash};
use crate::metrics::{MarketSnapshot, ProtocolMetrics, RawMetrics};
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion, RawModelParams};

use crate::risk::RiskScore;

/// What every proof's public output contains: model hash and version, parameters, both protocols' metrics
/// and APYs, both risks and both shares, and the chain snapshot the metrics came from. A decision whose numbers differ from its proof's statement is
/// refused, and so is a statement whose model hash is not the hash of its own version, parameters and program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionStatement {
    /// The model the decision was computed under.
    pub model_hash: ModelHash,
    /// That model's version, so a verifier can recompute `model_hash` from the statement alone.
    pub model_version: ModelVersion,
    /// That model's parameters.
    pub params: ModelParams,
    /// Metrics and APYs of both protocols.
    pub snapshot: MarketSnapshot,
    /// JediSwap's risk.
    pub jediswap_risk: RiskScore,
    /// Ekubo's risk.
    pub ekubo_risk: RiskScore,
    /// The allocation.
    pub allocation: Allocation,
    /// The chain state the metrics were derived from (zeros for metrics a caller supplied).
    #[serde(default)]
    pub provenance: Provenance,
}

/// Which chain state a statement's metrics describe: the newest snapshot block and the hash of every raw
/// reading behind them (`GET /api/v1/markets/snapshots/{hash}` returns them). The model does not read
/// either; a proof carries them so that the numbers it proves are tied to the state they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The newest block the metrics were read at; 0 when none came from the chain.
    pub block_number: u64,
    /// [`crate::market::snapshot_hash`] of the readings; zero when none came from the chain.
    pub snapshot_hash: SnapshotHash,
}

impl Provenance {
    /// No chain snapshot: every metric was supplied.
    pub const NONE: Provenance = Provenance { block_number: 0, snapshot_hash: SnapshotHash::new(Felt::ZERO) };
}

impl Default for Provenance {
    fn default() -> Self {
        Self::NONE
    }
}

/// Names of the statement's felts, in order; used in error messages and by provers laying out outputs.
pub const STATEMENT_FIELDS: [&str; STATEMENT_LEN] = [
    "model_hash",
    "model_version",
    "params.w_utilization",
    "params.w_volatility",
    "params.w_liquidity[0]",
    "params.w_liquidity[1]",
    "params.w_liquidity[2]",
    "params.w_liquidity[3]",
    "params.w_audit",
    "params.w_age",
    "params.age_cap_days",
    "params.clamp_min",
    "params.clamp_max",
    "jediswap_metrics.utilization",
    "jediswap_metrics.volatility",
    "jediswap_metrics.liquidity",
    "jediswap_metrics.audit_score",
    "jediswap_metrics.age_days",
    "ekubo_metrics.utilization",
    "ekubo_metrics.volatility",
    "ekubo_metrics.liquidity",
    "ekubo_metrics.audit_score",
    "ekubo_metrics.age_days",
    "jediswap_apy",
    "ekubo_apy",
    "jediswap_risk",
    "ekubo_risk",
    "jediswap_pct",
    "ekubo_pct",
    "snapshot_block",
    "snapshot_hash",
];

/// Number of felts in an encoded statement.
pub const STATEMENT_LEN: usize = 31;

/// The model's inputs: the statement's first felts, up to and including both APYs.
pub const STATEMENT_INPUTS: usize = 25;

/// Where the provenance felts start, after the four results.
const PROVENANCE_AT: usize = STATEMENT_INPUTS + 4;

impl DecisionStatement {
    /// Runs `model` on `snapshot` and states the result.
    pub fn under(model: &RiskModel, snapshot: MarketSnapshot) -> (Self, Assessment) {
        Self::compute(model.version(), model.model_hash(), model.params(), snapshot)
    }

    /// Runs the model with `params` on `snapshot` and states the result under `model_hash` and `model_version`
    /// as given (tests use this to state a hash that does not match; verifiers refuse such statements).
    pub fn compute(
        model_version: ModelVersion,
        model_hash: ModelHash,
        params: ModelParams,
        snapshot: MarketSnapshot,
    ) -> (Self, Assessment) {
        let assessment = assess(&snapshot, &params);
        let statement = Self {
            model_hash,
            model_version,
            params,
            snapshot,
            jediswap_risk: assessment.jediswap.risk,
            ekubo_risk: assessment.ekubo.risk,
            allocation: assessment.allocation(),
            provenance: Provenance::NONE,
        };
        (statement, assessment)
    }

    /// This statement naming `provenance` as the chain state its metrics came from.
    #[must_use]
    pub fn with_provenance(self, provenance: Provenance) -> Self {
        Self { provenance, ..self }
    }

    /// The 32-bit numbers after the model hash and before the provenance, in the order of [`STATEMENT_FIELDS`].
    pub fn numbers(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(PROVENANCE_AT - 1);
        out.push(self.model_version.get().into());
        out.extend(self.params.to_array());
        out.extend(self.snapshot.jediswap.to_array());
        out.extend(self.snapshot.ekubo.to_array());
        out.extend(
            [
                self.snapshot.jediswap_apy.get(),
                self.snapshot.ekubo_apy.get(),
                self.jediswap_risk.get(),
                self.ekubo_risk.get(),
                self.allocation.jediswap().get(),
                self.allocation.ekubo().get(),
            ]
            .map(u64::from),
        );
        out
    }

    /// The canonical felt encoding: model hash first, then [`DecisionStatement::numbers`], then the
    /// snapshot block and hash.
    pub fn to_felts(&self) -> Vec<Felt> {
        std::iter::once(self.model_hash.felt())
            .chain(self.numbers().into_iter().map(Felt::from))
            .chain([Felt::from(self.provenance.block_number), self.provenance.snapshot_hash.felt()])
            .collect()
    }

    /// Decodes felts read from a proof; every number is range-checked and the first bad one is named.
    pub fn from_felts(felts: &[Felt]) -> Result<Self, ValidationError> {
        if felts.len() != STATEMENT_LEN {
            return Err(ValidationError::new(
                "public_output",
                format!("has {} values; a starkrisk statement has {STATEMENT_LEN}", felts.len()),
            ));
        }
        let mut numbers = [0u32; PROVENANCE_AT - 1];
        for (i, felt) in felts[1..PROVENANCE_AT].iter().enumerate() {
            let field = STATEMENT_FIELDS[i + 1];
            numbers[i] = felt_to_u32(felt)
                .ok_or_else(|| ValidationError::new(field, format!("{felt:#x} does not fit a 32-bit number")))?;
        }
        let model_version =
            ModelVersion::new(numbers[0]).map_err(|e| ValidationError::new("model_version", e.reason))?;
        // Indices below count from the first parameter.
        let n = |i: usize| numbers[i + 1];
        let mut param_values = [0u32; 11];
        param_values.copy_from_slice(&numbers[1..12]);
        let params = ModelParams::new(RawModelParams::from_array(param_values)).map_err(|e| e.within("params"))?;
        let metrics = |at: usize, parent: &str| {
            ProtocolMetrics::new(RawMetrics {
                utilization: n(at).into(),
                volatility: n(at + 1).into(),
                liquidity: n(at + 2).into(),
                audit_score: n(at + 3).into(),
                age_days: n(at + 4).into(),
            })
            .map_err(|e| e.within(parent))
        };
        let snapshot = MarketSnapshot::new(
            metrics(11, "jediswap_metrics")?,
            metrics(16, "ekubo_metrics")?,
            Apy::for_field("jediswap_apy", n(21))?,
            Apy::for_field("ekubo_apy", n(22))?,
        )?;
        let jediswap_risk = RiskScore::new(n(23)).map_err(|e| ValidationError::new("jediswap_risk", e.reason))?;
        let ekubo_risk = RiskScore::new(n(24)).map_err(|e| ValidationError::new("ekubo_risk", e.reason))?;
        let allocation = Allocation::new(Bps::for_field("jediswap_pct", n(25))?, Bps::for_field("ekubo_pct", n(26))?)?;
        let block = felts[PROVENANCE_AT];
        let block_number = felt_to_u64(&block).ok_or_else(|| {
            ValidationError::new("snapshot_block", format!("{block:#x} does not fit a 64-bit number"))
        })?;
        let provenance = Provenance { block_number, snapshot_hash: SnapshotHash::new(felts[PROVENANCE_AT + 1]) };
        Ok(Self {
            model_hash: ModelHash::new(felts[0]),
            model_version,
            params,
            snapshot,
            jediswap_risk,
            ekubo_risk,
            allocation,
            provenance,
        })
    }

    /// The first field in which `other` differs from this statement, if any.
    pub fn first_difference(&self, other: &DecisionStatement) -> Option<&'static str> {
        let (mine, theirs) = (self.to_felts(), other.to_felts());
        mine.iter().zip(&theirs).position(|(a, b)| a != b).map(|i| STATEMENT_FIELDS[i])
    }

    /// Whether the stated risks and shares are what the stated model gives for the stated inputs.
    pub fn is_consistent(&self) -> bool {
        let (recomputed, _) = Self::compute(self.model_version, self.model_hash, self.params, self.snapshot);
        recomputed.with_provenance(self.provenance) == *self
    }

    /// What a governance approval of this request signs: Poseidon over the model's inputs, the statement's
    /// first [`STATEMENT_INPUTS`] felts (model hash and version, parameters, both protocols' metrics, both
    /// APYs). The snapshot is left out so an approver can sign the numbers without predicting a block.
    pub fn request_digest(&self) -> Felt {
        let felts = self.to_felts();
        crate::integrity::poseidon_many(&felts[..STATEMENT_INPUTS])
    }

    /// The model hash this statement's own version and parameters give under `program`; a statement whose
    /// `model_hash` differs carries a label that does not describe the parameters it was computed with.
    pub fn expected_model_hash(&self, program: ProgramHash) -> ModelHash {
        ModelHash::compute(self.model_version, &self.params, program)
    }
}

/// A felt as a u32, when it is that small.
pub fn felt_to_u32(felt: &Felt) -> Option<u32> {
    let bytes = felt.to_bytes_be();
    let (high, low) = bytes.split_at(28);
    // split_at(28) of 32 bytes leaves exactly 4, so the conversion cannot fail.
    let low: [u8; 4] = low.try_into().ok()?;
    high.iter().all(|b| *b == 0).then(|| u32::from_be_bytes(low))
}

/// The felt as a u64, or `None` when it is larger.
fn felt_to_u64(felt: &Felt) -> Option<u64> {
    let bytes = felt.to_bytes_be();
    let (high, low) = bytes.split_at(24);
    // split_at(24) of 32 bytes leaves exactly 8, so the conversion cannot fail.
    let low: [u8; 8] = low.try_into().ok()?;
    high.iter().all(|b| *b == 0).then(|| u64::from_be_bytes(low))
}
