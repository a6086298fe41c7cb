//! A Stone proof verified as Integrity's split flow will verify it, on two lanes: once the queries are
//! drawn, the traces' Merkle checks and the public input's run on one lane while the other evaluates the
//! out-of-domain quotients and folds the FRI layers, and both check the folded layers' Merkle paths.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, PoisonError};

use starkrisk_domain::Felt;
use swiftness::TransformTo;
use swiftness::commit::stark_commit;
use swiftness::oods::OodsEvaluationInfo;
use swiftness::queries::{generate_queries, queries_to_points};
use swiftness::types::StarkWitness;
use swiftness_air::domains::StarkDomains;
use swiftness_air::layout::recursive::Layout;
use swiftness_air::layout::{GenericLayoutTrait, LayoutTrait};
use swiftness_commitment::table::decommit::table_decommit;
use swiftness_commitment::table::types::Commitment as TableCommitment;
use swiftness_felt::felt::Felt as SFelt;
use swiftness_fri::first_layer::gather_first_layer_queries;
use swiftness_fri::types::Commitment as FriCommitment;
use swiftness_transcript::transcript::Transcript;

use super::fri::{self, LayerCheck, commitment_from, from_swiftness, query_from};
use super::state::{FriLayerWitness, FriStateConstant, FriStateVariable};
use super::{SplitProof, lanes, oods};
use crate::calldata::{FriWitness, proof_calldata_with};
use crate::error::StoneError;

fn rejected(what: &str, e: impl std::fmt::Debug) -> StoneError {
    StoneError::Rejected(format!("the proof does not verify as a recursive/keccak_160_lsb/stone6 proof: {what}: {e:?}"))
}

/// The FRI part of a split proof, before its layers' Merkle paths are checked.
struct Folded {
    constant: FriStateConstant,
    states: Vec<FriStateVariable>,
    witnesses: Vec<FriLayerWitness>,
    last_layer_coefficients: Vec<Felt>,
}

/// Takes folded layers' checks off the shared queue and runs them until the queue is closed and empty.
fn drain(checks: &Mutex<Receiver<LayerCheck>>) -> Result<(), StoneError> {
    // The guard is a temporary: the lock is released before the check runs, so both lanes hash at once.
    while let Ok(check) = checks.lock().unwrap_or_else(PoisonError::into_inner).recv() {
        check.run()?;
    }
    Ok(())
}

/// The Merkle checks of the original trace, the interaction trace and the composition polynomial.
fn decommit_tables(
    queries: &[SFelt],
    (original, interaction, composition): (TableCommitment, TableCommitment, TableCommitment),
    witness: &StarkWitness,
) -> Result<(), StoneError> {
    let (decommitment, traces) = (&witness.traces_decommitment, &witness.traces_witness);
    table_decommit(original, queries, decommitment.original.clone(), traces.original.clone())
        .and_then(|()| {
            table_decommit(interaction, queries, decommitment.interaction.clone(), traces.interaction.clone())
        })
        .map_err(|e| rejected("trace decommitment", e))?;
    table_decommit(composition, queries, witness.composition_decommitment.clone(), witness.composition_witness.clone())
        .map_err(|e| rejected("composition decommitment", e))
}

/// Folds the first layer's queries through every inner layer and the last, sending each layer's
/// Merkle check to `checks` (largest first) instead of running it.
fn fold_layers(
    fri: FriCommitment,
    witness: &StarkWitness,
    first_layer: &[swiftness_fri::layer::FriLayerQuery],
    checks: Sender<LayerCheck>,
) -> Result<Folded, StoneError> {
    let degree_bound = SFelt::TWO.pow_felt(&fri.config.log_last_layer_degree_bound);
    if SFelt::from(fri.last_layer_coefficients.len()) != degree_bound {
        return Err(rejected("FRI", "the last layer has the wrong number of coefficients"));
    }
    let last_layer_coefficients: Vec<Felt> = fri.last_layer_coefficients.iter().copied().map(from_swiftness).collect();
    let constant = FriStateConstant {
        n_layers: u32::try_from(fri.inner_layers.len()).map_err(|e| rejected("FRI", e))?,
        commitments: fri.inner_layers.iter().map(commitment_from).collect(),
        eval_points: fri.eval_points.iter().copied().map(from_swiftness).collect(),
        step_sizes: fri.config.fri_step_sizes.iter().skip(1).copied().map(from_swiftness).collect(),
        last_layer_coefficients_hash: starkrisk_domain::poseidon_many(&last_layer_coefficients),
    };
    let witnesses: Vec<FriLayerWitness> = witness
        .fri_witness
        .layers
        .iter()
        .map(|l| FriLayerWitness {
            leaves: l.leaves.iter().copied().map(from_swiftness).collect(),
            authentications: l.table_witness.vector.authentications.iter().copied().map(from_swiftness).collect(),
        })
        .collect();
    if witnesses.len() != constant.commitments.len() {
        return Err(rejected("FRI", format!("{} layer witnesses for {} layers", witnesses.len(), constant.n_layers)));
    }
    let mut state = FriStateVariable { iter: 0, queries: first_layer.iter().map(query_from).collect() };
    let mut states = Vec::with_capacity(witnesses.len() + 1);
    for layer in &witnesses {
        let (next, check) = fri::fold(&constant, &state, layer)?;
        // The queue's receiver outlives both lanes, so a send cannot fail.
        let _ = checks.send(check);
        states.push(std::mem::replace(&mut state, next));
    }
    fri::finish(&constant, &state, &last_layer_coefficients)?;
    states.push(state);
    Ok(Folded { constant, states, witnesses, last_layer_coefficients })
}

