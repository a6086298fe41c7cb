//! The risk AIR: one wide row holding every intermediate of a decision, repeated over the smallest
//! trace stwo's SIMD backend takes, with the statement's numbers as the constraints' constants.

mod builder;
mod constraints;
mod graph;
mod witness;

use std::sync::LazyLock;

use sha2::{Digest, Sha256};
use starkrisk_domain::{DecisionStatement, Felt, ProgramHash};
use stwo::core::fields::m31::BaseField;
use stwo::core::poly::circle::CanonicCoset;
use stwo::prover::Poly;
use stwo::prover::backend::simd::SimdBackend;
use stwo::prover::backend::simd::column::BaseColumn;
use stwo::prover::poly::circle::{CircleCoefficients, CircleEvaluation};
use stwo_constraint_framework::{EvalAtRow, FrameworkComponent, FrameworkEval};

pub(crate) use builder::LOG_MAX_DEGREE;
use constraints::Constraints;
use witness::Witness;

/// Version of the AIR's layout; bumped whenever a column or constraint changes meaning.
/// v2: the statement carries the model version. v3: range checks in limbs of `RANGE_LIMB_BITS` bits.
pub const AIR_VERSION: u16 = 3;

/// Log2 of the trace's rows: the SIMD backend's lane count, its smallest trace.
pub(crate) const LOG_ROWS: u32 = 4;

/// Log2 of the rows of the largest polynomial a proof commits to: each half of the composition polynomial,
/// whose degree is the trace's times the constraints'. Every tree is lifted to this size (blown up), so
/// the queries drawn over the composition's domain index into the trace's tree too.
pub(crate) const LOG_COMMITTED_ROWS: u32 = LOG_ROWS + LOG_MAX_DEGREE - 1;

/// Log2 of every committed tree's leaves at a blowup of `2^log_blowup`.
pub(crate) const fn lifting_log_size(log_blowup: u32) -> u32 {
    LOG_COMMITTED_ROWS + log_blowup
}

/// The constraints of one decision's risk graph.
#[derive(Debug, Clone)]
pub(crate) struct RiskEval {
    statement: DecisionStatement,
}

impl RiskEval {
    /// The AIR of `statement`.
    pub(crate) fn new(statement: DecisionStatement) -> Self {
        Self { statement }
    }
}

impl FrameworkEval for RiskEval {
    fn log_size(&self) -> u32 {
        LOG_ROWS
    }

    fn max_constraint_log_degree_bound(&self) -> u32 {
        // The witness refuses a constraint above this degree when proving.
        LOG_ROWS + LOG_MAX_DEGREE
    }

    fn evaluate<E: EvalAtRow>(&self, eval: E) -> E {
        let mut air = Constraints { eval };
        graph::decision(&mut air, &self.statement);
        air.eval
    }
}

/// The risk AIR as a stwo component.
pub(crate) type RiskComponent = FrameworkComponent<RiskEval>;

/// The trace of `statement` as committed polynomials blown up by `2^log_blowup`, or every constraint it
/// breaks (a false statement cannot be proven). Every row is the same, so each column is a constant
/// polynomial: its coefficients are the constant then zeros, and it takes that constant at every point of
/// any domain. Writing both down spares the two Fourier transforms per column stwo would otherwise run,
/// which below 32 rows fall back to a CPU transform recomputing its twiddles for every column.
pub(crate) fn trace(statement: &DecisionStatement, log_blowup: u32) -> Result<Vec<Poly<SimdBackend>>, Vec<String>> {
    let row = witness_row(statement)?;
    let domain = CanonicCoset::new(LOG_ROWS + log_blowup).circle_domain();
    let zero = BaseField::from_u32_unchecked(0);
    Ok(row
        .into_iter()
        .map(|value| {
            let value = BaseField::from_u32_unchecked(value);
            // The first coefficient multiplies the constant basis polynomial.
            let coefficients = std::iter::once(value).chain(std::iter::repeat_n(zero, (1 << LOG_ROWS) - 1));
            let evaluations = std::iter::repeat_n(value, domain.size());
            Poly::new(
                Some(CircleCoefficients::new(BaseColumn::from_iter(coefficients))),
                CircleEvaluation::new(domain, BaseColumn::from_iter(evaluations)),
            )
        })
        .collect())
}

/// The values of one row, checked against every constraint.
pub(crate) fn witness_row(statement: &DecisionStatement) -> Result<Vec<u32>, Vec<String>> {
    let mut witness = Witness::default();
    graph::decision(&mut witness, statement);
    witness.finish()
}

/// The size of the risk AIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AirShape {
    /// Trace columns.
    pub columns: usize,
    /// Constraints.
    pub constraints: usize,
}

/// The size of the AIR (the same for every statement: only the constants differ).
pub fn shape() -> AirShape {
    let mut witness = Witness::default();
    graph::decision(&mut witness, &starkrisk_domain::examples::statement());
    AirShape { columns: witness.n_columns(), constraints: witness.n_constraints() }
}

static AIR_HASH: LazyLock<ProgramHash> = LazyLock::new(|| {
    let shape = shape();
    let digest: [u8; 32] = Sha256::new_with_prefix(b"starkrisk/stwo/risk-air")
        .chain_update(AIR_VERSION.to_be_bytes())
        .chain_update((shape.columns as u64).to_be_bytes())
        .chain_update((shape.constraints as u64).to_be_bytes())
        .finalize()
        .into();
    ProgramHash::new(Felt::from_bytes_be(&digest))
});

/// The risk AIR's identity, what an S-two proof reports where a Stone proof reports its program hash:
/// SHA-256 over its version and layout (columns and constraints), so a prover whose AIR differs in either is
/// refused even if someone forgot to bump the version.
pub fn air_hash() -> ProgramHash {
    *AIR_HASH
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
