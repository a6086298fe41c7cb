//! The FRI parameters Stone and Integrity expect for a trace of a given length.

use serde::{Deserialize, Serialize};

/// log2 of the trace rows one Cairo step takes in Stone's CPU layouts (the CPU component's height, 16):
/// FRI's degree bound is n_steps · 2^4, whatever the blowup (`log_n_cosets`) is.
pub const LOG_ROWS_PER_STEP: u32 = 4;
/// Stone's smallest trace.
pub const MIN_STEPS: u64 = 512;
/// FRI folds at most this many layers per step.
const MAX_FRI_STEP: u32 = 4;

/// Why FRI parameters could not be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FriError {
    /// The trace length is not a power of two.
    #[error("n_steps {0} is not a power of two; pad the trace to the next power of two")]
    StepsNotPowerOfTwo(u64),
    /// The trace is shorter than Stone accepts.
    #[error("n_steps {0} is below Stone's minimum of 512")]
    TooFewSteps(u64),
    /// The last layer bound is not a power of two.
    #[error("last_layer_degree_bound {0} is not a power of two")]
    LastLayerNotPowerOfTwo(u64),
    /// The last layer is larger than the whole evaluation domain.
    #[error("last_layer_degree_bound {bound} exceeds the degree bound {degree_bound} of a {n_steps}-step trace")]
    LastLayerTooLarge {
        /// The requested bound.
        bound: u64,
        /// The trace's degree bound (n_steps · 2^LOG_ROWS_PER_STEP).
        degree_bound: u64,
        /// The trace length.
        n_steps: u64,
    },
}

/// FRI parameters in the shape of Stone's `cpu_air_params.json` `stark.fri` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriParameters {
    /// Layers folded at each FRI step; the first is always 0.
    pub fri_step_list: Vec<u32>,
    /// Degree bound of the last layer, sent in the clear.
    pub last_layer_degree_bound: u64,
    /// Number of FRI queries.
    pub n_queries: u32,
    /// Proof-of-work grinding bits.
    pub proof_of_work_bits: u32,
    /// log2 of the blowup.
    pub log_n_cosets: u32,
}

impl FriParameters {
    /// Derives the step list for a trace of `n_steps` so that
    /// log2(last_layer_degree_bound) + Σ fri_step_list = log2(n_steps) + LOG_ROWS_PER_STEP; the blowup
    /// (`log_n_cosets`), queries and grinding are the caller's security choice and do not change the list.
    pub fn for_trace(
        n_steps: u64,
        last_layer_degree_bound: u64,
        n_queries: u32,
        proof_of_work_bits: u32,
        log_n_cosets: u32,
    ) -> Result<Self, FriError> {
        if !n_steps.is_power_of_two() {
            return Err(FriError::StepsNotPowerOfTwo(n_steps));
        }
        if n_steps < MIN_STEPS {
            return Err(FriError::TooFewSteps(n_steps));
        }
        if !last_layer_degree_bound.is_power_of_two() {
            return Err(FriError::LastLayerNotPowerOfTwo(last_layer_degree_bound));
        }
        let log_degree = n_steps.trailing_zeros() + LOG_ROWS_PER_STEP;
        let log_last = last_layer_degree_bound.trailing_zeros();
        if log_last > log_degree {
            return Err(FriError::LastLayerTooLarge {
                bound: last_layer_degree_bound,
                degree_bound: n_steps << LOG_ROWS_PER_STEP,
                n_steps,
            });
        }
        let sigma = log_degree - log_last;
        let mut fri_step_list = vec![0];
        fri_step_list.extend(std::iter::repeat_n(MAX_FRI_STEP, (sigma / MAX_FRI_STEP) as usize));
        if !sigma.is_multiple_of(MAX_FRI_STEP) {
            fri_step_list.push(sigma % MAX_FRI_STEP);
        }
        Ok(Self { fri_step_list, last_layer_degree_bound, n_queries, proof_of_work_bits, log_n_cosets })
    }

    /// Integrity's security: n_queries · log_n_cosets + proof_of_work_bits (conjectured; see [`crate::SecurityLevel`]).
    pub fn security_bits(&self) -> u32 {
        self.security().conjectured_bits
    }

    /// The security these parameters give under both regimes.
    pub fn security(&self) -> crate::SecurityLevel {
        crate::SecurityLevel::of_fri(self.n_queries, self.log_n_cosets, self.proof_of_work_bits)
    }
}