/// Verifies `proof` as Integrity's split flow will (every check of `verify_proof_full`, FRI layers
/// included) and keeps each transaction's arguments.
pub(super) fn verify(proof: &swiftness_proof_parser::StarkProof) -> Result<SplitProof, StoneError> {
    // swiftness drops these pages when it converts the proof, so they would verify unread here, while
    // Integrity's recursive layout refuses any: claims nothing proves are refused here too.
    if proof.public_input.n_continuous_pages != 0 {
        return Err(rejected(
            "public input",
            format!(
                "{} public memory pages besides the main page; the recursive layout allows none",
                proof.public_input.n_continuous_pages
            ),
        ));
    }
    let stark: swiftness::types::StarkProof = proof.clone().transform_to();
    let (config, public_input, witness) = (&stark.config, &stark.public_input, &stark.witness);
    let columns = |n: Option<u32>| n.ok_or_else(|| rejected("columns", "the public input names no layout columns"));
    let n_original = columns(Layout::get_num_columns_first(public_input))?;
    let n_interaction = columns(Layout::get_num_columns_second(public_input))?;
    config
        .validate(config.security_bits(), n_original.into(), n_interaction.into())
        .map_err(|e| rejected("config", e))?;
    let domains = StarkDomains::new(config.log_trace_domain_size, config.log_n_cosets);
    Layout::validate_public_input(public_input, &domains).map_err(|e| rejected("public input", e))?;

    let mut transcript = Transcript::new(public_input.get_hash(config.n_verifier_friendly_commitment_layers));
    let commitment = stark_commit::<Layout>(&mut transcript, public_input, &stark.unsent_commitment, config, &domains)
        .map_err(|e| rejected("commitment", e))?;
    let queries = generate_queries(&mut transcript, config.n_queries, domains.eval_domain_size);
    let points = queries_to_points(&queries, &domains);
    let eval_info = OodsEvaluationInfo {
        oods_values: commitment.oods_values,
        oods_point: commitment.interaction_after_composition,
        trace_generator: domains.trace_generator,
        constraint_coefficients: commitment.interaction_after_oods,
    };
    let tables = (commitment.traces.original, commitment.traces.interaction, commitment.composition);
    let (send, receive) = channel();
    let checks = Mutex::new(receive);
    let (decommitted, folded) = lanes::both(
        || {
            decommit_tables(&queries, tables, witness)?;
            // The public input's own checks and the initial calldata wait on nothing either.
            let (_, output) = Layout::verify_public_input(public_input).map_err(|e| rejected("public input", e))?;
            let initial = proof_calldata_with(proof, FriWitness::Omitted)?;
            drain(&checks)?;
            Ok((output, initial))
        },
        || {
            let values = oods::Decommitted {
                original: &witness.traces_decommitment.original.values,
                interaction: &witness.traces_decommitment.interaction.values,
                composition: &witness.composition_decommitment.values,
            };
            let columns = (n_original as usize, n_interaction as usize);
            let quotients = oods::evaluate(&eval_info, &points, columns, &values)?;
            let first_layer = gather_first_layer_queries(&queries, quotients, points.clone());
            // `send` moves in and drops when folding ends, which closes the queue for both lanes.
            let folded = fold_layers(commitment.fri, witness, &first_layer, send)?;
            drain(&checks)?;
            Ok(folded)
        },
    );
    let (output, initial) = decommitted?;
    let Folded { constant, states, witnesses, last_layer_coefficients } = folded?;
    Ok(SplitProof {
        initial,
        constant,
        states,
        witnesses,
        last_layer_coefficients,
        output: output.into_iter().map(from_swiftness).collect(),
    })
}
