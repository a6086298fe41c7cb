//! Integrity's split flow for proofs too large for one transaction: `verify_proof_initial` (the proof
//! without its FRI layer witnesses), one `verify_proof_step` per inner FRI layer, then
//! `verify_proof_final_and_register_fact`. The contract keeps only hashes of the FRI state between
//! transactions, so the caller sends the state itself; this module computes it by verifying the proof
//! the way Integrity does, layer by layer, and keeps what each transaction needs.

pub mod fri;
mod lanes;
#[cfg(feature = "testing")]
pub mod replay;
pub mod state;

use starkrisk_domain::{Felt, VerifierConfig};
use swiftness::TransformTo;
use swiftness::commit::stark_commit;
use swiftness::oods::{OodsEvaluationInfo, eval_oods_boundary_poly_at_points};
use swiftness::queries::{generate_queries, queries_to_points};
use swiftness_air::domains::StarkDomains;
use swiftness_air::layout::recursive::Layout;
use swiftness_air::layout::{GenericLayoutTrait, LayoutTrait};
use swiftness_commitment::table::decommit::table_decommit;
use swiftness_fri::first_layer::gather_first_layer_queries;
use swiftness_transcript::transcript::Transcript;

use self::fri::{commitment_from, from_swiftness, query_from};
use self::state::{FriLayerWitness, FriStateConstant, FriStateVariable};
use crate::calldata::{FriWitness, proof_calldata_with};
use crate::error::StoneError;

/// A Stone proof verified step by step, with each split-flow transaction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitProof {
    /// The proof part of `verify_proof_initial`: the whole proof with an empty FRI witness.
    pub initial: Vec<Felt>,
    /// The state every step and the final call carry unchanged.
    pub constant: FriStateConstant,
    /// `states[i]` goes with step `i`; the last one goes with the final call.
    pub states: Vec<FriStateVariable>,
    /// Step `i`'s layer witness.
    pub witnesses: Vec<FriLayerWitness>,
    /// The last FRI layer's polynomial, sent with the final call.
    pub last_layer_coefficients: Vec<Felt>,
    /// The program output the proof establishes.
    pub output: Vec<Felt>,
}

fn rejected(what: &str, e: impl std::fmt::Debug) -> StoneError {
    StoneError::Rejected(format!("the proof does not verify as a recursive/keccak_160_lsb/stone6 proof: {what}: {e:?}"))
}

