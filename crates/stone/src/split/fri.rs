//! One FRI step and the final check, exactly as Integrity's `fri_verify_step` / `fri_verify_final` run
//! them, on swiftness' layer arithmetic. Unlike swiftness' own `fri_verify`, every layer's Merkle
//! decommitment result is checked.

use starkrisk_domain::Felt;
use starkrisk_domain::poseidon_many;
use swiftness_commitment::table::config::Config as TableConfig;
use swiftness_commitment::table::decommit::table_decommit;
use swiftness_commitment::table::types::{Commitment as TableCommitment, Decommitment, Witness as TableWitness};
use swiftness_commitment::vector::config::Config as VectorConfig;
use swiftness_commitment::vector::types::{Commitment as VectorCommitment, Witness as VectorWitness};
use swiftness_felt::felt::Felt as SFelt;
use swiftness_fri::group::get_fri_group;
use swiftness_fri::last_layer::verify_last_layer;
use swiftness_fri::layer::{FriLayerComputationParams, FriLayerQuery, compute_next_layer};

use super::state::{FriLayerWitness, FriQuery, FriStateConstant, FriStateVariable, LayerCommitment};
use crate::error::StoneError;
use crate::felts::from_be_bytes;

/// The FRI group holds 16 elements, so a coset is at most 2^4.
const MAX_STEP_SIZE: u32 = 4;

/// A domain felt in swiftness' felt type.
pub(crate) fn to_swiftness(f: Felt) -> SFelt {
    SFelt::from_bytes_be(&f.to_bytes_be())
}

/// A swiftness felt as a domain felt.
pub(crate) fn from_swiftness(f: SFelt) -> Felt {
    from_be_bytes(&f.to_bytes_be())
}

pub(crate) fn query_from(q: &FriLayerQuery) -> FriQuery {
    FriQuery {
        index: from_swiftness(q.index),
        y_value: from_swiftness(q.y_value),
        x_inv_value: from_swiftness(q.x_inv_value),
    }
}

fn query_to(q: &FriQuery) -> FriLayerQuery {
    FriLayerQuery {
        index: to_swiftness(q.index),
        y_value: to_swiftness(q.y_value),
        x_inv_value: to_swiftness(q.x_inv_value),
    }
}

pub(crate) fn commitment_from(c: &TableCommitment) -> LayerCommitment {
    LayerCommitment {
        n_columns: from_swiftness(c.config.n_columns),
        height: from_swiftness(c.config.vector.height),
        n_verifier_friendly_layers: from_swiftness(c.config.vector.n_verifier_friendly_commitment_layers),
        vector_height: from_swiftness(c.vector_commitment.config.height),
        vector_n_verifier_friendly_layers: from_swiftness(
            c.vector_commitment.config.n_verifier_friendly_commitment_layers,
        ),
        commitment_hash: from_swiftness(c.vector_commitment.commitment_hash),
    }
}

fn commitment_to(c: &LayerCommitment) -> TableCommitment {
    TableCommitment {
        config: TableConfig {
            n_columns: to_swiftness(c.n_columns),
            vector: VectorConfig {
                height: to_swiftness(c.height),
                n_verifier_friendly_commitment_layers: to_swiftness(c.n_verifier_friendly_layers),
            },
        },
        vector_commitment: VectorCommitment {
            config: VectorConfig {
                height: to_swiftness(c.vector_height),
                n_verifier_friendly_commitment_layers: to_swiftness(c.vector_n_verifier_friendly_layers),
            },
            commitment_hash: to_swiftness(c.commitment_hash),
        },
    }
}

fn rejected(layer: u32, what: impl std::fmt::Display) -> StoneError {
    StoneError::Rejected(format!("FRI layer {layer}: {what}"))
}

/// Sibling leaves a layer step consumes: each queried coset's members that are not themselves queried.
/// Counted first because swiftness panics instead of failing when the witness is short.
fn siblings_needed(queries: &[FriQuery], coset_size: u64) -> Option<usize> {
    let indices = queries.iter().map(|q| u64::try_from(q.index.to_biguint()).ok()).collect::<Option<Vec<u64>>>()?;
    let (mut needed, mut next) = (0usize, 0usize);
    while let Some(first) = indices.get(next) {
        let start = first - first % coset_size;
        for member in start..start.checked_add(coset_size)? {
            if indices.get(next) == Some(&member) {
                next += 1;
            } else {
                needed += 1;
            }
        }
    }
    Some(needed)
}

