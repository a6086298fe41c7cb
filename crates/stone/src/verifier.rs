//! In-process verification of Stone proofs with swiftness, the Rust port of the verifier Integrity runs.

use async_trait::async_trait;
use starkrisk_domain::ports::{ProofVerifier, VerifyError};
use starkrisk_domain::{
    FactHash, Felt, OutputHash, ProgramHash, ProofSystem, SecurityLevel, VerifiedProof, VerifierConfig,
};

use crate::error::StoneError;
use crate::proof::StoneProof;
use crate::split::SplitProof;

/// What a verified Stone proof establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoneVerification {
    /// Integrity's program hash (Poseidon over the program words).
    pub program_hash: ProgramHash,
    /// The program's output words.
    pub output: Vec<Felt>,
    /// Poseidon over the output.
    pub output_hash: OutputHash,
    /// Integrity's fact.
    pub fact_hash: FactHash,
    /// The proof's security bits (conjectured, as Integrity counts them).
    pub security_bits: u32,
    /// The proof's security under both regimes.
    pub security: SecurityLevel,
}

/// Verifies recursive / keccak_160_lsb / stone6 proofs, the configuration Integrity accepts for this program.
#[derive(Debug, Clone)]
pub struct StoneVerifier {
    min_security_bits: u32,
}

impl StoneVerifier {
    /// The configuration this build verifies (fixed by swiftness' compile-time features).
    pub fn config() -> VerifierConfig {
        VerifierConfig::starkrisk()
    }

    /// A verifier refusing proofs below `min_security_bits`.
    pub fn new(min_security_bits: u32) -> Self {
        Self { min_security_bits }
    }

    /// Verifies Stone proof JSON.
    pub fn verify_json(&self, json: &str) -> Result<StoneVerification, StoneError> {
        self.verify_parsed(&StoneProof::parse(json)?)
    }

    /// Verifies a parsed proof (benchmarks time parsing and verifying apart).
    pub fn verify_parsed(&self, proof: &StoneProof) -> Result<StoneVerification, StoneError> {
        let expected = Self::config();
        let layout = proof.layout();
        if layout != expected.layout {
            return Err(StoneError::Rejected(format!(
                "the proof is for layout `{layout}`; starkrisk verifies {}/{}/{} proofs",
                expected.layout, expected.hasher, expected.stone_version
            )));
        }
        let security = proof.security();
        let security_bits = security.conjectured_bits;
        if security_bits < self.min_security_bits {
            return Err(StoneError::InsufficientSecurity { actual: security_bits, required: self.min_security_bits });
        }
        // Not swiftness' own `verify`: it ignores the Merkle decommitment of every inner FRI layer, so a
        // proof Integrity refuses would pass. The split-flow replay checks each layer as Integrity does.
        let verified = SplitProof::verify(&proof.parsed)?;
        // Only a proof that verifies has public memory worth hashing.
        let (program_hash, output_hash, fact_hash) = proof.fact()?;
        let output = proof.output()?;
        if verified.output != output {
            return Err(StoneError::Rejected("the verified output differs from the public memory's output".into()));
        }
        Ok(StoneVerification { program_hash, output, output_hash, fact_hash, security_bits, security })
    }
}

impl From<StoneError> for VerifyError {
    fn from(e: StoneError) -> Self {
        match e {
            StoneError::InsufficientSecurity { actual, required } => {
                VerifyError::InsufficientSecurity { actual, required }
            }
            other => VerifyError::Rejected { reason: other.to_string() },
        }
    }
}

#[async_trait]
impl ProofVerifier for StoneVerifier {
    fn system(&self) -> ProofSystem {
        ProofSystem::Stone
    }

    async fn verify(&self, proof: &[u8]) -> Result<VerifiedProof, VerifyError> {
        let json = String::from_utf8(proof.to_vec()).map_err(|_| VerifyError::Rejected {
            reason: "a Stone proof is JSON text, and this is not UTF-8".into(),
        })?;
        let verifier = self.clone();
        // Verification is CPU-bound (tens of ms); keep it off the async workers.
        let verified = tokio::task::spawn_blocking(move || verifier.verify_json(&json))
            .await
            .map_err(|e| VerifyError::from_task(e.try_into_panic()))??;
        Ok(VerifiedProof {
            system: ProofSystem::Stone,
            program_hash: verified.program_hash,
            public_output: verified.output,
            security: verified.security,
            fact_hash: Some(verified.fact_hash),
        })
    }
}
