//! Test support for any crate that embeds the domain (feature `testing`): an in-memory store behind every
//! store port, a clock moved by hand, and the mockall mocks of the ports.

mod builders;
mod clock;
mod memory;
pub mod store_contract;

pub use builders::{altered_decision, altered_job, executed_decision};
pub use clock::ManualClock;
pub use memory::MemoryStore;

pub use crate::ports::{
    MockAllocationExecutor, MockClock, MockDecisionStore, MockFactRegistry, MockIdempotencyStore, MockLeadership,
    MockMarketSamples, MockMetricsSource, MockModelStore, MockPoolReader, MockProofJobStore, MockProofVerifier,
    MockProver, MockReadiness,
};
