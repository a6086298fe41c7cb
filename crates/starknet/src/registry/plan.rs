//! Which registration a Stone proof takes: one transaction when its calldata fits, Integrity's split
//! flow when it does not, and a clear refusal when not even the split flow's transactions fit.

use starknet::core::types::Felt;
use starkrisk_domain::ports::ChainError;
use starkrisk_domain::{FactHash, ProofArtifact, ProofSystem, VerifierConfig};
use starkrisk_stone::StoneProof;
use starkrisk_stone::split::SplitProof;

/// Felts the account's `__execute__` adds around a single call: call count, target, selector, length.
pub const EXECUTE_OVERHEAD_FELTS: usize = 4;

/// The transactions that register one proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationPlan {
    /// `verify_proof_full_and_register_fact` with this calldata.
    Full(Vec<Felt>),
    /// `verify_proof_initial`, a `verify_proof_step` per inner FRI layer, then
    /// `verify_proof_final_and_register_fact`.
    Split(Box<SplitProof>),
}

fn invalid(reason: String) -> ChainError {
    ChainError::InvalidInput { field: "proof".into(), reason }
}

/// A Stone artifact's proof, parsed, or why it cannot be registered.
pub(crate) fn stone_proof(artifact: &ProofArtifact) -> Result<StoneProof, ChainError> {
    if artifact.system != ProofSystem::Stone {
        return Err(invalid(format!("Integrity registers Stone proofs; this is a {} proof", artifact.system.as_str())));
    }
    let json = std::str::from_utf8(&artifact.bytes).map_err(|_| invalid("a Stone proof is JSON text".into()))?;
    StoneProof::parse(json).map_err(|e| invalid(e.to_string()))
}

/// The fact a Stone proof establishes and the security it claims, read from its public input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofFact {
    /// Integrity's fact hash.
    pub fact_hash: FactHash,
    /// n_queries · log_n_cosets + proof-of-work bits.
    pub security_bits: u32,
}

impl ProofFact {
    /// Reads them from a parsed Stone proof.
    pub fn of(proof: &StoneProof) -> Result<Self, ChainError> {
        let (_, _, fact_hash) = proof.fact().map_err(|e| invalid(e.to_string()))?;
        Ok(Self { fact_hash, security_bits: proof.security_bits() })
    }
}

impl RegistrationPlan {
    /// The plan for `artifact` under a per-transaction limit of `max_calldata_felts`.
    pub fn for_artifact(
        artifact: &ProofArtifact,
        config: &VerifierConfig,
        max_calldata_felts: usize,
    ) -> Result<Self, ChainError> {
        Self::for_proof(&stone_proof(artifact)?, config, max_calldata_felts)
    }

    /// The plan for a parsed Stone proof.
    pub fn for_proof(
        proof: &StoneProof,
        config: &VerifierConfig,
        max_calldata_felts: usize,
    ) -> Result<Self, ChainError> {
        let full =
            starkrisk_stone::calldata::register_calldata(config, &proof.parsed).map_err(|e| invalid(e.to_string()))?;
        if full.len() + EXECUTE_OVERHEAD_FELTS <= max_calldata_felts {
            return Ok(Self::Full(full));
        }
        let split = SplitProof::verify(&proof.parsed).map_err(|e| invalid(e.to_string()))?;
        let largest = split_sizes(&split, config)?.into_iter().max().unwrap_or(0);
        if largest + EXECUTE_OVERHEAD_FELTS > max_calldata_felts {
            return Err(invalid(format!(
                "the registration calldata has {} felts, above starknet.integrity.max_calldata_felts \
                 ({max_calldata_felts}), and the largest of the split flow's {} transactions still has {largest}; \
                 raise the limit as far as the network allows",
                full.len(),
                split.steps() + 2
            )));
        }
        Ok(Self::Split(Box::new(split)))
    }

    /// How many transactions the plan sends.
    pub fn transactions(&self) -> usize {
        match self {
            Self::Full(_) => 1,
            Self::Split(split) => split.steps() + 2,
        }
    }
}

/// The calldata length of each split-flow call, in sending order.
fn split_sizes(split: &SplitProof, config: &VerifierConfig) -> Result<Vec<usize>, ChainError> {
    let initial = split.initial_calldata(Felt::ZERO, config).map_err(|e| invalid(e.to_string()))?;
    let steps = (0..split.steps()).filter_map(|step| split.step_calldata(Felt::ZERO, step));
    Ok(std::iter::once(initial).chain(steps).chain([split.final_calldata(Felt::ZERO)]).map(|c| c.len()).collect())
}
