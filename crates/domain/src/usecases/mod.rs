//! The use cases: plain structs over the ports, with no knowledge of HTTP, SQL or any chain.

mod generate_proof;
mod orchestrate;
mod pipeline;
mod policy;
mod register_model;
mod verification_status;
mod verify_proof;

#[cfg(test)]
mod tests;

pub use generate_proof::{GenerateProof, ProverSet, ProvingResult, prove_with_fallback};
pub use orchestrate::{AllocationRequest, DefaultApys, OrchestrateAllocation, OrchestrateError, PlannedDecision};
pub use pipeline::{DecisionPipeline, PipelineError, PipelinePorts};
pub use policy::PipelinePolicy;
pub use register_model::RegisterModel;
pub use verification_status::{FactReport, StatusError, VerificationReport, VerificationStatus};
pub use verify_proof::VerifyProof;
