//! starkrisk's domain: the integer risk model and allocation rule, the statement every proof binds,
//! proof jobs and decisions with their state machines, Integrity's hashes, Stone's FRI rule, the ports
//! adapters implement, and the use cases that drive them. No I/O, no runtime: embed it anywhere.

pub mod allocation;
pub mod approval;
pub mod backoff;
pub mod bps;
pub mod decision;
pub mod error;
pub mod examples;
pub mod felt;
pub mod fri;
pub mod integrity;
pub mod metrics;
pub mod model;
mod names;
pub mod params;
pub mod ports;
pub mod proof;
pub mod proof_job;
pub mod risk;
mod secret;
pub mod statement;
#[cfg(feature = "testing")]
pub mod strategies;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod usecases;

pub use allocation::{Allocation, AllocationTerms, Assessment, GovernanceViolation, assess};
pub use approval::{ApprovalError, Approver, GovernanceApproval};
pub use backoff::Backoff;
pub use bps::{Apy, Bps};
pub use decision::{AllocationDecision, DecisionId, DecisionRecord, DecisionStatus, IllegalDecisionTransition};
pub use error::ValidationError;
pub use felt::{ContractAddress, FactHash, Felt, ModelHash, OutputHash, ProgramHash, TxHash, VerificationHash};
pub use fri::{FriError, FriParameters};
pub use integrity::{FactPolicy, FactVerification, VerifierConfig};
pub use metrics::{MarketSnapshot, Protocol, ProtocolMetrics, RawMetrics};
pub use model::{ModelStatus, ProofHash, RiskModel, RiskModelRecord};
pub use params::{GovernancePolicy, ModelParams, ModelVersion, RawModelParams};
pub use proof::{AttemptOutcome, ProofArtifact, ProofRequest, ProofSystem, ProverAttempt, ProverKind, VerifiedClaim};
pub use proof_job::{
    FactRegistration, IllegalTransition, JobFailure, ProofJob, ProofJobId, ProofJobRecord, ProofJobStatus, Stage,
};
pub use risk::{RiskCategory, RiskScore, RiskTerms, risk_score};
pub use secret::Secret;
pub use statement::DecisionStatement;
