//! The use cases: plain structs over the ports, with no knowledge of HTTP, SQL or any chain. Each HTTP
//! endpoint calls exactly one of them (the map is in docs/architecture.md).

mod chain_metrics;
mod decisions;
mod execute;
mod generate_proof;
mod market_snapshots;
mod model_registry;
mod orchestrate;
mod overview;
mod pipeline;
mod planner;
mod policy;
mod rebalance;
mod retry_job;
mod sample_markets;
mod verification_status;
mod verify_proof;
mod webhook_deliveries;

#[cfg(test)]
mod tests;

pub use chain_metrics::{ChainMetrics, MarketTerms};
pub use decisions::{DecisionQueries, DecisionWithJob};
pub use execute::{ExecuteAllocation, ExecuteError};
pub use generate_proof::{GenerateProof, ProverSet, ProvingResult, prove_with_fallback};
pub use market_snapshots::MarketSnapshots;
pub use model_registry::{ModelRegistry, RegisterModelError, RegisteredModel};
pub use orchestrate::{
    AllocationRequest, ApprovalRules, OrchestrateAllocation, OrchestrateError, OrchestratePorts, Submission, Submitted,
};
pub use overview::{ChainHealth, OperationsOverview, Overview, Percentiles, ProverHealth};
pub use pipeline::{DecisionPipeline, NOT_EXECUTED_WITHOUT_CHAIN, PipelineError, PipelinePorts};
pub use planner::{Computed, DefaultApys, StatementPlanner};
pub use policy::PipelinePolicy;
pub use rebalance::{REBALANCER_TASK, RebalanceOutcome, ScheduledRebalance};
pub use retry_job::{RetryError, RetryJob};
pub use sample_markets::{SAMPLER_TASK, SampleMarkets, SampleOutcome};
pub use verification_status::{FactReport, JudgedVerification, StatusError, VerificationReport, VerificationStatus};
pub use verify_proof::{CheckProof, CheckProofError, ProofReport, VerifyProof};
pub use webhook_deliveries::WebhookDeliveries;
