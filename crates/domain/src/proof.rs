//! What provers take and give: requests, artifacts and verified claims.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::felt::{FactHash, Felt, ProgramHash};
use crate::model::ProofHash;
use crate::security::SecurityLevel;
use crate::statement::DecisionStatement;

crate::names::named_enum!(
    /// A prover starkrisk can ask for a proof.
    pub enum ProverKind {
        /// Stone (`cpu_air_prover`) run locally on the Cairo risk program.
        Stone = "stone",
        /// The in-process prover of the risk graph, LuminAIR-style, whose proofs are S-two proofs
        /// (`ProofSystem::Stwo`). One name in the API, the configuration (`[luminair]`) and here: clients
        /// already send `"preferred_prover": "luminair"`; the proof system keeps S-two's own name.
        Luminair = "luminair",
        /// Herodotus' Atlantic proving service (remote Stone).
        Atlantic = "atlantic",
    }
);

crate::names::named_enum!(
    /// The proof system an artifact belongs to, which decides its verifier.
    pub enum ProofSystem {
        /// A Stone proof of the Cairo risk program; Integrity can verify it on chain.
        Stone = "stone",
        /// An S-two proof of the risk AIR; verified locally only.
        Stwo = "stwo",
    }
);

/// What to prove: the statement the decision claims. The prover recomputes it and must arrive at the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRequest {
    /// The statement to prove.
    pub statement: DecisionStatement,
}

/// A proof as a prover returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofArtifact {
    /// Which prover made it.
    pub prover: ProverKind,
    /// Which system it belongs to.
    pub system: ProofSystem,
    /// The proof, in the system's own encoding (Stone JSON, or a starkrisk S-two envelope).
    pub bytes: Vec<u8>,
    /// The statement the proof claims, decoded from its public output.
    pub statement: DecisionStatement,
    /// How long proving took.
    pub prove_time: Duration,
    /// The remote prover's query that made it (Atlantic), recorded on the attempt; not stored with the proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_query: Option<String>,
}

impl VerifiedClaim {
    /// The claim's security under both regimes (the provable figure bounded from below when not stored).
    pub fn security(&self) -> SecurityLevel {
        match self.provable_security_bits {
            Some(provable_bits) => SecurityLevel { conjectured_bits: self.security_bits, provable_bits },
            None => SecurityLevel::from_conjectured(self.security_bits),
        }
    }
}

impl ProofArtifact {
    /// SHA-256 of the proof bytes.
    pub fn proof_hash(&self) -> ProofHash {
        ProofHash::of(&self.bytes)
    }
}

/// What a verifier established about a proof before anything is decoded from it: which program it is of
/// and what that program output. A proof of any program can get this far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedProof {
    /// The proof system.
    pub system: ProofSystem,
    /// The proven program: the Cairo program's hash (Stone), or the AIR's identity (S-two).
    pub program_hash: ProgramHash,
    /// The program's public output (an S-two proof's statement felts).
    pub public_output: Vec<Felt>,
    /// The security the proof actually has, under both regimes.
    pub security: SecurityLevel,
    /// Integrity's fact hash, for Stone proofs.
    pub fact_hash: Option<FactHash>,
}

/// What local verification established about an artifact: a proof of the risk program whose output is a
/// decision computed under the model its own hash names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedClaim {
    /// The proof system.
    pub system: ProofSystem,
    /// The proven program: the Cairo risk program's hash (Stone), or the risk AIR's identity (S-two).
    pub program_hash: ProgramHash,
    /// The statement decoded from the verified public output.
    pub statement: DecisionStatement,
    /// The security the proof actually has, in conjectured bits (the ethSTARK figure every prover and
    /// Integrity report, and `pipeline.min_security_bits` checks).
    pub security_bits: u32,
    /// The same proof's security in provable bits; absent on claims stored before it was recorded.
    #[serde(default)]
    pub provable_security_bits: Option<u32>,
    /// Integrity's fact hash, for Stone proofs.
    pub fact_hash: Option<FactHash>,
}

/// The result of one attempt at proving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "message", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// A proof came back.
    Succeeded,
    /// The prover is not installed, not configured or not reachable.
    Unavailable(String),
    /// The prover ran out of time.
    Timeout(String),
    /// The prover ran and failed, or returned a proof of something else.
    Failed(String),
}

impl AttemptOutcome {
    /// Whether the same prover might succeed later.
    pub const fn is_transient(&self) -> bool {
        matches!(self, AttemptOutcome::Unavailable(_) | AttemptOutcome::Timeout(_))
    }

    /// Whether the prover ran out of time: its next attempt on the job is given longer.
    pub const fn is_timeout(&self) -> bool {
        matches!(self, AttemptOutcome::Timeout(_))
    }
}

/// One try of one prover, kept on the job so operators see why a fallback happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProverAttempt {
    /// The prover tried.
    pub prover: ProverKind,
    /// When it started.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// How long it ran, in milliseconds.
    pub duration_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
    /// The remote prover's query (Atlantic's id), when the attempt had one: a retry polls it, and
    /// operators find it with the provider by this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_query: Option<String>,
}
