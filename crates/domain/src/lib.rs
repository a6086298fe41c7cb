//! starkrisk's domain: the integer risk model and allocation rule, the statement every proof binds,
//! proof jobs and decisions with their state machines, Integrity's hashes, Stone's FRI rule, the ports
//! adapters implement, and the use cases that drive them. No I/O, no runtime: embed it anywhere.

mod allocation;
mod approval;
mod backoff;
mod bps;
mod chain_checks;
mod decision;
mod error;
pub mod examples;
mod execution;
mod felt;
mod fri;
mod integrity;
pub mod market;
mod metrics;
mod model;
mod names;
mod params;
pub mod ports;
mod programs;
mod proof;
mod proof_job;
mod restore;
mod retry;
mod risk;
mod secret;
mod security;
mod statement;
#[cfg(feature = "testing")]
pub mod strategies;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod usecases;
mod whole_number;

pub use allocation::{Allocation, AllocationTerms, Assessment, GovernanceViolation, allocation_terms, assess};
pub use approval::{APPROVAL_TAG, ApprovalDomain, ApprovalError, ApprovalNonce, Approver, GovernanceApproval};
pub use backoff::Backoff;
pub use bps::{Apy, Bps};
pub use chain_checks::{ChainCheck, ChainChecked, ChainRule};
pub use decision::{AllocationDecision, DecisionId, DecisionRecord, DecisionStatus, IllegalDecisionTransition};
pub use error::ValidationError;
pub use execution::{
    AllocationExecuted, ExecutionMode, ExecutionRecord, ExecutionRequest, TreasuryBalances, TreasuryRebalanced,
};
pub use felt::{
    ContractAddress, FELT_HEX_PATTERN, FactHash, Felt, ModelHash, OutputHash, ProgramHash, ReadingsHash, SnapshotHash,
    TxHash, VerificationHash, decode_short_string, parse_felt, short_string,
};
pub use fri::{FriError, FriParameters};
pub use integrity::{FactPolicy, FactVerification, VerifierConfig, bootloaded_task, bootloader_output, poseidon_many};
pub use metrics::{LiquidityTier, MarketSnapshot, Protocol, ProtocolMetrics, RawMetrics};
pub use model::{ModelStatus, ProofHash, RiskModel, RiskModelRecord};
pub use params::{GovernancePolicy, ModelParams, ModelVersion, RawModelParams};
pub use programs::RiskPrograms;
pub use proof::{
    AttemptOutcome, ProofArtifact, ProofRequest, ProofSystem, ProverAttempt, ProverKind, VerifiedClaim, VerifiedProof,
};
pub use proof_job::{
    FactRegistration, IllegalTransition, JobFailure, ProofJob, ProofJobId, ProofJobRecord, ProofJobStatus, Resumption,
    Stage,
};
pub use restore::CorruptRecord;
pub use retry::{Attempt, GaveUp, Jitter, Retry, RetryLimit};
pub use risk::{RiskCategory, RiskScore, RiskTerms, risk_score, risk_terms};
pub use secret::Secret;
pub use security::SecurityLevel;
pub use statement::{DecisionStatement, Provenance, STATEMENT_FIELDS, STATEMENT_INPUTS, STATEMENT_LEN, felt_to_u32};
pub use whole_number::parse_u128;