impl SplitProof {
    /// Verifies `proof` as Integrity's split flow will (every check of `verify_proof_full`, FRI layers
    /// included) and keeps each transaction's arguments.
    pub fn verify(proof: &swiftness_proof_parser::StarkProof) -> Result<Self, StoneError> {
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
        let commitment =
            stark_commit::<Layout>(&mut transcript, public_input, &stark.unsent_commitment, config, &domains)
                .map_err(|e| rejected("commitment", e))?;
        let queries = generate_queries(&mut transcript, config.n_queries, domains.eval_domain_size);
        let points = queries_to_points(&queries, &domains);
        let eval_info = OodsEvaluationInfo {
            oods_values: commitment.oods_values,
            oods_point: commitment.interaction_after_composition,
            trace_generator: domains.trace_generator,
            constraint_coefficients: commitment.interaction_after_oods,
        };
        let (traces, composition) = (commitment.traces, commitment.composition);
        // The traces' and composition's Merkle checks on one lane, the out-of-domain evaluation on the other.
        let (decommitted, values) = lanes::both(
            || {
                let (original, interaction) = (traces.original, traces.interaction);
                table_decommit(
                    original,
                    &queries,
                    witness.traces_decommitment.original.clone(),
                    witness.traces_witness.original.clone(),
                )
                .and_then(|()| {
                    table_decommit(
                        interaction,
                        &queries,
                        witness.traces_decommitment.interaction.clone(),
                        witness.traces_witness.interaction.clone(),
                    )
                })
                .map_err(|e| rejected("trace decommitment", e))?;
                table_decommit(
                    composition,
                    &queries,
                    witness.composition_decommitment.clone(),
                    witness.composition_witness.clone(),
                )
                .map_err(|e| rejected("composition decommitment", e))
            },
            || {
                eval_oods_boundary_poly_at_points::<Layout>(
                    n_original,
                    n_interaction,
                    public_input,
                    &eval_info,
                    &points,
                    &witness.traces_decommitment,
                    &witness.composition_decommitment,
                )
            },
        );
        decommitted?;
        let first_layer = gather_first_layer_queries(&queries, values, points);

        let fri = commitment.fri;
        let degree_bound = swiftness_felt::felt::Felt::TWO.pow_felt(&fri.config.log_last_layer_degree_bound);
        if swiftness_felt::felt::Felt::from(fri.last_layer_coefficients.len()) != degree_bound {
            return Err(rejected("FRI", "the last layer has the wrong number of coefficients"));
        }
        let last_layer_coefficients: Vec<Felt> =
            fri.last_layer_coefficients.iter().copied().map(from_swiftness).collect();
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
            return Err(rejected(
                "FRI",
                format!("{} layer witnesses for {} layers", witnesses.len(), constant.n_layers),
            ));
        }
        let mut state = FriStateVariable { iter: 0, queries: first_layer.iter().map(query_from).collect() };
        let mut states = Vec::with_capacity(witnesses.len() + 1);
        let mut checks = (Vec::new(), Vec::new());
        for (at, layer) in witnesses.iter().enumerate() {
            let (next, check) = fri::fold(&constant, &state, layer)?;
            // Layers shrink as they fold: alternating them gives each lane a similar share of hashing.
            if at % 2 == 0 {
                checks.0.push(check)
            } else {
                checks.1.push(check)
            }
            states.push(std::mem::replace(&mut state, next));
        }
        fri::finish(&constant, &state, &last_layer_coefficients)?;
        states.push(state);
        let run = |checks: Vec<fri::LayerCheck>| checks.into_iter().try_for_each(fri::LayerCheck::run);
        let (first, second) = lanes::both(|| run(checks.0), || run(checks.1));
        first.and(second)?;

        let (_, output) = Layout::verify_public_input(public_input).map_err(|e| rejected("public input", e))?;
        Ok(Self {
            initial: proof_calldata_with(proof, FriWitness::Omitted)?,
            constant,
            states,
            witnesses,
            last_layer_coefficients,
            output: output.into_iter().map(from_swiftness).collect(),
        })
    }

    /// How many `verify_proof_step` transactions the flow takes.
    pub fn steps(&self) -> usize {
        self.witnesses.len()
    }

    /// `verify_proof_initial(job_id, verifier_config, stark_proof)`.
    pub fn initial_calldata(&self, job_id: Felt, config: &VerifierConfig) -> Result<Vec<Felt>, StoneError> {
        let head = config.to_felts().map_err(|e| StoneError::Malformed(e.to_string()))?;
        Ok([&[job_id][..], &head, &self.initial].concat())
    }

    /// `verify_proof_step(job_id, state_constant, state_variable, witness)` for step `step`.
    pub fn step_calldata(&self, job_id: Felt, step: usize) -> Option<Vec<Felt>> {
        let (state, witness) = (self.states.get(step)?, self.witnesses.get(step)?);
        let mut out = vec![job_id];
        self.constant.write(&mut out);
        state.write(&mut out);
        witness.write(&mut out);
        Some(out)
    }

    /// `verify_proof_final_and_register_fact(job_id, state_constant, state_variable, last_layer_coefficients)`.
    pub fn final_calldata(&self, job_id: Felt) -> Vec<Felt> {
        let mut out = vec![job_id];
        self.constant.write(&mut out);
        if let Some(state) = self.states.last() {
            state.write(&mut out);
        }
        out.push(Felt::from(self.last_layer_coefficients.len()));
        out.extend_from_slice(&self.last_layer_coefficients);
        out
    }
}
