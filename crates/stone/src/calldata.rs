//! Calldata for Integrity's `verify_proof_full_and_register_fact(VerifierConfiguration, StarkProofWithSerde)`:
//! the four verifier-configuration short strings, then the proof serialized as Cairo's Serde does —
//! struct fields in declaration order, each array as its length followed by its elements.

use num_bigint::BigUint;
use starkrisk_domain::{Felt, VerifierConfig};
use swiftness_proof_parser::{
    FriConfig, PublicInput, StarkConfig, StarkProof, StarkUnsentCommitment, StarkWitness, TableCommitmentConfig,
    TableCommitmentWitness, TableDecommitment,
};

use crate::error::StoneError;
use crate::felts::from_biguint;

/// Felts in Cairo Serde order.
#[derive(Default)]
struct Writer {
    felts: Vec<Felt>,
}

impl Writer {
    fn small(&mut self, value: impl Into<u64>) {
        self.felts.push(Felt::from(value.into()));
    }

    fn count(&mut self, value: usize) {
        self.felts.push(Felt::from(value));
    }

    fn big(&mut self, value: &BigUint) -> Result<(), StoneError> {
        let felt = from_biguint(value).ok_or_else(|| StoneError::Malformed(format!("{value} is not a felt")))?;
        self.felts.push(felt);
        Ok(())
    }

    /// An array: its length (the felts `body` writes; starkrisk's proofs never nest arrays), then them.
    fn array(&mut self, body: impl FnOnce(&mut Self) -> Result<(), StoneError>) -> Result<(), StoneError> {
        let at = self.felts.len();
        self.felts.push(Felt::ZERO);
        body(self)?;
        let len = self.felts.len() - at - 1;
        self.felts[at] = Felt::from(len);
        Ok(())
    }

    fn bigs(&mut self, values: &[BigUint]) -> Result<(), StoneError> {
        values.iter().try_for_each(|v| self.big(v))
    }

    fn table_config(&mut self, c: &TableCommitmentConfig) {
        self.small(c.n_columns);
        self.small(c.vector.height);
        self.small(c.vector.n_verifier_friendly_commitment_layers);
    }

    fn fri_config(&mut self, c: &FriConfig) -> Result<(), StoneError> {
        self.small(c.log_input_size);
        self.small(c.n_layers);
        self.array(|w| {
            c.inner_layers.iter().for_each(|l| w.table_config(l));
            Ok(())
        })?;
        self.array(|w| {
            c.fri_step_sizes.iter().for_each(|s| w.small(*s));
            Ok(())
        })?;
        self.small(c.log_last_layer_degree_bound);
        Ok(())
    }

    fn config(&mut self, c: &StarkConfig) -> Result<(), StoneError> {
        self.table_config(&c.traces.original);
        self.table_config(&c.traces.interaction);
        self.table_config(&c.composition);
        self.fri_config(&c.fri)?;
        self.small(c.proof_of_work.n_bits);
        self.small(c.log_trace_domain_size);
        self.small(c.n_queries);
        self.small(c.log_n_cosets);
        self.small(c.n_verifier_friendly_commitment_layers);
        Ok(())
    }

    fn public_input(&mut self, p: &PublicInput) -> Result<(), StoneError> {
        self.small(p.log_n_steps);
        self.small(p.range_check_min);
        self.small(p.range_check_max);
        self.big(&p.layout)?;
        self.array(|w| {
            p.dynamic_params.values().for_each(|v| w.small(*v));
            Ok(())
        })?;
        self.count(p.n_segments);
        self.array(|w| {
            for s in &p.segments {
                w.small(s.begin_addr);
                w.small(s.stop_ptr);
            }
            Ok(())
        })?;
        self.small(p.padding_addr);
        self.big(&p.padding_value)?;
        self.count(p.main_page_len);
        self.array(|w| {
            p.main_page.iter().try_for_each(|cell| {
                w.small(cell.address);
                w.big(&cell.value)
            })
        })?;
        self.count(p.n_continuous_pages);
        self.array(|w| w.bigs(&p.continuous_page_headers))
    }

    fn unsent_commitment(&mut self, u: &StarkUnsentCommitment) -> Result<(), StoneError> {
        self.big(&u.traces.original)?;
        self.big(&u.traces.interaction)?;
        self.big(&u.composition)?;
        self.array(|w| w.bigs(&u.oods_values))?;
        self.array(|w| w.bigs(&u.fri.inner_layers))?;
        self.array(|w| w.bigs(&u.fri.last_layer_coefficients))?;
        self.big(&u.proof_of_work.nonce)
    }

    fn decommitment(&mut self, d: &TableDecommitment) -> Result<(), StoneError> {
        self.count(d.n_values);
        self.array(|w| w.bigs(&d.values))
    }

    fn table_witness(&mut self, t: &TableCommitmentWitness) -> Result<(), StoneError> {
        self.count(t.vector.n_authentications);
        self.array(|w| w.bigs(&t.vector.authentications))
    }

    fn witness(&mut self, s: &StarkWitness, fri: FriWitness) -> Result<(), StoneError> {
        self.decommitment(&s.traces_decommitment.original)?;
        self.decommitment(&s.traces_decommitment.interaction)?;
        self.table_witness(&s.traces_witness.original)?;
        self.table_witness(&s.traces_witness.interaction)?;
        self.decommitment(&s.composition_decommitment)?;
        self.table_witness(&s.composition_witness)?;
        // The FRI layers are one flat array: per layer its leaves and authentications, each count-prefixed.
        // The split flow's initial call sends none: each layer's witness travels with its own step.
        let layers = match fri {
            FriWitness::Included => &s.fri_witness.layers[..],
            FriWitness::Omitted => &[],
        };
        self.array(|w| {
            layers.iter().try_for_each(|layer| {
                w.count(layer.n_leaves);
                w.bigs(&layer.leaves)?;
                w.count(layer.table_witness.vector.n_authentications);
                w.bigs(&layer.table_witness.vector.authentications)
            })
        })
    }
}

/// Whether the proof's FRI layer witnesses go into its calldata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FriWitness {
    /// All of them (`verify_proof_full_and_register_fact`).
    Included,
    /// None (`verify_proof_initial` of the split flow).
    Omitted,
}

/// The proof part of the calldata: config ‖ public_input ‖ unsent_commitment ‖ witness.
pub fn proof_calldata(proof: &StarkProof) -> Result<Vec<Felt>, StoneError> {
    proof_calldata_with(proof, FriWitness::Included)
}

/// The proof part of the calldata, with or without the FRI layer witnesses.
pub fn proof_calldata_with(proof: &StarkProof, fri: FriWitness) -> Result<Vec<Felt>, StoneError> {
    let mut w = Writer::default();
    w.config(&proof.config)?;
    w.public_input(&proof.public_input)?;
    w.unsent_commitment(&proof.unsent_commitment)?;
    w.witness(&proof.witness, fri)?;
    Ok(w.felts)
}

/// The whole calldata of `verify_proof_full_and_register_fact`: verifier configuration, then the proof.
pub fn register_calldata(config: &VerifierConfig, proof: &StarkProof) -> Result<Vec<Felt>, StoneError> {
    let head = config.to_felts().map_err(|e| StoneError::Malformed(e.to_string()))?;
    let mut felts = head.to_vec();
    felts.extend(proof_calldata(proof)?);
    Ok(felts)
}
