//! Local verification: the right verifier, enough security, and the statement the decision claims.

use std::sync::Arc;

use serde::Serialize;

use crate::ports::{ModelStore, ProofJobStore, ProofVerifier, StoreError, VerifyError};
use crate::programs::RiskPrograms;
use crate::proof::{ProofSystem, VerifiedClaim, VerifiedProof};
use crate::proof_job::{ProofJobId, ProofJobStatus};
use crate::security::SecurityLevel;
use crate::statement::DecisionStatement;

/// Verifies proofs with the verifier of their system and the configured security floor, then binds them
/// to the risk model: the right program, an output that is a decision, and a model hash that its own
/// version, parameters and program give.
#[derive(Clone)]
pub struct VerifyProof {
    verifiers: Vec<Arc<dyn ProofVerifier>>,
    floor: SecurityLevel,
    programs: RiskPrograms,
}

impl VerifyProof {
    /// The use case over the configured verifiers, accepting proofs of `programs` at or above `floor`.
    pub fn new(verifiers: Vec<Arc<dyn ProofVerifier>>, floor: SecurityLevel, programs: RiskPrograms) -> Self {
        Self { verifiers, floor, programs }
    }

    /// The programs this deployment accepts proofs of.
    pub fn programs(&self) -> RiskPrograms {
        self.programs
    }

    /// Verifies `proof` of `system` and binds it to the risk model; refuses weak proofs, proofs of other
    /// programs, mislabelled models and statements the model does not produce.
    pub async fn verify(&self, system: ProofSystem, proof: &[u8]) -> Result<VerifiedClaim, VerifyError> {
        let verified = self.check(system, proof).await?;
        self.bind(&verified)
    }

    /// Verifies `proof` and refuses it unless it states exactly `expected`.
    pub async fn verify_statement(
        &self,
        system: ProofSystem,
        proof: &[u8],
        expected: &DecisionStatement,
    ) -> Result<VerifiedClaim, VerifyError> {
        let claim = self.verify(system, proof).await?;
        match expected.first_difference(&claim.statement) {
            None => Ok(claim),
            Some(field) => Err(VerifyError::Rejected {
                reason: format!("the proof states a different {field} than the decision; refusing it"),
            }),
        }
    }

    /// Verifies `proof` and reports what it is a proof of, and whether a decision could rest on it.
    pub async fn inspect(&self, system: ProofSystem, proof: &[u8]) -> Result<ProofReport, VerifyError> {
        let verified = self.check(system, proof).await?;
        let bound = self.bind(&verified);
        Ok(ProofReport {
            risk_program: self
                .programs
                .risk_output(verified.system, verified.program_hash, &verified.public_output)
                .is_some(),
            statement: bound.as_ref().ok().map(|claim| claim.statement),
            model_registered: false,
            refusal: bound.err().map(|e| e.to_string()),
            proof: verified,
        })
    }

    /// The verifier's answer, with the security floor applied.
    async fn check(&self, system: ProofSystem, proof: &[u8]) -> Result<VerifiedProof, VerifyError> {
        let verifier = self.verifiers.iter().find(|v| v.system() == system).ok_or(VerifyError::Unsupported(system))?;
        let verified = verifier.verify(proof).await?;
        let security = verified.security;
        if security.conjectured_bits < self.floor.conjectured_bits {
            return Err(VerifyError::InsufficientSecurity {
                actual: security.conjectured_bits,
                required: self.floor.conjectured_bits,
            });
        }
        if security.provable_bits < self.floor.provable_bits {
            return Err(VerifyError::InsufficientProvableSecurity {
                actual: security.provable_bits,
                required: self.floor.provable_bits,
            });
        }
        Ok(verified)
    }

