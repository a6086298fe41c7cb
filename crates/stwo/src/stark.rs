//! Proving and verifying the risk AIR with stwo, synchronously (the adapters move this off the runtime).

use std::panic::{AssertUnwindSafe, catch_unwind};

use num_traits::Zero;
use starkrisk_domain::DecisionStatement;
use stwo::core::air::Component;
use stwo::core::channel::{Blake2sChannel, Channel};
use stwo::core::fields::qm31::SecureField;
use stwo::core::pcs::{CommitmentSchemeVerifier, PcsConfig};
use stwo::core::poly::circle::CanonicCoset;
use stwo::core::proof::StarkProof;
use stwo::core::utils::MaybeOwned;
use stwo::core::vcs_lifted::blake2_merkle::{Blake2sMerkleChannel, Blake2sMerkleHasher};
use stwo::core::verifier::{PREPROCESSED_TRACE_IDX, verify as stwo_verify};
use stwo::prover::backend::simd::SimdBackend;
use stwo::prover::poly::circle::PolyOps;
use stwo::prover::vcs_lifted::prover::MerkleProverLifted;
use stwo::prover::{CommitmentSchemeProver, CommitmentTreeProver, prove as stwo_prove};
use stwo_constraint_framework::TraceLocationAllocator;

use crate::air::{self, AIR_VERSION, LOG_MAX_DEGREE, LOG_ROWS, RiskComponent, RiskEval, air_hash};
use crate::envelope::{ProofEnvelope, public_words};
use crate::error::StwoError;
use crate::security::SecurityParams;

/// Trees a proof commits to: preprocessed (empty), trace, composition.
const N_TREES: usize = 3;

/// Proves `statement`; refuses a statement the model does not compute.
pub fn prove(statement: &DecisionStatement, security: SecurityParams) -> Result<ProofEnvelope, StwoError> {
    security.validate()?;
    let config = security.pcs_config();
    let trace = air::trace(statement, config.fri_config.log_blowup_factor).map_err(StwoError::FalseStatement)?;
    let twiddles = SimdBackend::precompute_twiddles(
        // Enough for the composition's evaluation domain and the blown-up commitments of both trees.
        CanonicCoset::new(LOG_ROWS + LOG_MAX_DEGREE + config.fri_config.log_blowup_factor).circle_domain().half_coset,
    );
    let channel = &mut transcript(&security, statement);
    // Below a blowup of 2^LOG_MAX_DEGREE the committed evaluations are too few to evaluate the constraints
    // on, and stwo extends the trace again from the coefficients `air::trace` keeps with it.
    let mut scheme = CommitmentSchemeProver::<SimdBackend, Blake2sMerkleChannel>::new(config, &twiddles);
    let mut preprocessed = scheme.tree_builder();
    preprocessed.extend_evals(vec![]);
    preprocessed.commit(channel);
    // The trace's evaluations are already blown up (see `air::trace`); stwo commits them as they are.
    let lifting_log_size = air::lifting_log_size(config.fri_config.log_blowup_factor);
    let commitment =
        MerkleProverLifted::commit(trace.iter().map(|poly| &poly.evals.values).collect(), lifting_log_size, 0);
    scheme.commit_tree(MaybeOwned::Owned(CommitmentTreeProver { polynomials: trace, commitment }), channel);
    let component = component(statement);
    let proof = stwo_prove::<SimdBackend, Blake2sMerkleChannel>(&[&component], channel, scheme)
        .map_err(|e| StwoError::Proving(e.to_string()))?;
    let proof = postcard::to_allocvec(&proof).map_err(|e| StwoError::Proving(format!("encoding: {e}")))?;
    Ok(ProofEnvelope { air_version: AIR_VERSION, air_hash: air_hash(), security, statement: *statement, proof })
}

/// Verifies `envelope` against its own statement, refusing proofs below `min_security_bits`.
pub fn verify(envelope: &ProofEnvelope, min_security_bits: u32) -> Result<(), StwoError> {
    if envelope.air_version != AIR_VERSION {
        return Err(StwoError::Malformed(format!(
            "the proof is for risk AIR v{}; this build verifies v{AIR_VERSION}",
            envelope.air_version
        )));
    }
    if envelope.air_hash != air_hash() {
        return Err(StwoError::Malformed(format!(
            "the proof is for risk AIR {} (another layout under the same version); this build verifies {}",
            envelope.air_hash,
            air_hash()
        )));
    }
    let security = envelope.security;
    security.validate()?;
    if security.bits() < min_security_bits {
        return Err(StwoError::InsufficientSecurity { actual: security.bits(), required: min_security_bits });
    }
    let proof: StarkProof<Blake2sMerkleHasher> = postcard::from_bytes(&envelope.proof)
        .map_err(|e| StwoError::Malformed(format!("the stwo proof does not decode: {e}")))?;
    let config = security.pcs_config();
    if proof.0.config != config {
        return Err(StwoError::Rejected("the proof was made with other parameters than its envelope states".into()));
    }
    if proof.0.commitments.len() != N_TREES {
        return Err(StwoError::Rejected(format!(
            "the proof commits to {} trees; the risk AIR has {N_TREES}",
            proof.0.commitments.len()
        )));
    }
    let statement = &envelope.statement;
    let channel = &mut transcript(&security, statement);
    let component = component(statement);
    let sizes = component.trace_log_degree_bounds();
    // The preprocessed tree is empty. stwo's prover commits an empty tree as a bare leaf layer whatever
    // the lifting size, while its verifier would walk a full-height path under the configured one; read
    // it at its own height (zero), as the prover built it, then lift the trees that hold columns.
    let mut scheme =
        CommitmentSchemeVerifier::<Blake2sMerkleChannel>::new(PcsConfig { lifting_log_size: None, ..config });
    scheme.commit(proof.0.commitments[PREPROCESSED_TRACE_IDX], &sizes[PREPROCESSED_TRACE_IDX], channel);
    scheme.config = config;
    for tree in PREPROCESSED_TRACE_IDX + 1..N_TREES - 1 {
        scheme.commit(proof.0.commitments[tree], &sizes[tree], channel);
    }
    // stwo indexes into the proof as it verifies; a corrupted proof may panic instead of returning an
    // error. Nothing shared is mutated inside, so a panic leaves no broken state behind.
    let outcome = catch_unwind(AssertUnwindSafe(|| stwo_verify(&[&component], channel, &mut scheme, proof)));
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(StwoError::Rejected(e.to_string())),
        Err(_) => Err(StwoError::Rejected("the proof is corrupt (its structure does not match the AIR)".into())),
    }
}

/// The risk component of `statement`.
fn component(statement: &DecisionStatement) -> RiskComponent {
    RiskComponent::new(&mut TraceLocationAllocator::default(), RiskEval::new(*statement), SecureField::zero())
}

/// A Fiat-Shamir transcript seeded with everything public: the envelope's header, the parameters and the
/// statement. A proof is therefore bound to every public input, including ones no constraint reads
/// (the model hash, or the weight of a liquidity tier neither protocol is in).
fn transcript(security: &SecurityParams, statement: &DecisionStatement) -> Blake2sChannel {
    let mut channel = Blake2sChannel::default();
    security.pcs_config().mix_into(&mut channel);
    channel.mix_u32s(&public_words(AIR_VERSION, air_hash(), security, statement));
    channel
}
