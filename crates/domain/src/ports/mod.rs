//! The ports: what the domain needs from the outside world, as traits that adapters implement.

mod chain;
mod clock;
mod job_page;
mod leadership;
mod market_samples;
mod metrics_source;
mod pool_reader;
mod prover;
mod store;
mod wakeup;
mod webhooks;

pub use chain::*;
pub use clock::*;
pub use job_page::*;
pub use leadership::*;
pub use market_samples::*;
pub use metrics_source::*;
pub use pool_reader::*;
pub use prover::*;
pub use store::*;
pub use wakeup::*;
pub use webhooks::*;