    /// What a verified proof establishes about a decision, or why it establishes nothing.
    fn bind(&self, verified: &VerifiedProof) -> Result<VerifiedClaim, VerifyError> {
        let rejected = |reason: String| VerifyError::Rejected { reason };
        let expected = self.programs.expected(verified.system);
        let words = match self.programs.risk_output(verified.system, verified.program_hash, &verified.public_output) {
            Some(Ok(words)) => words,
            Some(Err(why)) => return Err(rejected(format!("the proof verifies, but {why}; refusing it"))),
            None => {
                return Err(rejected(format!(
                    "the proof verifies, but it is a proof of program {}, not of {} ({expected}); a proof of \
                     another program is refused whatever it outputs",
                    verified.program_hash,
                    RiskPrograms::describe(verified.system),
                )));
            }
        };
        let statement = DecisionStatement::from_felts(words)
            .map_err(|e| rejected(format!("the proof verifies, but its output is not a starkrisk decision: {e}")))?;
        let model_hash = statement.expected_model_hash(self.programs.cairo);
        if statement.model_hash != model_hash {
            return Err(rejected(format!(
                "model_hash: the proof states {}, but model {} with the stated params under the risk program \
                 hashes to {model_hash}; a model hash that does not describe the proven parameters is refused",
                statement.model_hash, statement.model_version,
            )));
        }
        if !statement.is_consistent() {
            return Err(rejected(
                "the proven risks or shares are not what the stated model gives for the stated metrics".into(),
            ));
        }
        Ok(VerifiedClaim {
            system: verified.system,
            program_hash: verified.program_hash,
            statement,
            security_bits: verified.security.conjectured_bits,
            provable_security_bits: Some(verified.security.provable_bits),
            fact_hash: verified.fact_hash,
        })
    }
}

/// What `POST /proofs/verify` learns about a proof that verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofReport {
    /// The verifier's answer: program, public output, security, fact.
    pub proof: VerifiedProof,
    /// Whether the proof is of the risk program (or the risk AIR, for S-two).
    pub risk_program: bool,
    /// The decision the output states, when it is one under a correctly hashed model.
    pub statement: Option<DecisionStatement>,
    /// Whether the statement's model hash is that of a model registered here.
    pub model_registered: bool,
    /// Why no decision could rest on this proof, if none could.
    pub refusal: Option<String>,
}

impl ProofReport {
    /// Whether a decision could rest on this proof.
    pub fn accepted(&self) -> bool {
        self.refusal.is_none()
    }
}

/// Why a proof could not be checked on request.
#[derive(Debug, thiserror::Error)]
pub enum CheckProofError {
    /// The job has no proof yet.
    #[error("proof job {job} has no proof yet ({status}); poll it and retry")]
    NoProofYet {
        /// The job.
        job: ProofJobId,
        /// Where it stands.
        status: ProofJobStatus,
    },
    /// The proof did not verify.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Storage failed, or there is no such job.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `POST /proofs/verify`: checks a submitted proof, or the one stored for a job, and says what it proves.
#[derive(Clone)]
pub struct CheckProof {
    verify: VerifyProof,
    jobs: Arc<dyn ProofJobStore>,
    models: Arc<dyn ModelStore>,
}

impl CheckProof {
    /// The use case over local verification, the job store and the model registry.
    pub fn new(verify: VerifyProof, jobs: Arc<dyn ProofJobStore>, models: Arc<dyn ModelStore>) -> Self {
        Self { verify, jobs, models }
    }

    /// Verifies a proof someone submitted.
    pub async fn submitted(&self, system: ProofSystem, proof: &[u8]) -> Result<ProofReport, CheckProofError> {
        let report = self.verify.inspect(system, proof).await?;
        self.with_registry(report).await
    }

    /// Verifies the proof stored for job `id`.
    pub async fn stored(&self, id: ProofJobId) -> Result<ProofReport, CheckProofError> {
        let job = self.jobs.get(id).await?.ok_or_else(|| StoreError::NotFound(format!("proof job {id}")))?;
        let artifact = job.artifact().ok_or(CheckProofError::NoProofYet { job: id, status: job.status() })?;
        let report = self.verify.inspect(artifact.system, &artifact.bytes).await?;
        self.with_registry(report).await
    }

    /// Looks the statement's model up; a proof under a model this deployment never registered is refused.
    async fn with_registry(&self, mut report: ProofReport) -> Result<ProofReport, CheckProofError> {
        let Some(statement) = report.statement else { return Ok(report) };
        let registered = self.models.get(statement.model_version).await?;
        report.model_registered = registered.is_some_and(|model| model.model_hash() == statement.model_hash);
        if !report.model_registered {
            report.refusal = Some(format!(
                "model_hash: {} (model {}) is not a model registered here",
                statement.model_hash, statement.model_version
            ));
        }
        Ok(report)
    }
}
