//! Integrity's split flow for proofs too large for one transaction: `verify_proof_initial` (the proof
//! without its FRI layer witnesses), one `verify_proof_step` per inner FRI layer, then
//! `verify_proof_final_and_register_fact`. The contract keeps only hashes of the FRI state between
//! transactions, so the caller sends the state itself; this module computes it by verifying the proof
//! the way Integrity does, layer by layer, and keeps what each transaction needs.

pub mod fri;
mod lanes;
pub mod oods;
#[cfg(feature = "testing")]
pub mod replay;
pub mod state;
mod verify;

use starkrisk_domain::{Felt, VerifierConfig};

use self::state::{FriLayerWitness, FriStateConstant, FriStateVariable};
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

impl SplitProof {
    /// Verifies `proof` as Integrity's split flow will (every check of `verify_proof_full`, FRI layers
    /// included) and keeps each transaction's arguments.
    pub fn verify(proof: &swiftness_proof_parser::StarkProof) -> Result<Self, StoneError> {
        verify::verify(proof)
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
