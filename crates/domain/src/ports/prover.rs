//! Making and checking proofs.

use std::time::Duration;

use async_trait::async_trait;

use crate::ports::StoreError;
use crate::proof::{AttemptOutcome, ProofArtifact, ProofRequest, ProofSystem, ProverKind, VerifiedProof};
use crate::statement::DecisionStatement;

/// Why a prover gave no proof.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    /// Not installed, not configured or not reachable; the next prover should be tried.
    #[error("{0}")]
    Unavailable(String),
    /// Ran out of time.
    #[error("proving took longer than {0:?}")]
    Timeout(Duration),
    /// The request itself is not provable (no other prover will do better).
    #[error("{field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The prover ran and failed.
    #[error("{0}")]
    Failed(String),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
    /// `error` happened to the query a remote prover (Atlantic) was given, which the attempt records so
    /// operators can look it up with the provider.
    #[error("{error} (query {query})")]
    AtQuery {
        /// The remote prover's query id.
        query: String,
        /// What went wrong with it.
        error: Box<ProverError>,
    },
}

impl ProverError {
    /// The same error, said to have happened to remote query `query`.
    pub fn at_query(self, query: &str) -> Self {
        ProverError::AtQuery { query: query.to_string(), error: Box::new(self) }
    }

    /// The remote query the error happened to, if any.
    pub fn remote_query(&self) -> Option<&str> {
        match self {
            ProverError::AtQuery { query, .. } => Some(query),
            _ => None,
        }
    }

    /// What went wrong, without the query it happened to.
    pub fn cause(&self) -> &ProverError {
        match self {
            ProverError::AtQuery { error, .. } => error.cause(),
            other => other,
        }
    }

    /// How the attempt is recorded on the job.
    pub fn outcome(&self) -> AttemptOutcome {
        match self.cause() {
            ProverError::Unavailable(_) => AttemptOutcome::Unavailable(self.to_string()),
            ProverError::Timeout(_) => AttemptOutcome::Timeout(self.to_string()),
            _ => AttemptOutcome::Failed(format!("{self:#}")),
        }
    }
}

/// How much longer than its configured timeout a prover may take on this attempt: its timeout doubled once
/// per earlier attempt of the same job that it timed out on, up to `cap` (never below the configured one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutGrowth {
    /// Earlier attempts of this job on which this prover timed out.
    pub doublings: u32,
    /// `pipeline.max_prover_timeout_secs`.
    pub cap: Duration,
}

impl TimeoutGrowth {
    /// A first attempt: the configured timeout as it is.
    pub const NONE: TimeoutGrowth = TimeoutGrowth { doublings: 0, cap: Duration::ZERO };

    /// The timeout for this attempt, for a prover configured with `base`.
    pub fn applied_to(&self, base: Duration) -> Duration {
        let grown = base.saturating_mul(2u32.saturating_pow(self.doublings.min(31)));
        grown.min(self.cap).max(base)
    }
}

/// Makes a proof of a decision's statement.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait Prover: Send + Sync {
    /// Which prover this is.
    fn kind(&self) -> ProverKind;

    /// Proves `request` within its configured timeout grown by `growth`, or returns [`ProverError::Timeout`].
    async fn prove(&self, request: &ProofRequest, growth: TimeoutGrowth) -> Result<ProofArtifact, ProverError>;
}

/// Why a proof was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The proof does not verify, or states something else; the reason says which.
    #[error("{reason}")]
    Rejected {
        /// Why.
        reason: String,
    },
    /// The proof verifies but is weaker than policy requires, in conjectured bits (the ethSTARK figure).
    #[error(
        "proof has {actual} bits of conjectured security (ethSTARK); pipeline.min_security_bits requires at least {required}"
    )]
    InsufficientSecurity {
        /// What the proof has.
        actual: u32,
        /// What policy requires.
        required: u32,
    },
    /// The proof verifies but is weaker than policy requires, in provable bits.
    #[error(
        "proof has {actual} bits of provable security; pipeline.min_provable_security_bits requires at least {required}"
    )]
    InsufficientProvableSecurity {
        /// What the proof has.
        actual: u32,
        /// What policy requires.
        required: u32,
    },
    /// No verifier for this proof system is configured.
    #[error("no verifier is configured for {0:?} proofs")]
    Unsupported(ProofSystem),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl VerifyError {
    /// A verifier that panicked on a proof's bytes: the proof is malformed or hostile, and the same bytes
    /// would panic again, so it is refused rather than retried. `payload` is what the panic carried.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let detail = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        VerifyError::Rejected {
            reason: format!("the proof is malformed: the verifier could not process it ({detail})"),
        }
    }

    /// The error for a verification task that did not return: `Ok` holds a panic's payload (the proof's
    /// fault, refused), `Err` anything else (the runtime's, tried again later).
    pub fn from_task<E: std::fmt::Display>(outcome: Result<Box<dyn std::any::Any + Send>, E>) -> Self {
        match outcome {
            Ok(payload) => Self::from_panic(payload.as_ref()),
            Err(e) => VerifyError::Unknown(anyhow::anyhow!("the verification task did not finish: {e}")),
        }
    }
}

/// Checks a proof and says what it proves.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait ProofVerifier: Send + Sync {
    /// The proof system this verifier checks.
    fn system(&self) -> ProofSystem;

    /// Verifies `proof` (in the system's own encoding) and says which program it proves and what that
    /// program output; binding the output to a decision is the domain's job, not the adapter's.
    async fn verify(&self, proof: &[u8]) -> Result<VerifiedProof, VerifyError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_panic_is_a_refusal_that_says_why() {
        for payload in [
            Box::new("index out of bounds") as Box<dyn std::any::Any + Send>,
            Box::new(String::from("index out of bounds")),
        ] {
            match VerifyError::from_panic(payload.as_ref()) {
                VerifyError::Rejected { reason } => {
                    assert!(reason.contains("malformed") && reason.contains("index out of bounds"), "{reason}")
                }
                other => panic!("a panic on a proof must refuse it, not {other:?}"),
            }
        }
        let opaque = VerifyError::from_panic(&42u8);
        assert!(matches!(opaque, VerifyError::Rejected { ref reason } if reason.contains("no message")), "{opaque:?}");
    }
}

/// Queries already submitted to a remote prover (Atlantic), by prover and statement: a retry, a restart or
/// another worker polls the query that was paid for instead of submitting (and paying) again.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait ProverQueries: Send + Sync {
    /// The query submitted to `prover` for `statement`, if one is on record.
    async fn find(&self, prover: ProverKind, statement: &DecisionStatement) -> Result<Option<String>, StoreError>;

    /// Records `query` as submitted to `prover` for `statement`; a record already there stays.
    async fn record(&self, prover: ProverKind, statement: &DecisionStatement, query: &str) -> Result<(), StoreError>;

    /// Forgets the query for `statement` (it failed): the next attempt submits anew.
    async fn forget(&self, prover: ProverKind, statement: &DecisionStatement) -> Result<(), StoreError>;
}

/// The key a statement's remote queries are filed under: Poseidon over its felts, in hex.
pub fn query_key(statement: &DecisionStatement) -> String {
    format!("{:#x}", crate::poseidon_many(&statement.to_felts()))
}