/// One step: folds the queries through inner layer `variable.iter` and checks its Merkle decommitment.
pub fn step(
    constant: &FriStateConstant,
    variable: &FriStateVariable,
    witness: &FriLayerWitness,
) -> Result<FriStateVariable, StoneError> {
    let (next, check) = fold(constant, variable, witness)?;
    check.run()?;
    Ok(next)
}

/// A layer's Merkle decommitment, left to check after the fold: the checks of different layers are
/// independent, so a verifier can run them side by side.
pub struct LayerCheck {
    layer: u32,
    commitment: TableCommitment,
    indices: Vec<SFelt>,
    values: Vec<SFelt>,
    witness: TableWitness,
}

impl LayerCheck {
    /// Checks that the folded layer's values and the witness hash up to the layer's commitment.
    pub fn run(self) -> Result<(), StoneError> {
        table_decommit(self.commitment, &self.indices, Decommitment { values: self.values }, self.witness)
            .map_err(|e| rejected(self.layer, format!("the Merkle decommitment does not match the commitment: {e:?}")))
    }
}

/// Folds the queries through inner layer `variable.iter`; the layer's decommitment is returned unchecked.
pub fn fold(
    constant: &FriStateConstant,
    variable: &FriStateVariable,
    witness: &FriLayerWitness,
) -> Result<(FriStateVariable, LayerCheck), StoneError> {
    let layer = variable.iter;
    let at = layer as usize;
    let parts = (layer < constant.n_layers)
        .then(|| (constant.step_sizes.get(at), constant.eval_points.get(at), constant.commitments.get(at)));
    let Some((Some(step_size), Some(eval_point), Some(commitment))) = parts else {
        return Err(rejected(layer, format!("there are only {} inner layers to step through", constant.n_layers)));
    };
    let step_size = u32::try_from(step_size.to_biguint())
        .ok()
        .filter(|s| *s <= MAX_STEP_SIZE)
        .ok_or_else(|| rejected(layer, format!("step size {step_size} is above {MAX_STEP_SIZE}")))?;
    let coset_size = 1u64 << step_size;
    match siblings_needed(&variable.queries, coset_size) {
        Some(n) if n == witness.leaves.len() => {}
        Some(n) => {
            return Err(rejected(
                layer,
                format!("the witness has {} sibling leaves; {n} are needed", witness.leaves.len()),
            ));
        }
        None => return Err(rejected(layer, "a query index is out of range")),
    }
    let params = FriLayerComputationParams {
        coset_size: SFelt::from(coset_size),
        fri_group: get_fri_group(),
        eval_point: to_swiftness(*eval_point),
    };
    let mut queries: Vec<FriLayerQuery> = variable.queries.iter().map(query_to).collect();
    let mut leaves: Vec<SFelt> = witness.leaves.iter().copied().map(to_swiftness).collect();
    let (next, indices, values) =
        compute_next_layer(&mut queries, &mut leaves, params).map_err(|e| rejected(layer, format!("{e:?}")))?;
    let check = LayerCheck {
        layer,
        commitment: commitment_to(commitment),
        indices,
        values,
        witness: TableWitness {
            vector: VectorWitness {
                authentications: witness.authentications.iter().copied().map(to_swiftness).collect(),
            },
        },
    };
    Ok((FriStateVariable { iter: layer + 1, queries: next.iter().map(query_from).collect() }, check))
}

/// The final check: every inner layer stepped through, and the last layer's polynomial (whose hash the
/// constant state fixed) agrees with every query.
pub fn finish(
    constant: &FriStateConstant,
    variable: &FriStateVariable,
    last_layer_coefficients: &[Felt],
) -> Result<(), StoneError> {
    if variable.iter != constant.n_layers {
        return Err(StoneError::Rejected(format!(
            "the final FRI check came after {} of {} layers",
            variable.iter, constant.n_layers
        )));
    }
    if poseidon_many(last_layer_coefficients) != constant.last_layer_coefficients_hash {
        return Err(StoneError::Rejected("the last layer coefficients are not the committed ones".into()));
    }
    let queries = variable.queries.iter().map(query_to).collect();
    verify_last_layer(queries, last_layer_coefficients.iter().copied().map(to_swiftness).collect())
        .map_err(|e| StoneError::Rejected(format!("the FRI last layer does not match the queries: {e:?}")))
}
